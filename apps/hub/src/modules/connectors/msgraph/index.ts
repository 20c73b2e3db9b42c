import type { Config } from '../../../platform/config.ts';
import type { Database, Sql } from '../../../platform/db/index.ts';
import type { OutboundClient } from '../../../platform/http/outbound/index.ts';
import type { Logger } from '../../../platform/logger.ts';
import type { HubModule } from '../../../platform/module.ts';
import type { CountryCode } from 'libphonenumber-js';
import type { WalletService } from '../../wallet/index.ts';
import type { ConnectorRegistry } from '../connectors.registry.ts';
import type { ConnectorsService } from '../connectors.service.ts';
import { createAuthorizeFlow } from './msgraph.authorize.ts';
import { createMsgraphConnector, loginBaseOf } from './msgraph.connector.ts';
import { createPolling } from './msgraph.polling.ts';
import { msgraphRoutes } from './msgraph.routes.ts';
import { createMsgraphSync, type MsgraphSync } from './msgraph.sync.ts';
import { createTokenStore } from './msgraph.tokens.ts';

export {
  graphClient,
  mailboxConcurrency,
  maxBatch,
  type BatchPart,
  type GraphAnswer,
  type GraphClient,
  type GraphRequest,
} from './msgraph.client.ts';
export { GraphError, ResyncRequired, graphErrorOf, signInAgain } from './msgraph.errors.ts';
export { msgraphRepository } from './msgraph.repository.ts';
export {
  contactItems,
  eventItem,
  messageItem,
  source as msgraphSource,
  rruleOf,
  eventTime,
} from './msgraph.mapping.ts';
export { msgraphOptionsSchema, scopesFor, type MsgraphOptions } from './msgraph.options.ts';
export type { TokenStore } from './msgraph.tokens.ts';

export interface MsgraphDeps {
  config: Pick<Config, 'publicUrl' | 'providerUrls' | 'corsOrigins'>;
  db: Database;
  logger: Logger;
  outbound: OutboundClient;
  wallet: Pick<WalletService, 'describe' | 'unseal' | 'seal' | 'open'>;
  defaultRegionOf(tx: Sql, ownerId: string): Promise<CountryCode | undefined>;
  /** Polling tick (tests shorten it). Default 30 s. */
  pollTickMs?: number;
}

/**
 * Microsoft 365 through Microsoft Graph (issue 13): the connector (sign-in, delta sync,
 * mapping), the OAuth routes and delta polling. The connector is handed to the connectors
 * module; `attach()` adds the routes and polling once that module exists. See README.md.
 */
export function createMsgraph(deps: MsgraphDeps) {
  const tokens = createTokenStore({
    db: deps.db,
    wallet: deps.wallet,
    outbound: deps.outbound,
    loginBase: () => loginBaseOf(deps.config.providerUrls),
  });
  const { connector, clientFor } = createMsgraphConnector({
    db: deps.db,
    outbound: deps.outbound,
    urls: deps.config.providerUrls,
    tokens,
    // The sync needs clientFor, made here: it is built just below, before any sync can run.
    sync: () => sync,
  });
  const sync: MsgraphSync = createMsgraphSync({ db: deps.db, clientFor, defaultRegionOf: deps.defaultRegionOf });

  function attach(connectors: { service: ConnectorsService; registry: ConnectorRegistry }): HubModule {
    const flow = createAuthorizeFlow({
      config: deps.config,
      db: deps.db,
      logger: deps.logger,
      outbound: deps.outbound,
      registry: connectors.registry,
      wallet: deps.wallet,
      tokens,
      connectors: () => connectors.service,
    });
    const polling = createPolling({
      db: deps.db,
      logger: deps.logger,
      service: connectors.service,
      tickMs: deps.pollTickMs,
    });
    return {
      name: 'msgraph',
      routes: msgraphRoutes(flow),
      start: async () => polling.start(),
      stop: async () => polling.stop(),
    };
  }

  return { connector, clientFor, tokens, attach };
}

export type Msgraph = ReturnType<typeof createMsgraph>;
