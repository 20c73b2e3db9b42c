import type { Database } from '../../platform/db/index.ts';
import type { Logger } from '../../platform/logger.ts';
import { eventsRepository as repo } from './events.repository.ts';
import { createOutboxTail } from './transport.embedded.tail.ts';
import type { ConsumerHandle, ConsumerSpec, Delivery, EventTransport } from './transport.ts';

export interface EmbeddedTransportOptions {
  db: Database;
  logger: Logger;
  /** Poll interval for consumers when nothing wakes them (events relayed by another instance). */
  pollMs?: number;
  batchSize?: number;
}

/**
 * The embedded default: the outbox table is the log. Publishing is the relay's pub_seq
 * stamp (nothing to send); each durable consumer keeps a cursor over pub_seq in
 * made_open.event_consumers, and failed deliveries wait in made_open.event_failures
 * (written by the consumer framework) until they are due again, so a failing event never
 * blocks the ones behind it.
 */
/** Unwanted events a consumer passes over before its cursor is saved without a delivery. */
const passedOverSaveEvery = 1000n;

export function createEmbeddedTransport(options: EmbeddedTransportOptions): EventTransport {
  const { db, logger } = options;
  const pollMs = options.pollMs ?? 250;
  const batchSize = options.batchSize ?? 500;
  const wakers = new Set<() => void>();
  // One read of the outbox per wake for all the consumers here (transport.embedded.tail.ts).
  const tail = createOutboxTail({ db, freshMs: pollMs / 2, pageSize: batchSize * 2, capacity: batchSize * 8 });

  /** Where each consumer running here has got to, saved or not (lag counts from it). */
  const positions = new Map<string, string>();
  return {
    kind: 'embedded',
    async start() {},
    async publish() {},
    published() {
      tail.published();
      for (const wake of wakers) wake();
    },

    async consume(spec: ConsumerSpec, deliver: (batch: readonly Delivery[]) => Promise<void>): Promise<ConsumerHandle> {
      let running = true;
      let wake: (() => void) | undefined;
      let woken = false;
      const waker = () => {
        woken = true;
        wake?.();
      };
      wakers.add(waker);
      let cursor = await db.asSystem((tx) => repo.consumerCursor(tx, spec.name, spec.perInstance));
      let saved = cursor;

      const sleep = (ms: number) =>
        new Promise<void>((resolve) => {
          if (woken || !running) return resolve();
          const timer = setTimeout(done, ms);
          function done() {
            clearTimeout(timer);
            wake = undefined;
            resolve();
          }
          wake = done;
        });

      const noop = async () => {};
      /** A cursor moved by a delivery but not yet saved: saved by the next read's transaction. */
      let unsaved: string | undefined;
      const save = async () => {
        if (unsaved === undefined) return;
        const upTo = unsaved;
        await db.asSystem((tx) => repo.advanceCursor(tx, spec.name, upTo));
        if (unsaved === upTo) unsaved = undefined;
        saved = upTo;
      };
      async function loop() {
        let nextRetryCheck = 0;
        while (running) {
          woken = false;
          try {
            let delivered = 0;
            const checkRetries = performance.now() >= nextRetryCheck;
            // One transaction per wake for every consumer woken together (the tail's round):
            // the cursor of the last delivery is saved, whether any retry is due is asked,
            // and the new events are read once for all. A crash before that save redelivers
            // at most the last batch: at least once, as before.
            const saving = unsaved;
            const retryAt = await tail.round({ name: spec.name, cursor, save: saving, checkRetries });
            const read = tail.after(cursor, spec.streams, spec.types, batchSize) ?? {
              ...(await db.asSystem((tx) => repo.publishedAfter(tx, cursor, spec.streams, spec.types, batchSize))),
              more: false,
            };
            if (saving !== undefined) {
              saved = saving;
              if (unsaved === saving) unsaved = undefined;
            }
            if (checkRetries) {
              let next = retryAt;
              if (next !== null && next.getTime() <= Date.now()) {
                const retries = await db.asSystem((tx) => repo.dueRetries(tx, spec.name, batchSize));
                for (const retry of retries) {
                  if (!running) break;
                  // One at a time; the framework clears or reschedules the failure row itself.
                  await deliver([{ event: retry.event, attempt: retry.attempts + 1, ack: noop, nak: noop }]);
                  delivered += 1;
                }
                next = await db.asSystem((tx) => repo.nextRetryAt(tx, spec.name));
              }
              nextRetryCheck = next
                ? performance.now() + Math.max(0, next.getTime() - Date.now())
                : performance.now() + pollMs;
            }
            const { events: batch, upTo } = read;
            // ack and nak both move past an event: a nak'ed one is redelivered from
            // event_failures, where the framework recorded it before calling nak. Events
            // this consumer does not want are passed over too (upTo).
            const passed = running ? upTo : cursor;
            if (passed !== cursor) {
              if (batch.length > 0) {
                await deliver(batch.map((item) => ({ event: item.event, attempt: 1, ack: noop, nak: noop })));
                delivered += batch.length;
              }
              // Passing over unwanted events is saved only now and then (a commit per wake
              // would cost every write its share of a WAL flush): after a restart the
              // consumer reads at most that many unwanted events again.
              if (batch.length > 0 || BigInt(passed) - BigInt(saved) >= passedOverSaveEvery) unsaved = passed;
              cursor = passed;
              positions.set(spec.name, passed);
            }
            if ((delivered > 0 && batch.length === batchSize) || read.more) continue;
            // Idle (nothing more to read): the cursor is saved now rather than at the next wake,
            // so the lag others see is not held up by a quiet consumer.
            if (delivered === 0) await save();
            await sleep(Math.max(1, Math.min(pollMs, nextRetryCheck - performance.now())));
          } catch (error) {
            logger.warn({ err: error, consumer: spec.name }, 'embedded consumer failed to read; retrying');
            await sleep(500);
          }
        }
        await save().catch((error: unknown) =>
          logger.warn({ err: error, consumer: spec.name }, 'embedded consumer could not save its cursor at stop'),
        );
      }
      const done = loop();
      return {
        async stop() {
          running = false;
          wakers.delete(waker);
          positions.delete(spec.name);
          tail.forget(spec.name);
          wake?.();
          await done;
          // This instance's own consumer goes with it (a crash leaves one small row).
          if (spec.perInstance) await db.asSystem((tx) => repo.forgetConsumer(tx, spec.name)).catch(() => undefined);
        },
      };
    },

    lag(spec) {
      // A consumer here may have moved past events whose cursor it saves only at its next read.
      const position = positions.get(spec.name) ?? null;
      return db.asSystem((tx) => repo.embeddedLag(tx, spec.name, spec.streams, spec.types, position));
    },

    async health() {
      return { status: 'ok', details: { transport: 'embedded' } };
    },

    async stop() {
      wakers.clear();
    },
  };
}
