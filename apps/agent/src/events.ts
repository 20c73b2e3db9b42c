import { randomUUID } from 'node:crypto';
import { deviceEventSchema, type DeviceEvent } from '@made-open/shared/devices';

let seq = 0;

/** A new event with a fresh client id (the hub's idempotency key), checked against the protocol's schema. */
export function makeEvent(type: DeviceEvent['type'], ts: Date, data: DeviceEvent['data'], id: string = randomUUID()) {
  return deviceEventSchema.parse({ id, type, ts: ts.toISOString(), seq: seq++, data });
}
