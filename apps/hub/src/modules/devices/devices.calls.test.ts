import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabaseKinds } from '../../../test/databases.ts';
import { createTestHub, type TestHub } from '../../../test/hub.ts';
import { bearer, signUpUser, type SignedUpUser } from '../../../test/users.ts';
import { eventually } from '../connectors/test/support.ts';
import { hex32, startTwilioStandIn } from '../connectors/twilio/test/twilio.stand-in.ts';
import { pairDevice, uploadEvents } from './test/support.ts';
import { postTwilioWebhook } from '../connectors/twilio/test/webhook.ts';

/**
 * A phone's call log against the same calls seen through Twilio: one call entity per call,
 * whichever arrives first. Twilio's REST API is a STAND-IN server (connectors/twilio/test,
 * selected by TWILIO_API_URL, needed to connect the number); the voice webhooks are signed by
 * the real `twilio` package as Twilio signs them and go through the real connector.
 */
const publicUrl = 'https://hub.example.test';

describe.each(testDatabaseKinds())('call log matched to Twilio calls on %s', (kind) => {
  let hub: TestHub;
  let standIn: Awaited<ReturnType<typeof startTwilioStandIn>>;
  let alice: SignedUpUser;
  let bob: SignedUpUser;
  let connection: string;
  let phone: { deviceId: string; token: string };
  const account = { accountSid: `AC${hex32()}`, authToken: hex32(), numbers: ['+14155550100'] };

  const api = (user: SignedUpUser, method: 'GET' | 'POST', url: string, payload?: object) =>
    hub.app.inject({ method, url, headers: bearer(user), ...(payload ? { payload } : {}) });

  function ring(from: string) {
    const callSid = `CA${hex32()}`;
    const form = {
      CallSid: callSid,
      AccountSid: account.accountSid,
      From: from,
      To: '+14155550100',
      CallStatus: 'ringing',
      Direction: 'inbound',
      ApiVersion: '2010-04-01',
    };
    const url = `/webhooks/twilio/${connection}/voice-incoming`;
    return postTwilioWebhook(hub.app, { publicUrl, authToken: account.authToken }, url, form).then((response) => {
      expect(response.statusCode, response.body).toBe(200);
      return callSid;
    });
  }

  const line = (id: string, number: string, direction: 'inbound' | 'outbound' | 'missed', ago: number) => ({
    id,
    type: 'call_log',
    ts: new Date(Date.now() - ago).toISOString(),
    data: { number, direction, durationSeconds: direction === 'missed' ? 0 : 42 },
  });

  /** The user's calls with one person's number, live and folded. */
  const callsWith = (user: SignedUpUser, number: string) =>
    hub.db.asUser(user.claims, async (tx) => {
      const { rows } = await tx.query<{
        id: string;
        source: string;
        external_id: string;
        deleted: boolean;
        merged_into_id: string | null;
      }>(
        `SELECT id, source, external_id, deleted_at IS NOT NULL AS deleted, merged_into_id FROM public.entities
          WHERE type = 'call' AND (properties->>'from' = $1 OR properties->>'to' = $1) ORDER BY created_at, id`,
        [number],
      );
      return rows;
    });

  beforeAll(async () => {
    standIn = await startTwilioStandIn(account);
    hub = await createTestHub(kind, { TWILIO_API_URL: standIn.url, PUBLIC_URL: publicUrl });
    alice = await signUpUser(hub);
    bob = await signUpUser(hub);
    const credential = await api(alice, 'POST', '/api/v1/credentials', {
      type: 'twilio',
      name: 'My Twilio',
      secret: { accountSid: account.accountSid, authToken: account.authToken },
    });
    expect(credential.statusCode, credential.body).toBe(201);
    const tested = await api(alice, 'POST', `/api/v1/credentials/${credential.json().id}/test`);
    expect(tested.json().ok, tested.body).toBe(true);
    const created = await api(alice, 'POST', '/api/v1/connections', {
      provider: 'twilio',
      credentialId: credential.json().id,
      options: { phoneNumber: '+14155550100' },
    });
    expect(created.statusCode, created.body).toBe(201);
    connection = created.json().id;
    phone = await pairDevice(hub, alice, { name: 'Phone', kind: 'phone' });
  }, 180_000);

  afterAll(async () => {
    await hub?.close();
    await standIn?.close();
  });

  it('adds nothing for a call-log line of a call Twilio already has', async () => {
    const callSid = await ring('+14155550123');
    // The phone writes the number its own way, and stamps the start 40 s off.
    await uploadEvents(hub, phone.token, [line('c1', '+1 (415) 555-0123', 'inbound', 40_000)]);
    const calls = await callsWith(alice, '+14155550123');
    expect(calls.map((c) => [c.source, c.external_id])).toEqual([['twilio', callSid]]);
    const fromDevice = await hub.db.asUser(alice.claims, (tx) =>
      tx.query(`SELECT 1 FROM public.entities WHERE source = 'device' AND external_id = $1`, [`${phone.deviceId}:c1`]),
    );
    expect(fromDevice.rows).toEqual([]);
    // The line itself is kept with the device's events.
    const events = await api(alice, 'GET', `/api/v1/device-events?type=call_log&deviceId=${phone.deviceId}`);
    expect(events.json().items.map((e: { id: string }) => e.id)).toEqual(['c1']);
  });

  it('folds the call-log call into the Twilio call that arrives after it', async () => {
    await uploadEvents(hub, phone.token, [line('c2', '+14155550124', 'missed', 5_000)]);
    const [deviceCall] = await callsWith(alice, '+14155550124');
    expect(deviceCall).toMatchObject({ source: 'device', deleted: false });
    await ring('+14155550124');
    const folded = await eventually(async () => {
      const calls = await callsWith(alice, '+14155550124');
      return calls.find((c) => c.source === 'device' && c.deleted) ? calls : undefined;
    }, 'the call-log call folded into the Twilio call');
    const twilioCall = folded.find((c) => c.source === 'twilio')!;
    expect(folded.find((c) => c.source === 'device')).toMatchObject({ merged_into_id: twilioCall.id });
    // Read through the API, the folded call points at the one that stays.
    const gone = await api(alice, 'GET', `/api/v1/entities/${deviceCall!.id}`);
    expect(gone.statusCode).toBe(404);
    expect(gone.json().error).toMatchObject({ code: 'merged', details: { mergedIntoId: twilioCall.id } });
  });

  it('keeps calls apart when the direction, the time or the number differ', async () => {
    await uploadEvents(hub, phone.token, [
      // The same person as the first test's Twilio call, but an outgoing call, then one 10 minutes before it.
      line('c3', '+14155550123', 'outbound', 10_000),
      line('c4', '+14155550123', 'inbound', 10 * 60_000),
      // Nobody Twilio knows.
      line('c5', '+14155550199', 'inbound', 20_000),
    ]);
    const calls = await callsWith(alice, '+14155550123');
    expect(calls.map((c) => c.source).sort()).toEqual(['device', 'device', 'twilio']);
    expect(await callsWith(alice, '+14155550199')).toHaveLength(1);
  });

  it("never matches another user's Twilio call", async () => {
    const bobPhone = await pairDevice(hub, bob, { name: 'Bob phone', kind: 'phone' });
    await uploadEvents(hub, bobPhone.token, [line('b1', '+14155550123', 'inbound', 30_000)]);
    const calls = await callsWith(bob, '+14155550123');
    expect(calls.map((c) => c.source)).toEqual(['device']);
    // Alice's calls are untouched.
    expect((await callsWith(alice, '+14155550123')).every((c) => !c.deleted)).toBe(true);
  });
});
