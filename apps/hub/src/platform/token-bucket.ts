/**
 * Per-key token buckets: each key may spend `burst` at once and regains `perSecond`
 * tokens a second. Keys that are full again are forgotten, so memory follows the keys
 * that are active, not every key ever seen.
 */
export interface TokenBucketOptions {
  burst: number;
  perSecond: number;
  /** For tests: the clock in milliseconds. */
  now?: () => number;
}

export function createTokenBuckets(options: TokenBucketOptions) {
  const { burst, perSecond } = options;
  const now = options.now ?? Date.now;
  const buckets = new Map<string, { tokens: number; at: number }>();
  let lastSweep = now();

  function sweep(at: number) {
    if (at - lastSweep < 60_000) return;
    lastSweep = at;
    for (const [key, bucket] of buckets) {
      if (bucket.tokens + ((at - bucket.at) / 1000) * perSecond >= burst) buckets.delete(key);
    }
  }

  return {
    /** Spends one token of `key`; false when it has none left (the caller is over its rate). */
    take(key: string): boolean {
      const at = now();
      sweep(at);
      const bucket = buckets.get(key) ?? { tokens: burst, at };
      bucket.tokens = Math.min(burst, bucket.tokens + ((at - bucket.at) / 1000) * perSecond);
      bucket.at = at;
      buckets.set(key, bucket);
      if (bucket.tokens < 1) return false;
      bucket.tokens -= 1;
      return true;
    },
  };
}
