import type { Sql } from '../../platform/db/index.ts';

export interface RetentionRow {
  type: string;
  raw_days: number;
  downsample_minutes: number | null;
  keep_days: number | null;
  budget_bytes: string | null;
  downsampled_until: string | null;
  over_budget_notified_at: string | null;
}

/** SQL of retention, downsampling and per-source usage. Every method takes the transaction. */
export const retentionRepository = {
  async settings(tx: Sql): Promise<RetentionRow[]> {
    const { rows } = await tx.query<RetentionRow & Record<string, unknown>>(
      `SELECT type, raw_days, downsample_minutes, keep_days, budget_bytes::text AS budget_bytes,
              downsampled_until::text AS downsampled_until, over_budget_notified_at::text AS over_budget_notified_at
       FROM made_open.device_retention`,
    );
    return rows;
  },

  async saveSettings(
    tx: Sql,
    ownerId: string,
    type: string,
    s: { rawDays: number; downsampleMinutes: number | null; keepDays: number | null; budgetBytes: number | null },
  ) {
    // A changed bucket size or raw window starts the thinning over from the beginning.
    await tx.query(
      `INSERT INTO made_open.device_retention AS r (owner_id, type, raw_days, downsample_minutes, keep_days, budget_bytes)
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (owner_id, type) DO UPDATE SET
         raw_days = excluded.raw_days, downsample_minutes = excluded.downsample_minutes,
         keep_days = excluded.keep_days, budget_bytes = excluded.budget_bytes, updated_at = now(),
         downsampled_until = CASE WHEN r.downsample_minutes IS DISTINCT FROM excluded.downsample_minutes
                                    OR r.raw_days <> excluded.raw_days THEN NULL ELSE r.downsampled_until END,
         over_budget_notified_at = CASE WHEN r.budget_bytes IS DISTINCT FROM excluded.budget_bytes
                                    THEN NULL ELSE r.over_budget_notified_at END`,
      [ownerId, type, s.rawDays, s.downsampleMinutes, s.keepDays, s.budgetBytes],
    );
  },

  /** System: owners that have device events at all. */
  async ownersWithEvents(tx: Sql): Promise<string[]> {
    const { rows } = await tx.query<{ owner_id: string }>(
      'SELECT DISTINCT owner_id FROM made_open.device_event_stats WHERE events > 0',
    );
    return rows.map((row) => row.owner_id);
  },

  async deleteBefore(tx: Sql, type: string, before: Date): Promise<number> {
    const { rowCount } = await tx.query(`DELETE FROM made_open.device_events WHERE type = $1 AND time < $2`, [
      type,
      before.toISOString(),
    ]);
    return rowCount;
  },

  /**
   * Keeps the first event per device and bucket of `minutes` in [from, until) and deletes the
   * rest. `until` is aligned to a bucket boundary by the caller, so no bucket is split
   * between two runs (which would keep two points of it).
   */
  async downsample(tx: Sql, type: string, minutes: number, from: Date | null, until: Date): Promise<number> {
    const { rowCount } = await tx.query(
      `DELETE FROM made_open.device_events d
       USING (
         SELECT device_id, event_id FROM (
           SELECT device_id, event_id,
                  row_number() OVER (PARTITION BY device_id, date_bin(make_interval(mins => $2), time, TIMESTAMPTZ 'epoch')
                                     ORDER BY time, event_id) AS n
           FROM made_open.device_events
           WHERE type = $1 AND time < $4 AND ($3::timestamptz IS NULL OR time >= $3::timestamptz)
         ) ranked WHERE n > 1
       ) doomed
       WHERE d.device_id = doomed.device_id AND d.event_id = doomed.event_id`,
      [type, minutes, from?.toISOString() ?? null, until.toISOString()],
    );
    return rowCount;
  },

  async markDownsampled(tx: Sql, ownerId: string, type: string, until: Date) {
    await tx.query(`UPDATE made_open.device_retention SET downsampled_until = $3 WHERE owner_id = $1 AND type = $2`, [
      ownerId,
      type,
      until.toISOString(),
    ]);
  },

  /** Recounts a source's events and payload bytes per device after deletions. */
  async recount(tx: Sql, type: string) {
    await tx.query(
      `UPDATE made_open.device_event_stats s SET events = coalesce(x.events, 0), bytes = coalesce(x.bytes, 0)
       FROM made_open.device_event_stats s2
       LEFT JOIN (
         SELECT device_id, count(*) AS events, sum(octet_length(data::text)) AS bytes
         FROM made_open.device_events WHERE type = $1 GROUP BY device_id
       ) x ON x.device_id = s2.device_id
       WHERE s.device_id = s2.device_id AND s.type = s2.type AND s.type = $1`,
      [type],
    );
  },

  /** Per source: events and payload bytes over all the owner's devices (RLS). */
  async usage(tx: Sql): Promise<{ type: string; events: string; bytes: string }[]> {
    const { rows } = await tx.query<{ type: string; events: string; bytes: string }>(
      `SELECT type, sum(events)::text AS events, sum(bytes)::text AS bytes FROM made_open.device_event_stats GROUP BY type`,
    );
    return rows;
  },

  async markNotified(tx: Sql, ownerId: string, type: string) {
    await tx.query(
      `UPDATE made_open.device_retention SET over_budget_notified_at = now() WHERE owner_id = $1 AND type = $2`,
      [ownerId, type],
    );
  },

  async clearNotified(tx: Sql, ownerId: string, type: string) {
    await tx.query(
      `UPDATE made_open.device_retention SET over_budget_notified_at = NULL WHERE owner_id = $1 AND type = $2`,
      [ownerId, type],
    );
  },
};
