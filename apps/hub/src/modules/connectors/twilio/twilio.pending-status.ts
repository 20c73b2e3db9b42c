import { z } from 'zod';
import type { Database, Sql } from '../../../platform/db/index.ts';
import type { Logger } from '../../../platform/logger.ts';
import type { Ingest } from '../../graph/index.ts';
import { defineJob, type JobsModule } from '../../jobs/index.ts';
import { ownerClaims } from '../connectors.sync.ts';
import { twilioErrorMessage } from './twilio.errors.ts';
import { advances, patchMessage, statusesBefore, type MessageStatus } from './twilio.messages.ts';
import type { MessageRow } from './twilio.repository.ts';

/**
 * Status callbacks that arrive before their message is stored. POST /api/v1/messages stores
 * an outbound text only after Twilio accepted it, and Twilio may call `sms-status` in
 * between; it never sends that callback again. So a callback that finds no message keeps its
 * status in made_open.twilio_pending_statuses (the most advanced one per MessageSid wins) and
 * queues `twilio.apply-pending-status`, which applies it, forward only, once the message is
 * there (retrying while it is not; after the last retry the status is dropped: the message
 * was never stored). Nothing outside this module has to call anything.
 */

/** What a status callback changes on a stored outbound message, forward only (undefined: nothing). */
export function statusPatch(
  row: MessageRow,
  next: MessageStatus,
  errorCode: number | undefined,
): Record<string, unknown> | undefined {
  const current = row.properties.status as MessageStatus | undefined;
  if (row.properties.direction !== 'outbound' || !advances(current, next)) return undefined;
  const failed = next === 'failed' || next === 'undelivered';
  return failed && errorCode !== undefined
    ? { status: next, errorCode, error: twilioErrorMessage(errorCode, `error ${errorCode}`) }
    : { status: next };
}

export const pendingStatusPayload = z.object({
  connectionId: z.string().uuid(),
  ownerId: z.string().uuid(),
  messageSid: z.string().regex(/^(SM|MM)[0-9a-fA-F]{32}$/),
});

/** The first try waits for the send to store its message; retries wait 5, 10, 20, 40, 80 s (about 3 minutes in all). */
const firstTrySeconds = 2;
const retries = 5;

export interface PendingStatusDeps {
  db: Database;
  logger: Logger;
  ingest: Ingest;
}

class NotStoredYet extends Error {
  constructor(messageSid: string) {
    super(`Message ${messageSid} is not stored yet: its status callback waits.`);
    this.name = 'NotStoredYet';
  }
}

export function createPendingStatusJob(deps: PendingStatusDeps) {
  return defineJob({
    name: 'twilio.apply-pending-status',
    priority: 'interactive',
    payload: pendingStatusPayload,
    retry: { limit: retries, backoff: { type: 'exponential', delaySeconds: 5 } },
    async handler(payload, context) {
      const { ownerId, messageSid } = payload;
      const outcome = await deps.db.asUser(ownerClaims(ownerId), async (tx) => {
        const { rows } = await tx.query<{ status: MessageStatus; error_code: number | null }>(
          `SELECT status, error_code FROM made_open.twilio_pending_statuses
            WHERE owner_id = $1 AND message_sid = $2 FOR UPDATE`,
          [ownerId, messageSid],
        );
        const pending = rows[0];
        if (!pending) return 'none' as const; // applied by an earlier run
        const ingest = (items: Parameters<Ingest>[1]['items']) =>
          deps.ingest(tx, { ownerId, actor: { kind: 'connector', id: payload.connectionId }, items });
        const result = await patchMessage(tx, ownerId, ingest, messageSid, (row) =>
          statusPatch(row, pending.status, pending.error_code ?? undefined),
        );
        if (result === 'missing' && context.attempt < retries) return 'wait' as const;
        await tx.query(`DELETE FROM made_open.twilio_pending_statuses WHERE owner_id = $1 AND message_sid = $2`, [
          ownerId,
          messageSid,
        ]);
        // After the last retry a message still missing was never stored: its status is dropped.
        return result === 'missing' ? ('dropped' as const) : result;
      });
      if (outcome === 'wait') throw new NotStoredYet(messageSid);
      context.logger.debug({ messageSid, outcome }, 'pending Twilio status callback');
    },
  });
}

export type TwilioPendingStatusJob = ReturnType<typeof createPendingStatusJob>;

/**
 * Keeps a status callback that found no message and queues its application. A status that
 * does not advance on the one kept (a late `sent` after `delivered`) changes nothing.
 */
export async function keepPendingStatus(
  tx: Sql,
  jobs: Pick<JobsModule, 'enqueue'>,
  job: TwilioPendingStatusJob,
  pending: { ownerId: string; connectionId: string; messageSid: string; status: MessageStatus; errorCode?: number },
): Promise<void> {
  const terminal = pending.status === 'failed' || pending.status === 'undelivered';
  // One statement, so two callbacks for one message at once cannot both insert.
  await tx.query(
    `INSERT INTO made_open.twilio_pending_statuses AS p (owner_id, connection_id, message_sid, status, error_code)
     VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (owner_id, message_sid) DO UPDATE
        SET status = excluded.status, error_code = excluded.error_code, received_at = now()
      WHERE p.status = ANY($6::text[])`,
    [
      pending.ownerId,
      pending.connectionId,
      pending.messageSid,
      pending.status,
      terminal ? (pending.errorCode ?? null) : null,
      statusesBefore(pending.status),
    ],
  );
  await jobs.enqueue(
    tx,
    job,
    { connectionId: pending.connectionId, ownerId: pending.ownerId, messageSid: pending.messageSid },
    { startAfter: firstTrySeconds, singletonKey: `${pending.ownerId}:${pending.messageSid}` },
  );
}
