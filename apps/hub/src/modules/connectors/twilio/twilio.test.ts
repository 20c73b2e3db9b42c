import { createHash } from 'node:crypto';
import twilio from 'twilio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabaseKinds } from '../../../../test/databases.ts';
import { createTestHub, type TestHub } from '../../../../test/hub.ts';
import { bearer, signUpUser, type SignedUpUser } from '../../../../test/users.ts';
import { eventually } from '../test/support.ts';
import { createLogger } from '../../../platform/logger.ts';
import { hex32, startTwilioStandIn } from './test/twilio.stand-in.ts';
import { createPendingStatusJob } from './twilio.pending-status.ts';
import { postTwilioWebhook } from './test/webhook.ts';

/**
 * Twilio messaging end to end on a real hub. Twilio's REST API is a STAND-IN server
 * (test/twilio.stand-in.ts, selected by TWILIO_API_URL); webhooks are signed by the real
 * `twilio` package (getExpectedTwilioSignature) exactly as Twilio signs them.
 */
const publicUrl = 'https://hub.example.test';

describe.each(testDatabaseKinds())('twilio messaging on %s', (kind) => {
  let hub: TestHub;
  let standIn: Awaited<ReturnType<typeof startTwilioStandIn>>;
  let other: Awaited<ReturnType<typeof startTwilioStandIn>>;
  let alice: SignedUpUser;
  let bob: SignedUpUser;
  const aliceAccount = { accountSid: `AC${hex32()}`, authToken: hex32(), numbers: ['+14155550100', '+447700900123'] };
  const bobAccount = { accountSid: `AC${hex32()}`, authToken: hex32(), numbers: ['+14155550199'] };
  let aliceConnection: string;
  let bobConnection: string;

  const api = (user: SignedUpUser, method: 'GET' | 'POST' | 'DELETE', url: string, payload?: unknown) =>
    hub.app.inject({
      method,
      url,
      headers: bearer(user),
      ...(payload === undefined ? {} : { payload: payload as object }),
    });

  async function credential(user: SignedUpUser, secret: { accountSid: string; authToken: string }) {
    const created = await api(user, 'POST', '/api/v1/credentials', { type: 'twilio', name: 'My Twilio', secret });
    expect(created.statusCode, created.body).toBe(201);
    const id = created.json().id as string;
    const tested = await api(user, 'POST', `/api/v1/credentials/${id}/test`);
    expect(tested.json().ok, tested.body).toBe(true);
    return id;
  }

  /** POSTs a webhook signed as Twilio would sign it for this URL and form (or a given signature). */
  function webhook(
    connectionId: string,
    path: string,
    form: Record<string, string>,
    token: string,
    signature?: string | null,
  ) {
    const url = `/webhooks/twilio/${connectionId}/${path}`;
    // The Host header is never used for the signature: PUBLIC_URL is.
    return postTwilioWebhook(hub.app, { publicUrl, authToken: token }, url, form, {
      signature,
      host: 'attacker.example',
    });
  }

  const inbound = (overrides: Record<string, string> = {}) => ({
    MessageSid: `SM${hex32()}`,
    SmsSid: 'x',
    AccountSid: aliceAccount.accountSid,
    From: '+14155550123',
    To: '+14155550100',
    Body: 'Hello from the test',
    NumMedia: '0',
    NumSegments: '1',
    SmsStatus: 'received',
    ApiVersion: '2010-04-01',
    ...overrides,
  });

  const messages = (user: SignedUpUser) =>
    hub.db.asUser(user.claims, async (tx) => {
      const { rows } = await tx.query<{
        id: string;
        external_id: string;
        body: string;
        properties: Record<string, unknown>;
        version: number;
      }>(
        `SELECT id, external_id, body, properties, version FROM public.entities
          WHERE source = 'twilio' AND type = 'message' AND deleted_at IS NULL ORDER BY created_at, id`,
      );
      return rows;
    });

  beforeAll(async () => {
    standIn = await startTwilioStandIn(aliceAccount);
    other = await startTwilioStandIn(bobAccount);
    // One TWILIO_API_URL per hub: Bob's account lives on the same stand-in (its second account).
    hub = await createTestHub(kind, { TWILIO_API_URL: standIn.url, PUBLIC_URL: publicUrl });
    alice = await signUpUser(hub);
    bob = await signUpUser(hub);
  }, 180_000);

  afterAll(async () => {
    await hub?.close();
    await standIn?.close();
    await other?.close();
  });

  it('lists the account numbers, says whether Twilio can reach PUBLIC_URL, warns US numbers', async () => {
    const credentialId = await credential(alice, aliceAccount);
    const listed = await api(alice, 'GET', `/api/v1/connections/twilio/numbers?credentialId=${credentialId}`);
    expect(listed.statusCode, listed.body).toBe(200);
    const body = listed.json();
    expect(body.numbers.map((n: { phoneNumber: string }) => n.phoneNumber).sort()).toEqual([
      '+14155550100',
      '+447700900123',
    ]);
    expect(body.numbers.find((n: { phoneNumber: string }) => n.phoneNumber === '+14155550100').warning).toMatch(
      /10DLC/,
    );
    expect(body.numbers.find((n: { phoneNumber: string }) => n.phoneNumber === '+447700900123').warning).toBeNull();
    expect(body.publicUrl).toEqual({ url: publicUrl, reachable: true, reason: null });
    expect(body.webhooks.sms).toBe(`${publicUrl}/webhooks/twilio/<connectionId>/sms`);
    // Bob cannot use Alice's credential: 404.
    expect((await api(bob, 'GET', `/api/v1/connections/twilio/numbers?credentialId=${credentialId}`)).statusCode).toBe(
      404,
    );
    expect((await api(alice, 'GET', '/api/v1/connections/twilio/numbers?credentialId=nope')).statusCode).toBe(400);
  });

  it('connect points the number SmsUrl at the hub and enables sms', async () => {
    const before = standIn.numberOf('+14155550100').sms_url;
    const credentialId = await credential(alice, aliceAccount);
    const missing = await api(alice, 'POST', '/api/v1/connections', {
      provider: 'twilio',
      credentialId,
      options: { phoneNumber: '+14155550111' },
    });
    expect(missing.statusCode, missing.body).toBe(422);
    const created = await api(alice, 'POST', '/api/v1/connections', {
      provider: 'twilio',
      credentialId,
      options: { phoneNumber: '+14155550100' },
    });
    expect(created.statusCode, created.body).toBe(201);
    aliceConnection = created.json().id;
    expect(created.json().capabilities).toEqual(['sms', 'voice']);
    expect(created.json().setup).toEqual({
      publicUrl: { url: publicUrl, reachable: true, reason: null },
      webhookUrls: {
        sms: `${publicUrl}/webhooks/twilio/${created.json().id}/sms`,
        smsStatus: `${publicUrl}/webhooks/twilio/${created.json().id}/sms-status`,
        voiceIncoming: `${publicUrl}/webhooks/twilio/${created.json().id}/voice-incoming`,
        voiceStatus: `${publicUrl}/webhooks/twilio/${created.json().id}/voice-status`,
        voiceOutgoing: `${publicUrl}/webhooks/twilio/${created.json().id}/voice-outgoing`,
      },
      warnings: [expect.stringMatching(/A2P 10DLC/)],
    });
    expect(standIn.numberOf('+14155550100').sms_url).toBe(`${publicUrl}/webhooks/twilio/${aliceConnection}/sms`);
    expect(before).toBe('https://demo.twilio.com/welcome/sms/reply');
  });

  it('refuses to connect a number whose texts or calls a TwiML App or Messaging Service takes (409), changing nothing', async () => {
    const credentialId = await credential(alice, aliceAccount);
    const cases = [
      { phone: '+14155550131', sms_application_sid: `MG${hex32()}`, voice_application_sid: '', what: /texts to MG/ },
      { phone: '+14155550132', sms_application_sid: '', voice_application_sid: `AP${hex32()}`, what: /calls to AP/ },
    ];
    for (const one of cases) {
      const sid = `PN${hex32()}`;
      standIn.numbers.set(sid, {
        ...standIn.numberOf('+447700900123'),
        sid,
        phone_number: one.phone,
        sms_application_sid: one.sms_application_sid,
        voice_application_sid: one.voice_application_sid,
      });
      const before = { ...standIn.numberOf(one.phone) };
      const apps = standIn.applications.size;
      const refused = await api(alice, 'POST', '/api/v1/connections', {
        provider: 'twilio',
        credentialId,
        options: { phoneNumber: one.phone },
      });
      expect(refused.statusCode, refused.body).toBe(409);
      expect(refused.json().error.code).toBe('number_in_use');
      expect(refused.json().error.message).toMatch(one.what);
      expect(refused.json().error.message).toMatch(/remove the number from that TwiML App \/ Messaging Service/);
      expect(standIn.numberOf(one.phone)).toEqual(before);
      expect(standIn.applications.size).toBe(apps);
      standIn.numbers.delete(sid);
    }
    const { connections } = (await api(alice, 'GET', '/api/v1/connections')).json();
    expect(connections.map((c: { label: string }) => c.label)).toEqual(['+14155550100']);
  });

  it('refuses forged, unsigned and malformed webhooks and stores nothing', async () => {
    const form = inbound();
    expect((await webhook(aliceConnection, 'sms', form, 'not-the-token')).statusCode).toBe(403);
    expect((await webhook(aliceConnection, 'sms', form, aliceAccount.authToken, null)).statusCode).toBe(403);
    // Signed for another body: a tampered Body.
    const tampered = await webhook(
      aliceConnection,
      'sms',
      { ...form, Body: 'changed' },
      aliceAccount.authToken,
      twilio.getExpectedTwilioSignature(
        aliceAccount.authToken,
        `${publicUrl}/webhooks/twilio/${aliceConnection}/sms`,
        form,
      ),
    );
    expect(tampered.statusCode).toBe(403);
    const malformed = await webhook(aliceConnection, 'sms', { ...form, MessageSid: 'nope' }, aliceAccount.authToken);
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json().error.code).toBeTruthy();
    // NumMedia announces more items than the request carries; NumMedia out of range; not a form.
    const missingMedia = await webhook(
      aliceConnection,
      'sms',
      { ...form, NumMedia: '2', MediaUrl0: 'https://api.twilio.com/x' },
      aliceAccount.authToken,
    );
    expect(missingMedia.statusCode).toBe(400);
    expect(
      (await webhook(aliceConnection, 'sms', { ...form, NumMedia: '99' }, aliceAccount.authToken)).statusCode,
    ).toBe(400);
    const getRequest = await hub.app.inject({ method: 'GET', url: `/webhooks/twilio/${aliceConnection}/sms` });
    expect(getRequest.statusCode).toBe(404);
    const huge = await webhook(aliceConnection, 'sms', { ...form, Body: 'x'.repeat(300_000) }, aliceAccount.authToken);
    expect(huge.statusCode).toBe(413);
    const otherAccount = await webhook(
      aliceConnection,
      'sms',
      { ...form, AccountSid: bobAccount.accountSid },
      aliceAccount.authToken,
    );
    expect(otherAccount.statusCode).toBe(400);
    expect(await messages(alice)).toEqual([]);
  });

  it('checks JSON-bodied requests with bodySHA256 (validateRequestWithBody)', async () => {
    const body = JSON.stringify({ MessageSid: `SM${hex32()}` });
    const hash = createHash('sha256').update(body).digest('hex');
    const post = (path: string, signature: string) =>
      hub.app.inject({
        method: 'POST',
        url: path,
        headers: { 'content-type': 'application/json', 'x-twilio-signature': signature },
        payload: body,
      });
    const path = `/webhooks/twilio/${aliceConnection}/sms?bodySHA256=${hash}`;
    const signed = twilio.getExpectedTwilioSignature(aliceAccount.authToken, `${publicUrl}${path}`, {});
    // Genuine, but SMS webhooks are form-encoded: a clear 400, nothing stored.
    const genuine = await post(path, signed);
    expect(genuine.statusCode, genuine.body).toBe(400);
    // The body does not match its bodySHA256: 403.
    const otherHash = createHash('sha256').update('{}').digest('hex');
    const otherPath = `/webhooks/twilio/${aliceConnection}/sms?bodySHA256=${otherHash}`;
    const mismatched = await post(
      otherPath,
      twilio.getExpectedTwilioSignature(aliceAccount.authToken, `${publicUrl}${otherPath}`, {}),
    );
    expect(mismatched.statusCode).toBe(403);
    expect(await messages(alice)).toEqual([]);
  });

  it('voice-voicemail-done refuses a request for another Twilio account, like the other webhooks', async () => {
    // The <Record> action's request (twilio.com/docs/voice/twiml/record#attributes-action).
    const form = (accountSid: string) => ({
      AccountSid: accountSid,
      CallSid: `CA${hex32()}`,
      CallStatus: 'completed',
      RecordingSid: `RE${hex32()}`,
      RecordingUrl: `https://api.twilio.com/2010-04-01/Accounts/${accountSid}/Recordings/RE${hex32()}`,
      RecordingDuration: '7',
      Digits: 'hangup',
    });
    const foreign = await webhook(
      aliceConnection,
      'voice-voicemail-done',
      form(bobAccount.accountSid),
      aliceAccount.authToken,
    );
    expect(foreign.statusCode, foreign.body).toBe(400);
    expect(foreign.json().error.message).toMatch(/another Twilio account/);
    const own = await webhook(
      aliceConnection,
      'voice-voicemail-done',
      form(aliceAccount.accountSid),
      aliceAccount.authToken,
    );
    expect(own.statusCode, own.body).toBe(200);
    expect(own.body).toContain('<Hangup/>');
  });

  it('stores an inbound SMS linked to a new person, answers empty TwiML, and ignores a replay', async () => {
    const form = inbound();
    const first = await webhook(aliceConnection, 'sms', form, aliceAccount.authToken);
    expect(first.statusCode, first.body).toBe(200);
    expect(first.headers['content-type']).toMatch(/text\/xml/);
    expect(first.body).toContain('<Response/>');
    const stored = await messages(alice);
    expect(stored).toHaveLength(1);
    expect(stored[0]!.external_id).toBe(form.MessageSid);
    expect(stored[0]!.properties).toMatchObject({
      channel: 'sms',
      direction: 'inbound',
      from: '+14155550123',
      to: ['+14155550100'],
      status: 'received',
      segments: 1,
    });
    const links = await api(alice, 'GET', `/api/v1/entities/${stored[0]!.id}/links`);
    const person = links.json().items.find((l: { kind: string }) => l.kind === 'from').entity;
    expect(person.type).toBe('person');
    expect(stored[0]!.properties.threadId).toBe(`sms:+14155550100:${person.id}`);

    const replay = await webhook(aliceConnection, 'sms', form, aliceAccount.authToken);
    expect(replay.statusCode).toBe(200);
    const after = await messages(alice);
    expect(after).toHaveLength(1);
    expect(after[0]!.version).toBe(stored[0]!.version);
    const events = await hub.db.asUser(
      alice.claims,
      async (tx) => (await tx.query(`SELECT data FROM made_open.outbox WHERE type = 'comms.SmsReceived'`)).rows,
    );
    expect(events).toHaveLength(1);
  });

  it('stores a 20-message MMS thread with all media in Storage, credentials only to Twilio', async () => {
    const sids: string[] = [];
    for (let index = 0; index < 20; index++) {
      const sid = `MM${hex32()}`;
      const numMedia = index % 4;
      const form: Record<string, string> = inbound({
        MessageSid: sid,
        From: '+14155550177',
        Body: `photo ${index}`,
        NumMedia: String(numMedia),
      });
      for (let m = 0; m < numMedia; m++) {
        form[`MediaUrl${m}`] = standIn.addMedia(sid, Buffer.from(`image ${index}-${m}`), 'image/png');
        form[`MediaContentType${m}`] = 'image/png';
      }
      const response = await webhook(aliceConnection, 'sms', form, aliceAccount.authToken);
      expect(response.statusCode, response.body).toBe(200);
      sids.push(sid);
    }
    const thread = await eventually(
      async () => {
        const rows = (await messages(alice)).filter((row) => sids.includes(row.external_id));
        const pending = rows.filter((row) =>
          (row.properties.media as { path?: string }[] | undefined)?.some((m) => !m.path),
        );
        return rows.length === 20 && pending.length === 0 ? rows : undefined;
      },
      'every MMS media item stored',
      120_000,
    );
    expect(new Set(thread.map((row) => row.properties.threadId)).size).toBe(1);
    const withMedia = thread.filter((row) => row.properties.media);
    expect(withMedia.flatMap((row) => row.properties.media as unknown[])).toHaveLength(
      0 + 1 + 2 + 3 + 0 + 1 + 2 + 3 + 0 + 1 + 2 + 3 + 0 + 1 + 2 + 3 + 0 + 1 + 2 + 3,
    );
    const sample = (withMedia[withMedia.length - 1]!.properties.media as { path: string; fileId: string }[])[2]!;
    const [bucket, ...rest] = sample.path.split('/');
    const download = await hub.app.inject({
      method: 'GET',
      url: `/storage/v1/object/${bucket}/${rest.join('/')}`,
      headers: bearer(alice),
    });
    expect(download.statusCode).toBe(200);
    expect(download.body).toBe('image 19-2');
    expect(sample.fileId).toMatch(/^[0-9a-f-]{36}$/);
    // The CDN never saw the credential.
    expect(standIn.cdnAuthHeaders.length).toBeGreaterThanOrEqual(30);
    expect(standIn.cdnAuthHeaders.every((header) => header === undefined)).toBe(true);
    // Bob cannot read Alice's media.
    const stolen = await hub.app.inject({
      method: 'GET',
      url: `/storage/v1/object/${bucket}/${rest.join('/')}`,
      headers: bearer(bob),
    });
    expect(stolen.statusCode).toBeGreaterThanOrEqual(400);
  }, 180_000);

  it('stores texts from a short code and an alphanumeric sender: own thread, no person, listed and searchable', async () => {
    const shortCode: Record<string, string> = inbound({
      MessageSid: `MM${hex32()}`,
      From: '22395',
      Body: 'Your code is 914 quokka',
      NumMedia: '1',
    });
    shortCode.MediaUrl0 = standIn.addMedia(shortCode.MessageSid!, Buffer.from('logo'), 'image/png');
    shortCode.MediaContentType0 = 'image/png';
    const alpha = inbound({ From: 'VERIFY', Body: 'Sign-in from a new wombat device' });
    for (const form of [shortCode, alpha]) {
      const response = await webhook(aliceConnection, 'sms', form, aliceAccount.authToken);
      expect(response.statusCode, response.body).toBe(200);
      expect(response.body).toContain('<Response/>');
    }
    // The short code's MMS media is stored too (the media job re-ingests the message).
    const [fromShortCode, fromAlpha] = await eventually(async () => {
      const rows = await messages(alice);
      const one = rows.find((row) => row.external_id === shortCode.MessageSid);
      const two = rows.find((row) => row.external_id === alpha.MessageSid);
      return one && two && (one.properties.media as { path?: string }[])[0]?.path ? [one, two] : undefined;
    }, 'both texts stored, the media fetched');
    expect(fromShortCode!.properties).toMatchObject({
      direction: 'inbound',
      from: '22395',
      to: ['+14155550100'],
      status: 'received',
      threadId: 'sms:+14155550100:22395',
    });
    expect(fromAlpha!.properties).toMatchObject({ from: 'VERIFY', threadId: 'sms:+14155550100:VERIFY' });
    for (const row of [fromShortCode!, fromAlpha!]) {
      const links = await api(alice, 'GET', `/api/v1/entities/${row.id}/links`);
      expect(links.json().items.filter((l: { kind: string }) => l.kind === 'from')).toEqual([]);
    }
    const events = await hub.db.asUser(
      alice.claims,
      async (tx) =>
        (
          await tx.query<{ data: { personId: string | null; from: string } }>(
            `SELECT data FROM made_open.outbox WHERE type = 'comms.SmsReceived' AND subject = ANY($1::text[])`,
            [[fromShortCode!.id, fromAlpha!.id]],
          )
        ).rows,
    );
    expect(events.map((event) => event.data.from).sort()).toEqual(['22395', 'VERIFY']);
    expect(events.every((event) => event.data.personId === null)).toBe(true);

    // The inbox lists both threads, with the sender as the name and no person.
    const list = await api(alice, 'GET', '/api/v1/messages/threads?channel=sms&limit=200');
    expect(list.statusCode, list.body).toBe(200);
    const thread = list.json().threads.find((item: { id: string }) => item.id === 'sms:+14155550100:VERIFY');
    expect(thread).toMatchObject({ person: { id: null, name: 'VERIFY' }, phone: null, unread: 1 });
    const opened = await api(alice, 'GET', `/api/v1/messages/threads/${encodeURIComponent('sms:+14155550100:22395')}`);
    expect(opened.statusCode, opened.body).toBe(200);
    expect(opened.json().messages.map((m: { id: string }) => m.id)).toEqual([fromShortCode!.id]);
    // Searchable like any message.
    await eventually(
      async () =>
        (await api(alice, 'GET', '/api/v1/search?q=quokka'))
          .json()
          .hits.some((hit: { id: string }) => hit.id === fromShortCode!.id)
          ? true
          : undefined,
      'the short code text in the search index',
    );
  });

  it('applies status callbacks that arrive before the sent message is stored, forward only', async () => {
    const status = (sid: string, messageStatus: string) =>
      webhook(
        aliceConnection,
        'sms-status',
        {
          MessageSid: sid,
          AccountSid: aliceAccount.accountSid,
          MessageStatus: messageStatus,
          SmsStatus: messageStatus,
        },
        aliceAccount.authToken,
      );
    // Twilio calls back "sent" and "delivered", then a late "sent", before its API answer reaches the hub.
    const early: number[] = [];
    standIn.control.beforeSendAnswer = async (sid) => {
      for (const one of ['sent', 'delivered', 'sent']) early.push((await status(sid, one)).statusCode);
    };
    try {
      const sent = await api(alice, 'POST', '/api/v1/messages', { to: '+14155550188', body: 'racing the callback' });
      expect(sent.statusCode, sent.body).toBe(201);
      expect(early).toEqual([204, 204, 204]);
      const sid = sent.json().message.sid as string;
      expect(sent.json().message.status).toBe('queued');
      const delivered = await eventually(async () => {
        const row = (await messages(alice)).find((one) => one.external_id === sid);
        return row?.properties.status === 'delivered' ? row : undefined;
      }, 'the early "delivered" applied');
      expect(delivered.properties.direction).toBe('outbound');
      // Applied once: nothing pending is left, and a later "sent" does not move it back.
      await eventually(
        async () =>
          (
            await hub.db.asUser(alice.claims, (tx) =>
              tx.query(`SELECT 1 FROM made_open.twilio_pending_statuses WHERE message_sid = $1`, [sid]),
            )
          ).rows.length === 0
            ? true
            : undefined,
        'the pending status removed',
      );
      expect((await status(sid, 'sent')).statusCode).toBe(204);
      expect((await messages(alice)).find((one) => one.external_id === sid)!.properties.status).toBe('delivered');
      // Another user cannot see Alice's pending statuses (RLS).
      const seen = await hub.db.asUser(bob.claims, (tx) => tx.query(`SELECT 1 FROM made_open.twilio_pending_statuses`));
      expect(seen.rows).toEqual([]);
    } finally {
      standIn.control.beforeSendAnswer = undefined;
    }
  });

  it('keeps a status callback for a message never stored while retrying, then drops it without failing', async () => {
    const sid = `SM${hex32()}`;
    const form = { MessageSid: sid, AccountSid: aliceAccount.accountSid, MessageStatus: 'failed', ErrorCode: '30034' };
    expect((await webhook(aliceConnection, 'sms-status', form, aliceAccount.authToken)).statusCode).toBe(204);
    const pending = () =>
      hub.db.asUser(alice.claims, async (tx) => {
        const { rows } = await tx.query<{ status: string; error_code: number }>(
          `SELECT status, error_code FROM made_open.twilio_pending_statuses WHERE message_sid = $1`,
          [sid],
        );
        return rows;
      });
    expect(await pending()).toEqual([{ status: 'failed', error_code: 30034 }]);
    // The job itself (it runs in the hub too): it waits while retries remain, then gives up quietly.
    const logger = createLogger('silent');
    const job = createPendingStatusJob({
      db: hub.db,
      logger,
      ingest: () => Promise.reject(new Error('nothing to ingest for a missing message')),
    });
    const context = (attempt: number) => ({
      id: crypto.randomUUID(),
      attempt,
      priority: 'interactive' as const,
      signal: new AbortController().signal,
      logger,
    });
    const payload = { connectionId: aliceConnection, ownerId: alice.id, messageSid: sid };
    await expect(job.handler(payload, context(0))).rejects.toThrow(/not stored yet/);
    expect(await pending()).toHaveLength(1);
    await expect(job.handler(payload, context(job.retry.limit))).resolves.toBeUndefined();
    expect(await pending()).toEqual([]);
  });

  it('keeps two users on two numbers apart', async () => {
    // Bob's account lives on the second stand-in; his hub-wide TWILIO_API_URL would not reach it,
    // so his connection is made against Alice's stand-in with his own number registered there.
    const sid = `PN${hex32()}`;
    standIn.numbers.set(sid, { ...standIn.numberOf('+447700900123'), sid, phone_number: '+14155550199' });
    const credentialId = await credential(bob, aliceAccount);
    const created = await api(bob, 'POST', '/api/v1/connections', {
      provider: 'twilio',
      credentialId,
      options: { phoneNumber: '+14155550199' },
    });
    expect(created.statusCode, created.body).toBe(201);
    bobConnection = created.json().id;
    const form = inbound({ To: '+14155550199', Body: 'for bob' });
    expect((await webhook(bobConnection, 'sms', form, aliceAccount.authToken)).statusCode).toBe(200);
    const bobs = await messages(bob);
    expect(bobs.map((row) => row.body)).toEqual(['for bob']);
    expect((await messages(alice)).some((row) => row.body === 'for bob')).toBe(false);
    expect((await api(alice, 'GET', `/api/v1/entities/${bobs[0]!.id}`)).statusCode).toBe(404);
    // Alice's connection id with Bob's number: refused, nothing stored.
    expect(
      (await webhook(aliceConnection, 'sms', inbound({ To: '+14155550199' }), aliceAccount.authToken)).statusCode,
    ).toBe(400);
  });

  it('disconnect restores exactly what connect replaced, and the webhooks stop', async () => {
    const removed = await api(alice, 'DELETE', `/api/v1/connections/${aliceConnection}`);
    expect(removed.statusCode, removed.body).toBe(200);
    await eventually(
      async () =>
        standIn.numberOf('+14155550100').sms_url === 'https://demo.twilio.com/welcome/sms/reply' ? true : undefined,
      'the SMS URL restored',
    );
    expect(standIn.numberOf('+14155550100').sms_method).toBe('POST');
    expect((await webhook(aliceConnection, 'sms', inbound(), aliceAccount.authToken)).statusCode).toBe(404);
    // A URL changed at Twilio since connect is left alone on disconnect.
    standIn.numberOf('+14155550199').sms_url = 'https://elsewhere.example/sms';
    expect((await api(bob, 'DELETE', `/api/v1/connections/${bobConnection}`)).statusCode).toBe(200);
    expect(standIn.numberOf('+14155550199').sms_url).toBe('https://elsewhere.example/sms');
  });
});
