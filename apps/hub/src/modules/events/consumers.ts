import type { EventEnvelope } from '@made-open/shared';
import { primaryStreamOf, type EventStreamName } from '@made-open/shared/event-registry';
import type { Database, Sql } from '../../platform/db/index.ts';
import type { Logger } from '../../platform/logger.ts';
import { eventsRepository as repo } from './events.repository.ts';
import type { ConsumerHandle, ConsumerSpec, Delivery, EventTransport } from './transport.ts';

export type EventHandler = (event: EventEnvelope, tx: Sql | undefined) => Promise<void>;

export interface Subscription {
  /** Durable consumer name: [a-z0-9-], unique in the hub. */
  name: string;
  /** The event types to receive. */
  types?: readonly string[];
  /** 'audit': read the audit-log stream (every audited event) instead of the types' streams. */
  source?: 'events' | 'audit';
  handler: EventHandler;
  /** Default true: the handler runs in a service_role transaction that also records the event as processed. */
  transactional?: boolean;
  /** Attempts before the event is dead-lettered; default 5. */
  maxAttempts?: number;
  /** Test-only fault injection: throwing here kills the consumer at that point (no ack). */
  faults?: { beforeCommit?: (event: EventEnvelope) => void; beforeAck?: (event: EventEnvelope) => void };
}

export interface ConsumerStats {
  name: string;
  delivered: number;
  handled: number;
  duplicates: number;
  failed: number;
  deadLettered: number;
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
  return { name: subscription.name, streams, types: subscription.types };
}

/**
 * Runs one subscription on a transport: idempotent handling, retries with backoff that do
 * not block later events, dead letters after maxAttempts, failures recorded in tables.
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
  const stats: ConsumerStats = { name: spec.name, delivered: 0, handled: 0, duplicates: 0, failed: 0, deadLettered: 0 };
  let handle: ConsumerHandle | undefined;

  async function deliver(delivery: Delivery) {
    const { event, attempt } = delivery;
    stats.delivered += 1;
    try {
      if (transactional) {
        const fresh = await db.asSystem(async (tx) => {
          if (!(await repo.markProcessed(tx, spec.name, event.id))) {
            // Handled before (a redelivery after a crash between commit and ack).
            if (attempt > 1) await repo.clearFailure(tx, spec.name, event.id);
            return false;
          }
          await subscription.handler(event, tx);
          if (attempt > 1) await repo.clearFailure(tx, spec.name, event.id);
          subscription.faults?.beforeCommit?.(event);
          return true;
        });
        if (fresh) stats.handled += 1;
        else stats.duplicates += 1;
      } else {
        await subscription.handler(event, undefined);
        stats.handled += 1;
        if (attempt > 1) await db.asSystem((tx) => repo.clearFailure(tx, spec.name, event.id));
      }
    } catch (error) {
      if (error instanceof ConsumerCrash) throw error;
      stats.failed += 1;
      const message = (error instanceof Error ? `${error.name}: ${error.message}` : String(error)).slice(0, 2000);
      // Attempts are counted from recorded failures, not from the transport's delivery
      // count (JetStream also redelivers after an ack timeout, which is not a failure).
      const baseDelay = deps.retryBaseMs ?? 1_000;
      const { attempts, dead, already } = await db.asSystem(
        async (tx): Promise<{ attempts: number; dead: boolean; already?: boolean }> => {
          const failed = await repo.recordFailure(tx, spec.name, event, message, baseDelay);
          if (failed === null) return { attempts: maxAttempts, dead: true, already: true };
          if (failed < maxAttempts) return { attempts: failed, dead: false };
          await repo.deadLetter(tx, spec.name, event, failed, message);
          return { attempts: failed, dead: true };
        },
      );
      if (dead) {
        if (already) {
          await delivery.ack();
          return;
        }
        stats.deadLettered += 1;
        logger.error(
          { consumer: spec.name, eventId: event.id, type: event.type, attempts, err: error },
          'event dead-lettered',
        );
        await delivery.ack();
        return;
      }
      const delay = retryDelayMs(attempts, deps.retryBaseMs);
      logger.warn(
        { consumer: spec.name, eventId: event.id, type: event.type, attempts, retryInMs: delay, err: error },
        'event handler failed; will retry',
      );
      await delivery.nak(delay);
      return;
    }
    subscription.faults?.beforeAck?.(event);
    await delivery.ack();
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
