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
import type { EventsModule } from '../../events/index.ts';
import type { Ingest } from '../../graph/index.ts';
import type { Conflicts } from '../connectors.conflicts.ts';
import { createMsgraphCalendarWrite } from './msgraph.calendar-write.ts';
import { createMsgraphConnector, loginBaseOf, type MsgraphWriteBack } from './msgraph.connector.ts';
import { createContactsPush } from './msgraph.contacts-push.ts';
import { createMsgraphContactsWrite } from './msgraph.contacts-write.ts';
import { createMsgraphMail } from './msgraph.mail.ts';
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
  /** Graph ingest and the event consumers: for pushing hub edits of Outlook contacts (write-back). */
  ingest?: Ingest;
  events?: Pick<EventsModule, 'subscribe'>;
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
    writeBack: () => writeBack,
  });
  const sync: MsgraphSync = createMsgraphSync({ db: deps.db, clientFor, defaultRegionOf: deps.defaultRegionOf });
  const writeDeps = { db: deps.db, clientFor, defaultRegionOf: deps.defaultRegionOf };
  const writeBack: MsgraphWriteBack = {
    mail: createMsgraphMail(writeDeps),
    calendar: createMsgraphCalendarWrite(writeDeps),
    contacts: createMsgraphContactsWrite(writeDeps),
  };

  function attach(connectors: {
    service: ConnectorsService;
    registry: ConnectorRegistry;
    conflicts?: Conflicts;
  }): HubModule {
    // Hub edits of persons from Outlook contacts are pushed there; their conflicts resolved here.
    if (deps.events && deps.ingest && connectors.conflicts) {
      const push = createContactsPush({
        db: deps.db,
        logger: deps.logger,
        ingest: deps.ingest,
        connectors: connectors.service,
        conflicts: connectors.conflicts,
      });
      deps.events.subscribe({
        name: 'msgraph-contacts-push',
        types: ['data.EntityUpdated'],
        transactional: false,
        handler: (event) => push.handle(event),
      });
      connectors.conflicts.handle('contacts', push.resolve);
    }
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
