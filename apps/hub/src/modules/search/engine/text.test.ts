import { describe, expect, it } from 'vitest';
import { boundedDistance, boundedPrefixDistance } from './text.ts';

/** The textbook optimal-string-alignment distance, unbounded: the reference. */
function osa(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++) {
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
    }
  return d[a.length]![b.length]!;
}

/** Deterministic words over a small alphabet, so that near misses are common. */
function words(count: number, seed = 7): string[] {
  let state = seed;
  const next = () => (state = (state * 1_103_515_245 + 12_345) % 2 ** 31);
  return Array.from({ length: count }, () =>
    Array.from({ length: 1 + (next() % 11) }, () => 'abcde'[next() % 5]).join(''),
  );
}

describe('typo distances', () => {
  const sample = words(160);

  it('boundedDistance is the alignment distance up to max, and max + 1 beyond', () => {
    for (const a of sample)
      for (const b of sample.slice(0, 40))
        for (const max of [0, 1, 2]) {
          const exact = osa(a, b);
          expect(boundedDistance(a, b, max), `${a} ~ ${b} (max ${max})`).toBe(exact > max ? max + 1 : exact);
        }
    expect(boundedDistance('jonh', 'john', 1)).toBe(1);
    expect(boundedDistance('abc', 'abcdef', 2, 3)).toBe(0);
  });

  it('boundedPrefixDistance also accepts a typo within the part of the term typed so far', () => {
    for (const a of sample)
      for (const b of sample.slice(40, 80))
        for (const max of [1, 2]) {
          const candidates = [osa(a, b)];
          if (b.length > a.length)
            for (let k = Math.max(0, a.length - 1); k <= Math.min(b.length, a.length + 1); k++)
              candidates.push(osa(a, b.slice(0, k)));
          const exact = Math.min(...candidates);
          expect(boundedPrefixDistance(a, b, max), `${a} ~ ${b}… (max ${max})`).toBe(exact > max ? max + 1 : exact);
        }
    expect(boundedPrefixDistance('cahr', 'charlotte', 1)).toBe(1);
  });
});
