import type { DeviceEventBatch } from '@made-open/shared';
import { z } from 'zod';
import type { Database } from '../../platform/db/index.ts';
import { ValidationError } from '../../platform/errors.ts';
import type { EventOutbox } from '../events/index.ts';
import type { Ingest, IngestItem } from '../graph/index.ts';
import type { DeviceIngest } from './devices.ingest.ts';
import type { DevicePrincipal } from './devices.service.ts';

/**
 * OwnTracks HTTP mode (integrations.md §5.1; owntracks.org/booklet/tech/json): the app posts
 * one JSON message per request and reads the answer as a JSON array of messages for it.
 * Locations become device events; waypoints become place entities (through graph ingest);
 * transitions become location.PlaceEntered / location.PlaceLeft for rules.
 */

const epochSeconds = z.number().int().min(0).max(32_503_680_000);
const lat = z.number().min(-90).max(90);
const lon = z.number().min(-180).max(180);

const locationMessage = z.object({
  _type: z.literal('location'),
  lat,
  lon,
  tst: epochSeconds,
  acc: z.number().min(0).optional(),
  alt: z.number().optional(),
  vel: z.number().min(0).optional(),
  cog: z.number().min(0).max(360).optional(),
  batt: z.number().min(0).max(100).optional(),
  /** 0 unknown, 1 unplugged, 2 charging, 3 full. */
  bs: z.number().int().min(0).max(3).optional(),
  SSID: z.string().max(64).optional(),
  BSSID: z.string().max(64).optional(),
});
const waypoint = z.object({
  desc: z.string().trim().min(1).max(200),
  lat,
  lon,
  rad: z.number().min(0).max(100_000).optional(),
  tst: epochSeconds,
  rid: z.string().max(100).optional(),
});
const waypointMessage = waypoint.extend({ _type: z.literal('waypoint') });
const waypointsMessage = z.object({ _type: z.literal('waypoints'), waypoints: z.array(waypoint).max(500) });
const transitionMessage = z.object({
  _type: z.literal('transition'),
  event: z.enum(['enter', 'leave']),
  desc: z.string().trim().min(1).max(200).optional(),
  rid: z.string().max(100).optional(),
  lat: lat.optional(),
  lon: lon.optional(),
  tst: epochSeconds,
  wtst: epochSeconds.optional(),
});

/** Message types OwnTracks sends that the hub has no use for: accepted and ignored. */
const ignoredTypes = new Set(['lwt', 'card', 'status', 'steps', 'beacon', 'cmd', 'encrypted', 'request', 'dump']);

/** A waypoint's place: one per device and region (its rid; else its name). */
const placeExternalId = (deviceId: string, key: string) => `${deviceId}:${key}`;

export interface OwntracksDeps {
  db: Database;
  ingest: Ingest;
  outbox: Pick<EventOutbox, 'append'>;
  deviceIngest: DeviceIngest;
}

export function createOwntracks(deps: OwntracksDeps) {
  const waypointItem = (device: DevicePrincipal, point: z.infer<typeof waypoint>): IngestItem => ({
    type: 'place',
    source: 'owntracks',
    externalId: placeExternalId(device.deviceId, point.rid ?? point.desc),
    title: point.desc,
    properties: {
      latitude: point.lat,
      longitude: point.lon,
      ...(point.rad !== undefined ? { radiusMeters: point.rad } : {}),
    },
  });

  async function upsertPlaces(device: DevicePrincipal, items: IngestItem[]) {
    if (items.length === 0) return [];
    return deps.db.asUser(device.claims, async (tx) => {
      const result = await deps.ingest(tx, {
        ownerId: device.ownerId,
        actor: { kind: 'system', id: `device:${device.deviceId}` },
        items,
      });
      return result.items.map((item) => item.id);
    });
  }

  return async function handle(device: DevicePrincipal, message: unknown): Promise<unknown[]> {
    if (message === null) return []; // A zero-length post (a friend was deleted): nothing to do.
    if (typeof message !== 'object' || Array.isArray(message)) {
      throw new ValidationError('An OwnTracks message is a JSON object with a _type.');
    }
    const type = (message as { _type?: unknown })._type;
    if (type === 'location') {
      const parsed = locationMessage.safeParse(message);
      if (!parsed.success) throw new ValidationError('This OwnTracks location is not valid.', parsed.error.issues);
      const m = parsed.data;
      const ts = new Date(m.tst * 1000).toISOString();
      const events: DeviceEventBatch['events'] = [
        {
          id: `ot-loc-${m.tst}`,
          type: 'location',
          ts,
          data: {
            lat: m.lat,
            lon: m.lon,
            ...(m.acc !== undefined ? { accuracyM: m.acc } : {}),
            ...(m.alt !== undefined ? { altitudeM: m.alt } : {}),
            ...(m.vel !== undefined ? { speedKmh: m.vel } : {}),
            ...(m.cog !== undefined ? { course: m.cog } : {}),
          },
        },
      ];
      if (m.batt !== undefined) {
        events.push({
          id: `ot-batt-${m.tst}`,
          type: 'battery',
          ts,
          data: { level: m.batt, ...(m.bs ? { charging: m.bs === 2 || m.bs === 3 } : {}) },
        });
      }
      if (m.SSID !== undefined) {
        const bssid = m.BSSID && /^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/.test(m.BSSID) ? { bssid: m.BSSID } : {};
        events.push({ id: `ot-wifi-${m.tst}`, type: 'wifi', ts, data: { ssid: m.SSID, connected: true, ...bssid } });
      }
      // OwnTracks stamps tst itself and sends at once (or queued, with the original tst): no skew correction.
      await deps.deviceIngest(device, { sentAt: new Date().toISOString(), events });
      return [];
    }
    if (type === 'waypoint' || type === 'waypoints') {
      const parsed = (type === 'waypoint' ? waypointMessage : waypointsMessage).safeParse(message);
      if (!parsed.success) throw new ValidationError('These OwnTracks waypoints are not valid.', parsed.error.issues);
      const points = 'waypoints' in parsed.data ? parsed.data.waypoints : [parsed.data];
      await upsertPlaces(
        device,
        points.map((point) => waypointItem(device, point)),
      );
      return [];
    }
    if (type === 'transition') {
      const parsed = transitionMessage.safeParse(message);
      if (!parsed.success) throw new ValidationError('This OwnTracks transition is not valid.', parsed.error.issues);
      const m = parsed.data;
      const key = m.rid ?? m.desc;
      if (key === undefined) throw new ValidationError('An OwnTracks transition needs rid or desc.');
      // The region's place; its coordinates and radius come from the waypoint (the transition's
      // are the phone's position), so only a missing place is made here.
      const [placeId] = await upsertPlaces(device, [
        { type: 'place', source: 'owntracks', externalId: placeExternalId(device.deviceId, key), title: m.desc ?? key },
      ]);
      await deps.db.asUser(device.claims, (tx) =>
        deps.outbox.append(tx, {
          type: m.event === 'enter' ? 'location.PlaceEntered' : 'location.PlaceLeft',
          ownerId: device.ownerId,
          subject: placeId!,
          actor: { kind: 'system', id: `device:${device.deviceId}` },
          data: {
            placeId: placeId!,
            placeName: (m.desc ?? key).slice(0, 200),
            deviceId: device.deviceId,
            at: new Date(m.tst * 1000).toISOString(),
            via: 'geofence',
          },
        }),
      );
      return [];
    }
    if (typeof type === 'string' && ignoredTypes.has(type)) return [];
    throw new ValidationError('Unknown OwnTracks message _type.');
  };
}
