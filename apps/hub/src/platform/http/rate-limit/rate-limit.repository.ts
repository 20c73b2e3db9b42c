import type { Database } from '../../db/index.ts';

/** Rows deleted per sweep statement: short statements beside the counting ones. */
const SWEEP_CHUNK = 5_000;

/**
 * made_open.rate_limit_hits (platform migration 0002): system-only counts, one row per route
 * and client. Times are the database's (`now()`), so instances whose clocks differ agree on
 * when a window ends.
 */
export function rateLimitRepository(db: Database) {
  return {
    /**
     * Counts one request of `key` in one atomic statement: a new row, or one more hit in the
     * current window, or a new window when the last one has passed. Concurrent requests of a
     * key (from any instance) are serialised by the row's lock, so none goes uncounted.
     * Returns the hits so far in the window and the milliseconds until it ends.
     */
    async hit(key: Buffer, windowMs: number): Promise<{ current: number; ttl: number }> {
      const { rows } = await db.querySystem<{ hits: number; ttl: number }>(
        `INSERT INTO made_open.rate_limit_hits AS h (key, hits, resets_at)
           VALUES ($1, 1, now() + make_interval(secs => $2::float8 / 1000))
           ON CONFLICT (key) DO UPDATE SET
             hits = CASE WHEN h.resets_at <= now() THEN 1 ELSE least(h.hits, 2147483646) + 1 END,
             resets_at = CASE WHEN h.resets_at <= now() THEN excluded.resets_at ELSE h.resets_at END
           RETURNING hits, greatest(0, ceil(extract(epoch FROM resets_at - now()) * 1000))::float8 AS ttl`,
        [key, windowMs],
      );
      return { current: rows[0]!.hits, ttl: rows[0]!.ttl };
    },

    /** Deletes the rows whose window has passed (a new request starts a new row anyway). */
    async sweep(): Promise<number> {
      let swept = 0;
      for (;;) {
        const n = await db.asSystem(async (tx) => {
          const { rows } = await tx.query<{ n: number }>(
            `WITH gone AS (
               DELETE FROM made_open.rate_limit_hits WHERE key IN (
                 SELECT key FROM made_open.rate_limit_hits WHERE resets_at < now() LIMIT $1)
               RETURNING 1)
             SELECT count(*)::int AS n FROM gone`,
            [SWEEP_CHUNK],
          );
          return rows[0]!.n;
        });
        swept += n;
        if (n < SWEEP_CHUNK) return swept;
      }
    },
  };
}

export type RateLimitRepository = ReturnType<typeof rateLimitRepository>;
