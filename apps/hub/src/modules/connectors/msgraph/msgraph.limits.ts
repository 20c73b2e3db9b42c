import type { SharedLimit } from '../../../platform/http/outbound/index.ts';

/**
 * Outlook's limits per mailbox (integrations.md, Microsoft Graph): a 429/503's Retry-After
 * pauses every request of the mailbox, and at most 4 requests are in flight. The Graph client
 * asks the mailbox's limit before each request; the outbound client consults it (as its
 * `limit.shared`) on every attempt, retries included.
 *
 * Two implementations: `localMailboxLimits` (this file) for one hub process — embedded PGlite,
 * or PostgreSQL without NATS — and `clusterMailboxLimits` (msgraph.limits.cluster.ts) for
 * several hub instances on one PostgreSQL database and one NATS (ADR 0033).
 */
export interface MailboxLimit extends SharedLimit {
  /** Before the first request of this mailbox in this process: whatever must be read once (the persisted pause). */
  ready(): Promise<void>;
}

export interface MailboxLimits {
  /** The mailbox of a connection (its owner: the rows are the owner's, under RLS). */
  of(mailbox: { connectionId: string; ownerId: string }): MailboxLimit;
  start?(): Promise<void>;
  stop?(): Promise<void>;
  /** Prometheus lines for /metrics (the shared implementation: what its slots and pauses cost). */
  metrics?(): string;
}

/** Outlook's per-mailbox limit (integrations.md §2.4): never more requests in flight. */
export const mailboxConcurrency = 4;

const readyNow = Promise.resolve();

/**
 * One process: the pause in memory (the outbound client's in-process gate already keeps
 * 4 in flight per mailbox key). No I/O at all: the embedded path costs nothing extra.
 */
export function localMailboxLimits(): MailboxLimits {
  const pausedUntil = new Map<string, number>();
  return {
    of({ connectionId }) {
      return {
        ready: () => readyNow,
        pausedUntil: () => pausedUntil.get(connectionId) ?? 0,
        pause(until) {
          if (until > (pausedUntil.get(connectionId) ?? 0)) pausedUntil.set(connectionId, until);
        },
      };
    },
  };
}
