import { createHash } from 'node:crypto';
import type { Sql } from '../../platform/db/index.ts';
import type { AuthRepository, SignInFailureRow } from './auth.repository.ts';

/** Per-account progressive delays after failed sign-ins (beside the per-IP rate limit). */
export interface SignInThrottlePolicy {
  /** Attempts in a window before the account is held back. */
  threshold: number;
  /** A quiet spell this long (after the last failure and any delay) forgets the failures. */
  windowMs: number;
  /** The first delay; each further failure doubles it. */
  baseDelayMs: number;
  maxDelayMs: number;
}

export const defaultSignInThrottle: SignInThrottlePolicy = {
  threshold: 5,
  windowMs: 15 * 60_000,
  baseDelayMs: 30_000,
  maxDelayMs: 15 * 60_000,
};

export interface ThrottleState {
  failures: number;
  lockouts: number;
  lastFailedAt: number;
  lockedUntil: number | null;
}

/** Milliseconds until the account may try again; 0 when it may now. */
export function waitMs(state: ThrottleState, now: number): number {
  return state.lockedUntil !== null && state.lockedUntil > now ? state.lockedUntil - now : 0;
}

/** The state after one more (presumed failed) attempt at `now`. */
export function afterAttempt(
  previous: ThrottleState | undefined,
  now: number,
  policy: SignInThrottlePolicy,
): ThrottleState {
  const quietSince = previous ? Math.max(previous.lastFailedAt, previous.lockedUntil ?? 0) : 0;
  const base = previous && now - quietSince <= policy.windowMs ? previous : { failures: 0, lockouts: 0 };
  const failures = base.failures + 1;
  if (failures < policy.threshold) return { failures, lockouts: base.lockouts, lastFailedAt: now, lockedUntil: null };
  const lockouts = base.lockouts + 1;
  // 2 ** 30 is far past any cap; the exponent is bounded so the number stays finite.
  const delay = Math.min(policy.baseDelayMs * 2 ** Math.min(lockouts - 1, 30), policy.maxDelayMs);
  return { failures, lockouts, lastFailedAt: now, lockedUntil: now + delay };
}

/** Trimmed and lower-cased as sign-in matches it, then hashed: the table keeps no address. */
export function emailKey(email: string): string {
  return createHash('sha256').update(email.trim().toLowerCase()).digest('hex');
}

const toState = (row: SignInFailureRow): ThrottleState => ({
  failures: row.failures,
  lockouts: row.lockouts,
  lastFailedAt: new Date(row.last_failed_at).getTime(),
  lockedUntil: row.locked_until === null ? null : new Date(row.locked_until).getTime(),
});

export type SignInThrottle = ReturnType<typeof createSignInThrottle>;

export function createSignInThrottle(deps: {
  repository: Pick<
    AuthRepository,
    'lockSignInFailures' | 'saveSignInFailures' | 'clearSignInFailures' | 'pruneSignInFailures'
  >;
  policy: SignInThrottlePolicy;
  now: () => number;
}) {
  const { repository: repo, policy, now } = deps;
  let reservations = 0;

  return {
    /**
     * Counts an attempt for this email before its password is checked, in the caller's
     * transaction (the row lock serialises attempts on every instance). Returns the
     * milliseconds to wait when the account is held back (nothing is counted then).
     */
    async reserve(tx: Sql, email: string): Promise<number> {
      const key = emailKey(email);
      const at = now();
      const state = toState(await repo.lockSignInFailures(tx, key, new Date(at)));
      const wait = waitMs(state, at);
      if (wait > 0) return wait;
      await repo.saveSignInFailures(tx, key, afterAttempt(state, at, policy));
      // Addresses that never sign in leave rows behind: sweep the long-quiet ones now and then.
      if (++reservations % 256 === 0) {
        await repo.pruneSignInFailures(tx, new Date(at - policy.windowMs - policy.maxDelayMs));
      }
      return 0;
    },

    /** A successful sign-in forgets the failures. */
    async clear(tx: Sql, email: string): Promise<void> {
      await repo.clearSignInFailures(tx, emailKey(email));
    },
  };
}
