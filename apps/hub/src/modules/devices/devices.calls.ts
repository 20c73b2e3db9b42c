import { normalizePhone, type DeviceEventData } from '@made-open/shared';
import type { Sql } from '../../platform/db/index.ts';
import type { Ingest, IngestItem } from '../graph/index.ts';
import type { DeviceEventInsert } from './devices.repository.ts';
import type { DevicePrincipal } from './devices.service.ts';

export interface CallLogDeps {
  ingest: Ingest;
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

export function createCallLog(deps: CallLogDeps) {
  return async function writeCalls(tx: Sql, device: DevicePrincipal, events: readonly DeviceEventInsert[]) {
    if (events.length === 0) return;
    const defaultCountry = await deps.defaultRegionOf?.(tx, device.ownerId);
    const linkable = (event: DeviceEventInsert) =>
      normalizePhone((event.data as DeviceEventData<'call_log'>).number, { defaultCountry }) !== null;
    await deps.ingest(tx, {
      ownerId: device.ownerId,
      actor: { kind: 'system', id: `device:${device.deviceId}` },
      items: events.map((event) => callItem(device.deviceId, event, linkable(event))),
      defaultCountry,
    });
  };
}
