import { createHash } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';
import twilio from 'twilio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabaseKinds } from '../../../test/databases.ts';
import { createTestHub, type TestHub } from '../../../test/hub.ts';
import { bearer, signUpUser, type SignedUpUser } from '../../../test/users.ts';
import { eventually } from '../connectors/test/support.ts';
import { hex32, startTwilioStandIn } from '../connectors/twilio/test/twilio.stand-in.ts';
import { postTwilioWebhook } from '../connectors/twilio/test/webhook.ts';

/**
 * Voice and video end to end on a real hub. Twilio's REST API is a STAND-IN server
 * (connectors/twilio/test/twilio.stand-in.ts, selected by TWILIO_API_URL); every webhook is
 * signed by the real `twilio` package exactly as Twilio signs it.
 */
const publicUrl = 'https://hub.example.test';

describe.each(testDatabaseKinds())('calls on %s', (kind) => {
  let hub: TestHub;
  let standIn: Awaited<ReturnType<typeof startTwilioStandIn>>;
  let alice: SignedUpUser;
  let bob: SignedUpUser;
  const account = { accountSid: `AC${hex32()}`, authToken: hex32(), numbers: ['+14155550100', '+14155550101'] };
  let aliceConnection: string;
  let bobConnection: string;
  let aliceCredential: string;
  const identityOf = (user: SignedUpUser) => `user_${user.id.replace(/-/g, '')}`;

  const api = (user: SignedUpUser, method: 'GET' | 'POST' | 'DELETE', url: string, payload?: unknown) =>
    hub.app.inject({
      method,
      url,
      headers: bearer(user),
      ...(payload === undefined ? {} : { payload: payload as object }),
    });

  async function credential(user: SignedUpUser) {
    const secret = { accountSid: account.accountSid, authToken: account.authToken };
    const created = await api(user, 'POST', '/api/v1/credentials', { type: 'twilio', name: 'My Twilio', secret });
    expect(created.statusCode, created.body).toBe(201);
    const id = created.json().id as string;
    expect((await api(user, 'POST', `/api/v1/credentials/${id}/test`)).json().ok).toBe(true);
    return id;
  }

  /** A webhook signed as Twilio signs it (PUBLIC_URL + path, sorted form), or with a given signature. */
  function webhook(connectionId: string, path: string, form: Record<string, string>, signature?: string | null) {
    const url = `/webhooks/twilio/${connectionId}/${path}`;
    return postTwilioWebhook(hub.app, { publicUrl, authToken: account.authToken }, url, form, { signature });
  }

  const calls = (user: SignedUpUser) =>
    hub.db.asUser(user.claims, async (tx) => {
      const { rows } = await tx.query<{
        id: string;
        external_id: string;
        properties: Record<string, unknown>;
        version: number;
      }>(
        `SELECT id, external_id, properties, version FROM public.entities
          WHERE source = 'twilio' AND type = 'call' AND deleted_at IS NULL ORDER BY created_at, id`,
      );
      return rows;
    });

  const events = (user: SignedUpUser, type: string) =>
    hub.db.asUser(
      user.claims,
      async (tx) =>
        (await tx.query<{ data: Record<string, unknown> }>(`SELECT data FROM made_open.outbox WHERE type = $1`, [type]))
          .rows,
    );

  const incoming = (overrides: Record<string, string> = {}) => ({
    CallSid: `CA${hex32()}`,
    AccountSid: account.accountSid,
    From: '+14155550123',
    To: '+14155550100',
    CallStatus: 'ringing',
    Direction: 'inbound',
    ApiVersion: '2010-04-01',
    ...overrides,
  });

  beforeAll(async () => {
    standIn = await startTwilioStandIn(account);
    hub = await createTestHub(kind, { TWILIO_API_URL: standIn.url, PUBLIC_URL: publicUrl });
    alice = await signUpUser(hub);
    bob = await signUpUser(hub);
  }, 180_000);

  afterAll(async () => {
    await hub?.close();
    await standIn?.close();
  });

  it('connect creates the API Key (sealed, never shown) and a TwiML App, and points the voice URLs at the hub', async () => {
    aliceCredential = await credential(alice);
    const before = standIn.numberOf('+14155550100');
    expect(before.voice_url).toBe('https://demo.twilio.com/welcome/voice/');
    const created = await api(alice, 'POST', '/api/v1/connections', {
      provider: 'twilio',
      credentialId: aliceCredential,
      options: { phoneNumber: '+14155550100' },
    });
    expect(created.statusCode, created.body).toBe(201);
    aliceConnection = created.json().id;
    const base = `${publicUrl}/webhooks/twilio/${aliceConnection}`;
    expect(created.json().capabilities).toEqual(['sms', 'voice']);
    expect(created.json().setup.webhookUrls).toMatchObject({
      voiceIncoming: `${base}/voice-incoming`,
      voiceStatus: `${base}/voice-status`,
      voiceOutgoing: `${base}/voice-outgoing`,
    });
    const number = standIn.numberOf('+14155550100');
    expect(number.voice_url).toBe(`${base}/voice-incoming`);
    expect(number.status_callback).toBe(`${base}/voice-status`);
    expect(number.sms_url).toBe(`${base}/sms`);
    const apps = [...standIn.applications.values()];
    expect(apps).toHaveLength(1);
    expect(apps[0]).toMatchObject({ voice_url: `${base}/voice-outgoing`, status_callback: `${base}/voice-status` });
    expect(standIn.keys.size).toBe(1);
    // The key's secret is in the wallet, sealed: no response carries it.
    const key = [...standIn.keys.values()][0]!;
    const views = [
      created.body,
      (await api(alice, 'GET', `/api/v1/credentials/${aliceCredential}`)).body,
      (await api(alice, 'GET', '/api/v1/credentials')).body,
      (await api(alice, 'GET', `/api/v1/connections/${aliceConnection}`)).body,
    ];
    for (const body of views) expect(body).not.toContain(key.secret);
    expect((await api(alice, 'GET', '/api/v1/capabilities')).json().capabilities).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: 'voice', enabled: true })]),
    );
  });

  it('issues a one-hour Voice Access Token: VoiceGrant through the TwiML App, an opaque identity', async () => {
    const response = await api(alice, 'POST', '/api/v1/calls/token', {});
    expect(response.statusCode, response.body).toBe(200);
    const body = response.json();
    const key = [...standIn.keys.values()][0]!;
    // Signed with the API Key's secret (HS256), as Twilio checks it.
    const verified = await jwtVerify(body.token, new TextEncoder().encode(key.secret));
    expect(decodeProtectedHeader(body.token)).toMatchObject({ alg: 'HS256', cty: 'twilio-fpa;v=1' });
    const claims = verified.payload as {
      iss: string;
      sub: string;
      iat: number;
      exp: number;
      grants: Record<string, unknown>;
    };
    expect(claims.iss).toBe(key.sid);
    expect(claims.sub).toBe(account.accountSid);
    expect(claims.exp - claims.iat).toBe(3600);
    expect(claims.grants.identity).toBe(identityOf(alice));
    expect(String(claims.grants.identity)).not.toContain('@');
    expect(claims.grants.voice).toEqual({
      incoming: { allow: true },
      outgoing: { application_sid: [...standIn.applications.keys()][0] },
    });
    expect(body).toMatchObject({ identity: identityOf(alice), connectionId: aliceConnection, number: '+14155550100' });
    // No connected number: a clear 409; not JSON: 400.
    const none = await api(bob, 'POST', '/api/v1/calls/token', {});
    expect(none.statusCode).toBe(409);
    expect(none.json().error.code).toBe('no_voice_connection');
    expect((await api(alice, 'POST', '/api/v1/calls/token', { connectionId: 'nope' })).statusCode).toBe(400);
    expect((await hub.app.inject({ method: 'POST', url: '/api/v1/calls/token', payload: {} })).statusCode).toBe(401);
  });

  it('refuses forged and unsigned voice webhooks with 403 and stores nothing', async () => {
    const form = incoming();
    expect((await webhook(aliceConnection, 'voice-incoming', form, 'forged')).statusCode).toBe(403);
    expect((await webhook(aliceConnection, 'voice-incoming', form, null)).statusCode).toBe(403);
    const tampered = await webhook(
      aliceConnection,
      'voice-incoming',
      { ...form, From: '+14155550999' },
      twilio.getExpectedTwilioSignature(
        account.authToken,
        `${publicUrl}/webhooks/twilio/${aliceConnection}/voice-incoming`,
        form,
      ),
    );
    expect(tampered.statusCode).toBe(403);
    for (const path of ['voice-status', 'voice-recording', 'voice-dial-done', 'voice-outgoing'])
      expect((await webhook(aliceConnection, path, form, 'forged')).statusCode).toBe(403);
    expect((await webhook(aliceConnection, 'voice-incoming', { ...form, CallSid: 'nope' })).statusCode).toBe(400);
    expect((await webhook(aliceConnection, 'voice-incoming', { ...form, AccountSid: `AC${hex32()}` })).statusCode).toBe(
      400,
    );
    expect(await calls(alice)).toEqual([]);
  });

  it('rings every browser of the user; a replayed CallSid changes nothing', async () => {
    const form = incoming();
    const first = await webhook(aliceConnection, 'voice-incoming', form);
    expect(first.statusCode, first.body).toBe(200);
    expect(first.headers['content-type']).toMatch(/text\/xml/);
    expect(first.body).toContain(`<Client>${identityOf(alice)}</Client>`);
    expect(first.body).toMatch(
      /<Dial timeout="20"[^>]*action="https:\/\/hub\.example\.test\/webhooks\/twilio\/[^"]+\/voice-dial-done"/,
    );
    const stored = await calls(alice);
    expect(stored).toHaveLength(1);
    expect(stored[0]!.properties).toMatchObject({
      direction: 'inbound',
      from: '+14155550123',
      to: '+14155550100',
      status: 'ringing',
      ownNumber: '+14155550100',
    });
    const links = await api(alice, 'GET', `/api/v1/entities/${stored[0]!.id}/links`);
    const person = links.json().items.find((link: { kind: string }) => link.kind === 'with').entity;
    expect(person).toMatchObject({ type: 'person', source: 'twilio' });
    const replay = await webhook(aliceConnection, 'voice-incoming', form);
    expect(replay.body).toBe(first.body);
    const after = await calls(alice);
    expect(after).toHaveLength(1);
    expect(after[0]!.version).toBe(stored[0]!.version);
    // Answered: completed with its length, once.
    const answered = { CallSid: form.CallSid, AccountSid: account.accountSid, DialCallStatus: 'completed' };
    const done = await webhook(aliceConnection, 'voice-dial-done', { ...answered, DialCallDuration: '42' });
    expect(done.body).toContain('<Hangup/>');
    await webhook(aliceConnection, 'voice-dial-done', { ...answered, DialCallDuration: '42' });
    // The parent leg's late "completed" does not turn it into anything else.
    await webhook(aliceConnection, 'voice-status', { ...answered, CallStatus: 'completed', CallDuration: '50' });
    const [call] = await calls(alice);
    expect(call!.properties).toMatchObject({ status: 'completed', durationSeconds: 42 });
    const completed = await events(alice, 'comms.CallCompleted');
    expect(completed).toHaveLength(1);
    expect(completed[0]!.data).toMatchObject({ callId: call!.id, personId: person.id, durationSeconds: 42 });
  });

  it('a missed call goes to voicemail; the recording is fetched from Twilio into Storage', async () => {
    const form = incoming({ From: '+14155550188' });
    await webhook(aliceConnection, 'voice-incoming', form);
    const dialDone = { CallSid: form.CallSid, AccountSid: account.accountSid, DialCallStatus: 'no-answer' };
    const voicemail = await webhook(aliceConnection, 'voice-dial-done', dialDone);
    expect(voicemail.statusCode).toBe(200);
    expect(voicemail.body).toContain('<Say>');
    expect(voicemail.body).toMatch(
      /<Record [^>]*recordingStatusCallback="https:\/\/hub\.example\.test\/webhooks\/twilio\/[^"]+\/voice-recording"/,
    );
    expect(voicemail.body).toMatch(/<Record [^>]*action="[^"]+\/voice-voicemail-done"/);
    const missed = await events(alice, 'comms.CallMissed');
    expect(missed).toHaveLength(1);
    const audio = Buffer.from('ID3 a voicemail recording');
    const recording = standIn.addRecording(audio);
    const callback = {
      AccountSid: account.accountSid,
      CallSid: form.CallSid,
      RecordingSid: recording.sid,
      RecordingUrl: recording.url,
      RecordingStatus: 'completed',
      RecordingDuration: '7',
      RecordingChannels: '1',
      RecordingSource: 'RecordVerb',
    };
    expect((await webhook(aliceConnection, 'voice-recording', callback)).statusCode).toBe(204);
    expect((await webhook(aliceConnection, 'voice-recording', callback)).statusCode).toBe(204); // replayed
    const call = await eventually(async () => {
      const row = (await calls(alice)).find((one) => one.external_id === form.CallSid);
      return (row?.properties.recording as { path?: string } | undefined)?.path ? row : undefined;
    }, 'the voicemail stored');
    expect(call.properties).toMatchObject({
      status: 'voicemail',
      recording: { sid: recording.sid, durationSeconds: 7 },
    });
    const path = (call.properties.recording as { path: string }).path;
    expect(path).toBe(`voicemail-${alice.id}/${form.CallSid}/${recording.sid}.mp3`);
    const download = await api(alice, 'GET', `/storage/v1/object/${path}`);
    expect(download.statusCode).toBe(200);
    expect(download.rawPayload.equals(audio)).toBe(true);
    expect((await api(bob, 'GET', `/storage/v1/object/${path}`)).statusCode).toBeGreaterThanOrEqual(400);
    // Fetched once, with the credential, from the Twilio API (the stand-in).
    expect(standIn.recordingAuthHeaders).toHaveLength(1);
    expect(standIn.recordingAuthHeaders[0]).toMatch(/^Basic /);
    const received = await events(alice, 'comms.VoicemailReceived');
    expect(received).toHaveLength(1);
    expect(received[0]!.data).toMatchObject({ callId: call.id, path, durationSeconds: 7 });
    // The missed list shows it with a playable signed URL.
    const list = await api(alice, 'GET', '/api/v1/calls?filter=missed');
    expect(list.statusCode, list.body).toBe(200);
    const [item] = list.json().items;
    expect(item).toMatchObject({ id: call.id, status: 'voicemail', number: '+14155550188', recording: { path } });
    const signed = new URL(item.recording.url);
    expect(signed.origin).toBe(publicUrl);
    const played = await hub.app.inject({ method: 'GET', url: `${signed.pathname}${signed.search}` });
    expect(played.statusCode).toBe(200);
    expect(createHash('sha256').update(played.rawPayload).digest('hex')).toBe(
      createHash('sha256').update(audio).digest('hex'),
    );
  });

  it('outgoing calls dial from the own number; out-of-order status callbacks only move forward', async () => {
    const parent = `CA${hex32()}`;
    const child = `CA${hex32()}`;
    const form = {
      CallSid: parent,
      AccountSid: account.accountSid,
      ApplicationSid: [...standIn.applications.keys()][0]!,
      From: `client:${identityOf(alice)}`,
      Caller: `client:${identityOf(alice)}`,
      To: '+1 (415) 555-0142',
      CallStatus: 'ringing',
      Direction: 'inbound',
    };
    const twiml = await webhook(aliceConnection, 'voice-outgoing', form);
    expect(twiml.statusCode, twiml.body).toBe(200);
    expect(twiml.body).toMatch(/<Dial callerId="\+14155550100"/);
    expect(twiml.body).toMatch(/<Number statusCallback="[^"]+\/voice-status"[^>]*>\+14155550142<\/Number>/);
    // Only the owner's identity, through this connection's TwiML App, to a phone number.
    expect(
      (await webhook(aliceConnection, 'voice-outgoing', { ...form, From: `client:${identityOf(bob)}` })).statusCode,
    ).toBe(400);
    expect(
      (await webhook(aliceConnection, 'voice-outgoing', { ...form, ApplicationSid: `AP${hex32()}` })).statusCode,
    ).toBe(400);
    expect(
      (await webhook(aliceConnection, 'voice-outgoing', { ...form, CallSid: `CA${hex32()}`, To: 'client:x' }))
        .statusCode,
    ).toBe(400);
    const status = (CallStatus: string, extra: Record<string, string> = {}) =>
      webhook(aliceConnection, 'voice-status', {
        CallSid: child,
        ParentCallSid: parent,
        AccountSid: account.accountSid,
        CallStatus,
        Direction: 'outbound-dial',
        ...extra,
      });
    // Completed arrives first; the late ringing and in-progress change nothing.
    expect((await status('completed', { CallDuration: '65' })).statusCode).toBe(204);
    expect((await status('in-progress')).statusCode).toBe(204);
    expect((await status('ringing')).statusCode).toBe(204);
    expect((await status('completed', { CallDuration: '65' })).statusCode).toBe(204);
    const call = (await calls(alice)).find((one) => one.external_id === parent)!;
    expect(call.properties).toMatchObject({
      direction: 'outbound',
      from: '+14155550100',
      to: '+14155550142',
      status: 'completed',
      durationSeconds: 65,
    });
    const completed = (await events(alice, 'comms.CallCompleted')).filter((e) => e.data.callId === call.id);
    expect(completed).toHaveLength(1);
    const outgoing = await api(alice, 'GET', '/api/v1/calls?filter=outgoing');
    expect(outgoing.json().items.map((item: { id: string }) => item.id)).toEqual([call.id]);
  });

  it('lists calls newest first with cursors and filters; bad queries are 400', async () => {
    const all = await api(alice, 'GET', '/api/v1/calls?limit=2');
    expect(all.statusCode).toBe(200);
    expect(all.json().items).toHaveLength(2);
    const next = await api(alice, 'GET', `/api/v1/calls?limit=2&cursor=${all.json().nextCursor}`);
    expect(next.json().items).toHaveLength(1);
    expect(next.json().nextCursor).toBeNull();
    const times = [...all.json().items, ...next.json().items].map((item: { startedAt: string }) => item.startedAt);
    expect([...times].sort().reverse()).toEqual(times);
    expect((await api(alice, 'GET', '/api/v1/calls?filter=incoming')).json().items).toHaveLength(2);
    expect((await api(alice, 'GET', '/api/v1/calls?filter=nope')).statusCode).toBe(400);
    expect((await api(alice, 'GET', '/api/v1/calls?cursor=bm9wZQ')).statusCode).toBe(400);
    expect((await api(alice, 'GET', '/api/v1/calls?limit=1000')).statusCode).toBe(400);
    // Documented in the OpenAPI description with the other routes.
    const spec = (await hub.app.inject({ method: 'GET', url: '/docs/json' })).json();
    expect(Object.keys(spec.paths)).toEqual(
      expect.arrayContaining(['/api/v1/calls', '/api/v1/calls/token', '/api/v1/calls/video-token']),
    );
    expect(spec.paths['/api/v1/calls'].get.tags).toEqual(['calls']);
  });

  it('two users on two numbers never see each other’s calls', async () => {
    const bobCredential = await credential(bob);
    const created = await api(bob, 'POST', '/api/v1/connections', {
      provider: 'twilio',
      credentialId: bobCredential,
      options: { phoneNumber: '+14155550101' },
    });
    expect(created.statusCode, created.body).toBe(201);
    bobConnection = created.json().id;
    const form = incoming({ To: '+14155550101', From: '+14155550155' });
    expect((await webhook(bobConnection, 'voice-incoming', form)).body).toContain(
      `<Client>${identityOf(bob)}</Client>`,
    );
    // Bob's call on Alice's connection: refused (another number), nothing stored for either.
    expect((await webhook(aliceConnection, 'voice-incoming', { ...form, CallSid: `CA${hex32()}` })).statusCode).toBe(
      400,
    );
    const bobs = await calls(bob);
    expect(bobs).toHaveLength(1);
    expect((await calls(alice)).some((call) => call.external_id === form.CallSid)).toBe(false);
    expect((await api(alice, 'GET', `/api/v1/entities/${bobs[0]!.id}`)).statusCode).toBe(404);
    const bobList = (await api(bob, 'GET', '/api/v1/calls')).json().items;
    expect(bobList.map((item: { id: string }) => item.id)).toEqual([bobs[0]!.id]);
    const aliceList = (await api(alice, 'GET', '/api/v1/calls')).json().items;
    expect(aliceList.some((item: { id: string }) => item.id === bobs[0]!.id)).toBe(false);
    // Alice's status callback for Bob's CallSid changes nothing of Bob's.
    await webhook(aliceConnection, 'voice-status', {
      CallSid: form.CallSid,
      AccountSid: account.accountSid,
      CallStatus: 'completed',
    });
    expect((await calls(bob))[0]!.version).toBe(bobs[0]!.version);
    // Each gets a token for their own identity.
    const bobToken = decodeJwt((await api(bob, 'POST', '/api/v1/calls/token', {})).json().token) as {
      grants: { identity: string };
    };
    expect(bobToken.grants.identity).toBe(identityOf(bob));
    expect((await api(bob, 'POST', '/api/v1/calls/token', { connectionId: aliceConnection })).statusCode).toBe(404);
  });

  it('issues a video token for a room per call, only for the owner’s people', async () => {
    const people = await api(alice, 'POST', '/api/v1/entities', { type: 'person', title: 'Grace Hopper' });
    expect(people.statusCode, people.body).toBe(201);
    const personId = people.json().id as string;
    const first = await api(alice, 'POST', '/api/v1/calls/video-token', { personId });
    expect(first.statusCode, first.body).toBe(200);
    const second = await api(alice, 'POST', '/api/v1/calls/video-token', { personId });
    expect(second.json().room).not.toBe(first.json().room);
    const claims = decodeJwt(first.json().token) as { grants: Record<string, unknown>; exp: number; iat: number };
    expect(claims.grants).toEqual({ identity: identityOf(alice), video: { room: first.json().room } });
    expect(claims.exp - claims.iat).toBe(3600);
    expect((await api(bob, 'POST', '/api/v1/calls/video-token', { personId })).statusCode).toBe(404);
    expect((await api(alice, 'POST', '/api/v1/calls/video-token', {})).statusCode).toBe(400);
  });

  it('disconnect restores only what it set and deletes its TwiML App; webhooks stop', async () => {
    standIn.numberOf('+14155550101').status_callback = 'https://example.org/changed-by-hand';
    expect((await api(bob, 'DELETE', `/api/v1/connections/${bobConnection}`)).statusCode).toBe(200);
    const bobNumber = standIn.numberOf('+14155550101');
    expect(bobNumber.voice_url).toBe('https://demo.twilio.com/welcome/voice/');
    expect(bobNumber.status_callback).toBe('https://example.org/changed-by-hand');
    expect((await api(alice, 'DELETE', `/api/v1/connections/${aliceConnection}`)).statusCode).toBe(200);
    expect(standIn.numberOf('+14155550100').voice_url).toBe('https://demo.twilio.com/welcome/voice/');
    expect(standIn.numberOf('+14155550100').status_callback).toBe('');
    expect(standIn.applications.size).toBe(0);
    expect((await webhook(aliceConnection, 'voice-incoming', incoming())).statusCode).toBe(404);
  });
});
