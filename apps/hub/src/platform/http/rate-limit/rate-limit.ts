import type { RateLimitPluginOptions } from '@fastify/rate-limit';
import type { HubModule } from '../../module.ts';

/**
 * What a route's limit does when the shared count cannot be read (the database is down or
 * overloaded):
 * - `refuse`: answer 503 and count nothing. For limits that guard a secret or a mailbox
 *   (passwords, codes, pairing codes, guest links, mail senders): overloading the database
 *   must not open them, and those routes need the database anyway.
 * - `count-here`: count on this instance alone, as a single hub does. For limits that only
 *   protect capacity (rule webhooks: their secret is 192 random bits), so a brief hiccup of
 *   the store does not drop an integration's calls.
 */
export type WhenStoreFails = 'refuse' | 'count-here';

/**
 * Where the hub's request rate limits (@fastify/rate-limit, per client IP) are counted
 * (ADR 0035). Made once in the composition root and handed to every module with limited
 * routes, which registers the plugin with `plugin(...)` in its own scope:
 * - `localRateLimiting` (this file): the plugin's in-memory store, for one hub process
 *   (embedded PGlite, or PostgreSQL without NATS). No I/O.
 * - `sharedRateLimiting` (rate-limit.shared.ts): one count for every instance on a shared
 *   PostgreSQL database, so N instances do not give an attacker N times the guesses.
 */
export interface RateLimiting {
  /** Options for `fastify.register(rateLimit, …)`: limits are per route (`config.rateLimit`). */
  plugin(whenStoreFails: WhenStoreFails): RateLimitPluginOptions;
  /** Sweeps expired counts and reports /metrics (the shared store only). */
  readonly module?: HubModule;
}

/** One process: @fastify/rate-limit's own LRU store, exactly as before ADR 0035. */
export function localRateLimiting(): RateLimiting {
  return { plugin: () => ({ global: false }) };
}
