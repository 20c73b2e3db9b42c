import type { Sql } from '../../platform/db/index.ts';
import type { StayState } from './devices.stays.ts';

/** A stored visit, times as epoch ms. */
export interface VisitRow {
  id: string;
  device_id: string;
  started_at: number;
  ended_at: number;
  ongoing: boolean;
  lat: number;
  lon: number;
  samples: number;
  place_id: string | null;
  place_name: string | null;
}

export interface PlaceRow {
  id: string;
  title: string;
  lat: number;
  lon: number;
  radius: number | null;
}

const ms = (column: string, as: string) => `(extract(epoch FROM ${column}) * 1000)::float8 AS ${as}`;
const iso = (epochMs: number) => new Date(epochMs).toISOString();

const visitColumns = `v.id, v.device_id, ${ms('v.started_at', 'started_at')}, ${ms('v.ended_at', 'ended_at')}, v.ongoing,
  v.lat, v.lon, v.samples, p.id AS place_id, p.title AS place_name`;
/** A soft-deleted place no longer names its visits. */
const placeJoin = `LEFT JOIN public.entities p ON p.owner_id = v.owner_id AND p.id = v.place_id AND p.deleted_at IS NULL`;

/** The SQL of visits and the stay detector's state; every method takes the caller's transaction (RLS). */
export const visitsRepository = {
  /** Locks the device's detector state for this upload (two uploads of a device take turns). */
  async lockState(tx: Sql, deviceId: string): Promise<StayState | null> {
    const { rows } = await tx.query<{
      started_at: number;
      last_at: number;
      samples: number;
      sum_lat: number;
      sum_lon: number;
      visit_id: string | null;
    }>(
      `SELECT ${ms('started_at', 'started_at')}, ${ms('last_at', 'last_at')}, samples, sum_lat, sum_lon, visit_id
       FROM made_open.device_stay_state WHERE device_id = $1 FOR UPDATE`,
      [deviceId],
    );
    const row = rows[0];
    if (!row) return null;
    return {
      startedAt: row.started_at,
      lastAt: row.last_at,
      samples: row.samples,
      sumLat: row.sum_lat,
      sumLon: row.sum_lon,
      visitId: row.visit_id,
    };
  },

  async saveState(tx: Sql, ownerId: string, deviceId: string, state: StayState) {
    await tx.query(
      `INSERT INTO made_open.device_stay_state (device_id, owner_id, started_at, last_at, samples, sum_lat, sum_lon, visit_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (device_id) DO UPDATE SET started_at = excluded.started_at, last_at = excluded.last_at,
         samples = excluded.samples, sum_lat = excluded.sum_lat, sum_lon = excluded.sum_lon, visit_id = excluded.visit_id`,
      [
        deviceId,
        ownerId,
        iso(state.startedAt),
        iso(state.lastAt),
        state.samples,
        state.sumLat,
        state.sumLon,
        state.visitId,
      ],
    );
  },

  /** The owner's places that have coordinates (a person has tens to hundreds). */
  async placesWithCoordinates(tx: Sql): Promise<PlaceRow[]> {
    const { rows } = await tx.query<PlaceRow & Record<string, unknown>>(
      `SELECT id, title, (properties->>'latitude')::float8 AS lat, (properties->>'longitude')::float8 AS lon,
              (properties->>'radiusMeters')::float8 AS radius
       FROM public.entities
       WHERE type = 'place' AND deleted_at IS NULL AND properties ? 'latitude' AND properties ? 'longitude'`,
    );
    return rows;
  },

  async placeOfVisit(tx: Sql, visitId: string): Promise<{ id: string; title: string } | null> {
    const { rows } = await tx.query<{ id: string; title: string }>(
      `SELECT p.id, p.title FROM made_open.device_visits v ${placeJoin.replace('LEFT JOIN', 'JOIN')} WHERE v.id = $1`,
      [visitId],
    );
    return rows[0] ?? null;
  },

  /** Inserts or updates the visits an upload touched, in one statement. */
  async upsertVisits(
    tx: Sql,
    ownerId: string,
    deviceId: string,
    visits: readonly { id: string; state: StayState; ongoing: boolean; placeId: string | null }[],
  ) {
    if (visits.length === 0) return;
    await tx.query(
      `INSERT INTO made_open.device_visits (id, owner_id, device_id, started_at, ended_at, ongoing, lat, lon, samples, place_id)
       SELECT x.id, $1, $2, x.started_at, x.ended_at, x.ongoing, x.lat, x.lon, x.samples, x.place_id
       FROM jsonb_to_recordset($3::jsonb) AS x(id uuid, started_at timestamptz, ended_at timestamptz, ongoing boolean,
         lat float8, lon float8, samples integer, place_id uuid)
       ON CONFLICT (id) DO UPDATE SET ended_at = excluded.ended_at, ongoing = excluded.ongoing, lat = excluded.lat,
         lon = excluded.lon, samples = excluded.samples, place_id = coalesce(device_visits.place_id, excluded.place_id)`,
      [
        ownerId,
        deviceId,
        JSON.stringify(
          visits.map((v) => ({
            id: v.id,
            started_at: iso(v.state.startedAt),
            ended_at: iso(v.state.lastAt),
            ongoing: v.ongoing,
            lat: v.state.sumLat / v.state.samples,
            lon: v.state.sumLon / v.state.samples,
            samples: v.state.samples,
            place_id: v.placeId,
          })),
        ),
      ],
    );
  },

  /**
   * Where a replay for a fix that arrived late at `time` starts: just after the device's last
   * finished visit that ended before it (a point where the detector started afresh), looking
   * back at most a day; without one, a day before, or the start of a visit spanning that.
   * Deletes the visits from there on and returns where to read fixes from.
   */
  async rewind(tx: Sql, deviceId: string, time: number): Promise<{ after: number } | { from: number }> {
    const { rows } = await tx.query<{ ended_at: number }>(
      `SELECT ${ms('ended_at', 'ended_at')} FROM made_open.device_visits
       WHERE device_id = $1 AND NOT ongoing AND ended_at < $2 AND ended_at >= $2::timestamptz - interval '1 day'
       ORDER BY ended_at DESC LIMIT 1`,
      [deviceId, iso(time)],
    );
    const finished = rows[0];
    if (finished) {
      await tx.query(`DELETE FROM made_open.device_visits WHERE device_id = $1 AND started_at > $2`, [
        deviceId,
        iso(finished.ended_at),
      ]);
      return { after: finished.ended_at };
    }
    const { rows: spanning } = await tx.query<{ from_at: number }>(
      `SELECT ${ms(`least($2::timestamptz - interval '1 day', min(started_at))`, 'from_at')}
       FROM made_open.device_visits WHERE device_id = $1 AND ended_at >= $2::timestamptz - interval '1 day'`,
      [deviceId, iso(time)],
    );
    const from = spanning[0]?.from_at ?? time - 86_400_000;
    await tx.query(`DELETE FROM made_open.device_visits WHERE device_id = $1 AND ended_at >= $2`, [
      deviceId,
      iso(from),
    ]);
    return { from };
  },

  /** A device's location fixes from a point on, in time order, for a replay. */
  async fixesSince(tx: Sql, deviceId: string, start: { after: number } | { from: number }) {
    const after = 'after' in start;
    const { rows } = await tx.query<{ time: number; data: { lat: number; lon: number; accuracyM?: number } }>(
      `SELECT ${ms('time', 'time')}, data FROM made_open.device_events
       WHERE device_id = $1 AND type = 'location' AND time ${after ? '>' : '>='} $2
       ORDER BY time, seq NULLS FIRST, event_id`,
      [deviceId, iso(after ? start.after : start.from)],
    );
    return rows;
  },

  /** Visits overlapping [from, to), oldest first. */
  async listVisits(tx: Sql, filter: { from: string; to: string; deviceId?: string }): Promise<VisitRow[]> {
    const { rows } = await tx.query<VisitRow & Record<string, unknown>>(
      `SELECT ${visitColumns} FROM made_open.device_visits v ${placeJoin}
       WHERE v.started_at < $2 AND v.ended_at >= $1 AND ($3::uuid IS NULL OR v.device_id = $3)
       ORDER BY v.started_at, v.id LIMIT 2000`,
      [filter.from, filter.to, filter.deviceId ?? null],
    );
    return rows;
  },

  async getVisit(tx: Sql, id: string): Promise<VisitRow | undefined> {
    const { rows } = await tx.query<VisitRow & Record<string, unknown>>(
      `SELECT ${visitColumns} FROM made_open.device_visits v ${placeJoin} WHERE v.id = $1`,
      [id],
    );
    return rows[0];
  },

  /** Unnamed visits in a box around a point (the caller checks the exact distance). */
  async unnamedVisitsNear(tx: Sql, lat: number, lon: number, dLat: number, dLon: number) {
    const { rows } = await tx.query<{ id: string; lat: number; lon: number }>(
      `SELECT v.id, v.lat, v.lon FROM made_open.device_visits v ${placeJoin}
       WHERE p.id IS NULL AND v.lat BETWEEN $1 AND $2 AND v.lon BETWEEN $3 AND $4`,
      [lat - dLat, lat + dLat, lon - dLon, lon + dLon],
    );
    return rows;
  },

  async setPlace(tx: Sql, visitIds: readonly string[], placeId: string) {
    await tx.query(`UPDATE made_open.device_visits SET place_id = $2 WHERE id = ANY($1::uuid[])`, [visitIds, placeId]);
  },

  /** A day's fixes of the owner's devices (thinned by the caller for drawing). */
  async fixesBetween(tx: Sql, from: string, to: string, deviceId?: string) {
    const { rows } = await tx.query<{ device_id: string; time: number; lat: number; lon: number }>(
      `SELECT device_id, ${ms('time', 'time')}, (data->>'lat')::float8 AS lat, (data->>'lon')::float8 AS lon
       FROM made_open.device_events
       WHERE type = 'location' AND time >= $1 AND time < $2 AND ($3::uuid IS NULL OR device_id = $3)
       ORDER BY device_id, time, seq NULLS FIRST, event_id`,
      [from, to, deviceId ?? null],
    );
    return rows;
  },
};
