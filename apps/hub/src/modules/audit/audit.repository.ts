import type { EventEnvelope } from '@made-open/shared';
import type { Sql } from '../../platform/db/index.ts';

interface AuditRow {
  id: string;
  type: string;
  subject: string;
  actor: EventEnvelope['actor'];
  data: Record<string, unknown>;
  v: number;
  time: Date | string;
  recorded_at: Date | string;
  [key: string]: unknown;
}

export interface AuditEntry {
  id: string;
  type: string;
  subject: string;
  actor: EventEnvelope['actor'];
  data: Record<string, unknown>;
  v: number;
  time: string;
  recordedAt: string;
}

/** The only file of the audit module that knows SQL. */
export const auditRepository = {
  /** Idempotent: a redelivered event is recorded once. */
  async record(tx: Sql, event: EventEnvelope): Promise<void> {
    await tx.query(
      `INSERT INTO made_open.audit_log (id, owner_id, type, subject, actor, data, v, time)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (id) DO NOTHING`,
      [
        event.id,
        event.ownerId,
        event.type,
        event.subject,
        JSON.stringify(event.actor),
        JSON.stringify(event.data),
        event.v,
        event.time,
      ],
    );
  },

  /** The caller's trail (RLS), newest first, before an entry id (uuid v7: time-ordered). */
  async page(tx: Sql, before: string | undefined, limit: number): Promise<AuditEntry[]> {
    const { rows } = await tx.query<AuditRow>(
      `SELECT id, type, subject, actor, data, v, time, recorded_at FROM made_open.audit_log
       WHERE owner_id = (SELECT auth.uid()) AND ($1::uuid IS NULL OR id < $1::uuid)
       ORDER BY id DESC LIMIT $2`,
      [before ?? null, limit],
    );
    return rows.map((row) => ({
      id: row.id,
      type: row.type,
      subject: row.subject,
      actor: row.actor,
      data: row.data,
      v: row.v,
      time: new Date(row.time).toISOString(),
      recordedAt: new Date(row.recorded_at).toISOString(),
    }));
  },
};
