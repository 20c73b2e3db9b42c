import { createHash } from 'node:crypto';
import type { FastifyRateLimitStore, FastifyRateLimitStoreCtor } from '@fastify/rate-limit';
import { LRUCache } from 'lru-cache';
import type { Database } from '../../db/index.ts';
import { OperatorError } from '../../errors.ts';
import type { Logger } from '../../logger.ts';
import { metric } from '../../metrics.ts';
import type { RateLimiting, WhenStoreFails } from './rate-limit.ts';
import { rateLimitRepository } from './rate-limit.repository.ts';

type Count = { current: number; ttl: number };
type Callback = (error: Error | null, result?: Count) => void;

/** How often expired counts are swept (every instance sweeps; a sweep that finds none is one indexed read). */
const SWEEP_EVERY_MS = 60_000;
/** One warning per this long while the store fails, not one per request. */
const WARN_EVERY_MS = 10_000;

/**
 * The route's part of the key: its method and URL pattern, as @fastify/rate-limit's Redis
 * store does, so each limited route counts on its own.
 */
function routeScope(options: unknown): string {
  const route = (options as { routeInfo?: { method?: unknown; url?: unknown } }).routeInfo ?? {};
  return `${String(route.method ?? '')} ${String(route.url ?? '')}`;
}

/**
 * A route's client key as stored: fixed size whatever the client sent (a forwarded address
 * of any length), so long keys cannot grow the table.
 */
export function storedKey(route: string, client: string): Buffer {
  return createHash('sha256').update(`${route}\u0000${client}`).digest();
}

/**
 * Counts every instance's requests in made_open.rate_limit_hits (ADR 0035): one atomic
 * upsert per counted request. @fastify/rate-limit builds the headers and the 429 from what
 * `incr` answers, so both stay exactly as with its in-memory store.
 */
export function sharedRateLimiting(deps: { db: Database; logger: Logger; sweepEveryMs?: number }): RateLimiting {
  const repository = rateLimitRepository(deps.db);
  const stats = { counted: 0, refusedKnown: 0, refused: 0, countedHere: 0, seconds: 0 };
  let lastWarning = 0;
  let timer: NodeJS.Timeout | undefined;
  let sweeping: Promise<void> | undefined;

  function warn(error: unknown, whenStoreFails: WhenStoreFails) {
    const at = Date.now();
    if (at - lastWarning < WARN_EVERY_MS) return;
    lastWarning = at;
    deps.logger.warn(
      { err: error, whenStoreFails },
      whenStoreFails === 'refuse'
        ? 'shared rate limit store failed: refusing the limited requests (503) until it answers'
        : 'shared rate limit store failed: counting on this instance alone until it answers',
    );
  }

  /** The fallback of `count-here` limits: a fixed window per key in this process, as the plugin's own store. */
  function localWindows() {
    const windows = new LRUCache<string, { hits: number; resetsAt: number }>({ max: 10_000 });
    return (key: string, windowMs: number): Count => {
      const at = Date.now();
      let window = windows.get(key);
      if (!window || window.resetsAt <= at) window = { hits: 0, resetsAt: at + windowMs };
      window.hits++;
      windows.set(key, window);
      return { current: window.hits, ttl: window.resetsAt - at };
    };
  }

  function storeClass(whenStoreFails: WhenStoreFails): FastifyRateLimitStoreCtor {
    const countHere = whenStoreFails === 'count-here' ? localWindows() : undefined;
    /** Clients over their limit, until their window ends (by the store's ttl), by stored key. */
    const refused = new LRUCache<string, { until: number; current: number }>({ max: 10_000 });

    class SharedStore implements FastifyRateLimitStore {
      // The plugin constructs the root store with its options; each limited route gets a child.
      constructor(
        _options: unknown,
        private readonly scope = '',
      ) {}

      // The plugin passes the route's window and limit after the callback.
      incr(key: string, callback: Callback, timeWindow?: number, max?: number): void {
        const windowMs = timeWindow ?? 60_000;
        const stored = storedKey(this.scope, key);
        const id = stored.toString('base64');
        const at = Date.now();
        // A client already over its limit in this window stays refused until the window ends
        // (fixed windows): answered here, so a flood past the limit adds no database work.
        const over = refused.get(id);
        if (over && over.until > at) {
          stats.refusedKnown++;
          callback(null, { current: ++over.current, ttl: over.until - at });
          return;
        }
        const started = performance.now();
        repository.hit(stored, windowMs).then(
          (count) => {
            stats.counted++;
            stats.seconds += (performance.now() - started) / 1000;
            if (max !== undefined && count.current > max)
              refused.set(id, { until: Date.now() + count.ttl, current: count.current });
            callback(null, count);
          },
          (error: unknown) => {
            warn(error, whenStoreFails);
            if (countHere) {
              stats.countedHere++;
              callback(null, countHere(id, windowMs));
              return;
            }
            stats.refused++;
            callback(
              new OperatorError('The rate limit store (PostgreSQL) is not answering.', 'rate_limit_store_unavailable'),
            );
          },
        );
      }

      child(routeOptions: unknown): FastifyRateLimitStore {
        return new SharedStore(undefined, routeScope(routeOptions));
      }
    }
    return SharedStore;
  }

  async function sweep() {
    const swept = await repository.sweep();
    if (swept > 0) deps.logger.debug({ swept }, 'expired rate limit counts swept');
  }

  return {
    plugin: (whenStoreFails) => ({ global: false, store: storeClass(whenStoreFails) }),
    module: {
      name: 'rate-limits',
      async start() {
        timer = setInterval(() => {
          sweeping ??= sweep()
            .catch((error: unknown) => deps.logger.warn({ err: error }, 'sweeping expired rate limit counts failed'))
            .finally(() => {
              sweeping = undefined;
            });
        }, deps.sweepEveryMs ?? SWEEP_EVERY_MS);
        timer.unref();
      },
      async stop() {
        clearInterval(timer);
        await sweeping;
      },
      async metrics() {
        return [
          ...metric(
            'made_open_rate_limit_counts_total',
            'counter',
            'Requests of limited routes: counted in the shared store, refused as already over their limit (no round trip), or when the store failed.',
            [
              [{ outcome: 'counted' }, stats.counted],
              [{ outcome: 'refused_known' }, stats.refusedKnown],
              [{ outcome: 'refused_store_down' }, stats.refused],
              [{ outcome: 'counted_here_store_down' }, stats.countedHere],
            ],
          ),
          ...metric(
            'made_open_rate_limit_count_seconds_total',
            'counter',
            'Time spent counting requests in the shared store.',
            stats.seconds,
          ),
        ].join('\n');
      },
    },
  };
}
