import { describe, expect, it } from 'vitest';
import { createGroupCommit } from './group-commit.ts';

/** A run whose batches finish only when the test says so. */
function controlledRun() {
  const batches: { key: string; items: number[]; finish(results?: (string | Error)[]): void; fail(e: Error): void }[] =
    [];
  const run = (key: string, items: number[]) =>
    new Promise<(string | Error)[]>((resolve, reject) => {
      batches.push({
        key,
        items,
        finish: (results) => resolve(results ?? items.map((n) => `done ${n}`)),
        fail: reject,
      });
    });
  return { batches, run };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('group commit', () => {
  it('runs a lone caller at once and gathers the callers that arrive meanwhile into the next batch', async () => {
    const { batches, run } = controlledRun();
    const group = createGroupCommit(run);
    const first = group.submit('a', 1);
    await tick();
    expect(batches.map((b) => b.items)).toEqual([[1]]);
    const later = [group.submit('a', 2), group.submit('a', 3), group.submit('a', 4)];
    await tick();
    expect(batches).toHaveLength(1);
    batches[0]!.finish();
    expect(await first).toBe('done 1');
    await tick();
    expect(batches[1]!.items).toEqual([2, 3, 4]);
    batches[1]!.finish();
    expect(await Promise.all(later)).toEqual(['done 2', 'done 3', 'done 4']);
    expect(group.pending()).toBe(0);
  });

  it('keeps keys apart: two keys run side by side', async () => {
    const { batches, run } = controlledRun();
    const group = createGroupCommit(run);
    const a = group.submit('a', 1);
    const b = group.submit('b', 2);
    await tick();
    expect(batches.map((batch) => [batch.key, batch.items])).toEqual([
      ['a', [1]],
      ['b', [2]],
    ]);
    batches[1]!.finish();
    batches[0]!.finish();
    expect(await Promise.all([a, b])).toEqual(['done 1', 'done 2']);
  });

  it('caps a batch at maxBatch', async () => {
    const { batches, run } = controlledRun();
    const group = createGroupCommit(run, { maxBatch: 2 });
    const all = [1, 2, 3, 4, 5].map((n) => group.submit('a', n));
    await tick();
    batches[0]!.finish();
    await tick();
    batches[1]!.finish();
    await tick();
    batches[2]!.finish();
    await Promise.all(all);
    expect(batches.map((b) => b.items)).toEqual([[1], [2, 3], [4, 5]]);
  });

  it('runs up to inFlight batches of one key side by side; the rest gather behind them', async () => {
    const { batches, run } = controlledRun();
    const group = createGroupCommit(run, { inFlight: 2 });
    const first = [group.submit('a', 1), group.submit('a', 2)];
    await tick();
    expect(batches.map((b) => b.items)).toEqual([[1], [2]]);
    const later = [3, 4, 5].map((n) => group.submit('a', n));
    await tick();
    expect(batches).toHaveLength(2);
    batches[1]!.finish();
    await tick();
    expect(batches[2]!.items).toEqual([3, 4, 5]);
    batches[0]!.finish();
    batches[2]!.finish();
    expect(await Promise.all([...first, ...later])).toEqual(['done 1', 'done 2', 'done 3', 'done 4', 'done 5']);
    expect(group.pending()).toBe(0);
  });

  it('rejects only the item a batch answered with an Error', async () => {
    const { batches, run } = controlledRun();
    const group = createGroupCommit(run);
    const blocker = group.submit('a', 0);
    const good = group.submit('a', 1);
    const bad = group.submit('a', 2);
    await tick();
    batches[0]!.finish();
    await blocker;
    await tick();
    batches[1]!.finish(['ok', new Error('item 2 is refused')]);
    expect(await good).toBe('ok');
    await expect(bad).rejects.toThrow('item 2 is refused');
  });

  it('retries a failed batch one item at a time, so one poisonous item fails alone', async () => {
    const { batches, run } = controlledRun();
    const group = createGroupCommit(run);
    const blocker = group.submit('a', 0);
    const items = [1, 2, 3].map((n) => group.submit('a', n));
    const outcomes = Promise.allSettled(items);
    await tick();
    batches[0]!.finish();
    await blocker;
    await tick();
    batches[1]!.fail(new Error('the batch broke'));
    for (const n of [1, 2, 3]) {
      await tick();
      const alone = batches.at(-1)!;
      expect(alone.items).toEqual([n]);
      if (n === 2) alone.fail(new Error('2 is poison'));
      else alone.finish();
    }
    const settled = await outcomes;
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((settled[1] as PromiseRejectedResult).reason).toEqual(new Error('2 is poison'));
    expect(group.pending()).toBe(0);
  });

  it('rejects an item the batch gave no result for (a bug in run), not hang', async () => {
    const group = createGroupCommit<string, number, string>(async () => []);
    await expect(group.submit('a', 1)).rejects.toThrow('no result');
  });
});
