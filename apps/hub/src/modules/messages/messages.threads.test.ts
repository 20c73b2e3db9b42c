import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabaseKinds } from '../../../test/databases.ts';
import { createTestHub, type TestHub } from '../../../test/hub.ts';
import { bearer, signUpUser, type SignedUpUser } from '../../../test/users.ts';
import { eventually } from '../connectors/test/support.ts';
import { hex32, startTwilioStandIn } from '../connectors/twilio/test/twilio.stand-in.ts';
import { postTwilioWebhook } from '../connectors/twilio/test/webhook.ts';

/**
 * The thread reads (GET /api/v1/messages/threads[/:id], POST .../read) on a real hub. Twilio's
 * REST API is a STAND-IN (connectors/twilio/test/twilio.stand-in.ts, selected by
 * TWILIO_API_URL); inbound webhooks are signed by the real `twilio` package.
 */
const publicUrl = 'https://hub.example.test';

describe.each(testDatabaseKinds())('message threads on %s', (kind) => {
  let hub: TestHub;
  let standIn: Awaited<ReturnType<typeof startTwilioStandIn>>;
  let alice: SignedUpUser;
  let bob: SignedUpUser;
  const account = { accountSid: `AC${hex32()}`, authToken: hex32(), numbers: ['+14155550100', '+14155550199'] };
  const connections = new Map<SignedUpUser, string>();

  const api = (user: SignedUpUser, method: 'GET' | 'POST', url: string, payload?: unknown, headers = {}) =>
    hub.app.inject({
      method,
      url,
      headers: { ...bearer(user), ...headers },
      ...(payload === undefined ? {} : { payload: payload as object }),
    });

  async function connect(user: SignedUpUser, phoneNumber: string) {
    const created = await api(user, 'POST', '/api/v1/credentials', { type: 'twilio', name: 'Twilio', secret: account });
    expect(created.statusCode, created.body).toBe(201);
    expect((await api(user, 'POST', `/api/v1/credentials/${created.json().id}/test`)).json().ok).toBe(true);
    const connected = await api(user, 'POST', '/api/v1/connections', {
      provider: 'twilio',
      credentialId: created.json().id,
      options: { phoneNumber },
    });
    expect(connected.statusCode, connected.body).toBe(201);
    connections.set(user, connected.json().id);
  }

  /** An inbound text to `user`'s number, signed as Twilio signs it. */
  async function inbound(user: SignedUpUser, to: string, from: string, body: string, media: number = 0) {
    const sid = `${media > 0 ? 'MM' : 'SM'}${hex32()}`;
    const form: Record<string, string> = {
      MessageSid: sid,
      AccountSid: account.accountSid,
      From: from,
      To: to,
      Body: body,
      NumMedia: String(media),
      NumSegments: '1',
      SmsStatus: 'received',
    };
    for (let m = 0; m < media; m++) {
      form[`MediaUrl${m}`] = standIn.addMedia(sid, Buffer.from(`image ${m}`), 'image/png');
      form[`MediaContentType${m}`] = 'image/png';
    }
    const url = `/webhooks/twilio/${connections.get(user)}/sms`;
    const response = await postTwilioWebhook(hub.app, { publicUrl, authToken: account.authToken }, url, form);
    expect(response.statusCode, response.body).toBe(200);
    return sid;
  }

  const threads = (user: SignedUpUser, query = '') => api(user, 'GET', `/api/v1/messages/threads${query}`);
  const thread = (user: SignedUpUser, id: string, query = '') =>
    api(user, 'GET', `/api/v1/messages/threads/${encodeURIComponent(id)}${query}`);

  beforeAll(async () => {
    standIn = await startTwilioStandIn(account);
    hub = await createTestHub(kind, { TWILIO_API_URL: standIn.url, PUBLIC_URL: publicUrl });
    alice = await signUpUser(hub);
    bob = await signUpUser(hub);
    await connect(alice, '+14155550100');
    await connect(bob, '+14155550199');
  }, 180_000);

  afterAll(async () => {
    await hub?.close();
    await standIn?.close();
  });

  it('lists one thread per person, newest first, with the last message and unread counts', async () => {
    expect((await threads(alice)).json()).toEqual({ threads: [], nextCursor: null });
    await inbound(alice, '+14155550100', '+14155550123', 'first from Ann');
    await inbound(alice, '+14155550100', '+14155550124', 'hello from Ben');
    await inbound(alice, '+14155550100', '+14155550123', 'second from Ann');
    const sent = await api(
      alice,
      'POST',
      '/api/v1/messages',
      { to: '+14155550124', body: 'reply to Ben' },
      { 'idempotency-key': `k-${hex32()}` },
    );
    expect(sent.statusCode, sent.body).toBe(201);

    const listed = await threads(alice);
    expect(listed.statusCode, listed.body).toBe(200);
    const [ben, ann] = listed.json().threads;
    expect(listed.json().threads).toHaveLength(2);
    expect(ben).toMatchObject({
      id: sent.json().message.threadId,
      person: { id: sent.json().message.personId, name: '+14155550124' },
      phone: '+14155550124',
      ownNumber: '+14155550100',
      lastMessage: { excerpt: 'reply to Ben', direction: 'outbound', status: 'queued', hasMedia: false },
      unread: 1,
    });
    expect(ann).toMatchObject({
      phone: '+14155550123',
      lastMessage: { excerpt: 'second from Ann', direction: 'inbound', status: 'received' },
      unread: 2,
    });

    // Renaming the person shows in the list.
    const person = await api(alice, 'GET', `/api/v1/entities/${ann.person.id}`);
    const renamed = await hub.app.inject({
      method: 'PATCH',
      url: `/api/v1/entities/${ann.person.id}`,
      headers: bearer(alice),
      payload: { title: 'Ann Example', version: person.json().version },
    });
    expect(renamed.statusCode, renamed.body).toBeLessThan(300);
    expect((await threads(alice)).json().threads[1].person.name).toBe('Ann Example');

    // Read marks: Ann's thread read, then a new text makes it unread again (1).
    const read = await api(alice, 'POST', `/api/v1/messages/threads/${encodeURIComponent(ann.id)}/read`);
    expect(read.statusCode, read.body).toBe(204);
    expect((await threads(alice)).json().threads.find((t: { id: string }) => t.id === ann.id).unread).toBe(0);
    await inbound(alice, '+14155550100', '+14155550123', 'third from Ann');
    const after = (await threads(alice)).json().threads;
    expect(after[0]).toMatchObject({ id: ann.id, unread: 1, lastMessage: { excerpt: 'third from Ann' } });
  });

  it('pages through threads and through a long MMS thread with cursors', async () => {
    const sids: string[] = [];
    for (let index = 0; index < 20; index++)
      sids.push(await inbound(alice, '+14155550100', '+14155550177', `photo ${index}`, index % 3));
    const all: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await threads(alice, `?limit=1${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.statusCode, page.body).toBe(200);
      all.push(...page.json().threads.map((t: { id: string }) => t.id));
      cursor = page.json().nextCursor;
    } while (cursor);
    expect(all).toHaveLength(3);
    expect(new Set(all).size).toBe(3);

    const threadId = (await threads(alice)).json().threads[0].id as string;
    const newest = await thread(alice, threadId, '?limit=8');
    expect(newest.statusCode, newest.body).toBe(200);
    expect(newest.json().thread).toMatchObject({ id: threadId, phone: '+14155550177', unread: 20 });
    expect(newest.json().messages.map((m: { body: string }) => m.body)).toEqual(
      [12, 13, 14, 15, 16, 17, 18, 19].map((n) => `photo ${n}`),
    );
    const bodies: string[] = [];
    cursor = null;
    do {
      const page = await thread(alice, threadId, `?limit=8${cursor ? `&cursor=${cursor}` : ''}`);
      bodies.unshift(...page.json().messages.map((m: { body: string }) => m.body));
      cursor = page.json().nextCursor;
    } while (cursor);
    expect(bodies).toEqual(sids.map((_, n) => `photo ${n}`));

    // Every media item ends up as a Storage path (fetched by the twilio.fetch-media job).
    const messages = await eventually(
      async () => {
        const page = (await thread(alice, threadId, '?limit=20')).json().messages as {
          sid: string;
          media: { path: string | null; contentType: string }[];
        }[];
        return page.every((m) => m.media.every((item) => item.path)) ? page : undefined;
      },
      'every MMS item in Storage',
      120_000,
    );
    expect(messages.flatMap((m) => m.media)).toHaveLength(19);
    expect(messages[2]!.media[0]!.path).toMatch(new RegExp(`^sms-media-${alice.id}/${messages[2]!.sid}/0\\.png$`));
    expect(messages[0]).toMatchObject({ direction: 'inbound', status: 'received', from: '+14155550177', error: null });
  }, 180_000);

  it('shows a failed message with advice a person can act on', async () => {
    standIn.failNextSend(21610, 400, 'Attempt to send to unsubscribed recipient');
    const refused = await api(alice, 'POST', '/api/v1/messages', { to: '+14155550123', body: 'stopped?' });
    expect(refused.statusCode).toBe(422);
    const sent = await api(alice, 'POST', '/api/v1/messages', { to: '+14155550123', body: 'will fail' });
    const { sid, threadId } = sent.json().message;
    const url = `/webhooks/twilio/${connections.get(alice)}/sms-status`;
    const form = { MessageSid: sid, AccountSid: account.accountSid, MessageStatus: 'undelivered', ErrorCode: '30006' };
    const callback = await postTwilioWebhook(hub.app, { publicUrl, authToken: account.authToken }, url, form);
    expect(callback.statusCode, callback.body).toBeLessThan(300);
    const last = (await thread(alice, threadId)).json().messages.at(-1);
    expect(last).toMatchObject({ body: 'will fail', status: 'undelivered', error: { code: 30006 } });
    expect(last.error.message).toMatch(/landline|reach/i);
  });

  it("keeps users apart: another user's thread is a 404 and their list is their own", async () => {
    await inbound(bob, '+14155550199', '+14155550123', 'for bob only');
    const bobs = (await threads(bob)).json().threads;
    expect(bobs).toHaveLength(1);
    expect(bobs[0]).toMatchObject({ ownNumber: '+14155550199', lastMessage: { excerpt: 'for bob only' } });
    const alices = (await threads(alice)).json().threads as { id: string }[];
    expect(alices.some((t) => t.id === bobs[0].id)).toBe(false);
    expect((await thread(alice, bobs[0].id)).statusCode).toBe(404);
    expect(
      (await api(alice, 'POST', `/api/v1/messages/threads/${encodeURIComponent(bobs[0].id)}/read`)).statusCode,
    ).toBe(404);
    expect((await thread(bob, alices[0]!.id)).statusCode).toBe(404);
    // Bob's read mark did not touch Alice's unread counts, and Alice's is not Bob's.
    expect((await threads(bob)).json().threads[0].unread).toBe(1);
  });

  it('answers hostile input with 4xx and changes nothing', async () => {
    const threadId = (await threads(alice)).json().threads[0].id as string;
    const forged = Buffer.from("t.1.x' OR 1=1").toString('base64url');
    const messageCursor = (await thread(alice, threadId, '?limit=1')).json().nextCursor as string;
    const listCursor = (await threads(alice, '?limit=1')).json().nextCursor as string;
    for (const [what, response, status] of [
      ['bad cursor', await threads(alice, `?cursor=${forged}`), 400],
      ['garbage cursor', await threads(alice, '?cursor=%00%00'), 400],
      ['a thread cursor on the list', await threads(alice, `?cursor=${messageCursor}`), 400],
      ['a list cursor on a thread', await thread(alice, threadId, `?cursor=${listCursor}`), 400],
      ['huge limit', await threads(alice, '?limit=100000'), 400],
      ['zero limit', await threads(alice, '?limit=0'), 400],
      ['unknown query', await threads(alice, '?evil=1'), 400],
      ['not a thread id', await thread(alice, 'sms:1; DROP TABLE x'), 400],
      ['unknown thread', await thread(alice, `sms:+14155550100:${crypto.randomUUID()}`), 404],
      [
        'read an unknown thread',
        await api(
          alice,
          'POST',
          `/api/v1/messages/threads/${encodeURIComponent(`sms:+1415:${crypto.randomUUID()}`)}/read`,
        ),
        404,
      ],
      ['no token', await hub.app.inject({ method: 'GET', url: '/api/v1/messages/threads' }), 401],
    ] as const)
      expect(response.statusCode, `${what}: ${response.body}`).toBe(status);
    const unknown = `sms:+14155550100:${crypto.randomUUID()}`;
    expect((await api(alice, 'POST', `/api/v1/messages/threads/${encodeURIComponent(unknown)}/read`)).statusCode).toBe(
      404,
    );
    const rows = await hub.db.asSystem(
      async (tx) =>
        (await tx.query(`SELECT thread_id FROM made_open.message_thread_reads WHERE thread_id = $1`, [unknown])).rows,
    );
    expect(rows).toEqual([]);
  });

  it('is documented in the OpenAPI description', async () => {
    const docs = await hub.app.inject({ method: 'GET', url: '/docs/json' });
    expect(docs.statusCode).toBe(200);
    const paths = docs.json().paths as Record<string, Record<string, { summary?: string }>>;
    expect(paths['/api/v1/messages/threads']?.get?.summary).toMatch(/threads/);
    expect(paths['/api/v1/messages/threads/{threadId}']?.get?.summary).toMatch(/messages/);
    expect(paths['/api/v1/messages/threads/{threadId}/read']?.post?.summary).toMatch(/read/);
  });
});
