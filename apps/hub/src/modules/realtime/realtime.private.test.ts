import type { RealtimeChannel, SupabaseClient } from '@supabase/supabase-js';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabaseKinds } from '../../../test/databases.ts';
import { createTestHub, type TestHub } from '../../../test/hub.ts';
import { bearer, signUpUser, type SignedUpUser } from '../../../test/users.ts';
import type { RealtimeModule } from './index.ts';
import { anonKeyOf, listen, RawSocket, realtimeClient, subscribed, waitFor, type Row } from './test/support.ts';

/**
 * Private channels as Supabase authorises them: the database decides who may join (read)
 * and send (write), through made_open.realtime_authorize and RLS on the grants table.
 * "Receives nothing" is never a sleep: a later message on the same socket (a sentinel) is
 * awaited instead, and the hub writes to each socket in order.
 */
const jwtSecret = 'realtime-private-secret-0123456789abcdefghijklmn';
const env = {
  AUTH_RATE_LIMIT_SIGNUP_PER_HOUR: '10000',
  AUTH_RATE_LIMIT_TOKEN_PER_MINUTE: '10000',
  SUPABASE_JWT_SECRET: jwtSecret,
};
type Heard = { event: string; payload: Row };
const refusal = (topic: string) =>
  `Unauthorized: You do not have permissions to read from this Channel topic: ${topic}`;

function listenOn(client: SupabaseClient, topic: string, isPrivate: boolean, heard: Heard[], ack = false) {
  return client
    .channel(topic, { config: { private: isPrivate, broadcast: { ack } } })
    .on('broadcast', { event: '*' }, (m) => heard.push(m as unknown as Heard));
}

/** Expects the join to be refused with `reason`, then stops realtime-js from rejoining. */
async function expectRefused(client: SupabaseClient, channel: RealtimeChannel, reason: string) {
  await expect(subscribed(channel)).rejects.toThrow(reason);
  await client.removeChannel(channel);
}

describe.each(testDatabaseKinds())('private realtime channels on %s', (kind) => {
  let hub: TestHub;
  let url: string;
  let alice: SignedUpUser;
  let bob: SignedUpUser;
  let carol: SignedUpUser;
  const clients: SupabaseClient[] = [];
  const client = async (user?: SignedUpUser) => {
    const c = await realtimeClient(url, anonKeyOf(hub), user);
    clients.push(c);
    return c;
  };
  const grants = (user: SignedUpUser, method: 'GET' | 'PUT' | 'DELETE', path: string, payload?: Row) =>
    hub.app.inject({ method, url: `/api/v1/realtime/topics/${path}`, headers: bearer(user), payload });
  const realtime = () => hub.modules.find((m) => m.name === 'realtime') as RealtimeModule;

  beforeAll(async () => {
    hub = await createTestHub(kind, env);
    url = await listen(hub.app);
    [alice, bob, carol] = [await signUpUser(hub), await signUpUser(hub), await signUpUser(hub)];
  }, 120_000);
  afterAll(async () => {
    for (const c of clients) await c.removeAllChannels();
    await hub?.close();
  }, 120_000);

  it('lets only the owner receive: another user and anon are refused as Supabase refuses, and hear nothing', async () => {
    const topic = `user:${alice.id}:room`;
    const [owner, sender, other, anon] = [await client(alice), await client(alice), await client(bob), await client()];
    const heard: Heard[] = [];
    await subscribed(listenOn(owner, topic, true, heard));
    // Acked, so the send is handled before the notify below: the order heard is fixed.
    const sending = await subscribed(listenOn(sender, topic, true, [], true));
    await expectRefused(other, listenOn(other, topic, true, []), refusal(topic));
    await expectRefused(anon, listenOn(anon, topic, true, []), refusal(topic));

    // The same name as a public channel is another channel: joinable, but private sends never reach it.
    const otherHeard: Heard[] = [];
    const anonHeard: Heard[] = [];
    await subscribed(listenOn(other, topic, false, otherHeard));
    await subscribed(listenOn(anon, topic, false, anonHeard));
    expect(await sending.send({ type: 'broadcast', event: 'secret', payload: { n: 1 } })).toBe('ok');
    expect(realtime().service.notify(alice.id, 'note', { n: 2 }, 'room')).toBe(2);
    await waitFor(
      'owner hears both',
      () => heard.some((h) => h.event === 'secret') && heard.some((h) => h.event === 'note'),
    );
    const publicSender = await subscribed(listenOn(await client(alice), topic, false, [], true));
    expect(await publicSender.send({ type: 'broadcast', event: 'sentinel', payload: {} })).toBe('ok');
    await waitFor('sentinels', () => otherHeard.length > 0 && anonHeard.length > 0);
    expect(otherHeard.map((h) => h.event)).toEqual(['sentinel']);
    expect(anonHeard.map((h) => h.event)).toEqual(['sentinel']);
    expect(heard.map((h) => h.event)).toEqual(['secret', 'note']);
  });

  it('stops the reported attack: a raw websocket on the anon key joining realtime:user:<victim id>', async () => {
    const topic = `realtime:user:${alice.id}`;
    const attacker = await RawSocket.open(url, anonKeyOf(hub));
    const asPrivate = attacker.push(topic, 'phx_join', { config: { private: true }, access_token: anonKeyOf(hub) });
    expect(await attacker.reply(asPrivate)).toEqual({
      status: 'error',
      response: { reason: refusal(`user:${alice.id}`) },
    });
    const asPublic = attacker.push(topic, 'phx_join', {
      config: { broadcast: { self: false }, presence: { enabled: false }, postgres_changes: [], private: false },
      access_token: anonKeyOf(hub),
    });
    expect(await attacker.reply(asPublic)).toMatchObject({ status: 'ok' });

    const [victim, victimDevice] = [await client(alice), await client(alice)];
    const heard: Heard[] = [];
    await subscribed(listenOn(victimDevice, `user:${alice.id}`, true, heard));
    const victimChannel = await subscribed(listenOn(victim, `user:${alice.id}`, true, []));
    expect(await victimChannel.send({ type: 'broadcast', event: 'diary', payload: { text: 'private' } })).toBe('ok');
    await waitFor('the victim hears it', () => heard.find((h) => h.event === 'diary'));

    // The attacker's own sends stay on the public channel too.
    const spoof = attacker.push(topic, 'broadcast', { type: 'broadcast', event: 'spoof', payload: {} });
    expect(await attacker.reply(spoof)).toMatchObject({ status: 'ok' });
    const sentinel = await RawSocket.open(url, anonKeyOf(hub));
    expect(await sentinel.reply(sentinel.push(topic, 'phx_join', { config: {} }))).toMatchObject({ status: 'ok' });
    sentinel.push(topic, 'broadcast', { type: 'broadcast', event: 'sentinel', payload: {} });
    await waitFor('sentinel', () => attacker.broadcasts(topic).length > 0);
    expect(await victimChannel.send({ type: 'broadcast', event: 'after', payload: {} })).toBe('ok');
    await waitFor('after', () => heard.find((h) => h.event === 'after'));

    expect(attacker.broadcasts(topic).map((b) => b.event)).toEqual(['sentinel']);
    expect(heard.map((h) => h.event)).toEqual(['diary', 'after']);
    attacker.close();
    sentinel.close();
  });

  it('lets a granted user receive, and send only with write; after revoke they are refused', async () => {
    const topic = `user:${alice.id}:shared`;
    const [owner, guest] = [await client(alice), await client(carol)];
    await expectRefused(guest, listenOn(guest, topic, true, []), refusal(topic));

    const granted = await grants(alice, 'PUT', `${topic}/grants/${carol.id}`, { read: true, write: false });
    expect(granted.statusCode).toBe(200);
    expect(granted.json()).toMatchObject({ topic, granteeId: carol.id, read: true, write: false });
    expect((await grants(alice, 'GET', `${topic}/grants`)).json().grants).toMatchObject([{ granteeId: carol.id }]);

    const ownerHeard: Heard[] = [];
    const guestHeard: Heard[] = [];
    const ownerChannel = await subscribed(listenOn(owner, topic, true, ownerHeard, true));
    const guestChannel = await subscribed(listenOn(guest, topic, true, guestHeard, true));
    expect(await ownerChannel.send({ type: 'broadcast', event: 'hello', payload: {} })).toBe('ok');
    await waitFor('guest hears', () => guestHeard.find((h) => h.event === 'hello'));

    // Without write the send is dropped with no reply (an acked send times out, as on Supabase).
    expect(await guestChannel.send({ type: 'broadcast', event: 'dropped', payload: {} }, { timeout: 1_000 })).toBe(
      'timed out',
    );
    expect((await grants(alice, 'PUT', `${topic}/grants/${carol.id}`, { read: true, write: true })).statusCode).toBe(
      200,
    );
    expect(await guestChannel.send({ type: 'broadcast', event: 'allowed', payload: {} })).toBe('ok');
    await waitFor('owner hears the guest', () => ownerHeard.find((h) => h.event === 'allowed'));
    expect(ownerHeard.map((h) => h.event)).toEqual(['allowed']);

    // Revoking closes the guest's open channel on this instance at once, and refuses new joins.
    expect((await grants(alice, 'DELETE', `${topic}/grants/${carol.id}`)).statusCode).toBe(204);
    await waitFor('guest channel closed', () => guestChannel.state === 'closed');
    await guest.removeChannel(guestChannel);
    await expectRefused(guest, listenOn(guest, topic, true, []), refusal(topic));
    expect((await grants(alice, 'GET', `${topic}/grants`)).json().grants).toEqual([]);
  });

  it('re-checks the database when the access token is refreshed', async () => {
    const topic = `user:${alice.id}:refresh`;
    const wire = `realtime:${topic}`;
    expect((await grants(alice, 'PUT', `${topic}/grants/${carol.id}`, { read: true, write: false })).statusCode).toBe(
      200,
    );
    const socket = await RawSocket.open(url, anonKeyOf(hub));
    const join = socket.push(wire, 'phx_join', { config: { private: true }, access_token: carol.accessToken });
    expect(await socket.reply(join)).toMatchObject({ status: 'ok' });
    // Revoked behind the hub's back (no re-check on this instance): found at the next refresh.
    await hub.db.asUser(alice.claims, (tx) =>
      tx.query('DELETE FROM made_open.realtime_channel_grants WHERE topic = $1', [topic]),
    );
    const fresh = await new SignJWT({ ...carol.claims, iat: undefined, exp: undefined })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode(jwtSecret));
    socket.push(wire, 'access_token', { access_token: fresh });
    await waitFor('closed', () => socket.messages.find((m) => m.topic === wire && m.event === 'phx_close'));
    expect(socket.messages.find((m) => m.topic === wire && m.event === 'system')?.payload).toMatchObject({
      status: 'error',
      message: `You no longer have permission to read from this Channel topic: ${topic}`,
    });

    // The owner's channel survives a refresh, but not one that swaps to the anon key.
    const own = socket.push(wire, 'phx_join', { config: { private: true }, access_token: alice.accessToken });
    expect(await socket.reply(own)).toMatchObject({ status: 'ok' });
    expect(await socket.reply(socket.push(wire, 'access_token', { access_token: alice.accessToken }))).toMatchObject({
      status: 'ok',
    });
    socket.push(wire, 'access_token', { access_token: anonKeyOf(hub) });
    await waitFor('closed for anon', () => socket.messages.filter((m) => m.event === 'phx_close').length === 2);
    socket.close();
  });

  it('keeps the rule in the database: realtime_authorize and RLS on the grants table', async () => {
    const topic = `user:${alice.id}:db`;
    const may = (user: SignedUpUser, action: string) =>
      hub.db
        .queryAsUser<{ ok: boolean }>(user.claims, 'SELECT made_open.realtime_authorize($1, $2) AS ok', [topic, action])
        .then((r) => r.rows[0]!.ok);
    expect([await may(alice, 'read'), await may(alice, 'write'), await may(bob, 'read')]).toEqual([true, true, false]);
    await expect(
      hub.db.queryAsUser({ role: 'anon' }, `SELECT made_open.realtime_authorize($1, 'read')`, [topic]),
    ).rejects.toThrow(/permission denied/);

    const insert = (user: SignedUpUser, ownerId: string, granteeId: string) =>
      hub.db.queryAsUser(
        user.claims,
        `INSERT INTO made_open.realtime_channel_grants (topic, owner_id, grantee_id, can_read, can_write)
         VALUES ($1, $2, $3, true, true)`,
        [topic, ownerId, granteeId],
      );
    await expect(insert(bob, alice.id, bob.id)).rejects.toThrow(/row-level security/);
    await expect(insert(bob, bob.id, carol.id)).rejects.toThrow(/realtime_channel_grants_topic_owned/);
    await insert(alice, alice.id, bob.id);
    expect([await may(bob, 'read'), await may(bob, 'write'), await may(carol, 'read')]).toEqual([true, true, false]);
    const visible = (user: SignedUpUser) =>
      hub.db
        .queryAsUser(user.claims, 'SELECT grantee_id FROM made_open.realtime_channel_grants WHERE topic = $1', [topic])
        .then((r) => r.rowCount);
    expect([await visible(alice), await visible(bob), await visible(carol)]).toEqual([1, 1, 0]);
  });

  it('validates the grants API: 404 for topics that are not yours, 400 for bad input, 401 without a user', async () => {
    const topic = `user:${alice.id}:api`;
    const put = (user: SignedUpUser, path: string, body: Row) => grants(user, 'PUT', path, body);
    const cases: [number, Promise<{ statusCode: number }>][] = [
      [404, put(bob, `${topic}/grants/${carol.id}`, { read: true, write: false })],
      [404, put(alice, `room:1/grants/${carol.id}`, { read: true, write: false })],
      [404, grants(bob, 'GET', `${topic}/grants`)],
      [404, put(alice, `${topic}/grants/00000000-0000-4000-8000-000000000000`, { read: true, write: false })],
      [404, grants(alice, 'DELETE', `${topic}/grants/${carol.id}`)],
      [400, put(alice, `${topic}/grants/not-a-uuid`, { read: true, write: false })],
      [400, put(alice, `${topic}/grants/${alice.id}`, { read: true, write: true })],
      [400, put(alice, `${topic}/grants/${carol.id}`, { read: false, write: false })],
      [400, put(alice, `${topic}/grants/${carol.id}`, { read: 'yes', write: false })],
      [400, put(alice, `${topic}/grants/${carol.id}`, { read: true, write: false, admin: true })],
      [400, put(alice, `bad%20topic/grants/${carol.id}`, { read: true, write: false })],
      [
        401,
        hub.app.inject({
          method: 'PUT',
          url: `/api/v1/realtime/topics/${topic}/grants/${carol.id}`,
          payload: { read: true, write: false },
        }),
      ],
    ];
    expect(await Promise.all(cases.map(async ([, response]) => (await response).statusCode))).toEqual(
      cases.map(([status]) => status),
    );
    const docs = (await hub.app.inject({ method: 'GET', url: '/docs/json' })).json() as { paths: Row };
    expect(Object.keys(docs.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/realtime/topics/{topic}/grants',
        '/api/v1/realtime/topics/{topic}/grants/{userId}',
      ]),
    );
  });
});
