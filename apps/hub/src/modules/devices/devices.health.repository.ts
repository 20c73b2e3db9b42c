import type { Sql } from '../../platform/db/index.ts';

const iso = (column: string, as: string) =>
  `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS ${as}`;

/** SQL of capture health and the quiet-device check. Every method takes the transaction. */
export const healthRepository = {
  async stats(tx: Sql, deviceId: string) {
    const { rows } = await tx.query<{
      type: string;
      events: string;
      last_time: string | null;
      last_received_at: string | null;
      last_lag_ms: string | null;
    }>(
      `SELECT type, events::text AS events, ${iso('last_time', 'last_time')}, ${iso('last_received_at', 'last_received_at')},
              last_lag_ms::text AS last_lag_ms
       FROM made_open.device_event_stats WHERE device_id = $1 ORDER BY type`,
      [deviceId],
    );
    return rows;
  },

  /**
   * Silences of the periodic sources longer than `gapMinutes` since `since`, each with what
   * else the device recorded in it and its last battery reading before it: the clues to why.
   */
  async gaps(tx: Sql, deviceId: string, since: Date, gapMinutes: number) {
    const { rows } = await tx.query<{
      type: string;
      from_time: string;
      to_time: string;
      others: number;
      battery: number | null;
      late: boolean;
    }>(
      `WITH periodic AS (
         SELECT type, time, received_at, lag(time) OVER (PARTITION BY type ORDER BY time) AS prev
         FROM made_open.device_events
         WHERE device_id = $1 AND type IN ('location', 'battery') AND time >= $2
       )
       SELECT g.type, ${iso('g.prev', 'from_time')}, ${iso('g.time', 'to_time')},
         (SELECT count(*)::int FROM made_open.device_events o
           WHERE o.device_id = $1 AND o.time > g.prev AND o.time < g.time AND o.type <> g.type) AS others,
         (SELECT (b.data ->> 'level')::float FROM made_open.device_events b
           WHERE b.device_id = $1 AND b.type = 'battery' AND b.time <= g.prev ORDER BY b.time DESC LIMIT 1) AS battery,
         -- The event ending the silence reached the hub long after it happened: recorded, but offline.
         g.received_at - g.time > make_interval(mins => $3) AS late
       FROM periodic g
       WHERE g.prev IS NOT NULL AND g.time - g.prev > make_interval(mins => $3)
       ORDER BY g.prev`,
      [deviceId, since.toISOString(), gapMinutes],
    );
    return rows;
  },

  /** System: live devices with no upload for their quiet_minutes that have not been told about yet. */
  async quietDevices(tx: Sql) {
    const { rows } = await tx.query<{
      id: string;
      owner_id: string;
      name: string;
      quiet_minutes: number;
      last_time: string | null;
    }>(
      `SELECT d.id, d.owner_id, d.name, d.quiet_minutes,
              (SELECT ${iso('max(s.last_time)', 'last_time')} FROM made_open.device_event_stats s WHERE s.device_id = d.id)
       FROM made_open.devices d
       WHERE d.token_hash IS NOT NULL AND d.revoked_at IS NULL AND d.quiet_notified_at IS NULL
         AND d.last_seen_at < now() - make_interval(mins => d.quiet_minutes)`,
    );
    return rows;
  },

  async markQuietNotified(tx: Sql, deviceId: string) {
    await tx.query('UPDATE made_open.devices SET quiet_notified_at = now() WHERE id = $1', [deviceId]);
  },
};
