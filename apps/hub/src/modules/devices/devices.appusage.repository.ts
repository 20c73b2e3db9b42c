import type { Sql } from '../../platform/db/index.ts';
import type { RankedApp } from './devices.apps.ts';

/** One summarised local day, as computed and stored. */
export interface AppUsageDay {
  date: string;
  timeZone: string;
  from: string;
  to: string;
  totalSeconds: number;
  apps: RankedApp[];
  events: number;
}

/** A stored day of app usage. */
export interface AppUsageDayRow {
  date: string;
  time_zone: string;
  starts_at: string;
  ends_at: string;
  total_seconds: number;
  apps: RankedApp[];
  events: number;
  computed_at: string;
}

export interface AppUsageStateRow {
  owner_id: string;
  time_zone: string;
  /** Epoch ms, or null when every focus event is summarised. */
  pending_from: number | null;
}

const dayColumns = `to_char(date, 'YYYY-MM-DD') AS date, time_zone, starts_at, ends_at, total_seconds, apps, events, computed_at`;
const stateColumns = `owner_id, time_zone, (extract(epoch FROM pending_from) * 1000)::float8 AS pending_from`;
const iso = (value: unknown) => (value instanceof Date ? value.toISOString() : new Date(String(value)).toISOString());
const toDay = (row: AppUsageDayRow): AppUsageDayRow => ({
  ...row,
  starts_at: iso(row.starts_at),
  ends_at: iso(row.ends_at),
  computed_at: iso(row.computed_at),
});

/** The SQL of stored app-usage days and the per-owner summariser state; every method takes the caller's transaction. */
export const appUsageRepository = {
  /**
   * Called by each upload that stored focus events: the earliest of them becomes pending (the
   * owner's state row is made on their first focus event).
   */
  async markPending(tx: Sql, ownerId: string, earliest: string) {
    await tx.query(
      `INSERT INTO made_open.device_app_usage_state (owner_id, pending_from) VALUES ($1, $2)
       ON CONFLICT (owner_id) DO UPDATE SET pending_from = least(made_open.device_app_usage_state.pending_from, excluded.pending_from),
         updated_at = now()
       WHERE made_open.device_app_usage_state.pending_from IS NULL OR made_open.device_app_usage_state.pending_from > excluded.pending_from`,
      [ownerId, earliest],
    );
  },

  async state(tx: Sql): Promise<AppUsageStateRow | undefined> {
    const { rows } = await tx.query<AppUsageStateRow & Record<string, unknown>>(
      `SELECT ${stateColumns} FROM made_open.device_app_usage_state`,
    );
    return rows[0];
  },

  /** Locks the owner's state while their days are summarised (their uploads wait to mark new events). */
  async lockState(tx: Sql): Promise<AppUsageStateRow | undefined> {
    const { rows } = await tx.query<AppUsageStateRow & Record<string, unknown>>(
      `SELECT ${stateColumns} FROM made_open.device_app_usage_state FOR UPDATE`,
    );
    return rows[0];
  },

  async setPending(tx: Sql, ownerId: string, pendingFrom: string | null) {
    await tx.query(
      `UPDATE made_open.device_app_usage_state SET pending_from = $2, updated_at = now() WHERE owner_id = $1`,
      [ownerId, pendingFrom],
    );
  },

  async saveTimeZone(tx: Sql, ownerId: string, timeZone: string) {
    await tx.query(
      `INSERT INTO made_open.device_app_usage_state (owner_id, time_zone) VALUES ($1, $2)
       ON CONFLICT (owner_id) DO UPDATE SET time_zone = excluded.time_zone, updated_at = now()`,
      [ownerId, timeZone],
    );
  },

  /** System: the owners with focus events waiting to be summarised. */
  async pendingOwners(tx: Sql): Promise<AppUsageStateRow[]> {
    const { rows } = await tx.query<AppUsageStateRow & Record<string, unknown>>(
      `SELECT ${stateColumns} FROM made_open.device_app_usage_state WHERE pending_from IS NOT NULL ORDER BY owner_id`,
    );
    return rows;
  },

  /** Whether any focus event is at or after `from` (today's, still to be summarised tomorrow). */
  async hasFocusSince(tx: Sql, from: string): Promise<boolean> {
    const { rows } = await tx.query(
      `SELECT 1 FROM made_open.device_events WHERE type IN ('active_app', 'idle', 'screen') AND time >= $1 LIMIT 1`,
      [from],
    );
    return rows.length > 0;
  },

  async saveDay(tx: Sql, ownerId: string, day: AppUsageDay) {
    await tx.query(
      `INSERT INTO made_open.device_app_usage_days (owner_id, date, time_zone, starts_at, ends_at, total_seconds, apps, events, computed_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8, now())
       ON CONFLICT (owner_id, date) DO UPDATE SET time_zone = excluded.time_zone, starts_at = excluded.starts_at,
         ends_at = excluded.ends_at, total_seconds = excluded.total_seconds, apps = excluded.apps,
         events = excluded.events, computed_at = excluded.computed_at`,
      [ownerId, day.date, day.timeZone, day.from, day.to, day.totalSeconds, JSON.stringify(day.apps), day.events],
    );
  },

  async deleteDay(tx: Sql, date: string) {
    await tx.query(`DELETE FROM made_open.device_app_usage_days WHERE date = $1`, [date]);
  },

  async day(tx: Sql, date: string): Promise<AppUsageDayRow | undefined> {
    const { rows } = await tx.query<AppUsageDayRow & Record<string, unknown>>(
      `SELECT ${dayColumns} FROM made_open.device_app_usage_days WHERE date = $1`,
      [date],
    );
    return rows[0] ? toDay(rows[0]) : undefined;
  },

  /** Stored days in [from, to], oldest first, after `cursor` (a date), at most `limit`. */
  async listDays(tx: Sql, query: { from: string; to: string; after: string | null; limit: number }) {
    const { rows } = await tx.query<AppUsageDayRow & Record<string, unknown>>(
      `SELECT ${dayColumns} FROM made_open.device_app_usage_days
       WHERE date >= $1 AND date <= $2 AND ($3::date IS NULL OR date > $3::date)
       ORDER BY date LIMIT $4`,
      [query.from, query.to, query.after, query.limit],
    );
    return rows.map(toDay);
  },
};
