import type { Database } from '../../../platform/db/index.ts';
import { ConnectorError } from '../connectors.contract.ts';
import { ownerClaims } from '../connectors.sync.ts';
import { mailboxConcurrency } from './msgraph.limits.ts';

/**
 * made_open.msgraph_mailbox_pauses and msgraph_mailbox_slots (connectors 0009). Each call is
 * one statement as the mailbox's owner (RLS; one round trip through queryAsUser), so no
 * transaction is ever held open while a Graph request is in flight. Times cross the wire as
 * milliseconds from the database's now(): instances whose clocks differ still agree.
 */
export function mailboxLimitsRepository(db: Database) {
  const asOwner = <R extends Record<string, unknown>>(ownerId: string, text: string, params: unknown[]) =>
    db.queryAsUser<R>(ownerClaims(ownerId), text, params).then((result) => result.rows);

  return {
    /** The mailbox's slot rows made once, and the pause still to run (ms; 0 when none). */
    async prepare(connectionId: string, ownerId: string): Promise<number> {
      const rows = await asOwner<{ wait: number | null }>(
        ownerId,
        `WITH slots AS (
           INSERT INTO made_open.msgraph_mailbox_slots (connection_id, owner_id, slot)
           SELECT $1, $2, s FROM generate_series(0, $3::int - 1) AS s
           ON CONFLICT DO NOTHING
         )
         SELECT greatest(0, extract(epoch FROM paused_until - now()) * 1000)::float8 AS wait
           FROM made_open.msgraph_mailbox_pauses WHERE connection_id = $1`,
        [connectionId, ownerId, mailboxConcurrency],
      ).catch((error: unknown) => {
        // foreign_key_violation: the connection was deleted (disconnected) meanwhile.
        if ((error as { code?: unknown }).code === '23503')
          throw new ConnectorError('account', 'This Microsoft 365 connection no longer exists.');
        throw error;
      });
      return rows[0]?.wait ?? 0;
    },

    /** Records a pause of `waitMs` from now; a longer pause already recorded stands. */
    async pause(connectionId: string, ownerId: string, waitMs: number): Promise<void> {
      await asOwner(
        ownerId,
        `INSERT INTO made_open.msgraph_mailbox_pauses AS p (connection_id, owner_id, paused_until)
         VALUES ($1, $2, now() + make_interval(secs => $3::float8 / 1000))
         ON CONFLICT (connection_id) DO UPDATE SET paused_until = greatest(p.paused_until, excluded.paused_until)`,
        [connectionId, ownerId, waitMs],
      );
    },

    /**
     * Claims a free slot (never claimed, given back, or expired: its instance died) for
     * `leaseMs`, in one UPDATE; SKIP LOCKED lets concurrent claims take different slots.
     * Also reads the mailbox's pause, so a claim refreshes what this instance knows of it, and
     * how many slot rows there are (none: they went with their connection, or were never made).
     */
    async claim(
      connectionId: string,
      ownerId: string,
      claim: { holder: string; id: string; leaseMs: number },
    ): Promise<{ slot: number | undefined; pauseMs: number; slots: number }> {
      const rows = await asOwner<{ slot: number | null; wait: number | null; slots: number }>(
        ownerId,
        `WITH claimed AS (
           UPDATE made_open.msgraph_mailbox_slots s
              SET holder = $2, claim = $3, expires_at = now() + make_interval(secs => $4::float8 / 1000)
            WHERE s.connection_id = $1
              AND s.slot = (SELECT slot FROM made_open.msgraph_mailbox_slots
                             WHERE connection_id = $1 AND (claim IS NULL OR expires_at < now())
                             ORDER BY slot LIMIT 1 FOR UPDATE SKIP LOCKED)
           RETURNING s.slot
         )
         SELECT (SELECT slot FROM claimed) AS slot,
                (SELECT greatest(0, extract(epoch FROM paused_until - now()) * 1000)::float8
                   FROM made_open.msgraph_mailbox_pauses WHERE connection_id = $1) AS wait,
                (SELECT count(*)::int FROM made_open.msgraph_mailbox_slots WHERE connection_id = $1) AS slots`,
        [connectionId, claim.holder, claim.id, claim.leaseMs],
      );
      return { slot: rows[0]?.slot ?? undefined, pauseMs: rows[0]?.wait ?? 0, slots: rows[0]?.slots ?? 0 };
    },

    /** Gives a slot back (only the claim that holds it can). */
    async release(connectionId: string, ownerId: string, slot: number, claimId: string): Promise<void> {
      await asOwner(
        ownerId,
        `UPDATE made_open.msgraph_mailbox_slots SET holder = NULL, claim = NULL, expires_at = NULL
          WHERE connection_id = $1 AND slot = $2 AND claim = $3`,
        [connectionId, slot, claimId],
      );
    },

    /** Extends every claim this instance holds (any owner's mailbox: the system role). */
    async renew(holder: string, leaseMs: number): Promise<number> {
      const { rowCount } = await db.asSystem((tx) =>
        tx.query(
          `UPDATE made_open.msgraph_mailbox_slots SET expires_at = now() + make_interval(secs => $2::float8 / 1000)
            WHERE holder = $1 AND claim IS NOT NULL`,
          [holder, leaseMs],
        ),
      );
      return rowCount;
    },
  };
}

export type MailboxLimitsRepository = ReturnType<typeof mailboxLimitsRepository>;
