import type { Config } from '../../platform/config.ts';
import type { Database } from '../../platform/db/index.ts';
import type { OutboundClient } from '../../platform/http/outbound/index.ts';
import type { Logger } from '../../platform/logger.ts';
import type { HubModule } from '../../platform/module.ts';
import type { EventOutbox } from '../events/index.ts';
import type { Ingest, RemoveExternal } from '../graph/index.ts';
import type { JobsModule } from '../jobs/index.ts';
import type { Connections, WalletService } from '../wallet/index.ts';
import type { AnyConnector } from './connectors.contract.ts';
import { createConnectorRegistry, type ConnectorRegistry } from './connectors.registry.ts';
import { connectorsRepository } from './connectors.repository.ts';
import { connectorsRoutes } from './connectors.routes.ts';
import { createConnectorsService, type ConnectorsService } from './connectors.service.ts';
import { createSyncRunner, type SyncTuning } from './connectors.sync.ts';
import { webhookRoutes } from './connectors.webhooks.ts';
import { conflictRoutes, createConflicts, type Conflicts } from './connectors.conflicts.ts';

export * from './connectors.contract.ts';
export type { ConnectorRegistry } from './connectors.registry.ts';
export type { SyncTuning } from './connectors.sync.ts';
export type { OpenConnection, WriteCapability, ConnectorsService } from './connectors.service.ts';
export { ownerClaims } from './connectors.sync.ts';
export type { ConnectionView } from './connectors.schemas.ts';
export { signatureMatches, webhookBodyLimit } from './connectors.webhooks.ts';
export { providerApi } from './connectors.provider-api.ts';
export { connectorsRepository } from './connectors.repository.ts';
export {
  conflictViewSchema,
  type ConflictView,
  type Conflicts,
  type ConflictResolver,
} from './connectors.conflicts.ts';

export const connectorsMigrations = {
  module: 'connectors',
  dir: new URL('./migrations', import.meta.url).pathname,
};

/**
 * What the wallet's capabilities read: the capabilities the owner's active connections
 * configure. Built from the repository alone, so the wallet can be created before this module.
 */
export const connectorConnections: Connections = {
  connectionsFor: (tx, ownerId) => connectorsRepository.activeCapabilities(tx, ownerId),
};

export interface ConnectorsModuleDeps {
  config: Pick<Config, 'publicUrl' | 'providerUrls'>;
  db: Database;
  logger: Logger;
  outbox: EventOutbox;
  outbound: OutboundClient;
  ingest: Ingest;
  removeExternal: RemoveExternal;
  jobs: Pick<JobsModule, 'register' | 'enqueue'>;
  wallet: Pick<WalletService, 'describe' | 'unseal' | 'watchCapabilities'>;
  /** The connectors this hub ships (connectors/<provider>/), plus any a test adds. */
  connectors: readonly AnyConnector[];
  tuning?: SyncTuning;
}

export interface ConnectorsModule extends HubModule {
  service: ConnectorsService;
  registry: ConnectorRegistry;
  /** Write-back conflicts (record, list, resolve): GET /api/v1/conflicts. */
  conflicts: Conflicts;
}

/**
 * Connectors (DESIGN §2): connection rows per user under /api/v1/connections, sync as pg-boss
 * jobs with a persisted cursor, webhooks under /webhooks/<provider>/<connectionId>/..., and
 * their status in /health. See README.md and docs/decisions/0011-connectors.md.
 */
export function createConnectorsModule(deps: ConnectorsModuleDeps): ConnectorsModule {
  const registry = createConnectorRegistry(deps.connectors);
  const context = { config: deps.config, outbound: deps.outbound, logger: deps.logger };
  const sync = createSyncRunner({
    ...context,
    db: deps.db,
    outbox: deps.outbox,
    ingest: deps.ingest,
    removeExternal: deps.removeExternal,
    jobs: deps.jobs,
    wallet: deps.wallet,
    registry,
    tuning: deps.tuning,
  });
  const service = createConnectorsService({
    ...context,
    db: deps.db,
    outbox: deps.outbox,
    registry,
    wallet: deps.wallet,
    sync,
  });
  const apiRoutes = connectorsRoutes(service);
  const conflicts = createConflicts({ db: deps.db });
  const hooks = webhookRoutes({
    config: deps.config,
    db: deps.db,
    logger: deps.logger,
    registry,
    ingest: deps.ingest,
    wallet: deps.wallet,
  });
  return {
    name: 'connectors',
    service,
    registry,
    conflicts,
    async routes(app) {
      await app.register(apiRoutes);
      await app.register(conflictRoutes(conflicts));
      await app.register(hooks);
    },
    health: () => service.health(),
  };
}
