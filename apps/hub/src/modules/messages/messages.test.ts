import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabaseKinds } from '../../../test/databases.ts';
import { createTestHub, type TestHub } from '../../../test/hub.ts';
import { bearer, signUpUser, type SignedUpUser } from '../../../test/users.ts';
import type { ActionsService } from '../actions/index.ts';
import type { PolicyService } from '../policy/index.ts';
import { twilioErrorAdvice } from '../connectors/twilio/index.ts';
import { hex32, startTwilioStandIn } from '../connectors/twilio/test/twilio.stand-in.ts';
import { postTwilioWebhook } from '../connectors/twilio/test/webhook.ts';

/**
 * POST /api/v1/messages and the status callbacks, on a real hub. Twilio's REST API is a
 * STAND-IN (connectors/twilio/test/twilio.stand-in.ts, selected by TWILIO_API_URL); status
 * callbacks are signed by the real `twilio` package.
 */
const publicUrl = 'https://hub.example.test';

describe.each(testDatabaseKinds())('sending messages on %s', (kind) => {
  let hub: TestHub;
  let standIn: Awaited<ReturnType<typeof startTwilioStandIn>>;
  let alice: SignedUpUser;
  let bob: SignedUpUser;
  const account = { accountSid: `AC${hex32()}`, authToken: hex32(), numbers: ['+14155550100'] };
  let connectionId: string;

  const api = (user: SignedUpUser, method: 'GET' | 'POST', url: string, payload?: unknown, headers = {}) =>
    hub.app.inject({
      method,
      url,
      headers: { ...bearer(user), ...headers },
      ...(payload === undefined ? {} : { payload: payload as object }),
    });

  const send = (payload: unknown, key?: string, user = alice) =>
    api(user, 'POST', '/api/v1/messages', payload, key ? { 'idempotency-key': key } : {});

  function callback(form: Record<string, string>, token = account.authToken) {
    const url = `/webhooks/twilio/${connectionId}/sms-status`;
    return postTwilioWebhook(hub.app, { publicUrl, authToken: token }, url, form);
  }
  const status = (sid: string, value: string, extra: Record<string, string> = {}) =>
    callback({ MessageSid: sid, AccountSid: account.accountSid, MessageStatus: value, SmsStatus: value, ...extra });

  const stored = (user: SignedUpUser, sid: string) =>
    hub.db.asUser(user.claims, async (tx) => {
      const { rows } = await tx.query<{ id: string; properties: Record<string, unknown> }>(
        `SELECT id, properties FROM public.entities WHERE source = 'twilio' AND external_id = $1`,
        [sid],
      );
      return rows[0];
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

  it('refuses to send without a connected number, and bad input with 4xx', async () => {
    const none = await send({ to: '+14155550123', body: 'hi' });
    expect(none.statusCode).toBe(409);
    expect(none.json().error.code).toBe('no_sms_connection');

    const created = await api(alice, 'POST', '/api/v1/credentials', {
      type: 'twilio',
      name: 'Twilio',
      secret: account,
    });
    const credentialId = created.json().id as string;
    expect((await api(alice, 'POST', `/api/v1/credentials/${credentialId}/test`)).json().ok).toBe(true);
    const connected = await api(alice, 'POST', '/api/v1/connections', {
      provider: 'twilio',
      credentialId,
      options: { phoneNumber: '+14155550100' },
    });
    expect(connected.statusCode, connected.body).toBe(201);
    connectionId = connected.json().id;

    expect((await send({ to: 'not a number', body: 'hi' })).statusCode).toBe(400);
    expect((await send({ to: '+14155550123', body: '' })).statusCode).toBe(400);
    expect((await send({ to: '+14155550123', body: 'x'.repeat(1601) })).statusCode).toBe(400);
    expect((await send({ to: crypto.randomUUID(), body: 'hi' })).statusCode).toBe(404);
    expect((await send({ to: '+14155550123', body: 'hi', extra: 1 })).statusCode).toBe(400);
    // Bob cannot send from Alice's number.
    expect((await send({ to: '+14155550123', body: 'hi', connectionId }, undefined, bob)).statusCode).toBe(404);
    expect(standIn.sent).toHaveLength(0);
  });

  it('sends once per Idempotency-Key and answers a retry the same', async () => {
    const key = `key-${hex32()}`;
    const first = await send({ to: '(415) 555-0123'.replace(/^/, '+1 '), body: 'Dinner at 8?' }, key);
    expect(first.statusCode, first.body).toBe(201);
    const message = first.json().message;
    expect(message).toMatchObject({ status: 'queued', from: '+14155550100', to: '+14155550123', segments: 1 });
    expect(standIn.sent).toHaveLength(1);
    expect(standIn.sent[0]).toMatchObject({
      To: '+14155550123',
      From: '+14155550100',
      Body: 'Dinner at 8?',
      StatusCallback: `${publicUrl}/webhooks/twilio/${connectionId}/sms-status`,
    });
    const retry = await send({ to: '(415) 555-0123'.replace(/^/, '+1 '), body: 'Dinner at 8?' }, key);
    expect(retry.statusCode).toBe(201);
    expect(retry.json()).toEqual(first.json());
    expect(standIn.sent).toHaveLength(1);
    const reused = await send({ to: '+14155550123', body: 'Something else' }, key);
    expect(reused.statusCode).toBe(422);
    expect(reused.json().error.code).toBe('idempotency_key_reused');
    expect(standIn.sent).toHaveLength(1);

    // The message is stored, outbound, linked to the person; a person id is a valid recipient.
    const row = await stored(alice, message.sid);
    expect(row?.properties).toMatchObject({ channel: 'sms', direction: 'outbound', status: 'queued' });
    const byPerson = await send({ to: message.personId, body: 'Again' });
    expect(byPerson.statusCode, byPerson.body).toBe(201);
    expect(byPerson.json().message.to).toBe('+14155550123');
    expect(byPerson.json().message.threadId).toBe(message.threadId);
    expect((await send({ to: message.personId, body: 'hi' }, undefined, bob)).statusCode).toBe(404);
  });

  it('never sends twice when the answer is lost: the key keeps a 502 that says to check before sending again', async () => {
    const key = `key-${hex32()}`;
    const before = standIn.sent.length;
    standIn.loseNextSendAnswer();
    const lost = await send({ to: '+14155550126', body: 'Did this go?' }, key);
    expect(lost.statusCode, lost.body).toBe(502);
    expect(lost.json().error).toMatchObject({ code: 'send_outcome_unknown', message: /may or may not have gone out/ });
    expect(standIn.sent).toHaveLength(before + 1);
    // The web app's retry with the same key: the same answer, and Twilio sees nothing more.
    const retry = await send({ to: '+14155550126', body: 'Did this go?' }, key);
    expect(retry.statusCode).toBe(502);
    expect(retry.json()).toEqual(lost.json());
    expect(standIn.sent).toHaveLength(before + 1);
    // A refusal Twilio answers (it took nothing) frees the key: the retry sends.
    const second = `key-${hex32()}`;
    standIn.failNextSend(20500, 503, 'Service unavailable');
    const down = await send({ to: '+14155550126', body: 'Try again' }, second);
    expect(down.statusCode).toBe(502);
    expect(down.json().error).toMatchObject({ code: 'provider_unavailable', message: /status\.twilio\.com/ });
    const again = await send({ to: '+14155550126', body: 'Try again' }, second);
    expect(again.statusCode, again.body).toBe(201);
    expect(standIn.sent).toHaveLength(before + 3);
  });

  it('moves status forward only, whatever order the callbacks come in', async () => {
    const sent = (await send({ to: '+14155550124', body: 'status test' })).json().message;
    for (const value of ['delivered', 'sent', 'sending', 'queued'])
      expect((await status(sent.sid, value)).statusCode).toBe(204);
    expect((await stored(alice, sent.sid))?.properties.status).toBe('delivered');
    expect((await status(sent.sid, 'read')).statusCode).toBe(204);
    expect((await stored(alice, sent.sid))?.properties.status).toBe('read');

    const failing = (await send({ to: '+14155550125', body: 'will fail' })).json().message;
    await status(failing.sid, 'failed', { ErrorCode: '30007' });
    await status(failing.sid, 'delivered');
    await status(failing.sid, 'sent');
    const failed = await stored(alice, failing.sid);
    expect(failed?.properties).toMatchObject({ status: 'failed', errorCode: 30007 });
    expect(String(failed?.properties.error)).toMatch(/spam/);

    // Forged, malformed: refused, nothing changes.
    expect(
      (await callback({ MessageSid: sent.sid, AccountSid: account.accountSid, MessageStatus: 'failed' }, 'wrong'))
        .statusCode,
    ).toBe(403);
    expect(
      (await callback({ MessageSid: 'x', AccountSid: account.accountSid, MessageStatus: 'failed' })).statusCode,
    ).toBe(400);
    expect((await stored(alice, sent.sid))?.properties.status).toBe('read');
  });

  it('turns every Twilio error into a message a person can act on', async () => {
    for (const code of [21610, 21608, 21211, 30003, 30004, 30005, 30006, 30007, 30034, 30532, 30533]) {
      standIn.failNextSend(code, 400, `Twilio error ${code}`);
      const refused = await send({ to: '+14155550126', body: `code ${code}` }, `error-${code}`);
      expect(refused.statusCode, refused.body).toBe(422);
      expect(refused.json().error).toEqual({ code: `twilio_${code}`, message: twilioErrorAdvice[code] });
      // The same key again: the same answer, not a second attempt.
      const before = standIn.sent.length;
      expect((await send({ to: '+14155550126', body: `code ${code}` }, `error-${code}`)).json()).toEqual(
        refused.json(),
      );
      expect(standIn.sent.length).toBe(before);
    }
    expect(twilioErrorAdvice[21610]).toMatch(/STOP/);
    expect(twilioErrorAdvice[21608]).toMatch(/trial/);
  });

  it('sends through the actions registry as the user (messages.send), and as a rule only once granted', async () => {
    const actions = (hub.modules.find((module) => module.name === 'actions') as unknown as { service: ActionsService })
      .service;
    const me = { kind: 'user' as const, id: alice.id, ownerId: alice.id };
    const input = { to: '+14155550128', body: 'from an action', idempotencyKey: `act-${hex32()}` };
    const before = standIn.sent.length;
    const first = (await actions.invoke(me, 'messages.send', input)) as { sid: string; status: string };
    expect(first.status).toBe('queued');
    expect(await actions.invoke(me, 'messages.send', input)).toEqual(first);
    expect(standIn.sent.length).toBe(before + 1);
    expect((await stored(alice, first.sid))?.properties).toMatchObject({ direction: 'outbound', to: ['+14155550128'] });
    standIn.failNextSend(21610, 400, 'Attempt to send to unsubscribed recipient');
    await expect(actions.invoke(me, 'messages.send', { to: '+14155550129', body: 'stopped' })).rejects.toMatchObject({
      status: 422,
      code: 'twilio_21610',
    });
    const rule = { kind: 'rule' as const, id: 'texter', ownerId: alice.id };
    await expect(actions.invoke(rule, 'messages.send', { to: '+14155550128', body: 'x' })).rejects.toMatchObject({
      code: 'permission_denied',
    });
    // A rule texts once its owner approved messages:send:sms for it (the rules module grants it at save).
    const policy = (hub.modules.find((module) => module.name === 'policy') as unknown as { service: PolicyService })
      .service;
    await policy.grant(alice, { kind: 'rule', id: 'texter' }, ['messages:send:sms']);
    const beforeRule = standIn.sent.length;
    const byRule = (await actions.invoke(rule, 'messages.send', {
      to: '+14155550128',
      body: 'from a rule',
      idempotencyKey: `rule-${hex32()}`,
    })) as { status: string };
    expect(byRule.status).toBe('queued');
    expect(standIn.sent.length).toBe(beforeRule + 1);
    await expect(actions.invoke(me, 'messages.send', { to: 5, body: 'x' })).rejects.toMatchObject({
      code: 'invalid_input',
    });
    await expect(actions.invoke(me, 'messages.send', { to: '+14155550128', body: ' ' })).rejects.toMatchObject({
      status: 400,
    });
  });

  it('sends MMS media from Storage through signed URLs', async () => {
    const bucket = `pics-${hex32().slice(0, 8)}`;
    expect((await api(alice, 'POST', '/storage/v1/bucket', { id: bucket, name: bucket })).statusCode).toBe(200);
    const upload = await hub.app.inject({
      method: 'POST',
      url: `/storage/v1/object/${bucket}/cat.png`,
      headers: { ...bearer(alice), 'content-type': 'image/png' },
      payload: Buffer.from('png bytes'),
    });
    expect(upload.statusCode, upload.body).toBe(200);
    const sent = await send({ to: '+14155550127', body: 'look', media: [`${bucket}/cat.png`] });
    expect(sent.statusCode, sent.body).toBe(201);
    const form = standIn.sent[standIn.sent.length - 1]!;
    expect(String(form.MediaUrl)).toMatch(
      new RegExp(`^${publicUrl}/storage/v1/object/sign/${bucket}/cat.png\\?token=`),
    );
    // The thread shows it as the photo it is.
    const row = await stored(alice, sent.json().message.sid);
    expect(row?.properties.media).toEqual([expect.objectContaining({ contentType: 'image/png' })]);
    // Bob cannot attach Alice's file.
    expect(
      (await send({ to: '+14155550127', body: 'x', media: [`${bucket}/cat.png`] }, undefined, bob)).statusCode,
    ).toBe(404);
  });
});
