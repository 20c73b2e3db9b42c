import {
  AckPolicy,
  DeliverPolicy,
  DiscardPolicy,
  jetstream,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
  type JetStreamClient,
  type JetStreamManager,
  type StreamConfig,
} from '@nats-io/jetstream';
import { connect, nanos, type NatsConnection } from '@nats-io/transport-node';
import type { EventEnvelope } from '@made-open/shared';
import { primaryStreamOf, streamsOf, transportSubject, type EventStreamName } from '@made-open/shared/event-registry';
import type { Logger } from '../../platform/logger.ts';
import type { ConsumerHandle, ConsumerSpec, Delivery, EventTransport } from './transport.ts';
import { consumeStream, type StreamConsumer } from './transport.nats.consume.ts';
import { createAckedPublisher, type AckedPublisher } from './transport.nats.publisher.ts';

const DAY = 24 * 60 * 60 * 1000;
const GiB = 1024 * 1024 * 1024;

/**
 * The three streams (DESIGN §4), with explicit retention and limits. Limits retention:
 * consumers come and go (search, rules, plugins); the database, not the stream, is the
 * system of record, and the audit table keeps the audit trail forever.
 */
export const streamConfigs: Record<EventStreamName, Partial<StreamConfig>> = {
  'platform-events': {
    subjects: ['platform.>'],
    max_age: nanos(7 * DAY),
    max_bytes: 4 * GiB,
  },
  'connector-data': {
    subjects: ['connector.>'],
    max_age: nanos(3 * DAY),
    max_bytes: 4 * GiB,
  },
  'audit-log': {
    subjects: ['audit.>'],
    max_age: nanos(90 * DAY),
    max_bytes: 1 * GiB,
  },
};

const commonStreamConfig: Partial<StreamConfig> = {
  retention: RetentionPolicy.Limits,
  storage: StorageType.File,
  discard: DiscardPolicy.Old,
  max_msgs: -1,
  max_msg_size: 1024 * 1024,
  max_msgs_per_subject: -1,
  num_replicas: 1,
  // A relay that crashed after publishing republishes within seconds; two minutes of
  // message ids is what dedupe can afford to remember at full rate.
  duplicate_window: nanos(2 * 60 * 1000),
};

export interface NatsTransportOptions {
  url: string;
  logger: Logger;
  /** How long JetStream waits for an ack before redelivering (a consumer that died). */
  ackWaitMs?: number;
  /** Messages in flight per publish batch and per consumer pull. */
  maxInFlight?: number;
  /** Connection name shown in the server's monitoring. */
  name?: string;
}

/** How long JetStream keeps a per-instance consumer that pulls nothing (its hub is gone). */
export const perInstanceForgetMs = 5 * 60 * 1000;

/** The filter subject for one stream of a consumer (nats-server 2.9: one filter only). */
function filterSubject(stream: EventStreamName, types: readonly string[] | undefined): string {
  const prefix = stream === 'platform-events' ? 'platform' : stream === 'connector-data' ? 'connector' : 'audit';
  if (types && types.length === 1) return `${prefix}.*.${types[0]}`;
  return `${prefix}.>`;
}

/** Which of a consumer's types travel on a stream; undefined means all of them. */
function typesOn(stream: EventStreamName, types: readonly string[] | undefined): readonly string[] | undefined {
  if (!types || stream === 'audit-log') return types;
  return types.filter((type) => primaryStreamOf(type) === stream);
}

export function createNatsTransport(
  options: NatsTransportOptions,
): EventTransport & { connection(): NatsConnection | undefined } {
  const { logger } = options;
  const ackWaitMs = options.ackWaitMs ?? 30_000;
  const maxInFlight = options.maxInFlight ?? 1000;
  let nc: NatsConnection | undefined;
  let js: JetStreamClient | undefined;
  let jsm: JetStreamManager | undefined;
  let publisher: AckedPublisher | undefined;
  const encoder = new TextEncoder();
  let status: string = 'disconnected';

  async function ensureStream(name: EventStreamName) {
    const config = { ...commonStreamConfig, ...streamConfigs[name], name } as StreamConfig;
    try {
      await jsm!.streams.info(name);
      await jsm!.streams.update(name, config);
    } catch (error) {
      if ((error as Error).name !== 'StreamNotFoundError' && !/not found/i.test((error as Error).message)) throw error;
      await jsm!.streams.add(config);
    }
  }

  return {
    kind: 'nats',
    connection: () => nc,

    async start() {
      nc = await connect({
        servers: options.url,
        name: options.name ?? 'made-open-hub',
        maxReconnectAttempts: -1,
        reconnectTimeWait: 250,
        pingInterval: 10_000,
      });
      status = 'connected';
      void (async () => {
        for await (const s of nc!.status()) {
          if (s.type === 'disconnect') status = 'disconnected';
          else if (s.type === 'reconnect') status = 'connected';
          else if (s.type === 'reconnecting') status = 'reconnecting';
        }
      })().catch(() => undefined);
      jsm = await jetstreamManager(nc, { timeout: 5_000 });
      js = jetstream(nc, { timeout: 5_000 });
      publisher = createAckedPublisher(nc);
      for (const name of Object.keys(streamConfigs) as EventStreamName[]) await ensureStream(name);
    },

    async publish(events: readonly EventEnvelope[]) {
      if (!publisher) throw new Error('NATS transport is not started');
      // Every message goes to the connection now, in order: a later call's messages follow
      // this call's even while these are unacknowledged. The event id is the Nats-Msg-Id,
      // so republishing after a failure stores nothing twice. The relay bounds how many are
      // in flight.
      const messages = [];
      for (const event of events) {
        const payload = encoder.encode(JSON.stringify(event));
        for (const stream of streamsOf(event.type)) {
          messages.push({ subject: transportSubject(stream, event.ownerId, event.type), payload, msgId: event.id });
        }
      }
      await publisher.publish(messages, 5_000);
    },

    published() {},

    async consume(spec: ConsumerSpec, deliver: (batch: readonly Delivery[]) => Promise<void>): Promise<ConsumerHandle> {
      if (!js || !jsm) throw new Error('NATS transport is not started');
      const loops: StreamConsumer[] = [];
      for (const stream of spec.streams) {
        const types = typesOn(stream, spec.types);
        if (types && types.length === 0) continue;
        const wanted = types ? new Set(types) : undefined;
        const filter = filterSubject(stream, types);
        const config = {
          durable_name: spec.name,
          ack_policy: AckPolicy.Explicit,
          deliver_policy: spec.perInstance ? DeliverPolicy.New : DeliverPolicy.All,
          // nats-server >= 2.9 deletes a durable that pulled nothing for this long.
          ...(spec.perInstance ? { inactive_threshold: nanos(perInstanceForgetMs) } : {}),
          filter_subject: filter,
          ack_wait: nanos(ackWaitMs),
          max_deliver: -1,
          max_ack_pending: maxInFlight,
        };
        try {
          const info = await jsm.consumers.info(stream, spec.name);
          if (info.config.filter_subject !== filter) {
            // nats-server 2.9 cannot change a durable's filter: start it over (handlers are idempotent).
            logger.warn(
              { consumer: spec.name, stream, from: info.config.filter_subject, to: filter },
              'consumer filter changed; recreating it',
            );
            await jsm.consumers.delete(stream, spec.name);
            await jsm.consumers.add(stream, config);
          } else {
            await jsm.consumers.update(stream, spec.name, {
              ack_wait: config.ack_wait,
              max_ack_pending: config.max_ack_pending,
            });
          }
        } catch (error) {
          if (!/not found/i.test((error as Error).message)) throw error;
          await jsm.consumers.add(stream, config);
        }
        loops.push(
          consumeStream({
            client: js,
            stream,
            name: spec.name,
            wanted,
            // A modest pull: messages waiting in the client count against ack_wait.
            maxPull: Math.min(maxInFlight, 200),
            deliver,
            logger,
          }),
        );
      }
      return {
        async stop() {
          for (const loop of loops) loop.stop();
          await Promise.all(loops.map((l) => l.done.catch(() => undefined)));
        },
      };
    },

    async lag(spec) {
      if (!jsm) return 0;
      let total = 0;
      for (const stream of spec.streams) {
        try {
          const info = await jsm.consumers.info(stream, spec.name);
          total += info.num_pending + info.num_ack_pending;
        } catch {
          // not created on this stream (no types there)
        }
      }
      return total;
    },

    async health() {
      return {
        status: status === 'connected' ? 'ok' : 'down',
        details: { transport: 'nats', connection: status, server: nc?.info?.version },
      };
    },

    async stop() {
      if (!nc) return;
      const closing = nc;
      nc = undefined;
      js = undefined;
      jsm = undefined;
      publisher?.close();
      publisher = undefined;
      await closing.drain().catch(() => closing.close());
    },
  };
}
