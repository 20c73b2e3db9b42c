import twilio from 'twilio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabaseKinds } from '../../../../test/databases.ts';
import { createTestHub, type TestHub } from '../../../../test/hub.ts';
import { bearer, signUpUser, type SignedUpUser } from '../../../../test/users.ts';
import { eventually } from '../test/support.ts';
import { hex32, startTwilioStandIn } from './test/twilio.stand-in.ts';
import { voiceIdentityOf } from './twilio.voice.ts';
import { postTwilioWebhook } from './test/webhook.ts';

/**
 * Recording outgoing calls (the connection's recordOutgoingCalls option) on a real hub against
 * the Twilio REST STAND-IN (TWILIO_API_URL); every webhook signed by the real `twilio` package.
 */
const publicUrl = 'https://hub.example.test';

describe.each(testDatabaseKinds())('recorded outgoing calls on %s', (kind) => {
  let hub: TestHub;
  let standIn: Awaited<ReturnType<typeof startTwilioStandIn>>;
  let alice: SignedUpUser;
  let bob: SignedUpUser;
  const account = { accountSid: `AC${hex32()}`, authToken: hex32(), numbers: ['+14155550100', '+14155550101'] };
  /** Alice records her outgoing calls; Bob does not. */
  let aliceConnection: string;
  let bobConnection: string;
  const identityOf = (user: SignedUpUser) => voiceIdentityOf(user.id);

  const api = (user: SignedUpUser, method: 'GET' | 'POST' | 'DELETE', url: string, payload?: unknown) =>
    hub.app.inject({
      method,
      url,
      headers: bearer(user),
      ...(payload === undefined ? {} : { payload: payload as object }),
    });

  async function connect(user: SignedUpUser, phoneNumber: string, options: Record<string, unknown>) {
    const secret = { accountSid: account.accountSid, authToken: account.authToken };
    const credential = await api(user, 'POST', '/api/v1/credentials', { type: 'twilio', name: 'Twilio', secret });
    expect(credential.statusCode, credential.body).toBe(201);
    const credentialId = credential.json().id as string;
    expect((await api(user, 'POST', `/api/v1/credentials/${credentialId}/test`)).json().ok).toBe(true);
    return api(user, 'POST', '/api/v1/connections', {
      provider: 'twilio',
      credentialId,
      options: { phoneNumber, ...options },
    });
  }

  /** A webhook signed as Twilio signs it (PUBLIC_URL + path, sorted form), or with a given signature. */
  function webhook(connectionId: string, path: string, form: Record<string, string>, signature?: string | null) {
    const url = `/webhooks/twilio/${connectionId}/${path}`;
    return postTwilioWebhook(hub.app, { publicUrl, authToken: account.authToken }, url, form, { signature });
  }

  const callOf = (user: SignedUpUser, callSid: string) =>
    hub.db.asUser(user.claims, async (tx) => {
      const { rows } = await tx.query<{ id: string; properties: Record<string, unknown>; version: number }>(
        `SELECT id, properties, version FROM public.entities
          WHERE source = 'twilio' AND type = 'call' AND external_id = $1 AND deleted_at IS NULL`,
        [callSid],
      );
      return rows[0];
    });

  const events = (user: SignedUpUser, type: string) =>
    hub.db.asUser(
      user.claims,
      async (tx) =>
        (await tx.query<{ data: Record<string, unknown> }>(`SELECT data FROM made_open.outbox WHERE type = $1`, [type]))
          .rows,
    );

  // pg-boss's tables are the owner's only (jobs.privileges.test.ts).
  const recordingJobs = () =>
    hub.db.asOwner(
      async (tx) =>
        (
          await tx.query<{ n: string }>(
            `SELECT count(*)::text AS n FROM pgboss.job WHERE data->>'job' = 'twilio.fetch-recording'`,
          )
        ).rows[0]!.n,
    );

  /** The browser places a call through the connection's TwiML App: the TwiML answer. */
  async function callOut(user: SignedUpUser, connectionId: string, to = '+14155550142') {
    const callSid = `CA${hex32()}`;
    const app = [...standIn.applications.entries()].find(([, one]) => one.voice_url?.includes(connectionId))!;
    const response = await webhook(connectionId, 'voice-outgoing', {
      CallSid: callSid,
      AccountSid: account.accountSid,
      ApplicationSid: app[0],
      From: `client:${identityOf(user)}`,
      Caller: `client:${identityOf(user)}`,
      To: to,
      CallStatus: 'ringing',
      Direction: 'inbound',
    });
    expect(response.statusCode, response.body).toBe(200);
    return { callSid, twiml: response.body };
  }

  const recordingCallback = (callSid: string, recording: { sid: string; url: string }, extra = {}) => ({
    AccountSid: account.accountSid,
    CallSid: callSid,
    RecordingSid: recording.sid,
    RecordingUrl: recording.url,
    RecordingStatus: 'completed',
    RecordingDuration: '31',
    RecordingChannels: '2',
    RecordingSource: 'DialVerb',
    RecordingStartTime: new Date().toUTCString(),
    ...extra,
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

  it('records outgoing calls only when the connection asks for it', async () => {
    const wrong = await connect(alice, '+14155550100', { recordOutgoingCalls: 'yes' });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json().error.details).toEqual(
      expect.arrayContaining([expect.objectContaining({ path: '/options/recordOutgoingCalls' })]),
    );
    const withOption = await connect(alice, '+14155550100', { recordOutgoingCalls: true });
    expect(withOption.statusCode, withOption.body).toBe(201);
    aliceConnection = withOption.json().id;
    expect(withOption.json().options).toMatchObject({ recordOutgoingCalls: true });
    const without = await connect(bob, '+14155550101', {});
    expect(without.statusCode, without.body).toBe(201);
    bobConnection = without.json().id;

    const recorded = (await callOut(alice, aliceConnection)).twiml;
    const dial = /<Dial [^>]*>/.exec(recorded)![0];
    expect(dial).toContain('callerId="+14155550100"');
    expect(dial).toContain('record="record-from-answer-dual"');
    expect(dial).toContain(
      `recordingStatusCallback="${publicUrl}/webhooks/twilio/${aliceConnection}/voice-call-recording"`,
    );
    expect(dial).toContain('recordingStatusCallbackEvent="completed"');
    expect(dial).toContain('recordingStatusCallbackMethod="POST"');
    // The status callbacks stay on the dialled number as before.
    expect(recorded).toMatch(/<Number statusCallback="[^"]+\/voice-status"[^>]*>\+14155550142<\/Number>/);

    const plain = (await callOut(bob, bobConnection)).twiml;
    expect(plain).toMatch(/<Dial callerId="\+14155550101"/);
    expect(plain).not.toContain('record=');
    expect(plain).not.toContain('recordingStatusCallback');
  });

  it('refuses forged, foreign-account and malformed recording callbacks; nothing stored, no job', async () => {
    const { callSid } = await callOut(alice, aliceConnection);
    const recording = standIn.addRecording(Buffer.from('never fetched'));
    const form = recordingCallback(callSid, recording);
    const jobsBefore = await recordingJobs();
    const before = await callOf(alice, callSid);
    expect((await webhook(aliceConnection, 'voice-call-recording', form, 'forged')).statusCode).toBe(403);
    expect((await webhook(aliceConnection, 'voice-call-recording', form, null)).statusCode).toBe(403);
    // Signed for other values than it carries (the RecordingSid swapped): 403.
    const tampered = await webhook(
      aliceConnection,
      'voice-call-recording',
      { ...form, RecordingSid: `RE${hex32()}` },
      twilio.getExpectedTwilioSignature(
        account.authToken,
        `${publicUrl}/webhooks/twilio/${aliceConnection}/voice-call-recording`,
        form,
      ),
    );
    expect(tampered.statusCode).toBe(403);
    // Signed with another account's token: 403; a valid signature for another AccountSid: 400.
    const otherToken = twilio.getExpectedTwilioSignature(
      hex32(),
      `${publicUrl}/webhooks/twilio/${aliceConnection}/voice-call-recording`,
      form,
    );
    expect((await webhook(aliceConnection, 'voice-call-recording', form, otherToken)).statusCode).toBe(403);
    expect(
      (await webhook(aliceConnection, 'voice-call-recording', { ...form, AccountSid: `AC${hex32()}` })).statusCode,
    ).toBe(400);
    for (const bad of [
      { RecordingSid: 'nope' },
      { CallSid: 'CA123' },
      { RecordingDuration: '-4' },
      { RecordingChannels: '3' },
    ])
      expect((await webhook(aliceConnection, 'voice-call-recording', { ...form, ...bad })).statusCode).toBe(400);
    const { RecordingSid: _missing, ...withoutSid } = form;
    expect((await webhook(aliceConnection, 'voice-call-recording', withoutSid)).statusCode).toBe(400);
    const after = await callOf(alice, callSid);
    expect(after!.version).toBe(before!.version);
    expect(after!.properties.recording).toBeUndefined();
    expect(await recordingJobs()).toBe(jobsBefore);
    expect(standIn.recordingAuthHeaders).toEqual([]);
  });

  it('stores the recording through a job, before or after the call completes, once; only its owner sees it', async () => {
    const { callSid } = await callOut(alice, aliceConnection, '+14155550177');
    const audio = Buffer.from('RIFF a dual-channel call recording');
    // Twilio answers the recording with a 302 to its CDN, like media.
    const recording = standIn.addRecording(audio, { viaCdn: true });
    const cdnBefore = standIn.cdnAuthHeaders.length;
    // The recording callback comes before the call's completed status (Twilio does not order them).
    const form = recordingCallback(callSid, recording);
    expect((await webhook(aliceConnection, 'voice-call-recording', form)).statusCode).toBe(204);
    expect((await webhook(aliceConnection, 'voice-call-recording', form)).statusCode).toBe(204); // replayed
    // In progress, then completed (the browser leg ends): the recording stays.
    const status = (CallStatus: string, extra: Record<string, string> = {}) =>
      webhook(aliceConnection, 'voice-status', {
        CallSid: callSid,
        AccountSid: account.accountSid,
        CallStatus,
        Direction: 'inbound',
        ...extra,
      });
    expect((await status('in-progress')).statusCode).toBe(204);
    expect((await status('completed', { CallDuration: '33' })).statusCode).toBe(204);
    const call = await eventually(async () => {
      const row = await callOf(alice, callSid);
      return (row?.properties.recording as { path?: string } | undefined)?.path ? row : undefined;
    }, 'the call recording stored');
    const path = `call-recordings-${alice.id}/${callSid}/${recording.sid}.mp3`;
    expect(call.properties).toMatchObject({
      direction: 'outbound',
      status: 'completed',
      durationSeconds: 33,
      recording: { sid: recording.sid, durationSeconds: 31, path, fileId: expect.any(String) },
    });
    // A replay after it was stored changes nothing either.
    expect((await webhook(aliceConnection, 'voice-call-recording', form)).statusCode).toBe(204);
    expect((await callOf(alice, callSid))!.version).toBe(call.version);
    // Fetched once: the credential to the Twilio API only, none to the CDN it redirected to.
    expect(standIn.recordingAuthHeaders).toHaveLength(1);
    expect(standIn.recordingAuthHeaders[0]).toMatch(/^Basic /);
    expect(standIn.cdnAuthHeaders.slice(cdnBefore)).toEqual([undefined]);
    const download = await api(alice, 'GET', `/storage/v1/object/${path}`);
    expect(download.statusCode).toBe(200);
    expect(download.rawPayload.equals(audio)).toBe(true);
    // Bob sees neither the recording nor the call.
    const bobsDownload = await api(bob, 'GET', `/storage/v1/object/${path}`);
    expect(bobsDownload.statusCode).toBe(404);
    expect(bobsDownload.rawPayload.equals(audio)).toBe(false);
    expect((await api(bob, 'GET', `/api/v1/entities/${call.id}`)).statusCode).toBe(404);
    expect((await api(bob, 'GET', '/api/v1/calls')).json().items.some((i: { id: string }) => i.id === call.id)).toBe(
      false,
    );
    // One CallRecorded (not a voicemail), one CallCompleted.
    const recorded = await events(alice, 'comms.CallRecorded');
    expect(recorded).toHaveLength(1);
    expect(recorded[0]!.data).toMatchObject({
      callId: call.id,
      direction: 'outbound',
      to: '+14155550177',
      path,
      durationSeconds: 31,
      channels: 2,
    });
    expect(await events(alice, 'comms.VoicemailReceived')).toEqual([]);
    expect((await events(alice, 'comms.CallCompleted')).filter((e) => e.data.callId === call.id)).toHaveLength(1);
    // The outgoing list plays it like a voicemail: a signed URL that serves the audio.
    const list = await api(alice, 'GET', '/api/v1/calls?filter=outgoing');
    const item = list.json().items.find((one: { id: string }) => one.id === call.id);
    expect(item).toMatchObject({ status: 'completed', recording: { path, durationSeconds: 31 } });
    const signed = new URL(item.recording.url);
    const played = await hub.app.inject({ method: 'GET', url: `${signed.pathname}${signed.search}` });
    expect(played.statusCode).toBe(200);
    expect(played.rawPayload.equals(audio)).toBe(true);
  });

  it('retries a failing recording fetch through the job system', async () => {
    const { callSid } = await callOut(alice, aliceConnection);
    const audio = Buffer.from('RIFF fetched on the second try');
    const recording = standIn.addRecording(audio);
    const fetchesBefore = standIn.recordingAuthHeaders.length;
    standIn.failRecordingFetches(1);
    expect(
      (await webhook(aliceConnection, 'voice-call-recording', recordingCallback(callSid, recording))).statusCode,
    ).toBe(204);
    const call = await eventually(
      async () => {
        const row = await callOf(alice, callSid);
        return (row?.properties.recording as { path?: string } | undefined)?.path ? row : undefined;
      },
      'the recording stored on a retry',
      90_000,
    );
    // The first fetch failed (500), the job's retry stored it.
    expect(standIn.recordingAuthHeaders.length - fetchesBefore).toBe(2);
    const path = (call.properties.recording as { path: string }).path;
    expect((await api(alice, 'GET', `/storage/v1/object/${path}`)).rawPayload.equals(audio)).toBe(true);
    expect((await events(alice, 'comms.CallRecorded')).filter((e) => e.data.callId === call.id)).toHaveLength(1);
  }, 120_000);

  it('takes no call recording for an incoming call or an unknown CallSid', async () => {
    const incoming = `CA${hex32()}`;
    expect(
      (
        await webhook(aliceConnection, 'voice-incoming', {
          CallSid: incoming,
          AccountSid: account.accountSid,
          From: '+14155550123',
          To: '+14155550100',
          CallStatus: 'ringing',
        })
      ).statusCode,
    ).toBe(200);
    const before = await callOf(alice, incoming);
    const jobsBefore = await recordingJobs();
    const recording = standIn.addRecording(Buffer.from('not ours to take'));
    expect(
      (await webhook(aliceConnection, 'voice-call-recording', recordingCallback(incoming, recording))).statusCode,
    ).toBe(204);
    expect(
      (await webhook(aliceConnection, 'voice-call-recording', recordingCallback(`CA${hex32()}`, recording))).statusCode,
    ).toBe(204);
    expect((await callOf(alice, incoming))!.version).toBe(before!.version);
    expect(await recordingJobs()).toBe(jobsBefore);
  });

  it('turns recording on and off after connecting (PATCH): the next call follows; the number stays', async () => {
    const url = `/api/v1/connections/${bobConnection}`;
    const patch = (user: SignedUpUser, options: Record<string, unknown>) =>
      hub.app.inject({ method: 'PATCH', url, headers: bearer(user), payload: { options } });
    const fixed = await patch(bob, { phoneNumber: '+14155550199' });
    expect(fixed.statusCode).toBe(400);
    expect(fixed.json().error).toMatchObject({ code: 'option_fixed' });
    expect(fixed.json().error.message).toContain('You can change: recordOutgoingCalls');
    expect((await patch(bob, { recordOutgoingCalls: 'yes' })).statusCode).toBe(400);
    expect((await patch(alice, { recordOutgoingCalls: true })).statusCode).toBe(404);
    expect((await callOut(bob, bobConnection)).twiml).not.toContain('record=');

    const on = await patch(bob, { recordOutgoingCalls: true });
    expect(on.statusCode, on.body).toBe(200);
    expect(on.json().options).toEqual({ phoneNumber: '+14155550101', recordOutgoingCalls: true });
    expect((await callOut(bob, bobConnection)).twiml).toContain('record="record-from-answer-dual"');
    const off = await patch(bob, { recordOutgoingCalls: false });
    expect(off.statusCode, off.body).toBe(200);
    expect((await callOut(bob, bobConnection)).twiml).not.toContain('record=');
  });
});
