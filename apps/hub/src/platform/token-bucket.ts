/**
 * Per-key token buckets: each key may spend `burst` at once and regains `perSecond`
 * tokens a second. Keys that are full again are forgotten, so memory follows the keys
 * that are active, not every key ever seen.
 *
 * Per instance on purpose (ADR 0035): they bound the owner's own actions, plugin event runs
 * and paired devices' uploads, never an anonymous caller, on hot paths where a take costs
 * about 170 ns and a shared count a database round trip. With N hub instances a key may spend
 * up to N times the rate. Limits an attacker could multiply (sign-in, pairing, webhooks) are
 * counted for all instances in platform/http/rate-limit instead.
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
