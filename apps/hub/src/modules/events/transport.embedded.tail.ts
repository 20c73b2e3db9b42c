import { streamsOf, type EventStreamName } from '@made-open/shared/event-registry';
import type { Database } from '../../platform/db/index.ts';
import { eventsRepository as repo, type PublishedEvent } from './events.repository.ts';

/** What one consumer brings to a round: where it is, the cursor to save, and whether to ask about retries. */
export interface TailAsk {
  name: string;
  cursor: string;
  save?: string;
  checkRetries: boolean;
}

export interface TailRead {
  events: PublishedEvent[];
  /** How far the consumer has looked (its new cursor, even when nothing matched). */
  upTo: string;
  /** More is published past what the tail holds: read again without waiting. */
  more: boolean;
}

export interface OutboxTailOptions {
  db: Pick<Database, 'asSystem'>;
  /** A poll (no save, no retry check, nothing published here since) within this of the last round is answered from memory. */
  freshMs: number;
  /** Events one round reads at most. */
  pageSize: number;
  /** Events kept in memory at most. */
  capacity: number;
}

/**
 * The embedded transport's shared read of the outbox (ADR 0027, follow-up). Every consumer
 * of this process used to run its own transaction per wake (save its cursor, ask about its
 * retries, read its next events): one relay batch cost as many transactions as there are
 * consumers. Now the consumers woken together join one round, a single transaction that
 * saves all their cursors, asks about all their retries and reads the new events once, and
 * each picks its own events from the tail kept in memory. A consumer whose position the
 * tail no longer holds (far behind, or just started) reads the outbox itself, as before.
 */
export function createOutboxTail(options: OutboxTailOptions) {
  const { db, freshMs, pageSize, capacity } = options;
  /** Published events with pub_seq in (floor, head], in order. */
  let events: { pubSeq: bigint; item: PublishedEvent }[] = [];
  let floor: bigint | null = null;
  let head: bigint | null = null;
  let top: bigint | null = null;
  /** Bumped by every publication of this process; a round after it must read again. */
  let publications = 0;
  let readAtPublication = -1;
  let readAt = 0;
  /** Each consumer's position as of its last round (the tail keeps what the slowest still needs). */
  const positions = new Map<string, bigint>();

  type Waiter = { ask: TailAsk; resolve: (retryAt: Date | null) => void; reject: (error: unknown) => void };
  let queued: Waiter[] = [];
  let running = false;

  /** Adds a page read after `from`; a reset (from beyond what is held) starts the tail over there. */
  function append(page: PublishedEvent[], newTop: string, from: bigint) {
    if (head === null || from > head) {
      events = [];
      floor = from;
      head = from;
    }
    for (const item of page) {
      const pubSeq = BigInt(item.pubSeq);
      if (pubSeq > head) events.push({ pubSeq, item });
    }
    const last = events.length > 0 ? events[events.length - 1]!.pubSeq : head;
    top = BigInt(newTop);
    // A short page read everything the statement could see: the tail reaches the top.
    head = page.length < pageSize && top > last ? top : last;
    trim();
  }

  /** Drops what every consumer here has passed, and the oldest past the capacity. */
  function trim() {
    let keepAfter = [...positions.values()].reduce((a, b) => (a < b ? a : b), head!);
    if (events.length - countAtOrBelow(keepAfter) > capacity) keepAfter = events[events.length - capacity - 1]!.pubSeq;
    const drop = countAtOrBelow(keepAfter);
    if (drop > 0) {
      floor = events[drop - 1]!.pubSeq;
      events = events.slice(drop);
    }
  }

  /** How many held events have pub_seq <= seq (binary search: the tail is in order). */
  function countAtOrBelow(seq: bigint): number {
    let low = 0;
    let high = events.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (events[mid]!.pubSeq <= seq) low = mid + 1;
      else high = mid;
    }
    return low;
  }

  async function drain() {
    // Let the consumers woken in this turn of the event loop join the first round.
    await new Promise<void>((resolve) => setImmediate(resolve));
    for (;;) {
      const round = queued;
      queued = [];
      if (round.length === 0) {
        running = false;
        return;
      }
      try {
        const saves = new Map<string, string>();
        for (const { ask } of round) if (ask.save !== undefined) saves.set(ask.name, ask.save);
        const askingRetries = round.filter((w) => w.ask.checkRetries).map((w) => w.ask.name);
        const asked = round.map((w) => BigInt(w.ask.cursor));
        const lowest = asked.reduce((a, b) => (a < b ? a : b));
        // Every consumer asking is past what the tail holds (or nothing is held yet): start
        // over at the furthest; the others read the outbox themselves until they catch up.
        const from = head === null || lowest > head ? asked.reduce((a, b) => (a > b ? a : b)) : head;
        const needsRead =
          from !== head ||
          (top !== null && top > head) ||
          publications !== readAtPublication ||
          performance.now() - readAt >= freshMs;
        const publicationsSeen = publications;
        if (saves.size > 0 || askingRetries.length > 0 || needsRead) {
          const answer = await db.asSystem(async (tx) => {
            if (saves.size > 0) await repo.advanceCursors(tx, saves);
            const retries = askingRetries.length > 0 ? await repo.nextRetriesAt(tx, askingRetries) : new Map();
            const page = needsRead ? await repo.publishedPage(tx, from.toString(), pageSize) : null;
            return { retries, page };
          });
          if (answer.page) {
            append(answer.page.events, answer.page.top, from);
            readAtPublication = publicationsSeen;
            readAt = performance.now();
          }
          for (const waiter of round) waiter.resolve(answer.retries.get(waiter.ask.name) ?? null);
        } else for (const waiter of round) waiter.resolve(null);
      } catch (error) {
        for (const waiter of round) waiter.reject(error);
      }
    }
  }

  return {
    /** The relay published (in this process): the next round reads the outbox again. */
    published() {
      publications += 1;
    },

    /**
     * Saves the consumer's cursor (when it gives one), answers when its next retry is due
     * (when it asks; null when none waits) and brings the tail up to date, in one
     * transaction shared with every consumer that asks in the same turn.
     */
    round(ask: TailAsk): Promise<Date | null> {
      positions.set(ask.name, BigInt(ask.cursor));
      return new Promise((resolve, reject) => {
        queued.push({ ask, resolve, reject });
        if (!running) {
          running = true;
          void drain();
        }
      });
    },

    /**
     * The consumer's next events after `cursor` from memory, or null when the tail does not
     * hold its position (then it reads the outbox itself).
     */
    after(
      cursor: string,
      streams: readonly EventStreamName[],
      types: readonly string[] | undefined,
      limit: number,
    ): TailRead | null {
      const at = BigInt(cursor);
      if (head === null || floor === null || at < floor || at > head) return null;
      const picked: PublishedEvent[] = [];
      let upTo = head;
      for (let i = countAtOrBelow(at); i < events.length; i++) {
        const { item, pubSeq } = events[i]!;
        const type = item.event.type;
        if ((types === undefined || types.includes(type)) && streamsOf(type).some((s) => streams.includes(s))) {
          picked.push(item);
          if (picked.length === limit) {
            upTo = pubSeq;
            break;
          }
        }
      }
      return { events: picked, upTo: upTo.toString(), more: picked.length === limit || (top !== null && top > head) };
    },

    forget(name: string) {
      positions.delete(name);
    },
  };
}

export type OutboxTail = ReturnType<typeof createOutboxTail>;
