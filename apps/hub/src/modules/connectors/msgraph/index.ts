import type { Config } from '../../../platform/config.ts';
import type { Database, Sql } from '../../../platform/db/index.ts';
import type { OutboundClient } from '../../../platform/http/outbound/index.ts';
import type { Logger } from '../../../platform/logger.ts';
import type { HubModule } from '../../../platform/module.ts';
import type { CountryCode } from 'libphonenumber-js';
import type { NatsConnection } from '@nats-io/transport-node';
import type { EventOutbox } from '../../events/index.ts';
import type { JobsModule } from '../../jobs/index.ts';
import type { WalletService } from '../../wallet/index.ts';
import type { ConnectorRegistry } from '../connectors.registry.ts';
import type { ConnectorsService } from '../connectors.service.ts';
import { createAuthorizeFlow } from './msgraph.authorize.ts';
import type { EventsModule } from '../../events/index.ts';
import type { Ingest, RemoveExternal, RestoreExternal } from '../../graph/index.ts';
import type { Conflicts } from '../connectors.conflicts.ts';
import { createMsgraphCalendarWrite } from './msgraph.calendar-write.ts';
import { createMsgraphConnector, loginBaseOf, type MsgraphWriteBack } from './msgraph.connector.ts';
import { createContactsDelete, isDeleteConflict, type ContactsDelete } from './msgraph.contacts-delete.ts';
import { createContactsPush, type ContactsPush } from './msgraph.contacts-push.ts';
import { createContactsSave, type SaveToContacts } from './msgraph.contacts-save.ts';
import { createMsgraphContactsWrite } from './msgraph.contacts-write.ts';
import { createMsgraphMail } from './msgraph.mail.ts';
import { createPolling } from './msgraph.polling.ts';
import { msgraphRoutes, saveContactRoutes } from './msgraph.routes.ts';
import { subscriptionsJob } from './msgraph.subscriptions.job.ts';
import { createSubscriptions } from './msgraph.subscriptions.ts';
import { createRunScheduler, notificationRoutes } from './msgraph.webhook.ts';
import { createPresence, presenceRoutes } from './msgraph.presence.ts';
import { createMsgraphSync, type MsgraphSync } from './msgraph.sync.ts';
import { createTokenStore } from './msgraph.tokens.ts';
import { clusterMailboxLimits } from './msgraph.limits.cluster.ts';
import { localMailboxLimits, type MailboxLimits } from './msgraph.limits.ts';
import { ownerClaims } from '../connectors.sync.ts';

export { mailboxConcurrency } from './msgraph.limits.ts';
export {
  graphClient,
  maxBatch,
  type BatchPart,
  type GraphAnswer,
  type GraphClient,
  type GraphRequest,
} from './msgraph.client.ts';
export { GraphError, ResyncRequired, graphErrorOf, signInAgain } from './msgraph.errors.ts';
export { msgraphRepository } from './msgraph.repository.ts';
export { contactItems, eventItem, messageItem, source as msgraphSource, eventTime } from './msgraph.mapping.ts';
export { rruleOf } from './msgraph.recurrence.ts';
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
  /** Brings a deleted person back (a contact deletion's conflict resolved "keep theirs"). */
  restoreExternal?: RestoreExternal;
  /** Deletes the person of a contact Outlook deleted (an edit's conflict resolved "keep theirs"). */
  removeExternal?: RemoveExternal;
  events?: Pick<EventsModule, 'subscribe'>;
  /** Polling tick (tests shorten it). Default 30 s. */
  pollTickMs?: number;
  /** The subscription maintenance job (renewal before expiry) is registered here. */
  jobs?: Pick<JobsModule, 'register' | 'enqueue'>;
  /** presence.Changed events. */
  outbox?: Pick<EventOutbox, 'append'>;
  /** Teams presence tick (tests shorten it). Default 60 s. */
  presenceTickMs?: number;
  /** Change notifications: the debounce before a delta run (tests shorten it). Default 2 s. */
  notificationDebounceMs?: number;
  /**
   * With NATS (and PostgreSQL): the hub's one connection, the events transport's. Each mailbox's
   * Retry-After pause and its 4 slots then hold across every hub instance (ADR 0033); without
   * it they hold in this process (embedded PGlite: one instance).
   */
  nats?: () => NatsConnection | undefined;
  /** Tests: the subject prefix, the slot lease, the retry while waiting for a slot, how long a free slot is kept. */
  limits?: { prefix?: string; leaseMs?: number; retryMs?: number; lingerMs?: number };
}

/**
 * Microsoft 365 through Microsoft Graph (issue 13): the connector (sign-in, delta sync,
 * mapping), the OAuth routes and delta polling. The connector is handed to the connectors
 * module; `attach()` adds the routes and polling once that module exists. See README.md.
 */
export function createMsgraph(deps: MsgraphDeps) {
  // PGlite is one process by construction: its path stays in memory, with no I/O per request.
  const limits: MailboxLimits =
    deps.nats && deps.db.kind === 'postgres'
      ? clusterMailboxLimits({ db: deps.db, connection: deps.nats, logger: deps.logger, ...deps.limits })
      : localMailboxLimits();
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
    limits,
    // The sync needs clientFor, made here: it is built just below, before any sync can run.
    sync: () => sync,
    writeBack: () => writeBack,
    beforeDisconnect: (context) => subscriptions.removeAll(context),
    reconfigured: async (context, changed) => {
      // New or dropped folders: their subscriptions are made or removed now, not at the next renewal.
      if (changed.includes('folders') && deps.jobs) await requestMaintenance(context.connectionId, context.ownerId);
    },
    // Hub deletions first (an edit kept for a person deleted since is moot), then kept edits.
    beforeSyncPage: async (context) => {
      await contactsDelete?.flushPending(context, writeBack.contacts);
      await contactsPush?.flushPending(context, writeBack.contacts);
    },
  });
  /** Made by attach() when the events module is there (pushes need its consumer). */
  let contactsPush: ContactsPush | undefined;
  let contactsDelete: ContactsDelete | undefined;
  let saveToContacts: SaveToContacts | undefined;
  const subscriptions = createSubscriptions({
    db: deps.db,
    logger: deps.logger,
    publicUrl: deps.config.publicUrl,
    wallet: deps.wallet,
    clientFor,
  });
  const maintenanceJob = subscriptionsJob(subscriptions);
  deps.jobs?.register(maintenanceJob);

  /** Queues subscription maintenance for connections never tried (new, or signed in again). */
  async function subscribeNewConnections() {
    if (!deps.jobs) return;
    const jobs = deps.jobs;
    const { rows } = await deps.db.asSystem((tx) =>
      tx.query<{ id: string; owner_id: string }>(
        `SELECT id, owner_id FROM made_open.connections
          WHERE provider = 'microsoft' AND status = 'active' AND NOT (state ? 'notifications') LIMIT 100`,
      ),
    );
    for (const row of rows)
      await deps.db.asUser(ownerClaims(row.owner_id), (tx) =>
        jobs.enqueue(tx, maintenanceJob, { connectionId: row.id }, { singletonKey: `msgraph.subscriptions:${row.id}` }),
      );
  }
  const presence = createPresence({
    db: deps.db,
    logger: deps.logger,
    wallet: deps.wallet,
    outbox: deps.outbox,
    clientFor,
    tickMs: deps.presenceTickMs,
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
    // Hub edits and deletions of persons from Outlook contacts are sent there; their conflicts resolved here.
    if (deps.events && deps.ingest && deps.restoreExternal && deps.removeExternal && connectors.conflicts) {
      const push = (contactsPush = createContactsPush({
        db: deps.db,
        logger: deps.logger,
        ingest: deps.ingest,
        restoreExternal: deps.restoreExternal,
        removeExternal: deps.removeExternal,
        connectors: connectors.service,
        conflicts: connectors.conflicts,
      }));
      const remove = (contactsDelete = createContactsDelete({
        db: deps.db,
        logger: deps.logger,
        ingest: deps.ingest,
        restoreExternal: deps.restoreExternal,
        connectors: connectors.service,
        conflicts: connectors.conflicts,
      }));
      deps.events.subscribe({
        name: 'msgraph-contacts-push',
        types: ['data.EntityUpdated'],
        transactional: false,
        handler: (event) => push.handle(event),
      });
      deps.events.subscribe({
        name: 'msgraph-contacts-delete',
        types: ['data.EntityDeleted'],
        transactional: false,
        handler: (event) => remove.handle(event),
      });
      connectors.conflicts.handle('contacts', (user, conflict, keep) =>
        isDeleteConflict(conflict) ? remove.resolve(user, conflict, keep) : push.resolve(user, conflict, keep),
      );
      saveToContacts = createContactsSave({ db: deps.db, ingest: deps.ingest, connectors: connectors.service });
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
      alsoEachTick: subscribeNewConnections,
    });
    const runs = createRunScheduler({
      service: () => connectors.service,
      logger: deps.logger,
      debounceMs: deps.notificationDebounceMs,
    });
    const oauthRoutes = msgraphRoutes(flow);
    return {
      name: 'msgraph',
      routes: async (app) => {
        await oauthRoutes(app);
        if (saveToContacts) await app.register(saveContactRoutes(saveToContacts));
        await app.register(presenceRoutes({ db: deps.db }));
        // Its own scope: Graph's notification bodies are read as bytes.
        await app.register(notificationRoutes({ db: deps.db, logger: deps.logger, subscriptions, runs }));
      },
      start: async () => {
        await limits.start?.();
        polling.start();
        presence.start();
      },
      // Across instances: what the mailboxes' shared slots and pauses cost (ADR 0033).
      ...(limits.metrics ? { metrics: async () => limits.metrics!() } : {}),
      stop: async () => {
        polling.stop();
        presence.stop();
        runs.stop();
        await limits.stop?.();
      },
    };
  }

  /** Tests and operators: maintenance through the pg-boss job, as the schedule runs it. */
  async function requestMaintenance(connectionId: string, ownerId: string) {
    if (!deps.jobs) throw new Error('The jobs module was not given to msgraph.');
    const jobs = deps.jobs;
    return deps.db.asUser(ownerClaims(ownerId), (tx) => jobs.enqueue(tx, maintenanceJob, { connectionId }));
  }

  return { connector, clientFor, tokens, subscriptions, presence, requestMaintenance, attach };
}

export type Msgraph = ReturnType<typeof createMsgraph>;
