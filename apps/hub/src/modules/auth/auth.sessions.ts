import { LRUCache } from 'lru-cache';
import { oneStatementAsUser, type Database } from '../../platform/db/index.ts';
import { UnauthorizedError } from '../../platform/errors.ts';
import type { AuthenticatedUser } from '../../platform/http/authentication.ts';
import type { AuthRepository } from './auth.repository.ts';

export interface SessionGuardOptions {
  /** How long "this session is active" is believed without asking the database again. */
  activeTtlMs: number;
  /** Sessions remembered per instance (active and ended). */
  max: number;
  now?: () => number;
}

/** 5 s: the longest an instance can miss a revocation whose bus message it never got. */
export const defaultSessionGuardOptions: SessionGuardOptions = { activeTtlMs: 5_000, max: 20_000 };

export interface SessionGuard {
  /** Resolves when the token's session is active; throws a 401 (`session_ended`) when not. */
  check(user: AuthenticatedUser): Promise<void>;
  /** These sessions ended (here, or on another instance as the bus reports). */
  ended(sessionIds: readonly string[]): void;
  readonly stats: { hits: number; lookups: number; refused: number };
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const endedError = () => new UnauthorizedError('This session has ended: sign in again.', 'session_ended');

/** An ended session never comes back (migration 0003), so `ended` entries need no expiry. */
type Entry = { ended: true } | { ended: false; freshUntil: number };

/**
 * The database says which sessions are active (made_open.auth_sessions.revoked_at); this
 * cache keeps that off the hot path. "Ended" is final and cached; "active" is believed for
 * `activeTtlMs`, and `ended()` (called locally and from the bus) overrides it at once.
 */
export function createSessionGuard(
  db: Pick<Database, 'queryAsUser'>,
  repo: Pick<AuthRepository, 'isOwnSessionActive'>,
  options: SessionGuardOptions = defaultSessionGuardOptions,
): SessionGuard {
  const now = options.now ?? Date.now;
  const cache = new LRUCache<string, Entry>({ max: options.max });
  // Concurrent requests of one session share one lookup.
  const inFlight = new Map<string, Promise<boolean>>();
  const stats = { hits: 0, lookups: 0, refused: 0 };

  function lookup(user: AuthenticatedUser, sessionId: string): Promise<boolean> {
    let pending = inFlight.get(sessionId);
    if (pending) return pending;
    stats.lookups++;
    pending = repo
      .isOwnSessionActive(oneStatementAsUser(db, user.claims), sessionId)
      .then((active) => {
        // A revocation that arrived while we asked wins over the (older) answer.
        if (cache.get(sessionId)?.ended !== true) {
          cache.set(sessionId, active ? { ended: false, freshUntil: now() + options.activeTtlMs } : { ended: true });
        }
        return active && cache.get(sessionId)?.ended !== true;
      })
      .finally(() => inFlight.delete(sessionId));
    inFlight.set(sessionId, pending);
    return pending;
  }

  return {
    stats,
    async check(user) {
      const sessionId = user.claims.session_id;
      if (typeof sessionId !== 'string' || !uuidPattern.test(sessionId)) {
        stats.refused++;
        throw endedError();
      }
      const entry = cache.get(sessionId);
      if (entry !== undefined && (entry.ended || entry.freshUntil > now())) {
        stats.hits++;
        if (!entry.ended) return;
        stats.refused++;
        throw endedError();
      }
      if (!(await lookup(user, sessionId))) {
        stats.refused++;
        throw endedError();
      }
    },
    ended(sessionIds) {
      for (const id of sessionIds) cache.set(id, { ended: true });
    },
  };
}
