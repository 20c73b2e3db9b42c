import { expect } from 'vitest';
import type { Hub } from '../../../composition.ts';
import { bearer, type SignedUpUser } from '../../../../test/users.ts';

/** Creates a device for `user` and exchanges its one-time code, as the device would. */
export async function pairDevice(hub: Pick<Hub, 'app'>, user: SignedUpUser, body: object = { name: 'Laptop' }) {
  const made = await hub.app.inject({ method: 'POST', url: '/api/v1/devices', headers: bearer(user), payload: body });
  expect(made.statusCode, made.body).toBe(201);
  const { device, pairing } = made.json();
  const exchanged = await hub.app.inject({ method: 'POST', url: '/devices/pair', payload: { code: pairing.code } });
  expect(exchanged.statusCode, exchanged.body).toBe(200);
  return { deviceId: device.id as string, token: exchanged.json().token as string };
}

/** One accepted batch from the device holding `token`; returns its per-event results. */
export async function uploadEvents(hub: Pick<Hub, 'app'>, token: string, events: object[]) {
  const response = await hub.app.inject({
    method: 'POST',
    url: '/device-events',
    headers: { authorization: `Bearer ${token}` },
    payload: { sentAt: new Date().toISOString(), events },
  });
  expect(response.statusCode, response.body).toBe(200);
  return response.json();
}
