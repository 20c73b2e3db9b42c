import { randomBytes } from 'node:crypto';
import type { EventEnvelope } from '@made-open/shared';
import type { NatsConnection } from '@nats-io/transport-node';
import { connectorEvents } from '@made-open/shared/connector-events';
import { deviceQuiet, deviceSourceOverBudget } from '@made-open/shared/devices';
import type { Database } from '../../platform/db/index.ts';
import type { TokenVerifier } from '../../platform/http/authentication.ts';
import type { Logger } from '../../platform/logger.ts';
import { metric } from '../../platform/metrics.ts';
import type { HubModule } from '../../platform/module.ts';
import type { EventsModule } from '../events/index.ts';
import { createNatsCluster, type RealtimeCluster } from './realtime.cluster.ts';
import { channelGrantsRoutes } from './realtime.grants.routes.ts';
import { createChannelGrantsService, type ChannelGrantsService } from './realtime.grants.service.ts';
import { realtimeRoutes } from './realtime.routes.ts';
import { changeSources, createRealtimeService, type RealtimeService } from './realtime.service.ts';

export interface RealtimeModuleDeps {
  db: Database;
  logger: Logger;
  tokens: TokenVerifier;
  events: Pick<EventsModule, 'subscribe'>;
  /** Names this instance's bus consumer (and its cluster membership); defaults to a random id per process. */
  instanceId?: string;
  /**
   * With NATS: the hub's one connection (the events transport's, open once the events module
   * has started). Broadcast and presence then reach every instance (realtime.cluster.ts);
   * without it they stay in this process (embedded mode: one instance).
   */
  nats?: () => NatsConnection | undefined;
  /** Tests and benchmarks: the cluster's subject prefix and heartbeat. */
  cluster?: { prefix?: string; heartbeatMs?: number; missedHeartbeats?: number };
}

export interface RealtimeModule extends HubModule {
  service: RealtimeService;
  grants: ChannelGrantsService;
}

/** made_open.realtime_channel_grants and the realtime_authorize policy function. */
export const realtimeMigrations = {
  module: 'realtime',
  dir: new URL('./migrations', import.meta.url).pathname,
};

/**
 * Events pushed to their owner's private channel `realtime:user:<id>` as notifications:
 * storage's, and the connectors' (connected, disconnected, sync progress: the web's progress bars).
 */
const notificationTypes = [
  'storage.ObjectStored',
  'storage.ObjectRemoved',
  'storage.ObjectMoved',
  ...connectorEvents.map((definition) => definition.type),
  // Devices: a source past its budget, a device gone quiet (issue 16).
  deviceSourceOverBudget.type,
  deviceQuiet.type,
];

/**
 * Supabase Realtime at /realtime/v1/websocket (DESIGN §1, §6): postgres_changes for the
 * graph's tables and broadcast, public or private (authorised by the database through
 * made_open.realtime_authorize), fed from the event bus.
 * Each instance reads the bus with its own consumer, so with NATS every instance sees
 * every change and delivers it to the sockets it holds.
 */
export function createRealtimeModule(deps: RealtimeModuleDeps): RealtimeModule {
  const instanceId = deps.instanceId ?? randomBytes(6).toString('hex');
  const cluster: RealtimeCluster | undefined = deps.nats
    ? createNatsCluster({ connection: deps.nats, logger: deps.logger, instanceId, ...deps.cluster })
    : undefined;
  const service = createRealtimeService({ db: deps.db, tokens: deps.tokens, logger: deps.logger, cluster });
  const grants = createChannelGrantsService({ db: deps.db, changed: (topic) => service.recheck(topic) });
  let startedAt = Date.now();

  const handler = async (event: EventEnvelope) => {
    // Realtime is live: a new consumer replaying history must not push old changes.
    if (Date.parse(event.time) < startedAt - 5_000) return;
    if (event.type in changeSources) return service.deliver(event);
    if (notificationTypes.includes(event.type))
      service.notify(event.ownerId, event.type, { subject: event.subject, ...event.data });
  };
  deps.events.subscribe({
    name: `realtime-${instanceId}`,
    types: [...Object.keys(changeSources), ...notificationTypes],
    transactional: false,
    maxAttempts: 2,
    perInstance: true,
    handler,
  });

  return {
    name: 'realtime',
    service,
    grants,
    async routes(app) {
      await app.register(realtimeRoutes(service));
      await app.register(channelGrantsRoutes(grants));
    },
    async start() {
      startedAt = Date.now();
      await cluster?.start();
    },
    async stop() {
      service.closeAll();
      await cluster?.stop();
    },
    async health() {
      const s = service.stats();
      const details = { instanceId, connections: s.connections, channels: s.channels };
      return { realtime: { status: 'ok', details: cluster ? { ...details, cluster: cluster.stats() } : details } };
    },
    async metrics() {
      const s = service.stats();
      return [
        ...metric(
          'made_open_realtime_connections',
          'gauge',
          'Open realtime websockets on this instance.',
          s.connections,
        ),
        ...metric('made_open_realtime_delivered_total', 'counter', 'postgres_changes messages sent.', s.delivered),
      ].join('\n');
    },
  };
}
