import { describe, expect, it } from 'vitest';
import { IdOrder } from './id-order.ts';

/** IdOrder must agree with comparing the id strings, placed or not, whatever the order of arrival. */

function check(order: IdOrder, ids: string[], live: number[]) {
  const wrong: string[] = [];
  for (const a of live) {
    for (const b of live) if (order.less(a, b) !== ids[a]! < ids[b]!) wrong.push(`${ids[a]} < ${ids[b]}`);
  }
  expect(wrong).toEqual([]);
}

describe('IdOrder', () => {
  it('orders like the id strings for ids arriving in any order, placed or pending', () => {
    let seed = 7;
    const random = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
    const ids: string[] = [];
    const order = new IdOrder(ids, 8);
    const kinds = [
      () =>
        `0190b3a0-${Math.floor(random() * 65536)
          .toString(16)
          .padStart(4, '0')}-7000-8000-000000000001`,
      () => `d${Math.floor(random() * 100000)}`,
      () => `n-${'abcdef'[Math.floor(random() * 6)]}${Math.floor(random() * 100)}`,
      () => String.fromCharCode(32 + Math.floor(random() * 90)),
    ];
    // ids are unique within a shard (an updated document's old copy is dead, never compared)
    const seen = new Set<string>();
    for (let ord = 0; ord < 300; ord++) {
      let id = kinds[ord % kinds.length]!();
      while (seen.has(id)) id += String.fromCharCode(33 + Math.floor(random() * 90));
      seen.add(id);
      ids[ord] = id;
      order.added(ord);
      if (ord % 37 === 0)
        check(
          order,
          ids,
          Array.from({ length: ord + 1 }, (_, i) => i),
        );
    }
    check(
      order,
      ids,
      ids.map((_, i) => i),
    );
  });

  it('renumbers when insertions between the same neighbours run out of precision', () => {
    const ids: string[] = ['a', 'b'];
    const order = new IdOrder(ids, 1);
    order.added(0);
    order.added(1);
    // each new id lands just before "b": the gap halves every time
    for (let k = 1; k <= 200; k++) {
      ids.push(`a${'z'.repeat(k)}`);
      order.added(ids.length - 1);
    }
    check(
      order,
      ids,
      ids.map((_, i) => i),
    );
  });

  it('keeps the order through compaction', () => {
    const ids: string[] = [];
    const order = new IdOrder(ids, 4);
    const names = Array.from({ length: 40 }, (_, i) => `id-${String((i * 17) % 40).padStart(2, '0')}`);
    names.forEach((name, ord) => {
      ids[ord] = name;
      order.added(ord);
    });
    // drop every third document, as Shard.maybeCompact does
    const remap = new Int32Array(ids.length);
    let next = 0;
    for (let ord = 0; ord < ids.length; ord++) {
      if (ord % 3 === 0) remap[ord] = -1;
      else {
        remap[ord] = next;
        ids[next++] = ids[ord]!;
      }
    }
    ids.length = next;
    order.remap(remap, next);
    check(
      order,
      ids,
      ids.map((_, i) => i),
    );
    for (const name of ['id-99', 'id-00', 'id-205', 'a']) {
      ids.push(name);
      order.added(ids.length - 1);
    }
    check(
      order,
      ids,
      ids.map((_, i) => i),
    );
  });
});
