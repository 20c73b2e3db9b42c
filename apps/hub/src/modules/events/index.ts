import type { EventRegistry, PlatformEventMap } from '@made-open/shared/event-registry';
import type { Config } from '../../platform/config.ts';
import type { Database } from '../../platform/db/index.ts';
import type { Logger } from '../../platform/logger.ts';
import { metric } from '../../platform/metrics.ts';
import type { DependencyHealth, HubModule } from '../../platform/module.ts';
import { createConsumerRunner, type ConsumerRunner, type Subscription } from './consumers.ts';
import { eventsRepository as repo } from './events.repository.ts';
import { eventsRoutes } from './events.routes.ts';
import { createEventsService } from './events.service.ts';
import { createEventOutbox, type EventOutbox } from './outbox.ts';
import { createRelay, type Relay, type RelayOptions } from './relay.ts';
import { pruneJob } from './retention.ts';
import type { JobsModule } from '../jobs/index.ts';
import { createEmbeddedTransport } from './transport.embedded.ts';
import { createNatsTransport } from './transport.nats.ts';
import type { EventTransport } from './transport.ts';
import type { NatsConnection } from '@nats-io/transport-node';

export { createEventOutbox, type EventOutbox } from './outbox.ts';
export type { EventHandler, Subscription } from './consumers.ts';

export const eventsMigrations = {
  module: 'events',
  dir: new URL('./migrations', import.meta.url).pathname,
};

export interface EventsModuleDeps<Map = PlatformEventMap> {
  config: Pick<Config, 'natsUrl'>;
  db: Database;
  logger: Logger;
  /** Where the nightly retention job (events.prune) is registered. */
  jobs?: Pick<JobsModule, 'register'>;
  /** Tests: a registry with their own event types. */
  registry?: EventRegistry<Map>;
  /** Tests and benchmarks: tuning and fault injection. */
  tuning?: {
    relay?: Pick<RelayOptions, 'batchSize' | 'batchesInFlight' | 'pollMs' | 'afterPublish'>;
    ackWaitMs?: number;
    retryBaseMs?: number;
    natsName?: string;
    /** The embedded transport's consumer batch (its shared tail holds 8 of them). */
    embedded?: { batchSize?: number; pollMs?: number };
  };
}

/** The API other modules use: write through `outbox`, read through `subscribe`. */
export interface EventsModule<Map = PlatformEventMap> extends HubModule {
  /** The one outbox every module appends to (share this instance). */
  outbox: EventOutbox<Map>;
  /** Registers a durable consumer; it runs between start() and stop(). See README.md. */
  subscribe(subscription: Subscription): void;
  transport: EventTransport;
  /** With NATS_URL: the transport's connection, open between start() and stop() (realtime shares it). */
  natsConnection(): NatsConnection | undefined;
  relay: Relay;
  consumers(): readonly ConsumerRunner[];
  start(): Promise<void>;
  stop(): Promise<void>;
  health(): Promise<Record<string, DependencyHealth>>;
  metrics(): Promise<string>;
}

export function createEventsModule<Map = PlatformEventMap>(deps: EventsModuleDeps<Map>): EventsModule<Map> {
  const { config, db, logger } = deps;
  const outbox = createEventOutbox<Map>({ registry: deps.registry });
  const nats = config.natsUrl
    ? createNatsTransport({
        url: config.natsUrl,
        logger,
        ackWaitMs: deps.tuning?.ackWaitMs,
        name: deps.tuning?.natsName,
      })
    : undefined;
  const transport: EventTransport = nats ?? createEmbeddedTransport({ db, logger, ...deps.tuning?.embedded });
  const relay = createRelay({ db, transport, logger, ...deps.tuning?.relay });
  deps.jobs?.register(pruneJob(db, logger));
  outbox.onAppend(() => relay.poke());

  // Wakes SSE streams on each relay commit.
  let publicationWaiters: (() => void)[] = [];
  const originalPublished = transport.published.bind(transport);
  transport.published = () => {
    originalPublished();
    const waiters = publicationWaiters;
    publicationWaiters = [];
    for (const wake of waiters) wake();
  };
  const nextPublication = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      publicationWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });

  const runners: ConsumerRunner[] = [];
  let started = false;
  const service = createEventsService({ db });

  return {
    name: 'events',
    outbox,
    transport,
    natsConnection: () => nats?.connection(),
    relay,
    consumers: () => runners,

    subscribe(subscription) {
      if (runners.some((r) => r.spec.name === subscription.name)) {
        throw new Error(`An event consumer named ${subscription.name} is already registered`);
      }
      const runner = createConsumerRunner({
        db,
        transport,
        logger,
        subscription,
        retryBaseMs: deps.tuning?.retryBaseMs,
      });
      runners.push(runner);
      if (started)
        void runner
          .start()
          .catch((error) => logger.error({ err: error, consumer: runner.spec.name }, 'consumer failed to start'));
    },

    routes: eventsRoutes({ service, nextPublication }),

    async start() {
      await transport.start();
      relay.start();
      started = true;
      for (const runner of runners) await runner.start();
    },

    async stop() {
      started = false;
      for (const runner of runners) await runner.stop();
      await relay.stop();
      await transport.stop();
    },

    async health() {
      const transportHealth = await transport.health();
      const backlog = await db.asSystem((tx) => repo.unpublished(tx));
      const deadLetters = await db.asSystem((tx) => repo.deadLetterCounts(tx));
      const lags: Record<string, number> = {};
      for (const runner of runners) lags[runner.spec.name] = await runner_lag(runner);
      const relayStats = relay.stats();
      const status: DependencyHealth['status'] =
        transportHealth.status === 'down' ? 'down' : backlog.oldestSeconds > 60 ? 'degraded' : 'ok';
      return {
        events: {
          status,
          details: {
            ...transportHealth.details,
            outboxBacklog: backlog.count,
            outboxOldestSeconds: Math.round(backlog.oldestSeconds * 10) / 10,
            relayed: relayStats.relayed,
            relayFailures: relayStats.failures,
            consumerLag: lags,
            deadLetters: Object.fromEntries(deadLetters),
          },
        },
      };
    },

    async metrics() {
      const backlog = await db.asSystem((tx) => repo.unpublished(tx));
      const deadLetters = await db.asSystem((tx) => repo.deadLetterCounts(tx));
      const failures = await db.asSystem((tx) => repo.failureCounts(tx));
      const relayStats = relay.stats();
      const names = [...new Set([...runners.map((r) => r.spec.name), ...deadLetters.keys(), ...failures.keys()])];
      const lags: (readonly [{ consumer: string }, number])[] = [];
      for (const runner of runners) lags.push([{ consumer: runner.spec.name }, await runner_lag(runner)]);
      return [
        ...metric(
          'made_open_events_outbox_backlog',
          'gauge',
          'Committed events not yet relayed to the transport.',
          backlog.count,
        ),
        ...metric(
          'made_open_events_outbox_oldest_seconds',
          'gauge',
          'Age of the oldest unrelayed event.',
          backlog.oldestSeconds,
        ),
        ...metric('made_open_events_relayed_total', 'counter', 'Events this instance relayed.', relayStats.relayed),
        ...metric(
          'made_open_events_relay_failures_total',
          'counter',
          'Relay batches that failed and were retried.',
          relayStats.failures,
        ),
        ...metric('made_open_events_consumer_lag', 'gauge', 'Events not yet acknowledged by a consumer.', lags),
        ...metric(
          'made_open_events_dead_letters',
          'gauge',
          'Events a consumer gave up on.',
          names.map((consumer) => [{ consumer }, deadLetters.get(consumer) ?? 0]),
        ),
        ...metric(
          'made_open_events_retrying',
          'gauge',
          'Events waiting for a retry after a handler failure.',
          names.map((consumer) => [{ consumer }, failures.get(consumer) ?? 0]),
        ),
        ...metric(
          'made_open_events_handled_total',
          'counter',
          'Events handled by a consumer in this instance.',
          runners.map((runner) => [{ consumer: runner.spec.name }, runner.stats.handled]),
        ),
      ].join('\n');
    },
  };

  async function runner_lag(runner: ConsumerRunner): Promise<number> {
    try {
      return await transport.lag(runner.spec);
    } catch {
      return -1;
    }
  }
}
