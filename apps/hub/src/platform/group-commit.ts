/**
 * Group commit: concurrent callers with the same key share one unit of work (one database
 * transaction), so a burst of N requests costs one BEGIN/COMMIT and a few multi-row
 * statements instead of N of each. There is no timer: while a batch runs, the next one
 * gathers; a lone caller runs at once, so nothing waits longer than one batch. With
 * `inFlight` > 1, that many batches of one key run side by side (the next starts while the
 * others wait on the database), so a key's rate is not one batch per round of its latency.
 *
 * `run` answers one result per item, in order: a value, or an Error for that item alone
 * (which must then have changed nothing). When `run` throws, the batch is retried one item
 * at a time, so one poisonous item fails only its own caller.
 */
export interface GroupCommit<Key, Item, Result> {
  submit(key: Key, item: Item): Promise<Result>;
  /** Batches running or waiting (for /health and tests). */
  pending(): number;
}

export interface GroupCommitOptions {
  /** At most this many items per batch (default 64): bounds statement size and lock time. */
  maxBatch?: number;
  /**
   * Batches of one key that may run at once (default 1). More than one only where the
   * batches' work is safe to interleave (e.g. inserts that dedupe by a unique key).
   */
  inFlight?: number;
}

interface Waiting<Item, Result> {
  item: Item;
  resolve(result: Result): void;
  reject(error: unknown): void;
}

export function createGroupCommit<Key, Item, Result>(
  run: (key: Key, items: Item[]) => Promise<(Result | Error)[]>,
  options: GroupCommitOptions = {},
): GroupCommit<Key, Item, Result> {
  const maxBatch = options.maxBatch ?? 64;
  const inFlight = Math.max(1, options.inFlight ?? 1);
  /** Per key: the callers not yet in a batch, and the batches running. */
  const queues = new Map<Key, { waiting: Waiting<Item, Result>[]; running: number }>();

  async function runAlone(key: Key, waiting: Waiting<Item, Result>) {
    try {
      settle(waiting, (await run(key, [waiting.item]))[0]);
    } catch (error) {
      waiting.reject(error);
    }
  }

  function settle(waiting: Waiting<Item, Result>, result: Result | Error | undefined) {
    if (result instanceof Error) waiting.reject(result);
    else if (result === undefined) waiting.reject(new Error('group commit: the batch gave no result for an item'));
    else waiting.resolve(result);
  }

  async function drain(key: Key, queue: { waiting: Waiting<Item, Result>[]; running: number }) {
    while (queue.waiting.length > 0) {
      const batch = queue.waiting.splice(0, maxBatch);
      try {
        const results = await run(
          key,
          batch.map((waiting) => waiting.item),
        );
        batch.forEach((waiting, index) => settle(waiting, results[index]));
      } catch (error) {
        if (batch.length === 1) batch[0]!.reject(error);
        else for (const waiting of batch) await runAlone(key, waiting);
      }
    }
    queue.running -= 1;
    if (queue.running === 0) queues.delete(key);
  }

  return {
    submit(key, item) {
      return new Promise<Result>((resolve, reject) => {
        let queue = queues.get(key);
        if (!queue) {
          queue = { waiting: [], running: 0 };
          queues.set(key, queue);
        }
        queue.waiting.push({ item, resolve, reject });
        if (queue.running < inFlight) {
          queue.running += 1;
          void drain(key, queue);
        }
      });
    },
    pending: () => queues.size,
  };
}
