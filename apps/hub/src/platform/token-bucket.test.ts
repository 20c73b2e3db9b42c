import { describe, expect, it } from 'vitest';
import { createTokenBuckets } from './token-bucket.ts';

describe('token buckets', () => {
  it('allows a burst, then the refill rate, per key', () => {
    let clock = 0;
    const buckets = createTokenBuckets({ burst: 3, perSecond: 2, now: () => clock });
    expect([1, 2, 3, 4].map(() => buckets.take('a'))).toEqual([true, true, true, false]);
    expect(buckets.take('b')).toBe(true);
    clock += 500; // one token back
    expect(buckets.take('a')).toBe(true);
    expect(buckets.take('a')).toBe(false);
    clock += 10_000; // refills to the burst, never past it
    expect([1, 2, 3, 4].map(() => buckets.take('a'))).toEqual([true, true, true, false]);
  });
});
