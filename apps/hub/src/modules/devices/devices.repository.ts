import type { Sql } from '../../platform/db/index.ts';

/** A device row as the service sees it (never its token hash). */
export interface DeviceRow {
  id: string;
  owner_id: string;
  name: string;
  kind: string;
  clipboard: boolean;
  quiet_minutes: number;
  paired: boolean;
  created_at: string;
  paired_at: string | null;
  last_seen_at: string | null;
  revoked_at: string | null;
}

/** A device event ready to insert: times as ISO text, data as parsed JSON. */
export interface DeviceEventInsert {
  event_id: string;
  type: string;
  device_time: string;
  time: string;
  seq: number | null;
  data: unknown;
}

export interface StoredEventRow {
  device_id: string;
  event_id: string;
  type: string;
  device_time: string;
  time: string;
  received_at: string;
  seq: string | null;
  data: Record<string, unknown>;
}

const iso = (column: string, as = column) =>
  `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS ${as}`;

const deviceColumns = `id, owner_id, name, kind, clipboard, quiet_minutes, token_hash IS NOT NULL AS paired, ${iso('created_at')},
  ${iso('paired_at')}, ${iso('last_seen_at')}, ${iso('revoked_at')}`;

/** The only file of the devices module that knows SQL; every method takes the transaction. */
export const devicesRepository = {
  async insertDevice(
    tx: Sql,
    row: { id: string; ownerId: string; name: string; kind: string; clipboard: boolean },
  ): Promise<DeviceRow> {
    const { rows } = await tx.query<DeviceRow & Record<string, unknown>>(
      `INSERT INTO made_open.devices (id, owner_id, name, kind, clipboard) VALUES ($1, $2, $3, $4, $5)
       RETURNING ${deviceColumns}`,
      [row.id, row.ownerId, row.name, row.kind, row.clipboard],
    );
    return rows[0]!;
  },

  async listDevices(tx: Sql): Promise<DeviceRow[]> {
    const { rows } = await tx.query<DeviceRow & Record<string, unknown>>(
      `SELECT ${deviceColumns} FROM made_open.devices ORDER BY created_at, id`,
    );
    return rows;
  },

  async getDevice(tx: Sql, id: string): Promise<DeviceRow | undefined> {
    const { rows } = await tx.query<DeviceRow & Record<string, unknown>>(
      `SELECT ${deviceColumns} FROM made_open.devices WHERE id = $1`,
      [id],
    );
    return rows[0];
  },

  async updateDevice(tx: Sql, id: string, patch: { name?: string; clipboard?: boolean; quietMinutes?: number }) {
    const { rows } = await tx.query<DeviceRow & Record<string, unknown>>(
      `UPDATE made_open.devices SET name = coalesce($2, name), clipboard = coalesce($3, clipboard),
         quiet_minutes = coalesce($4, quiet_minutes)
       WHERE id = $1 RETURNING ${deviceColumns}`,
      [id, patch.name ?? null, patch.clipboard ?? null, patch.quietMinutes ?? null],
    );
    return rows[0];
  },

  /** Revokes: the token hash is dropped too, so nothing can match it again. */
  async revokeDevice(tx: Sql, id: string) {
    const { rows } = await tx.query<DeviceRow & Record<string, unknown>>(
      `UPDATE made_open.devices SET revoked_at = coalesce(revoked_at, now()), token_hash = NULL
       WHERE id = $1 RETURNING ${deviceColumns}`,
      [id],
    );
    await tx.query('DELETE FROM made_open.device_pairing_codes WHERE device_id = $1', [id]);
    return rows[0];
  },

  async insertPairingCode(tx: Sql, row: { codeHash: string; ownerId: string; deviceId: string; expiresAt: Date }) {
    // One live code per device: a new one replaces the old.
    await tx.query('DELETE FROM made_open.device_pairing_codes WHERE device_id = $1', [row.deviceId]);
    await tx.query(
      `INSERT INTO made_open.device_pairing_codes (code_hash, owner_id, device_id, expires_at) VALUES ($1, $2, $3, $4)`,
      [row.codeHash, row.ownerId, row.deviceId, row.expiresAt.toISOString()],
    );
  },

  /**
   * Spends a code (system transaction: the code is the credential) and sets the device's new
   * token hash, in one statement each; a used, expired or unknown code returns undefined.
   */
  async redeemPairingCode(tx: Sql, codeHash: string, tokenHash: string) {
    const { rows } = await tx.query<{ device_id: string; owner_id: string }>(
      `UPDATE made_open.device_pairing_codes c SET used_at = now()
       FROM made_open.devices d
       WHERE c.code_hash = $1 AND c.used_at IS NULL AND c.expires_at > now()
         AND d.id = c.device_id AND d.revoked_at IS NULL
       RETURNING c.device_id, c.owner_id`,
      [codeHash],
    );
    const spent = rows[0];
    if (!spent) return undefined;
    await tx.query(
      `UPDATE made_open.devices SET token_hash = $2, paired_at = now(), last_seen_at = now() WHERE id = $1`,
      [spent.device_id, tokenHash],
    );
    return { deviceId: spent.device_id, ownerId: spent.owner_id };
  },

  /** System: the live device a token hash belongs to. */
  async deviceByTokenHash(tx: Sql, tokenHash: string) {
    const { rows } = await tx.query<{ id: string; owner_id: string; clipboard: boolean; seen_recently: boolean }>(
      `SELECT id, owner_id, clipboard, coalesce(last_seen_at > now() - interval '30 seconds' AND quiet_notified_at IS NULL, false) AS seen_recently
       FROM made_open.devices WHERE token_hash = $1 AND revoked_at IS NULL`,
      [tokenHash],
    );
    return rows[0];
  },

  async touchDevice(tx: Sql, id: string) {
    await tx.query('UPDATE made_open.devices SET last_seen_at = now(), quiet_notified_at = NULL WHERE id = $1', [id]);
  },

  /**
   * Inserts a batch in one statement from one JSON parameter (a single round trip on both
   * drivers); an event id the device sent before is skipped. Returns the ids stored.
   */
  async insertEvents(
    tx: Sql,
    ownerId: string,
    deviceId: string,
    events: readonly DeviceEventInsert[],
  ): Promise<Set<string>> {
    const { rows } = await tx.query<{ event_id: string }>(
      `INSERT INTO made_open.device_events (device_id, event_id, owner_id, type, device_time, time, seq, data)
       SELECT $1, e.event_id, $2, e.type, e.device_time, e.time, e.seq, e.data
       FROM jsonb_to_recordset($3::jsonb)
         AS e(event_id text, type text, device_time timestamptz, time timestamptz, seq bigint, data jsonb)
       ON CONFLICT (device_id, event_id) DO NOTHING
       RETURNING event_id`,
      [deviceId, ownerId, JSON.stringify(events)],
    );
    return new Set(rows.map((row) => row.event_id));
  },

  /** Adds a batch's stored events to the per-type counters (one statement). */
  async addStats(
    tx: Sql,
    ownerId: string,
    deviceId: string,
    stats: readonly { type: string; events: number; bytes: number; lastTime: string }[],
  ) {
    if (stats.length === 0) return;
    await tx.query(
      `INSERT INTO made_open.device_event_stats AS s (device_id, type, owner_id, events, bytes, last_time, last_received_at, last_lag_ms)
       SELECT $1, x.type, $2, x.events, x.bytes, x.last_time, now(),
              (extract(epoch FROM now() - x.last_time) * 1000)::bigint
       FROM jsonb_to_recordset($3::jsonb) AS x(type text, events bigint, bytes bigint, last_time timestamptz)
       ON CONFLICT (device_id, type) DO UPDATE SET
         events = s.events + excluded.events,
         bytes = s.bytes + excluded.bytes,
         last_time = greatest(s.last_time, excluded.last_time),
         last_received_at = excluded.last_received_at,
         last_lag_ms = excluded.last_lag_ms`,
      [
        deviceId,
        ownerId,
        JSON.stringify(stats.map((s) => ({ type: s.type, events: s.events, bytes: s.bytes, last_time: s.lastTime }))),
      ],
    );
  },

  /** A page of the owner's events (RLS), ordered by (time, device, id), after a keyset cursor. */
  async listEvents(
    tx: Sql,
    filter: {
      deviceId?: string;
      types?: readonly string[];
      from?: string;
      to?: string;
      after?: { time: string; deviceId: string; eventId: string };
      limit: number;
    },
  ): Promise<StoredEventRow[]> {
    const params: unknown[] = [];
    const where: string[] = [];
    const param = (value: unknown) => {
      params.push(value);
      return `$${params.length}`;
    };
    if (filter.deviceId) where.push(`device_id = ${param(filter.deviceId)}`);
    if (filter.types?.length) where.push(`type = ANY(${param(filter.types)}::text[])`);
    if (filter.from) where.push(`time >= ${param(filter.from)}::timestamptz`);
    if (filter.to) where.push(`time < ${param(filter.to)}::timestamptz`);
    if (filter.after) {
      where.push(
        `(time, device_id, event_id) > (${param(filter.after.time)}::timestamptz, ${param(filter.after.deviceId)}::uuid, ${param(filter.after.eventId)})`,
      );
    }
    const { rows } = await tx.query<StoredEventRow & Record<string, unknown>>(
      `SELECT device_id, event_id, type, ${iso('device_time')}, ${iso('time')}, ${iso('received_at')}, seq::text AS seq, data
       FROM made_open.device_events
       ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY time, device_id, event_id
       LIMIT ${param(filter.limit)}`,
      params,
    );
    return rows;
  },
};
