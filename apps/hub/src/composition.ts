import { calendarEventStarting } from '@made-open/shared/calendar-events';
import { eventRegistry } from '@made-open/shared/event-registry';
import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.ts';
import type { Embedder } from '@made-open/ai';
import { aiMigrations, aiRuleActions, createAiModule, graphSearchAction } from './modules/ai/index.ts';
import { auditMigrations, createAuditModule } from './modules/audit/index.ts';
import {
  connectorConnections,
  connectorsMigrations,
  createConnectorsModule,
  type AnyConnector,
  type SyncTuning,
} from './modules/connectors/index.ts';
import { authMigrations, createAuthModule, type AuthTuning } from './modules/auth/index.ts';
import { createEventsModule, eventsMigrations } from './modules/events/index.ts';
import { createGraphFileEntities, createGraphModule, graphMigrations } from './modules/graph/index.ts';
import { createIdentityModule, identityMigrations } from './modules/identity/index.ts';
import { createJobsModule, jobsMigrations, type JobsOptions } from './modules/jobs/index.ts';
import { createRealtimeModule, realtimeMigrations } from './modules/realtime/index.ts';
import { createStorageModule, storageMigrations } from './modules/storage/index.ts';
import { createActionsModule } from './modules/actions/index.ts';
import { createTwilio } from './modules/connectors/twilio/index.ts';
import { createMsgraph, type Msgraph } from './modules/connectors/msgraph/index.ts';
import { callsMigrations, createCallsModule } from './modules/calls/index.ts';
import {
  createMessagesModule,
  messagesMigrations,
  messagesSendAction,
  messagesSendEmailAction,
  threadMergeFollower,
} from './modules/messages/index.ts';
import { createPluginsModule, pluginRuleActions, pluginStorage, pluginsMigrations } from './modules/plugins/index.ts';
import { createPolicyModule, policyMigrations } from './modules/policy/index.ts';
import { createRulesModule, rulesMigrations } from './modules/rules/index.ts';
import { createSearchModule } from './modules/search/index.ts';
import { createTimelineModule, timelineMigrations } from './modules/timeline/index.ts';
import { createUpkeepModule } from './modules/upkeep/index.ts';
import { createWalletModule, walletMigrations } from './modules/wallet/index.ts';
import { calendarMigrations, createCalendarModule } from './modules/calendar/index.ts';
import { createDevicesModule, devicesMigrations } from './modules/devices/index.ts';
import { createDavModule, davMigrations } from './modules/dav/index.ts';
import { createPortabilityModule, portabilityMigrations } from './modules/portability/index.ts';
import type { Config } from './platform/config.ts';
import { platformMigrations, type Database } from './platform/db/index.ts';
import { migrate, type MigrationSource } from './platform/db/migrate.ts';
import { createOutboundClient, createScrubber, type Scrubber } from './platform/http/outbound/index.ts';
import { localRateLimiting, sharedRateLimiting } from './platform/http/rate-limit/index.ts';
import type { Logger } from './platform/logger.ts';
import type { HubModule } from './platform/module.ts';

export interface Hub {
  app: FastifyInstance;
  db: Database;
  modules: readonly HubModule[];
  /** Microsoft 365's change-notification subscriptions, presence and Graph clients (tests drive them directly). */
  msgraph: Pick<Msgraph, 'subscriptions' | 'presence' | 'requestMaintenance' | 'clientFor'>;
  /** Stops accepting requests, lets in-flight ones finish, stops modules, closes the database. */
  close(): Promise<void>;
}

/** Every module's migrations, in the order they apply. */
export const migrationSources: readonly MigrationSource[] = [
  platformMigrations,
  eventsMigrations,
  jobsMigrations,
  authMigrations,
  graphMigrations,
  walletMigrations,
  storageMigrations,
  policyMigrations,
  pluginsMigrations,
  auditMigrations,
  realtimeMigrations,
  connectorsMigrations,
  messagesMigrations,
  timelineMigrations,
  identityMigrations,
  callsMigrations,
  calendarMigrations,
  aiMigrations,
  rulesMigrations,
  devicesMigrations,
  davMigrations,
  portabilityMigrations,
];

/**
 * The composition root: the one place that creates modules and hands each its
 * dependencies. Modules never reach for globals or process.env.
 */
export async function composeHub(
  config: Config,
  logger: Logger,
  db: Database,
  options: {
    /** Tests only: timings no environment variable should change. */
    auth?: AuthTuning;
    /** The logger's scrubber (main.ts): secrets the outbound client learns stay out of its lines. */
    scrubber?: Scrubber;
    /** Tests only: connectors of their own (a stand-in provider's), added to the shipped ones. */
    connectors?: readonly AnyConnector[];
    /** Tests only: how often Microsoft 365 polling looks for connections due a sync (default 30 s). */
    msgraphPollTickMs?: number;
    msgraphPresenceTickMs?: number;
    msgraphNotificationDebounceMs?: number;
    /** Tests only: the Microsoft 365 mailbox limits' subject prefix, slot lease and retry (ADR 0033). */
    msgraphLimits?: { prefix?: string; leaseMs?: number; retryMs?: number; lingerMs?: number };
    /** Tests only: sync time slices and leases. */
    sync?: SyncTuning;
    /** Tests only: job timings (a short stop grace for restart tests). */
    jobs?: JobsOptions;
    /** Tests and benchmarks: the rules engine's index freshness and first-action hook. */
    rules?: { indexTtlMs?: number; onActionStart?: (runId: string, trigger: { id: string | null }) => void };
    /** Tests only: device pairing and upload limits. */
    devices?: Parameters<typeof createDevicesModule>[0]['limits'];
    /** Tests and benchmarks: the realtime cluster's NATS subject prefix and heartbeat. */
    realtime?: { prefix?: string; heartbeatMs?: number; missedHeartbeats?: number };
    /** Tests only: the offline embedding model (default USE lite). */
    offlineEmbedder?: Embedder;
    /** Tests and benchmarks: where rate limits are counted (default: shared on PostgreSQL with NATS, ADR 0035), and how often expired counts are swept. */
    rateLimits?: { store?: 'local' | 'shared'; sweepEveryMs?: number };
  } = {},
): Promise<Hub> {
  const scrubber = options.scrubber ?? createScrubber();
  scrubber.add(
    config.supabase.jwtSecret,
    config.meili?.masterKey,
    config.openrouterApiKey,
    config.masterKey,
    config.storage.s3?.secretAccessKey,
  );
  // One client for every outbound call: its per-host limits and pauses are shared by all.
  const outbound = createOutboundClient({
    logger,
    scrubber,
    // Configured base URLs (stand-ins, a local Ollama) may live on private addresses.
    allowPrivate: ({ url }) => config.trustedOrigins.includes(url.origin),
  });
  // Per-IP request limits: with several instances possible (PostgreSQL and NATS_URL), counted
  // once for all of them in the database; otherwise in memory, with no I/O (ADR 0035).
  const rateLimitStore = options.rateLimits?.store ?? (db.kind === 'postgres' && config.natsUrl ? 'shared' : 'local');
  const rateLimiting =
    rateLimitStore === 'shared'
      ? sharedRateLimiting({
          db,
          logger: logger.child({ module: 'rate-limits' }),
          sweepEveryMs: options.rateLimits?.sweepEveryMs,
        })
      : localRateLimiting();
  // First in the list: started before the modules that enqueue, stopped after them.
  const jobs = createJobsModule({ config, db, logger: logger.child({ module: 'jobs' }), options: options.jobs });
  // The event backbone: the one outbox every module appends to, the relay, and consumers.
  const events = createEventsModule({ config, db, logger: logger.child({ module: 'events' }), jobs });
  const outbox = events.outbox;
  const auth = createAuthModule({
    config,
    db,
    logger: logger.child({ module: 'auth' }),
    outbox,
    events,
    jobs,
    tuning: options.auth,
    rateLimiting,
  });
  const graph = createGraphModule({
    db,
    logger: logger.child({ module: 'graph' }),
    outbox,
    defaultRegionOf: auth.settings.defaultRegionOf,
    // SMS thread ids hold a person id: the messages module moves them with merges and undos.
    mergeFollowers: [threadMergeFollower],
  });
  const wallet = createWalletModule({
    config,
    db,
    logger: logger.child({ module: 'wallet' }),
    outbox,
    outbound,
    // Capabilities that need a number or an account wait for an active connection of it.
    connections: connectorConnections,
  });
  const storage = createStorageModule({
    config,
    db,
    logger: logger.child({ module: 'storage' }),
    outbox,
    files: createGraphFileEntities(outbox, graph.ingest),
  });
  const policy = createPolicyModule({ db, logger: logger.child({ module: 'policy' }), outbox });
  // Sending texts from a connected Twilio number (POST /api/v1/messages, the messages.send action).
  const messages = createMessagesModule({
    config,
    db,
    logger: logger.child({ module: 'messages' }),
    outbound,
    ingest: graph.ingest,
    wallet: wallet.service,
    storage: storage.service,
    // Email goes through the connectors module's mail accounts (built below; called only per request).
    connections: {
      open: (user, capability, connectionId) => connectors.service.open(user, capability, connectionId),
      list: (user) => connectors.service.list(user),
    },
  });
  // What any principal may do for a user: plugins' ctx calls today; rules, AI and connectors next.
  const actions = createActionsModule({
    db,
    logger: logger.child({ module: 'actions' }),
    outbox,
    policy: policy.service,
    graph: graph.service,
    wallet: wallet.service,
    pluginStorage,
    http: { client: outbound },
    // Actions other modules offer (their services are built above).
    // graph.search reads the search module's engine, made below (it is called only per request).
    extraActions: [
      messagesSendAction(messages.service),
      messagesSendEmailAction(messages.service),
      graphSearchAction(() => search.engine),
      // ai.summarize and ai.draftReply (rules): the AI module is made below; they reach it per call.
      ...aiRuleActions({ ai: () => ai.ruleAi, graph: graph.service }),
      // plugins.run (rules): runs one of the owner's plugins; the plugins module is made below.
      ...pluginRuleActions({ plugins: () => plugins.service }),
    ],
  });
  const plugins = createPluginsModule({
    db,
    logger: logger.child({ module: 'plugins' }),
    outbox,
    policy: policy.service,
    wallet: wallet.service,
    actions: actions.service,
    jobs,
    // Plugins can be triggered by any registered event type (their grants narrow it).
    subscribe: (subscription) => events.subscribe(subscription),
    triggerEventTypes: [...new Set(eventRegistry.definitions.map((definition) => definition.type))],
    eventRate: config.plugins.eventRate,
    runtime: { memoryBudgetMb: config.plugins.memoryBudgetMb },
  });
  const realtime = createRealtimeModule({
    db,
    logger: logger.child({ module: 'realtime' }),
    tokens: auth.verifier,
    events,
    // With NATS_URL, broadcast and presence cross instances over the events transport's connection.
    ...(config.natsUrl ? { nats: events.natsConnection } : {}),
    cluster: options.realtime,
  });
  const audit = createAuditModule({ db, logger: logger.child({ module: 'audit' }), events });
  const search = createSearchModule({ config, db, logger: logger.child({ module: 'search' }), events });
  // Suggested duplicates, their review and merge undo (issue 17).
  const identity = createIdentityModule({
    db,
    logger: logger.child({ module: 'identity' }),
    events,
    graph: graph.service,
    defaultRegionOf: auth.settings.defaultRegionOf,
  });
  // Twilio messaging: its connector, the MMS media job and the number picker (connectors/twilio).
  const twilio = createTwilio({
    config,
    db,
    logger: logger.child({ module: 'twilio' }),
    outbox,
    outbound,
    ingest: graph.ingest,
    jobs,
    storage: storage.service,
    wallet: wallet.service,
  });
  // Browser calls and call history (modules/calls): tokens for the Voice/Video SDKs, GET /api/v1/calls.
  const calls = createCallsModule({
    config,
    db,
    outbound,
    wallet: wallet.service,
    storage: storage.service,
    rateLimiting,
  });
  // Person timelines, Today and stay-in-touch reminders (tasks made through graph ingest).
  const timeline = createTimelineModule({ db, logger: logger.child({ module: 'timeline' }), outbox, graph, jobs });
  // Microsoft 365 through Microsoft Graph: sign-in, delta sync, polling (connectors/msgraph).
  const msgraph = createMsgraph({
    config,
    db,
    logger: logger.child({ module: 'msgraph' }),
    outbound,
    wallet: wallet.service,
    defaultRegionOf: auth.settings.defaultRegionOf,
    // Write-back: hub edits and deletions of persons from Outlook contacts are sent by event consumers.
    ingest: graph.ingest,
    restoreExternal: graph.restoreExternal,
    removeExternal: graph.removeExternal,
    events,
    pollTickMs: options.msgraphPollTickMs,
    jobs,
    outbox,
    presenceTickMs: options.msgraphPresenceTickMs,
    notificationDebounceMs: options.msgraphNotificationDebounceMs,
    // With NATS_URL, each mailbox's Retry-After pause and its 4 slots hold across instances.
    ...(config.natsUrl ? { nats: events.natsConnection } : {}),
    limits: options.msgraphLimits,
  });
  /** The connectors this hub ships, one folder each under modules/connectors/<provider>/. */
  const shippedConnectors: readonly AnyConnector[] = [twilio.connector, msgraph.connector];
  const connectors = createConnectorsModule({
    config,
    db,
    logger: logger.child({ module: 'connectors' }),
    outbox,
    outbound,
    ingest: graph.ingest,
    removeExternal: graph.removeExternal,
    jobs,
    wallet: wallet.service,
    connectors: [...shippedConnectors, ...(options.connectors ?? [])],
    tuning: options.sync,
  });
  // The calendar (issue 13): windows with hub series expanded, writes through ingest or a connector's calendar capability.
  // Its calendar.EventStarting job announces the lead times enabled rules ask for (rules are made below).
  const calendar = createCalendarModule({
    db,
    logger: logger.child({ module: 'calendar' }),
    graph,
    connectors,
    outbox,
    jobs,
    leadTimes: () => rules.engine.leadTimes(calendarEventStarting.type),
  });
  // AI over the owner's data (issue 15): keyword retrieval, sensitivity routing, egress audit.
  const ai = createAiModule({
    config,
    db,
    logger: logger.child({ module: 'ai' }),
    wallet: wallet.service,
    search,
    defaultRegionOf: (userId) => db.asSystem((tx) => auth.settings.defaultRegionOf(tx, userId)),
    jobs,
    events,
    threads: messages.threads,
    actions: actions.service,
    ...(options.offlineEmbedder ? { offlineEmbedder: options.offlineEmbedder } : {}),
  });
  // Rules (issue 14): automations over every event type, run through the actions as the principal `rule`.
  const rules = createRulesModule({
    db,
    logger: logger.child({ module: 'rules' }),
    events,
    jobs,
    actions: actions.service,
    policy: policy.service,
    engine: options.rules,
    rateLimiting,
  });
  // Paired devices, their uploads (POST /device-events, OwnTracks) and what is derived from them (issue 16).
  const devices = createDevicesModule({
    config,
    db,
    logger: logger.child({ module: 'devices' }),
    outbox,
    ingest: graph.ingest,
    removeExternal: graph.removeExternal,
    events,
    jobs,
    defaultRegionOf: auth.settings.defaultRegionOf,
    limits: options.devices,
    rateLimiting,
  });
  // CardDAV and CalDAV for phones (issue 18 §4): writes through graph ingest, Basic auth with app passwords.
  const dav = createDavModule({
    config,
    db,
    ingest: graph.ingest,
    removeExternal: graph.removeExternal,
    graph: graph.service,
    defaultRegionOf: auth.settings.defaultRegionOf,
    calendar: calendar.service,
  });
  // Imports with preview and undo, vCard / iCalendar / mbox exports (issue 18).
  const portability = createPortabilityModule({
    dataDir: config.dataDir,
    db,
    logger: logger.child({ module: 'portability' }),
    ingest: graph.ingest,
    removeExternal: graph.removeExternal,
    merges: graph.service,
    jobs,
    storage: storage.service,
    rules: rules.service,
    plugins: plugins.service,
    defaultRegionOf: auth.settings.defaultRegionOf,
  });
  // Table statistics and dead rows where no autovacuum runs (PGlite, or autovacuum off).
  const upkeep = createUpkeepModule({ db, logger: logger.child({ module: 'upkeep' }) });
  const modules: HubModule[] = [
    jobs,
    events,
    auth,
    graph,
    wallet,
    storage,
    policy,
    actions,
    plugins,
    realtime,
    audit,
    search,
    connectors,
    twilio.module,
    messages,
    calls,
    timeline,
    identity,
    calendar,
    ai,
    msgraph.attach(connectors),
    rules,
    devices,
    dav,
    portability,
    upkeep,
    ...(rateLimiting.module ? [rateLimiting.module] : []),
  ];

  await migrate(db, migrationSources, logger);

  const app = await buildApp({ config, logger, db, tokenVerifier: auth.verifier, modules });
  for (const module of modules) await module.start?.();

  return {
    app,
    db,
    modules,
    msgraph,
    async close() {
      await app.close();
      for (const module of [...modules].reverse()) await module.stop?.();
      await db.close();
    },
  };
}
