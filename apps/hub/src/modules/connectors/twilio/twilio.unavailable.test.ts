import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabaseKinds } from '../../../../test/databases.ts';
import { createTestHub, type TestHub } from '../../../../test/hub.ts';
import { bearer, signUpUser, type SignedUpUser } from '../../../../test/users.ts';
import { hex32, startTwilioStandIn } from './test/twilio.stand-in.ts';

/**
 * Twilio down: its REST API answers 5xx (the STAND-IN's outage mode, test/twilio.stand-in.ts)
 * or cannot be reached at all (the stand-in closed: its port refuses connections). Every call
 * the connector makes is then a 502 telling the user what to do, never a 500.
 */
const publicUrl = 'https://hub.example.test';

describe.each(testDatabaseKinds())('Twilio unavailable on %s', (kind) => {
  let hub: TestHub;
  let standIn: Awaited<ReturnType<typeof startTwilioStandIn>>;
  let alice: SignedUpUser;
  const account = { accountSid: `AC${hex32()}`, authToken: hex32(), numbers: ['+14155550100', '+14155550101'] };
  let credentialId: string;
  let connectionId: string;

  const api = (method: 'GET' | 'POST' | 'DELETE', url: string, payload?: unknown) =>
    hub.app.inject({
      method,
      url,
      headers: bearer(alice),
      ...(payload === undefined ? {} : { payload: payload as object }),
    });

  /** Every call that reaches Twilio: the number list, connect, the connection's test. */
  async function expectAll502(what: RegExp) {
    const listed = await api('GET', `/api/v1/connections/twilio/numbers?credentialId=${credentialId}`);
    expect(listed.statusCode, listed.body).toBe(502);
    expect(listed.json().error.code).toBe('provider_unavailable');
    expect(listed.json().error.message).toMatch(what);
    expect(listed.json().error.message).toMatch(/status\.twilio\.com.*try again/i);
    const connected = await api('POST', '/api/v1/connections', {
      provider: 'twilio',
      credentialId,
      options: { phoneNumber: '+14155550101' },
    });
    expect(connected.statusCode, connected.body).toBe(502);
    expect(connected.json().error.message).toMatch(what);
    expect(connected.json().error.message).toMatch(/status\.twilio\.com/);
    const tested = await api('POST', `/api/v1/connections/${connectionId}/test`);
    expect(tested.statusCode, tested.body).toBe(502);
    expect(tested.json().error.message).toMatch(what);
    expect(tested.json().error.message).toMatch(/status\.twilio\.com.*try again/i);
    // Nothing half made: only the connection made while Twilio was up.
    const { connections } = (await api('GET', '/api/v1/connections')).json();
    expect(connections.map((c: { id: string }) => c.id)).toEqual([connectionId]);
  }

  beforeAll(async () => {
    standIn = await startTwilioStandIn(account);
    hub = await createTestHub(kind, { TWILIO_API_URL: standIn.url, PUBLIC_URL: publicUrl });
    alice = await signUpUser(hub);
    const created = await api('POST', '/api/v1/credentials', { type: 'twilio', name: 'My Twilio', secret: account });
    expect(created.statusCode, created.body).toBe(201);
    credentialId = created.json().id;
    expect((await api('POST', `/api/v1/credentials/${credentialId}/test`)).json().ok).toBe(true);
    const connected = await api('POST', '/api/v1/connections', {
      provider: 'twilio',
      credentialId,
      options: { phoneNumber: '+14155550100' },
    });
    expect(connected.statusCode, connected.body).toBe(201);
    connectionId = connected.json().id;
  }, 180_000);

  afterAll(async () => {
    await hub?.close();
    await standIn?.close().catch(() => undefined);
  });

  it('Twilio answering 503: 502 with what to do', async () => {
    standIn.outage(503);
    try {
      await expectAll502(/Twilio answered HTTP 503/);
    } finally {
      standIn.outage(undefined);
    }
    const listed = await api('GET', `/api/v1/connections/twilio/numbers?credentialId=${credentialId}`);
    expect(listed.statusCode, listed.body).toBe(200);
  }, 60_000);

  it('Twilio not reachable (a closed port): 502 with what to do; disconnect still disconnects', async () => {
    await standIn.close();
    await expectAll502(/Twilio could not be reached/);
    const removed = await api('DELETE', `/api/v1/connections/${connectionId}`);
    expect(removed.statusCode, removed.body).toBe(200);
    expect(removed.json().status).toBe('disconnected');
  }, 60_000);
});
