import { normalizePhone, type DeviceEventData, type EventEnvelope } from '@made-open/shared';
import type { Sql } from '../../platform/db/index.ts';
import type { Ingest, IngestItem, RemoveExternal } from '../graph/index.ts';
import type { DeviceEventInsert } from './devices.repository.ts';
import type { DevicePrincipal } from './devices.service.ts';

/**
 * A phone's call log and Twilio can both see one call (the phone rings through the user's
 * Twilio number, or dials out through it). Same other party and a start this close → one call.
 * The two clocks differ by the device's uncorrected skew (under 5 s) and by what each counts
 * as the start (Twilio: the call was created; Android: the line was added, at ringing), so
 * the tolerance is generous; two calls with one person two minutes apart are rare and still
 * apart when they are further.
 */
export const callMatchToleranceMs = 120_000;

export interface CallLogDeps {
  ingest: Ingest;
  removeExternal: RemoveExternal;
  /** The owner's default region, for numbers written without a country code. */
  defaultRegionOf?: (tx: Sql, userId: string) => Promise<Parameters<Ingest>[1]['defaultCountry']>;
}

/**
 * A phone's call-log line as a call entity (issue 16 §5), written through graph ingest in the
 * upload's transaction: the number is resolved to the owner's person (made when unknown) and
 * linked `with`. Keyed by (device, event id), so a re-sent line changes nothing.
 */
export function callItem(deviceId: string, event: DeviceEventInsert, linkPerson: boolean): IngestItem {
  const data = event.data as DeviceEventData<'call_log'>;
  const outbound = data.direction === 'outbound';
  return {
    type: 'call',
    source: 'device',
    externalId: `${deviceId}:${event.event_id}`,
    title: `${data.direction === 'missed' ? 'Missed call' : outbound ? 'Call to' : 'Call from'} ${data.name ?? data.number}`,
    occurredAt: event.time,
    properties: {
      direction: outbound ? 'outbound' : 'inbound',
      status: data.direction === 'missed' ? 'missed' : 'completed',
      durationSeconds: data.durationSeconds,
      startedAt: event.time,
      ...(outbound ? { to: data.number } : { from: data.number }),
    },
    // A withheld or malformed number ("Unknown", "private") is kept on the call but links nobody.
    people: linkPerson ? [{ role: 'with', phone: data.number, ...(data.name ? { name: data.name } : {}) }] : [],
  };
}

interface CallCandidate {
  id: string;
  source: string;
  external_id: string;
  direction: string | null;
  other: string | null;
  started: number;
}

/**
 * The owner's live calls of `source` that started within the tolerance of [from, to] (RLS),
 * with the other party's number as written.
 */
async function callsAround(
  tx: Sql,
  ownerId: string,
  source: string,
  from: number,
  to: number,
): Promise<CallCandidate[]> {
  const { rows } = await tx.query<CallCandidate & Record<string, unknown>>(
    `SELECT id, source, external_id, properties->>'direction' AS direction,
            CASE WHEN properties->>'direction' = 'inbound' THEN properties->>'from' ELSE properties->>'to' END AS other,
            (extract(epoch FROM occurred_at) * 1000)::float8 AS started
     FROM public.entities
     WHERE owner_id = $4 AND type = 'call' AND deleted_at IS NULL AND source = $1 AND occurred_at BETWEEN $2 AND $3`,
    [
      source,
      new Date(from - callMatchToleranceMs).toISOString(),
      new Date(to + callMatchToleranceMs).toISOString(),
      ownerId,
    ],
  );
  return rows;
}

/** The candidate for the same call as (number, direction, start), closest in time first. */
function sameCall(
  candidates: readonly CallCandidate[],
  call: { number: string | null; direction: 'inbound' | 'outbound'; started: number },
  defaultCountry: Parameters<typeof normalizePhone>[1],
): CallCandidate | undefined {
  if (call.number === null) return undefined;
  return candidates
    .filter(
      (c) =>
        c.direction === call.direction &&
        Math.abs(c.started - call.started) <= callMatchToleranceMs &&
        c.other !== null &&
        normalizePhone(c.other, defaultCountry) === call.number,
    )
    .sort((a, b) => Math.abs(a.started - call.started) - Math.abs(b.started - call.started))[0];
}

/** Folds a device's call entity into the Twilio one: the device's is a tombstone pointing at it. */
async function foldInto(tx: Sql, deps: CallLogDeps, ownerId: string, device: CallCandidate, twilioCallId: string) {
  await deps.removeExternal(tx, {
    ownerId,
    actor: { kind: 'system', id: 'devices:call-match' },
    items: [{ source: 'device', externalId: device.external_id }],
  });
  await tx.query(`UPDATE public.entities SET merged_into_id = $2 WHERE owner_id = $3 AND id = $1`, [
    device.id,
    twilioCallId,
    ownerId,
  ]);
}

export function createCallLog(deps: CallLogDeps) {
  const regionOf = async (tx: Sql, ownerId: string) => (await deps.defaultRegionOf?.(tx, ownerId)) ?? undefined;

  /** Device upload: lines Twilio already has add nothing; the rest become call entities. */
  async function writeCalls(tx: Sql, device: DevicePrincipal, events: readonly DeviceEventInsert[]) {
    if (events.length === 0) return;
    const defaultCountry = await regionOf(tx, device.ownerId);
    const options = { defaultCountry };
    const numberOf = (event: DeviceEventInsert) =>
      normalizePhone((event.data as DeviceEventData<'call_log'>).number, options);
    const times = events.map((event) => Date.parse(event.time));
    const twilio = await callsAround(tx, device.ownerId, 'twilio', Math.min(...times), Math.max(...times));
    const fresh = events.filter((event) => {
      const data = event.data as DeviceEventData<'call_log'>;
      const direction = data.direction === 'outbound' ? 'outbound' : 'inbound';
      return !sameCall(twilio, { number: numberOf(event), direction, started: Date.parse(event.time) }, options);
    });
    if (fresh.length === 0) return;
    await deps.ingest(tx, {
      ownerId: device.ownerId,
      actor: { kind: 'system', id: `device:${device.deviceId}` },
      items: fresh.map((event) => callItem(device.deviceId, event, numberOf(event) !== null)),
      defaultCountry,
    });
  }

  /**
   * A Twilio call arrived after the phone's line for it (data.EntityCreated of a twilio call):
   * the device's call entity is folded into it. Idempotent: a folded call is no longer live.
   * Runs in a transaction as the event's owner (RLS), like the upload that made the line.
   */
  async function matchTwilioCall(tx: Sql, event: EventEnvelope) {
    const entity = (
      event.data as {
        entity?: { id: string; type: string; source: string | null; properties: Record<string, unknown> };
      }
    ).entity;
    if (!entity || entity.type !== 'call' || entity.source !== 'twilio') return;
    const properties = entity.properties;
    const started = Date.parse(String(properties.startedAt ?? ''));
    if (Number.isNaN(started)) return;
    const direction = properties.direction === 'inbound' ? 'inbound' : 'outbound';
    const other = String(direction === 'inbound' ? properties.from : properties.to);
    const options = { defaultCountry: await regionOf(tx, event.ownerId) };
    const number = normalizePhone(other, options);
    const match = sameCall(
      await callsAround(tx, event.ownerId, 'device', started, started),
      { number, direction, started },
      options,
    );
    if (match) await foldInto(tx, deps, event.ownerId, match, entity.id);
  }

  return { writeCalls, matchTwilioCall };
}
