import { expect } from '@playwright/test';

/**
 * Seeding through the hub's own REST API (the run's real hub), for tests that need data a
 * screen cannot make yet (texts, calls): the same calls a connector's ingest ends in.
 */
export interface HubSession {
  token: string;
  call<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<T>;
  /** As `call`, but any answer is returned (for tests that check refusals). */
  request(method: string, path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }>;
}

export async function hubSession(email: string, password = 'correct horse battery'): Promise<HubSession> {
  const hub = process.env.E2E_HUB_URL!;
  const response = await fetch(`${hub}/auth/v1/token?grant_type=password`, {
    method: 'POST',
    headers: { apikey: process.env.E2E_ANON_KEY!, 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  const token = ((await response.json()) as { access_token: string }).access_token;
  const send = (method: string, path: string, body?: unknown) =>
    fetch(`${hub}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
  return {
    token,
    async call(method, path, body) {
      const r = await send(method, path, body);
      if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${await r.text()}`);
      return (r.status === 204 ? undefined : await r.json()) as never;
    },
    async request(method, path, body) {
      const r = await send(method, path, body);
      return { status: r.status, json: (await r.json().catch(() => undefined)) as Record<string, unknown> };
    },
  };
}

/** Stores a file in the user's Storage (making the bucket if need be); answers its path. */
export async function uploadFile(hub: HubSession, bucket: string, name: string, content: string, type = 'text/plain') {
  const base = process.env.E2E_HUB_URL!;
  const headers = { authorization: `Bearer ${hub.token}`, apikey: process.env.E2E_ANON_KEY! };
  await fetch(`${base}/storage/v1/bucket`, {
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/json' },
    body: JSON.stringify({ id: bucket, name: bucket }),
  });
  const stored = await fetch(`${base}/storage/v1/object/${bucket}/${name}`, {
    method: 'POST',
    headers: { ...headers, 'content-type': type },
    body: content,
  });
  expect(stored.status).toBe(200);
  return `${bucket}/${name}`;
}

/** A text or call with a person, at `at`, linked as a connector would link it. */
export async function seedMessage(
  hub: HubSession,
  personId: string,
  at: Date,
  body: string,
  thread = 'thread-e2e',
): Promise<string> {
  const message = await hub.call<{ id: string }>('POST', '/entities', {
    type: 'message',
    title: body.slice(0, 80),
    body,
    occurredAt: at.toISOString(),
    properties: { channel: 'sms', direction: 'inbound', threadId: thread, from: '+447700900123' },
  });
  await hub.call('POST', '/links', { kind: 'from', fromId: message.id, toId: personId });
  return message.id;
}

export async function seedCall(hub: HubSession, personId: string, at: Date, seconds: number): Promise<string> {
  const call = await hub.call<{ id: string }>('POST', '/entities', {
    type: 'call',
    title: 'Call',
    occurredAt: at.toISOString(),
    properties: { direction: 'outbound', status: 'completed', durationSeconds: seconds },
  });
  await hub.call('POST', '/links', { kind: 'with', fromId: call.id, toId: personId });
  return call.id;
}

/** A call to the hub's /api/v1 that answers whatever came back (as HubSession.request). */
export type HubRequest = HubSession['request'];

/**
 * Connects another of the Twilio stand-in account's numbers with the same credential, and
 * answers its connection id once it is active (for the "From" pickers).
 */
export async function connectAnotherNumber(request: HubRequest, credentialId: string, phoneNumber: string) {
  const made = await request('POST', '/connections', { provider: 'twilio', credentialId, options: { phoneNumber } });
  expect(made.status).toBe(201);
  const id = String(made.json.id);
  await expect
    .poll(async () => {
      const all = (await request('GET', '/connections')).json.connections as { id: string; status: string }[];
      return all.find((c) => c.id === id)?.status;
    })
    .toBe('active');
  return id;
}
