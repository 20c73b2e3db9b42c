import type { AddressInfo } from 'node:net';
import { expect } from 'vitest';
import type { TestDatabaseKind } from '../../../../test/databases.ts';
import { createTestHub, type TestHub } from '../../../../test/hub.ts';
import { bearer, signUpUser, type SignedUpUser } from '../../../../test/users.ts';

/** A test hub listening on a real port: DAV clients (tsdav, replayed phone requests) speak HTTP. */
export async function listeningDavHub(kind: TestDatabaseKind): Promise<{ hub: TestHub; url: string }> {
  const hub = await createTestHub(kind, { AUTH_RATE_LIMIT_SIGNUP_PER_HOUR: '1000' });
  await hub.app.listen({ port: 0, host: '127.0.0.1' });
  return { hub, url: `http://127.0.0.1:${(hub.app.server.address() as AddressInfo).port}` };
}

/** A signed-up user with an app password made through the API, as the settings page makes it. */
export async function davUser(hub: TestHub, device = 'Phone'): Promise<SignedUpUser & { appPassword: string }> {
  const user = await signUpUser(hub);
  const made = await hub.app.inject({
    method: 'POST',
    url: '/api/v1/dav/app-passwords',
    headers: bearer(user),
    payload: { name: device },
  });
  expect(made.statusCode, made.body).toBe(201);
  return { ...user, appPassword: made.json().password as string };
}

/** `Authorization: Basic` for a user's email and app password. */
export const basic = (user: { email: string; appPassword: string }) =>
  `Basic ${Buffer.from(`${user.email}:${user.appPassword}`).toString('base64')}`;

/** One raw DAV request over HTTP, as a phone sends it. */
export async function davRequest(
  url: string,
  user: { email: string; appPassword: string } | null,
  method: string,
  path: string,
  options: { body?: string; headers?: Record<string, string> } = {},
) {
  const response = await fetch(`${url}${path}`, {
    method,
    redirect: 'manual',
    headers: { ...(user ? { authorization: basic(user) } : {}), ...options.headers },
    ...(options.body !== undefined ? { body: options.body } : {}),
  });
  return { status: response.status, headers: response.headers, text: await response.text() };
}
