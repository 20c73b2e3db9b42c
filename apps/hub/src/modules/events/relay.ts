import type { Database } from '../../platform/db/index.ts';
import type { Logger } from '../../platform/logger.ts';
import { eventsRepository as repo } from './events.repository.ts';
import type { EventTransport } from './transport.ts';

export interface RelayOptions {
  db: Database;
  transport: EventTransport;
  logger: Logger;
  /** Events per claim (one publish call). */
  batchSize?: number;
  /**
   * Batches sent before the first is acknowledged, all committed by one transaction.
   * Default 4 on NATS; 1 on the embedded transport, where the commit is the publication.
   */
  batchesInFlight?: number;
  /** Poll interval when nothing pokes the relay (other hub instances' writes, missed pokes). */
  pollMs?: number;
  /**
   * Fault injection for tests: runs after the transport stored the events and before the
   * relay's transaction marks them published. Throwing here simulates a crash at that point.
   */
  afterPublish?: () => void | Promise<void>;
}

export interface Relay {
  start(): void;
  /** An event was appended: relay it as soon as its transaction commits. */
  poke(): void;
  /** Runs one batch now; resolves with the number of events relayed. */
  relayOnce(): Promise<number>;
  stop(): Promise<void>;
  stats(): { relayed: number; failures: number; lastError: string | undefined };
}

/**
 * Moves committed outbox rows to the transport. One relay at a time across hub instances
 * (a transaction-scoped advisory lock); inside its transaction it takes the oldest visible
 * unpublished rows in allocation order, stamps published_at and pub_seq, publishes them
 * (the event id is the message id, so a retry never stores a duplicate) and commits. A row
 * whose transaction committed after later rows is simply picked up by the next batch: the
 * relay never moves a cursor past it. If the transport fails, the transaction rolls back and
 * the events stay in the outbox until it recovers.
 *
 * On NATS the transaction claims and sends the next batch while the previous ones are
 * being acknowledged (up to `batchesInFlight`), so the database and the broker work at the
 * same time. The transport hands messages to its one connection in call order, which keeps
 * the order; the stamps of all of them commit together after every ack, so a crash or a
 * failed ack anywhere rolls them all back and they are all republished (duplicates dropped
 * by message id), never marked sent while unstored.
 */
export function createRelay(options: RelayOptions): Relay {
  const { db, transport, logger } = options;
  const batchSize = options.batchSize ?? 1000;
  const batchesInFlight = Math.max(1, options.batchesInFlight ?? (transport.kind === 'nats' ? 4 : 1));
  const pollMs = options.pollMs ?? 200;
  let running = false;
  let loop: Promise<void> | undefined;
  let wake: (() => void) | undefined;
  let pokedAt = 0;
  let pending = false;
  let relayed = 0;
  let failures = 0;
  let lastError: string | undefined;

  async function relayOnce(): Promise<number> {
    const count = await db.asSystem(async (tx) => {
      if (!(await repo.tryRelayLock(tx))) return -1;
      const acks: Promise<void>[] = [];
      let claimed = 0;
      let failed = false;
      // Embedded: the stamp is the publication (its transport's publish does nothing).
      if (transport.kind === 'embedded') {
        const stamped = await repo.claimAndStampCount(tx, batchSize);
        if (stamped > 0) await options.afterPublish?.();
        return stamped;
      }
      while (acks.length < batchesInFlight && !failed) {
        const events = await repo.claimAndStamp(tx, batchSize);
        if (events.length === 0) break;
        const ack = transport.publish(events);
        // Awaited below; this also keeps a failure that lands during the next claim handled.
        ack.catch(() => (failed = true));
        acks.push(ack);
        claimed += events.length;
      }
      if (claimed === 0) return 0;
      await Promise.all(acks);
      await options.afterPublish?.();
      return claimed;
    });
    if (count > 0) {
      relayed += count;
      transport.published();
    }
    return count;
  }

  function sleep(ms: number) {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        wake = undefined;
        resolve();
      }
      wake = done;
    });
  }

  async function run() {
    let backoff = 50;
    /** Empty looks in a row while pokes are recent: each waits twice as long (1, 2, 4, 8, 16 ms). */
    let emptyLooks = 0;
    while (running) {
      pending = false;
      try {
        const count = await relayOnce();
        backoff = 50;
        if (count > 0) {
          emptyLooks = 0;
          continue;
        }
        // Nothing visible yet. A writer that just poked may not have committed: look again
        // soon while pokes are recent, otherwise wait for a poke or the poll. Under a steady
        // stream of writes every poke is recent: doubling the wait keeps the relay from
        // spinning empty transactions against the writers, and lets each batch gather more.
        const sincePoke = performance.now() - pokedAt;
        if (sincePoke >= 50) emptyLooks = 0;
        else if (pending && emptyLooks === 0) {
          emptyLooks = 1;
          continue;
        }
        const soon = Math.min(16, 2 ** emptyLooks++);
        // count < 0: another instance holds the relay lock; it will publish these.
        await sleep(sincePoke < 50 ? Math.max(soon, count < 0 ? 5 : 1) : pollMs);
      } catch (error) {
        failures += 1;
        lastError = (error as Error).message;
        logger.warn({ err: error }, 'event relay failed; events stay in the outbox and will be retried');
        await sleep(backoff);
        backoff = Math.min(backoff * 2, 2_000);
      }
    }
  }

  return {
    start() {
      if (running) return;
      running = true;
      loop = run();
    },
    poke() {
      pokedAt = performance.now();
      pending = true;
      wake?.();
    },
    relayOnce,
    async stop() {
      running = false;
      wake?.();
      await loop;
    },
    stats: () => ({ relayed, failures, lastError }),
  };
}
