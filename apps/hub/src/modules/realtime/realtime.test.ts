import { existsSync, mkdtempSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RealtimePostgresChangesPayload, type SupabaseClient } from '@supabase/supabase-js';
import { SignJWT } from 'jose';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { composeHub, type Hub } from '../../composition.ts';
import { loadConfig } from '../../platform/config.ts';
import { connectPostgres } from '../../platform/db/postgres.ts';
import { createLogger } from '../../platform/logger.ts';
import {
  createTestDatabase,
  postgresTestsRequired,
  testDatabaseKinds,
  type TestDatabase,
} from '../../../test/databases.ts';
import { createTestHub, type TestHub } from '../../../test/hub.ts';
import { signUpUser, type SignedUpUser } from '../../../test/users.ts';
import { startNatsServer, type NatsServer } from '../events/test/support.ts';
import { anonKeyOf, listen, RawSocket, signedInClient, sleep, subscribed, waitFor, type Row } from './test/support.ts';

const jwtSecret = 'realtime-test-secret-0123456789abcdefghijklmnop';
const env = {
  AUTH_RATE_LIMIT_SIGNUP_PER_HOUR: '10000',
  AUTH_RATE_LIMIT_TOKEN_PER_MINUTE: '10000',
  SUPABASE_JWT_SECRET: jwtSecret,
};
type Change = {
  schema: string;
  table: string;
  commit_timestamp: string;
  eventType: string;
  new: Row;
  old: Row;
  errors: unknown;
};
const asChange = (p: RealtimePostgresChangesPayload<Row>) => p as unknown as Change;

async function api(
  hub: Pick<Hub, 'app'>,
  token: string,
  method: 'POST' | 'PATCH' | 'DELETE',
  url: string,
  payload?: Row,
) {
  const response = await hub.app.inject({ method, url, headers: { authorization: `Bearer ${token}` }, payload });
  if (response.statusCode >= 300) throw new Error(`${method} ${url}: ${response.statusCode} ${response.body}`);
  return response.body ? (response.json() as Row) : {};
}

const signToken = (user: SignedUpUser, expiresInSeconds: number) =>
  new SignJWT({ ...user.claims, exp: undefined, iat: undefined })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuedAt(Math.floor(Date.now() / 1000) - 60)
    .setExpirationTime(Math.floor(Date.now() / 1000) + expiresInSeconds)
    .sign(new TextEncoder().encode(jwtSecret));

describe.each(testDatabaseKinds())('realtime with supabase-js on %s', (kind) => {
  let hub: TestHub;
  let url: string;
  let alice: SignedUpUser;
  let bob: SignedUpUser;
  let a: SupabaseClient;
  let b: SupabaseClient;

  beforeAll(async () => {
    hub = await createTestHub(kind, env);
    url = await listen(hub.app);
    [alice, bob] = [await signUpUser(hub), await signUpUser(hub)];
    [a, b] = [await signedInClient(url, anonKeyOf(hub), alice), await signedInClient(url, anonKeyOf(hub), bob)];
  });
  afterAll(async () => {
    await a?.removeAllChannels();
    await b?.removeAllChannels();
    await hub?.close();
  });

  it('delivers INSERT, UPDATE and DELETE of public.entities to the owner only, shaped as Supabase sends them', async () => {
    const seenA: Change[] = [];
    const seenB: Change[] = [];
    await subscribed(
      a
        .channel('entities-a')
        .on('postgres_changes', { event: '*', schema: 'public', table: 'entities' }, (p) => seenA.push(asChange(p))),
    );
    await subscribed(
      b
        .channel('entities-b')
        .on('postgres_changes', { event: '*', schema: 'public', table: 'entities' }, (p) => seenB.push(asChange(p))),
    );

    const created = await api(hub, alice.accessToken, 'POST', '/api/v1/entities', {
      type: 'note',
      title: 'hello realtime',
    });
    const insert = await waitFor('INSERT', () =>
      seenA.find((p) => p.eventType === 'INSERT' && p.new.id === created.id),
    );
    expect(insert).toMatchObject({ schema: 'public', table: 'entities', eventType: 'INSERT', errors: null, old: {} });
    expect(insert.new).toMatchObject({
      id: created.id,
      owner_id: alice.id,
      type: 'note',
      title: 'hello realtime',
      version: 1,
      properties: {},
    });
    expect(Date.parse(insert.commit_timestamp)).toBeGreaterThan(Date.now() - 60_000);

    await api(hub, alice.accessToken, 'PATCH', `/api/v1/entities/${String(created.id)}`, {
      version: 1,
      title: 'renamed',
    });
    const update = await waitFor('UPDATE', () => seenA.find((p) => p.eventType === 'UPDATE'));
    expect(update.new).toMatchObject({ id: created.id, title: 'renamed', version: 2 });
    expect(update.old).toEqual({ id: created.id });

    await api(hub, alice.accessToken, 'DELETE', `/api/v1/entities/${String(created.id)}`);
    const del = await waitFor('DELETE', () => seenA.find((p) => p.eventType === 'DELETE'));
    expect(del.old).toMatchObject({ id: created.id, owner_id: alice.id });
    expect(del.new).toEqual({});

    const bobs = await api(hub, bob.accessToken, 'POST', '/api/v1/entities', { type: 'note', title: 'bob only' });
    await waitFor('bob INSERT', () => seenB.find((p) => p.new.id === bobs.id));
    await sleep(300);
    expect(seenB.every((p) => (p.new as Row).owner_id === bob.id || (p.old as Row).owner_id === bob.id)).toBe(true);
    expect(seenA.some((p) => p.new.id === bobs.id)).toBe(false);
    await a.removeAllChannels();
    await b.removeAllChannels();
  });

  it('applies eq filters and event kinds per binding', async () => {
    const titled: Change[] = [];
    const inserts: Change[] = [];
    await subscribed(
      a
        .channel('filtered')
        .on('postgres_changes', { event: '*', schema: 'public', table: 'entities', filter: 'title=eq.wanted' }, (p) =>
          titled.push(asChange(p)),
        )
        .on('postgres_changes', { event: 'INSERT', schema: 'public', table: 'entities', filter: 'type=eq.task' }, (p) =>
          inserts.push(asChange(p)),
        ),
    );
    await api(hub, alice.accessToken, 'POST', '/api/v1/entities', { type: 'note', title: 'unwanted' });
    const wanted = await api(hub, alice.accessToken, 'POST', '/api/v1/entities', { type: 'note', title: 'wanted' });
    const task = await api(hub, alice.accessToken, 'POST', '/api/v1/entities', { type: 'task', title: 'a task' });
    await api(hub, alice.accessToken, 'PATCH', `/api/v1/entities/${String(task.id)}`, {
      version: 1,
      title: 'still a task',
    });
    await waitFor('filtered', () => titled.length >= 1 && inserts.length >= 1);
    await sleep(400);
    expect(titled.map((p) => p.new.id)).toEqual([wanted.id]);
    expect(inserts.map((p) => [p.eventType, p.new.id])).toEqual([['INSERT', task.id]]);
    const bad = a
      .channel('bad-filter')
      .on(
        'postgres_changes',
        { event: '*', schema: 'public', table: 'entities', filter: 'nosuch=eq.1' },
        () => undefined,
      );
    await expect(subscribed(bad)).rejects.toThrow(/no column/);
    const badTable = a
      .channel('bad-table')
      .on('postgres_changes', { event: '*', schema: 'public', table: 'secrets' }, () => undefined);
    await expect(subscribed(badTable)).rejects.toThrow(/Unable to subscribe/);
    await a.removeAllChannels();
  });

  it('pushes a stored file as a file entity and as a notification on the private user channel', async () => {
    const files: Change[] = [];
    const notes: { event: string; payload: Row }[] = [];
    await subscribed(
      a
        .channel('files')
        .on('postgres_changes', { event: 'INSERT', schema: 'public', table: 'entities', filter: 'type=eq.file' }, (p) =>
          files.push(asChange(p)),
        ),
    );
    await subscribed(
      a
        .channel(`user:${alice.id}`, { config: { private: true } })
        .on('broadcast', { event: '*' }, (m) => notes.push(m as never)),
    );
    const intruder = b
      .channel(`user:${alice.id}`, { config: { private: true } })
      .on('broadcast', { event: '*' }, () => undefined);
    await expect(subscribed(intruder)).rejects.toThrow(/Unauthorized/);

    await a.storage.createBucket('rt-files');
    expect(
      (await a.storage.from('rt-files').upload('doc.txt', Buffer.from('hi'), { contentType: 'text/plain' })).error,
    ).toBeNull();
    const file = await waitFor('file entity', () => files[0]);
    expect(file.new).toMatchObject({
      type: 'file',
      title: 'doc.txt',
      owner_id: alice.id,
      properties: { storageKey: 'rt-files/doc.txt', sizeBytes: 2 },
    });
    const note = await waitFor('notification', () => notes.find((n) => n.event === 'storage.ObjectStored'));
    expect(note.payload).toMatchObject({ bucketId: 'rt-files', name: 'doc.txt', size: 2 });
    // A client broadcast (vsn 2.0.0 binary push) reaches the user's other sockets on the topic.
    const second = await signedInClient(url, anonKeyOf(hub), alice);
    const heard: { event: string; payload: Row }[] = [];
    await subscribed(
      second
        .channel(`user:${alice.id}`, { config: { private: true } })
        .on('broadcast', { event: 'ping' }, (m) => heard.push(m as never)),
    );
    const sent = await a
      .getChannels()
      .find((c) => c.topic === `realtime:user:${alice.id}`)!
      .send({ type: 'broadcast', event: 'ping', payload: { n: 1 } });
    expect(sent).toBe('ok');
    expect((await waitFor('client broadcast', () => heard[0])).payload).toEqual({ n: 1 });
    await second.removeAllChannels();
    const module = hub.modules.find((m) => m.name === 'realtime') as unknown as {
      service: { notify: (u: string, e: string, p: Row) => number };
    };
    expect(module.service.notify(alice.id, 'hello', { text: 'direct' })).toBe(1);
    await waitFor('direct notification', () => notes.find((n) => n.event === 'hello'));
    await a.removeAllChannels();
    await b.removeAllChannels();
  });

  it("decides every event with the channel's current token, refreshed on the open socket", async () => {
    const socket = await RawSocket.open(url, anonKeyOf(hub));
    const topic = 'realtime:swap';
    const join = socket.push(topic, 'phx_join', {
      config: {
        broadcast: { self: false },
        presence: { enabled: false },
        postgres_changes: [{ event: '*', schema: 'public', table: 'entities' }],
      },
      access_token: alice.accessToken,
    });
    const joined = await socket.reply(join);
    expect(joined).toMatchObject({
      status: 'ok',
      response: { postgres_changes: [{ event: '*', schema: 'public', table: 'entities' }] },
    });
    const first = await api(hub, alice.accessToken, 'POST', '/api/v1/entities', { type: 'note', title: 'as alice' });
    await waitFor('alice change', () => socket.changes(topic).find((c) => c.record.id === first.id));

    const swap = socket.push(topic, 'access_token', { access_token: bob.accessToken });
    expect(await socket.reply(swap)).toMatchObject({ status: 'ok' });
    const hidden = await api(hub, alice.accessToken, 'POST', '/api/v1/entities', {
      type: 'note',
      title: 'alice again',
    });
    const bobs = await api(hub, bob.accessToken, 'POST', '/api/v1/entities', { type: 'note', title: 'as bob' });
    await waitFor('bob change', () => socket.changes(topic).find((c) => c.record.id === bobs.id));
    expect(socket.changes(topic).some((c) => c.record.id === hidden.id)).toBe(false);

    // A token that expires while the channel is open ends the channel, with a reason.
    const shortLived = await signToken(bob, 2);
    expect(await socket.reply(socket.push(topic, 'access_token', { access_token: shortLived }))).toMatchObject({
      status: 'ok',
    });
    await sleep(2_200);
    const late = await api(hub, bob.accessToken, 'POST', '/api/v1/entities', { type: 'note', title: 'too late' });
    await waitFor('expiry', () => socket.messages.find((m) => m.topic === topic && m.event === 'phx_close'));
    expect(
      socket.messages.find((m) => m.topic === topic && m.event === 'system' && m.payload.status === 'error')?.payload
        .message,
    ).toMatch(/expired/);
    await sleep(300);
    expect(socket.changes(topic).some((c) => c.record.id === late.id)).toBe(false);
    socket.close();
  });

  it('closes a joined channel once its session ends (logout), and the ended token cannot join again', async () => {
    const carol = await signUpUser(hub);
    const socket = await RawSocket.open(url, anonKeyOf(hub));
    const topic = 'realtime:carol-changes';
    const join = socket.push(topic, 'phx_join', {
      config: { postgres_changes: [{ event: '*', schema: 'public', table: 'entities' }] },
      access_token: carol.accessToken,
    });
    expect(await socket.reply(join)).toMatchObject({ status: 'ok' });
    await api(hub, carol.accessToken, 'POST', '/api/v1/entities', { type: 'note', title: 'before logout' });
    await waitFor('the change before logout', () => socket.changes(topic).length > 0);

    const logout = await hub.app.inject({
      method: 'POST',
      url: '/auth/v1/logout?scope=global',
      headers: { authorization: `Bearer ${carol.accessToken}`, apikey: anonKeyOf(hub) },
    });
    expect(logout.statusCode, logout.body).toBe(204);
    const closed = await waitFor('the channel to close', () =>
      socket.messages.find((m) => m.topic === topic && m.event === 'system' && m.payload.status === 'error'),
    );
    expect(closed.payload).toMatchObject({ status: 'error', message: 'The session has ended: sign in again.' });
    await waitFor('phx_close', () => socket.messages.find((m) => m.topic === topic && m.event === 'phx_close'));
    const again = socket.push(topic, 'phx_join', { config: {}, access_token: carol.accessToken });
    expect(await socket.reply(again)).toMatchObject({ status: 'error' });
    socket.close();
  });

  it('refuses expired tokens and malformed messages with clear errors, and the socket keeps working', async () => {
    const socket = await RawSocket.open(url, anonKeyOf(hub));
    const expired = await signToken(alice, -10);
    const join = socket.push('realtime:late', 'phx_join', { config: { postgres_changes: [] }, access_token: expired });
    expect(await socket.reply(join)).toMatchObject({
      status: 'error',
      response: { reason: expect.stringMatching(/expired/) },
    });
    const forged = socket.push('realtime:forged', 'phx_join', {
      config: {},
      access_token: `${alice.accessToken.slice(0, -4)}AAAA`,
    });
    expect(await socket.reply(forged)).toMatchObject({ status: 'error' });

    socket.sendRaw('this is not json');
    socket.sendRaw('[1,2,3]');
    socket.sendRaw(JSON.stringify({ topic: 42, event: 'phx_join', payload: {}, ref: '900' }));
    socket.sendRaw(JSON.stringify({ topic: 'realtime:x', event: 'phx_join', payload: 'nope', ref: '901' }));
    await waitFor(
      'four error replies',
      () =>
        socket.messages.filter((m) => m.event === 'phx_reply' && (m.payload as { status: string }).status === 'error')
          .length >= 6 && true,
    );
    expect(await socket.reply('901')).toMatchObject({
      status: 'error',
      response: { reason: expect.stringMatching(/payload/) },
    });
    const stray = socket.push('realtime:never-joined', 'broadcast', { type: 'broadcast', event: 'x', payload: {} });
    expect(await socket.reply(stray)).toMatchObject({
      status: 'error',
      response: { reason: expect.stringMatching(/unmatched topic/) },
    });
    const badConfig = socket.push('realtime:cfg', 'phx_join', {
      config: { postgres_changes: [{ event: 'TRUNCATE', schema: 'public' }] },
      access_token: alice.accessToken,
    });
    expect(await socket.reply(badConfig)).toMatchObject({ status: 'error' });

    const beat = socket.push('phoenix', 'heartbeat', {});
    expect(await socket.reply(beat)).toEqual({ status: 'ok', response: {} });
    const ok = socket.push('realtime:fine', 'phx_join', { config: {}, access_token: alice.accessToken });
    expect(await socket.reply(ok)).toMatchObject({ status: 'ok' });
    const leave = socket.push('realtime:fine', 'phx_leave', {});
    expect(await socket.reply(leave)).toMatchObject({ status: 'ok' });
    expect(socket.ws.readyState).toBe(WebSocket.OPEN);
    socket.close();

    const refused = await new Promise<number>((resolve) => {
      const ws = new WebSocket(`${url.replace('http', 'ws')}/realtime/v1/websocket?vsn=2.0.0`);
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('open', () => resolve(101));
    });
    expect(refused).toBe(401);
    const badVsn = await new Promise<number>((resolve) => {
      const ws = new WebSocket(`${url.replace('http', 'ws')}/realtime/v1/websocket?vsn=9&apikey=${anonKeyOf(hub)}`);
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('open', () => resolve(101));
    });
    expect(badVsn).toBe(400);
    const health = await hub.app.inject({ method: 'GET', url: '/health' });
    expect(health.json().checks.realtime.status).toBe('ok');
  });
  it('answers upgrade requests it cannot take, instead of ending the process or holding the socket open', async () => {
    const { port } = new URL(url);
    /** The status line of the answer to a raw websocket upgrade of `target`, or why there was none. */
    const upgrade = (target: string) =>
      new Promise<string>((resolve) => {
        const socket = connect(Number(port), '127.0.0.1');
        let answer = '';
        // Generous for a loaded machine: it reports a socket left hanging, it times nothing.
        const timer = setTimeout(() => {
          socket.destroy();
          resolve('no answer');
        }, 20_000);
        socket.on('data', (chunk) => {
          answer += chunk.toString();
          // An accepted upgrade stays open: its status line is the answer.
          if (answer.includes('\r\n')) socket.destroy();
        });
        socket.on('error', () => undefined);
        socket.on('close', () => {
          clearTimeout(timer);
          resolve(answer.split('\r\n')[0] || 'closed without an answer');
        });
        socket.write(
          `GET ${target} HTTP/1.1\r\nHost: hub\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
            'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
        );
      });

    // A request target that is no URL once threw in the upgrade listener: an uncaught exception.
    expect(await upgrade('//x:99999/realtime/v1/websocket')).toBe('HTTP/1.1 400 Bad Request');
    expect(await upgrade('/api/v1/entities')).toBe('HTTP/1.1 404 Not Found');
    expect(await upgrade(`/realtime/v1/websocket?vsn=2.0.0&apikey=${anonKeyOf(hub)}`)).toBe(
      'HTTP/1.1 101 Switching Protocols',
    );
    expect((await fetch(`${url}/health`)).status).toBe(200);
  });
});

const natsAvailable = existsSync('/usr/sbin/nats-server');

describe.runIf(postgresTestsRequired() && natsAvailable)('realtime across two hub instances on one NATS', () => {
  let nats: NatsServer;
  let database: TestDatabase;
  const hubs: Hub[] = [];

  beforeAll(async () => {
    nats = await startNatsServer();
    database = await createTestDatabase('postgres');
    for (const _ of [0, 1]) {
      const db =
        hubs.length === 0
          ? database.db
          : await connectPostgres({ url: database.url!, logger: createLogger('silent'), poolSize: 5 });
      const config = loadConfig({
        ...env,
        DATA_DIR: mkdtempSync(join(tmpdir(), 'made-open-rt-')),
        LOG_LEVEL: 'silent',
        PORT: '0',
        NATS_URL: nats.url,
      });
      hubs.push(await composeHub(config, createLogger('silent'), db));
    }
  });
  afterAll(async () => {
    for (const hub of hubs.slice(1)) await hub.close().catch(() => undefined);
    await hubs[0]?.app.close().catch(() => undefined);
    for (const module of [...(hubs[0]?.modules ?? [])].reverse()) await module.stop?.().catch(() => undefined);
    await database?.drop();
    await nats?.stop();
  });

  it('delivers a change written through instance A to a client connected to instance B', async () => {
    const [hubA, hubB] = hubs as [Hub, Hub];
    const urlB = await listen(hubB.app);
    const alice = await signUpUser(hubA);
    const client = await signedInClient(urlB, anonKeyOf(hubA), alice);
    const seen: Change[] = [];
    await subscribed(
      client
        .channel('cross')
        .on('postgres_changes', { event: 'INSERT', schema: 'public', table: 'entities' }, (p) =>
          seen.push(asChange(p)),
        ),
    );
    const created = await api(hubA, alice.accessToken, 'POST', '/api/v1/entities', { type: 'note', title: 'from A' });
    const change = await waitFor('change on B', () => seen.find((p) => p.new.id === created.id), 15_000);
    expect(change.new).toMatchObject({ title: 'from A', owner_id: alice.id });
    await client.removeAllChannels();
  });
});
