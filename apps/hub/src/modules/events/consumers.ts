import type { EventEnvelope } from '@made-open/shared';
import { primaryStreamOf, type EventStreamName } from '@made-open/shared/event-registry';
import type { Database, Sql } from '../../platform/db/index.ts';
import type { Logger } from '../../platform/logger.ts';
import { eventsRepository as repo } from './events.repository.ts';
import type { ConsumerHandle, ConsumerSpec, Delivery, EventTransport } from './transport.ts';

export type EventHandler = (event: EventEnvelope, tx: Sql | undefined) => Promise<void>;
/** Handles several events, in publication order (in one transaction when transactional). */
export type BatchEventHandler = (events: readonly EventEnvelope[], tx: Sql | undefined) => Promise<void>;

export interface SubscriptionOptions {
  /** Durable consumer name: [a-z0-9-], unique in the hub. */
  name: string;
  /** The event types to receive. */
  types?: readonly string[];
  /** 'audit': read the audit-log stream (every audited event) instead of the types' streams. */
  source?: 'events' | 'audit';
  /** Default true: the handler runs in a service_role transaction that also records the event as processed. */
  transactional?: boolean;
  /** Attempts before the event is dead-lettered; default 5. */
  maxAttempts?: number;
  /**
   * A consumer of this hub instance alone (its name carries the instance's id, so every
   * instance hears every event): it starts at the events published from now on, and the
   * transport forgets it once the instance is gone (NATS: an inactivity threshold; embedded:
   * its cursor row goes at stop), instead of one more durable left behind by each start.
   */
  perInstance?: boolean;
  /**
   * Transactional consumers (and batch handlers): at most this many events share one
   * transaction; default 100. 1 gives every event its own.
   */
  batchSize?: number;
  /** Test-only fault injection: throwing here kills the consumer at that point (no ack). */
  faults?: { beforeCommit?: (event: EventEnvelope) => void; beforeAck?: (event: EventEnvelope) => void };
}

/** A consumer handles one event at a time (`handler`) or whole batches (`handleBatch`). */
export type Subscription = SubscriptionOptions &
  ({ handler: EventHandler; handleBatch?: undefined } | { handleBatch: BatchEventHandler; handler?: undefined });

export interface ConsumerStats {
  name: string;
  delivered: number;
  handled: number;
  duplicates: number;
  failed: number;
  deadLettered: number;
  /** Batches handled together, and batches that failed and were retried one event at a time. */
  batches: number;
  batchesRetried: number;
}

/** The delay before retry n (1-based): 1 s, 2 s, 4 s, ... at most 60 s. */
export function retryDelayMs(attempt: number, baseMs = 1_000): number {
  return Math.min(baseMs * 2 ** (attempt - 1), 60_000);
}

const namePattern = /^[a-z0-9][a-z0-9-]{0,63}$/;

/** Thrown by a fault hook: the framework lets it escape so the transport treats the consumer as dead. */
export class ConsumerCrash extends Error {
  constructor(message = 'simulated consumer crash') {
    super(message);
    this.name = 'ConsumerCrash';
  }
}

export interface ConsumerRunner {
  spec: ConsumerSpec;
  subscription: Subscription;
  stats: ConsumerStats;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export function specOf(subscription: Subscription): ConsumerSpec {
  if (!namePattern.test(subscription.name)) {
    throw new Error(`Consumer name ${subscription.name} must match ${namePattern}`);
  }
  if (subscription.source === 'audit') {
    return { name: subscription.name, streams: ['audit-log'], types: subscription.types };
  }
  if (!subscription.types || subscription.types.length === 0) {
    throw new Error(`Consumer ${subscription.name} must list the event types it handles`);
  }
  const streams = [...new Set(subscription.types.map(primaryStreamOf))] as EventStreamName[];
  return { name: subscription.name, streams, types: subscription.types, perInstance: subscription.perInstance };
}

function handlersOf(subscription: Subscription): { one: EventHandler; many: BatchEventHandler } {
  const { handleBatch, handler } = subscription;
  if (handleBatch) return { many: handleBatch, one: (event, tx) => handleBatch([event], tx) };
  return {
    one: handler,
    many: async (events, tx) => {
      for (const event of events) await handler(event, tx);
    },
  };
}

/**
 * Runs one subscription on a transport: idempotent handling, retries with backoff that do
 * not block later events, dead letters after maxAttempts, failures recorded in tables.
 *
 * Batches: first deliveries that arrive together are handled together, in one transaction
 * for a transactional consumer (one commit instead of one per event). If that transaction
 * fails, nothing of it stays, and each of its events is handled again on its own, so the
 * event that failed gets its own attempt count, backoff and dead letter as if it had come
 * alone. Redeliveries are always handled alone.
 */
export function createConsumerRunner(deps: {
  db: Database;
  transport: EventTransport;
  logger: Logger;
  subscription: Subscription;
  retryBaseMs?: number;
}): ConsumerRunner {
  const { db, transport, logger, subscription } = deps;
  const spec = specOf(subscription);
  const transactional = subscription.transactional ?? true;
  const maxAttempts = subscription.maxAttempts ?? 5;
  const batchSize = Math.max(1, subscription.batchSize ?? 100);
  const handlers = handlersOf(subscription);
  // A per-event handler without a transaction gains nothing from batches, and a failed
  // batch would run its effects (a websocket push, say) twice.
  const batches = batchSize > 1 && (transactional || subscription.handleBatch !== undefined);
  const stats: ConsumerStats = {
    name: spec.name,
    delivered: 0,
    handled: 0,
    duplicates: 0,
    failed: 0,
    deadLettered: 0,
    batches: 0,
    batchesRetried: 0,
  };
  let handle: ConsumerHandle | undefined;

  async function deliver(batch: readonly Delivery[]) {
    stats.delivered += batch.length;
    let together: Delivery[] = [];
    const flush = async () => {
      const run = together;
      together = [];
      if (run.length > 0) await deliverTogether(run);
    };
    for (const delivery of batch) {
      if (batches && delivery.attempt === 1) {
        together.push(delivery);
        if (together.length === batchSize) await flush();
      } else {
        await flush(); // publication order
        await deliverOne(delivery);
      }
    }
    await flush();
  }

  async function deliverTogether(together: readonly Delivery[]) {
    if (together.length === 1) return deliverOne(together[0]!);
    let handled: number;
    try {
      handled = transactional
        ? await db.asSystem((tx) => handleTogether(together, tx))
        : await handleTogether(together);
    } catch (error) {
      if (error instanceof ConsumerCrash) throw error;
      // Nothing of the batch stayed (or, without tx, its handler is idempotent): find the culprit.
      stats.batchesRetried += 1;
      logger.debug({ consumer: spec.name, events: together.length, err: error }, 'event batch failed; one at a time');
      for (const delivery of together) await deliverOne(delivery);
      return;
    }
    stats.batches += 1;
    stats.handled += handled;
    stats.duplicates += together.length - handled;
    for (const delivery of together) {
      subscription.faults?.beforeAck?.(delivery.event);
      await delivery.ack();
    }
  }

  /** Runs the handler on the events not processed before; returns how many it ran on. */
  async function handleTogether(together: readonly Delivery[], tx?: Sql): Promise<number> {
    let events = together.map((delivery) => delivery.event);
    if (tx) {
      const fresh = await repo.markProcessedMany(
        tx,
        spec.name,
        events.map((event) => event.id),
      );
      // delete(): an event delivered twice in one batch runs once.
      events = events.filter((event) => fresh.delete(event.id));
    }
    if (events.length > 0) await handlers.many(events, tx);
    for (const event of events) subscription.faults?.beforeCommit?.(event);
    return events.length;
  }

  async function deliverOne(delivery: Delivery) {
    const { event, attempt } = delivery;
    try {
      if (transactional) {
        const fresh = await db.asSystem(async (tx) => {
          if (!(await repo.markProcessed(tx, spec.name, event.id))) {
            // Handled before (a redelivery after a crash between commit and ack).
            if (attempt > 1) await repo.clearFailure(tx, spec.name, event.id);
            return false;
          }
          await handlers.one(event, tx);
          if (attempt > 1) await repo.clearFailure(tx, spec.name, event.id);
          subscription.faults?.beforeCommit?.(event);
          return true;
        });
        if (fresh) stats.handled += 1;
        else stats.duplicates += 1;
      } else {
        await handlers.one(event, undefined);
        stats.handled += 1;
        if (attempt > 1) await db.asSystem((tx) => repo.clearFailure(tx, spec.name, event.id));
      }
    } catch (error) {
      if (error instanceof ConsumerCrash) throw error;
      await failed(delivery, error);
      return;
    }
    subscription.faults?.beforeAck?.(event);
    await delivery.ack();
  }

  async function failed(delivery: Delivery, error: unknown) {
    const { event } = delivery;
    stats.failed += 1;
    const message = (error instanceof Error ? `${error.name}: ${error.message}` : String(error)).slice(0, 2000);
    // Attempts are counted from recorded failures, not from the transport's delivery
    // count (JetStream also redelivers after an ack timeout, which is not a failure).
    const baseDelay = deps.retryBaseMs ?? 1_000;
    const { attempts, dead, already } = await db.asSystem(
      async (tx): Promise<{ attempts: number; dead: boolean; already?: boolean }> => {
        const failures = await repo.recordFailure(tx, spec.name, event, message, baseDelay);
        if (failures === null) return { attempts: maxAttempts, dead: true, already: true };
        if (failures < maxAttempts) return { attempts: failures, dead: false };
        await repo.deadLetter(tx, spec.name, event, failures, message);
        return { attempts: failures, dead: true };
      },
    );
    if (dead) {
      if (!already) {
        stats.deadLettered += 1;
        logger.error(
          { consumer: spec.name, eventId: event.id, type: event.type, attempts, err: error },
          'event dead-lettered',
        );
      }
      await delivery.ack();
      return;
    }
    const delay = retryDelayMs(attempts, deps.retryBaseMs);
    logger.warn(
      { consumer: spec.name, eventId: event.id, type: event.type, attempts, retryInMs: delay, err: error },
      'event handler failed; will retry',
    );
    await delivery.nak(delay);
  }

  return {
    spec,
    subscription,
    stats,
    async start() {
      if (handle) return;
      handle = await transport.consume(spec, deliver);
    },
    async stop() {
      const h = handle;
      handle = undefined;
      await h?.stop();
    },
  };
}
