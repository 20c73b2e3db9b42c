import type { Visit } from '@made-open/shared';
import { uuidv7 } from 'uuidv7';
import type { Database, Sql } from '../../platform/db/index.ts';
import { ConflictError, NotFoundError } from '../../platform/errors.ts';
import type { AuthenticatedUser } from '../../platform/http/authentication.ts';
import type { EventOutbox } from '../events/index.ts';
import type { Ingest } from '../graph/index.ts';
import type { DeviceEventInsert } from './devices.repository.ts';
import type { DevicePrincipal } from './devices.service.ts';
import {
  centreOf,
  distanceMeters,
  maxAccuracyMeters,
  step,
  type Fix,
  type StayChange,
  type StayState,
} from './devices.stays.ts';
import { visitsRepository as repo, type PlaceRow, type VisitRow } from './devices.visits.repository.ts';

/** A place without a radius reaches this far. */
export const defaultPlaceRadiusMeters = 100;

export function toVisit(row: VisitRow): Visit {
  return {
    id: row.id,
    deviceId: row.device_id,
    startedAt: new Date(row.started_at).toISOString(),
    endedAt: new Date(row.ended_at).toISOString(),
    ongoing: row.ongoing,
    durationSeconds: Math.round((row.ended_at - row.started_at) / 1000),
    lat: row.lat,
    lon: row.lon,
    samples: row.samples,
    place: row.place_id && row.place_name !== null ? { id: row.place_id, name: row.place_name } : null,
  };
}

/** The nearest of `places` whose reach holds the point. */
export function placeAt(places: readonly PlaceRow[], point: { lat: number; lon: number }): PlaceRow | null {
  let best: PlaceRow | null = null;
  let bestDistance = Infinity;
  for (const place of places) {
    const distance = distanceMeters(point, place);
    if (distance <= (place.radius ?? defaultPlaceRadiusMeters) && distance < bestDistance) {
      best = place;
      bestDistance = distance;
    }
  }
  return best;
}

const usable = (data: { accuracyM?: number }) => data.accuracyM === undefined || data.accuracyM <= maxAccuracyMeters;

export interface VisitsDeps {
  db: Database;
  outbox: Pick<EventOutbox, 'append'>;
  ingest: Ingest;
}

/**
 * Visits (issue 16 §5): each upload's new location fixes continue the device's stay detector
 * (devices.stays.ts) in the upload's transaction; a fix older than the newest one processed
 * replays the detector from the last finished visit before it. A visit that opens or closes
 * inside one of the owner's places raises location.PlaceEntered / PlaceLeft (`via: 'stay'`),
 * on live fixes only (a replay rewrites history, it does not announce it again).
 */
export function createVisits(deps: VisitsDeps) {
  async function derive(tx: Sql, device: DevicePrincipal, stored: readonly DeviceEventInsert[]) {
    const fixes: Fix[] = stored
      .map((event) => ({
        time: Date.parse(event.time),
        data: event.data as { lat: number; lon: number; accuracyM?: number },
      }))
      .filter((fix) => usable(fix.data))
      .map((fix) => ({ time: fix.time, lat: fix.data.lat, lon: fix.data.lon }))
      .sort((a, b) => a.time - b.time);
    if (fixes.length === 0) return;
    const state = await repo.lockState(tx, device.deviceId);
    if (state !== null && fixes[0]!.time < state.lastAt) {
      const start = await repo.rewind(tx, device.deviceId, fixes[0]!.time);
      const all = (await repo.fixesSince(tx, device.deviceId, start))
        .filter((row) => usable(row.data))
        .map((row) => ({ time: row.time, lat: row.data.lat, lon: row.data.lon }));
      await run(tx, device, null, all, false);
      return;
    }
    await run(tx, device, state, fixes, true);
  }

  async function run(tx: Sql, device: DevicePrincipal, initial: StayState | null, fixes: Fix[], live: boolean) {
    let places: PlaceRow[] | undefined;
    const placeNear = async (state: StayState) =>
      placeAt((places ??= await repo.placesWithCoordinates(tx)), centreOf(state));
    type Touched = { id: string; state: StayState; ongoing: boolean; place: { id: string; title: string } | null };
    /** Visits this run touched, written once at the end. */
    const touched = new Map<string, Touched>();
    const announce = async (
      type: 'location.PlaceEntered' | 'location.PlaceLeft',
      place: { id: string; title: string },
      at: number,
    ) => {
      if (!live) return;
      await deps.outbox.append(tx, {
        type,
        ownerId: device.ownerId,
        subject: place.id,
        actor: { kind: 'system', id: `device:${device.deviceId}` },
        data: {
          placeId: place.id,
          placeName: place.title.slice(0, 200),
          deviceId: device.deviceId,
          at: new Date(at).toISOString(),
          via: 'stay',
        },
      });
    };
    const apply = async (change: StayChange) => {
      const id = change.state.visitId!;
      if (change.kind === 'open') {
        const place = await placeNear(change.state);
        touched.set(id, { id, state: change.state, ongoing: true, place });
        if (place) await announce('location.PlaceEntered', place, change.state.startedAt);
        return;
      }
      // A visit opened by an earlier upload: its place is read once.
      const place = touched.has(id) ? touched.get(id)!.place : await repo.placeOfVisit(tx, id);
      if (change.kind === 'extend') {
        touched.set(id, { id, state: change.state, ongoing: true, place });
        return;
      }
      if (place) {
        touched.set(id, { id, state: change.state, ongoing: false, place });
        await announce('location.PlaceLeft', place, change.state.lastAt);
      } else {
        // One that opened outside every place may have drifted into one: linked, not announced.
        touched.set(id, { id, state: change.state, ongoing: false, place: await placeNear(change.state) });
      }
    };

    let state = initial;
    for (const fix of fixes) {
      const { next, changes } = step(state, fix);
      for (const change of changes) {
        if (change.kind === 'open') change.state.visitId = uuidv7();
        await apply(change);
      }
      state = next;
    }
    await repo.upsertVisits(
      tx,
      device.ownerId,
      device.deviceId,
      [...touched.values()].map((v) => ({ ...v, placeId: v.place?.id ?? null })),
    );
    if (state) await repo.saveState(tx, device.ownerId, device.deviceId, state);
  }

  return {
    derive,

    async list(user: AuthenticatedUser, filter: { from: string; to: string; deviceId?: string }) {
      const rows = await deps.db.asUser(user.claims, (tx) => repo.listVisits(tx, filter));
      return rows.map(toVisit);
    },

    async get(user: AuthenticatedUser, id: string) {
      const row = await deps.db.asUser(user.claims, (tx) => repo.getVisit(tx, id));
      if (!row) throw new NotFoundError('visit');
      return toVisit(row);
    },

    /**
     * Names the place of a visit that lies in none: a place entity at the visit's centre
     * (graph ingest, so it is the owner's like any other place), which also names every
     * other unnamed visit within its reach.
     */
    async namePlace(user: AuthenticatedUser, id: string, input: { name: string; radiusMeters: number }) {
      return deps.db.asUser(user.claims, async (tx) => {
        const visit = await repo.getVisit(tx, id);
        if (!visit) throw new NotFoundError('visit');
        if (visit.place_id && visit.place_name !== null) {
          throw new ConflictError(`This visit is already at ${visit.place_name}.`, 'visit_has_place');
        }
        const result = await deps.ingest(tx, {
          ownerId: user.id,
          actor: { kind: 'user', id: user.id },
          items: [
            {
              type: 'place',
              source: 'device',
              externalId: `visit:${id}`,
              title: input.name,
              properties: {
                latitude: Math.round(visit.lat * 1e6) / 1e6,
                longitude: Math.round(visit.lon * 1e6) / 1e6,
                radiusMeters: input.radiusMeters,
              },
            },
          ],
        });
        const placeId = result.items[0]!.id;
        // Degrees per metre: about 1/111,320 of latitude; longitude shrinks with cos(latitude).
        const dLat = input.radiusMeters / 111_320;
        const dLon = input.radiusMeters / (111_320 * Math.max(0.01, Math.cos((visit.lat * Math.PI) / 180)));
        const near = await repo.unnamedVisitsNear(tx, visit.lat, visit.lon, dLat, dLon);
        const inside = near
          .filter((other) => other.id !== id && distanceMeters(visit, other) <= input.radiusMeters)
          .map((other) => other.id);
        await repo.setPlace(tx, [id, ...inside], placeId);
        return { visit: toVisit((await repo.getVisit(tx, id))!), named: inside.length };
      });
    },
  };
}

export type Visits = ReturnType<typeof createVisits>;
