import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import type { RealtimeChannel, SupabaseClient } from '@supabase/supabase-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { composeHub, type Hub } from '../../composition.ts';
import { loadConfig } from '../../platform/config.ts';
import { connectPostgres } from '../../platform/db/postgres.ts';
import { createLogger } from '../../platform/logger.ts';
import { createTestDatabase, postgresTestsRequired, type TestDatabase } from '../../../test/databases.ts';
import { bearer, signUpUser, type SignedUpUser } from '../../../test/users.ts';
import { startNatsServer, type NatsServer } from '../events/test/support.ts';
import { broadcastSubject } from './realtime.cluster.ts';
import { MAX_BROADCAST_FRAME_BYTES } from './realtime.protocol.ts';
import {
  anonKeyOf,
  listen,
  presenceChannel,
  realtimeClient,
  seen,
  subscribed,
  waitFor,
  type Left,
  type Row,
} from './test/support.ts';

/**
 * Broadcast and presence across hub instances (realtime.cluster.ts, ADR 0032): hubs on one
 * PostgreSQL database and one nats-server (a private one, as the events tests use, under a
 * subject prefix of this run's own), real supabase-js clients on each.
 * "Receives nothing" is never a sleep: a later broadcast from the same instance (a sentinel)
 * is awaited instead. One instance's relays reach another in the order they were sent (one
 * NATS connection each), and the hub writes to each socket in order.
 */
// One JWT secret for every instance: a token from one verifies on the others.
const env = {
  AUTH_RATE_LIMIT_SIGNUP_PER_HOUR: '10000',
  AUTH_RATE_LIMIT_TOKEN_PER_MINUTE: '10000',
  SUPABASE_JWT_SECRET: 'realtime-cluster-secret-0123456789abcdefghijk',
};
const heartbeatMs = 300;
const prefix = `test-realtime-${randomBytes(4).toString('hex')}`;
type Heard = { event: string; payload: Row };

function listenOn(
  client: SupabaseClient,
  topic: string,
  heard: Heard[],
  config: { private?: boolean; self?: boolean; ack?: boolean } = {},
) {
  return client
    .channel(topic, {
      config: { private: config.private ?? false, broadcast: { self: config.self ?? false, ack: config.ack ?? false } },
    })
    .on('broadcast', { event: '*' }, (m) => heard.push(m as unknown as Heard));
}

const events = (heard: Heard[]) => heard.map((m) => m.event);

// Two instances need a shared database server and bus: PostgreSQL and a private nats-server.
describe.runIf(postgresTestsRequired())('realtime broadcast and presence across hub instances', () => {
  let nats: NatsServer;
  let database: TestDatabase;
  const hubs: Hub[] = [];
  const urls: string[] = [];
  const clients: SupabaseClient[] = [];
  let alice: SignedUpUser;
  let bob: SignedUpUser;
  let carol: SignedUpUser;

  async function startHub(): Promise<{ hub: Hub; url: string }> {
    const db = await connectPostgres({ url: database.url!, logger: createLogger('silent'), poolSize: 5 });
    const config = loadConfig({
      ...env,
      DATA_DIR: mkdtempSync(join(tmpdir(), 'made-open-rt-cluster-')),
      LOG_LEVEL: 'silent',
      PORT: '0',
      NATS_URL: nats.url,
    });
    const hub = await composeHub(config, createLogger('silent'), db, { realtime: { prefix, heartbeatMs } });
    return { hub, url: await listen(hub.app) };
  }
  /** A supabase-js client on instance `i` (0 is A, 1 is B). */
  const client = async (i: number, user?: SignedUpUser) => {
    const c = await realtimeClient(urls[i]!, anonKeyOf(hubs[0]!), user);
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    expect(existsSync('/usr/sbin/nats-server'), 'these tests need /usr/sbin/nats-server').toBe(true);
    nats = await startNatsServer();
    database = await createTestDatabase('postgres');
    for (const _ of [0, 1]) {
      const { hub, url } = await startHub();
      hubs.push(hub);
      urls.push(url);
    }
    [alice, bob, carol] = [await signUpUser(hubs[0]!), await signUpUser(hubs[0]!), await signUpUser(hubs[0]!)];
  }, 120_000);
  afterAll(async () => {
    for (const c of clients) await c.removeAllChannels().catch(() => undefined);
    for (const hub of hubs) await hub.close().catch(() => undefined);
    await database?.drop();
    await nats?.destroy();
  }, 120_000);

  it('names subjects by visibility and a hash of the topic: no topic adds tokens or wildcards', () => {
    for (const topic of ['realtime:room', 'realtime:a.b', 'realtime:*', 'realtime:>', 'realtime:a b', 'realtime:a.>'])
      for (const visibility of ['public', 'private']) {
        const subject = broadcastSubject(prefix, `${visibility}|${topic}`);
        const tokens = subject.split('.');
        expect(tokens.slice(0, -1)).toEqual([...prefix.split('.'), 'broadcast', visibility]);
        expect(tokens.at(-1)).toMatch(/^[A-Za-z0-9_-]{43}$/);
      }
    expect(broadcastSubject(prefix, 'public|realtime:a')).not.toBe(broadcastSubject(prefix, 'private|realtime:a'));
  });

  it('relays a broadcast to every subscriber on every instance exactly once; self and ack as before', async () => {
    const [onA, otherA, onB]: [Heard[], Heard[], Heard[]] = [[], [], []];
    const sender = await subscribed(listenOn(await client(0), 'room:relay', onA, { self: true, ack: true }));
    await subscribed(listenOn(await client(0), 'room:relay', otherA));
    await subscribed(listenOn(await client(1), 'room:relay', onB));
    const silentSender: Heard[] = [];
    const quiet = await subscribed(listenOn(await client(0), 'room:relay', silentSender));

    expect(await sender.send({ type: 'broadcast', event: 'one', payload: { n: 1 } })).toBe('ok');
    expect(await quiet.send({ type: 'broadcast', event: 'two', payload: { n: 2 } })).toBe('ok');
    // Sentinels: one from A (a copy A relayed twice would reach B before it), then one from B
    // (sent once B has A's, so a relay A heard back from NATS would reach A before it).
    const backA = await subscribed(listenOn(await client(0), 'room:relay', []));
    const backB = await subscribed(listenOn(await client(1), 'room:relay', []));
    expect(await backA.send({ type: 'broadcast', event: 'endA', payload: {} })).toBe('ok');
    await waitFor('the A sentinel on B', () => onB.at(-1)?.event === 'endA');
    expect(await backB.send({ type: 'broadcast', event: 'endB', payload: {} })).toBe('ok');
    for (const heard of [onA, otherA, silentSender, onB])
      await waitFor('the B sentinel', () => heard.at(-1)?.event === 'endB');
    expect(events(onA)).toEqual(['one', 'two', 'endA', 'endB']); // broadcast.self: its own, once
    expect(events(otherA)).toEqual(['one', 'two', 'endA', 'endB']);
    expect(events(onB)).toEqual(['one', 'two', 'endA', 'endB']);
    expect(events(silentSender)).toEqual(['one', 'endA', 'endB']); // no self: not its own 'two'
    expect(onB[0]!.payload).toMatchObject({ n: 1 });
  });

  it('a broadcast up to the size limit reaches the other instance; a larger one is refused and reaches no one', async () => {
    const [onA, onB]: [Heard[], Heard[]] = [[], []];
    const sender = await subscribed(listenOn(await client(0), 'room:sizes', [], { ack: true }));
    await subscribed(listenOn(await client(0), 'room:sizes', onA));
    await subscribed(listenOn(await client(1), 'room:sizes', onB));
    // Frame overhead (topic, refs, event) stays under 1 KiB.
    const fits = 'x'.repeat(MAX_BROADCAST_FRAME_BYTES - 1024);
    const tooBig = 'x'.repeat(MAX_BROADCAST_FRAME_BYTES);
    expect(await sender.send({ type: 'broadcast', event: 'fits', payload: { s: fits } })).toBe('ok');
    expect(await sender.send({ type: 'broadcast', event: 'too-big', payload: { s: tooBig } })).toBe('error');
    expect(await sender.send({ type: 'broadcast', event: 'end', payload: {} })).toBe('ok');
    for (const heard of [onA, onB]) await waitFor('the sentinel', () => heard.at(-1)?.event === 'end');
    expect(events(onA)).toEqual(['fits', 'end']);
    expect(events(onB)).toEqual(['fits', 'end']);
    expect((onB[0]!.payload as { s: string }).s).toHaveLength(fits.length);
  });

  it('private channels: read and write grants hold across instances, and public and private never cross', async () => {
    const topic = `user:${alice.id}:cluster`;
    const grant = (user: SignedUpUser, read: boolean, write: boolean) =>
      hubs[0]!.app.inject({
        method: 'PUT',
        url: `/api/v1/realtime/topics/${topic}/grants/${user.id}`,
        headers: bearer(alice),
        payload: { read, write },
      });
    expect((await grant(bob, true, false)).statusCode).toBe(200);
    const [ownerHeard, guestHeard, carolPublicHeard, ownerPublicHeard]: [Heard[], Heard[], Heard[], Heard[]] = [
      [],
      [],
      [],
      [],
    ];
    const owner = await subscribed(listenOn(await client(0, alice), topic, ownerHeard, { private: true }));
    const ownerPublic = await subscribed(listenOn(await client(0, alice), topic, ownerPublicHeard));
    await subscribed(listenOn(await client(1, bob), topic, guestHeard, { private: true }));
    const bobPrivate = (await client(1, bob)).channel(topic, { config: { private: true } });
    await subscribed(bobPrivate);
    const bobPublic = await subscribed(listenOn(await client(1, bob), topic, []));
    // Carol has no grant: refused on B, as on A; her public channel of the same name is another channel.
    const carolClient = await client(1, carol);
    const refused = carolClient.channel(topic, { config: { private: true } });
    await expect(subscribed(refused)).rejects.toThrow('Unauthorized');
    await carolClient.removeChannel(refused);
    await subscribed(listenOn(carolClient, topic, carolPublicHeard));

    // The owner (A) sends privately: the guest on B gets it; the public listeners on B do not.
    expect(await owner.send({ type: 'broadcast', event: 'secret', payload: { s: 1 } })).toBe('ok');
    expect(await ownerPublic.send({ type: 'broadcast', event: 'open', payload: {} })).toBe('ok');
    await waitFor('the guest heard the secret', () => guestHeard.some((m) => m.event === 'secret'));
    await waitFor('the public sentinel on B', () => carolPublicHeard.some((m) => m.event === 'open'));
    expect(events(carolPublicHeard)).toEqual(['open']);
    expect(events(guestHeard)).toEqual(['secret']);

    // The guest (B) has read only: its private send is dropped, on A too; its public send crosses.
    await bobPrivate.send({ type: 'broadcast', event: 'forged', payload: {} });
    expect(await bobPublic.send({ type: 'broadcast', event: 'after', payload: {} })).toBe('ok');
    await waitFor('the public sentinel on A', () => ownerPublicHeard.some((m) => m.event === 'after'));
    expect(events(ownerPublicHeard)).toEqual(['after']);
    expect(events(ownerHeard)).toEqual([]);

    // Write granted through B (a grant change re-checks the open channels of the instance that
    // made it): the database gives the guest's channel on B write, and its private send reaches A.
    const granted = await hubs[1]!.app.inject({
      method: 'PUT',
      url: `/api/v1/realtime/topics/${topic}/grants/${bob.id}`,
      headers: bearer(alice),
      payload: { read: true, write: true },
    });
    expect(granted.statusCode).toBe(200);
    await bobPrivate.send({ type: 'broadcast', event: 'written', payload: { w: 1 } });
    await waitFor('the owner on A heard the guest', () => ownerHeard.find((m) => m.event === 'written'));
    expect(events(ownerHeard)).toEqual(['written']);
    expect(events(carolPublicHeard)).toEqual(['open', 'after']);
  });

  it('shows presence tracked on A in B (state, sync, leave) and B in A; untrack and leaving remove it', async () => {
    const topic = 'room:lobby';
    const [leftOnB, leftOnA]: [Left[], Left[]] = [[], []];
    const ada = await subscribed(presenceChannel(await client(0, alice), topic, 'ada', leftOnA));
    const bee = await subscribed(presenceChannel(await client(1), topic, 'bee', leftOnB));
    expect(await ada.track({ status: 'online' })).toBe('ok');
    await waitFor('B sees Ada', () => seen(bee).ada?.[0]?.status === 'online');
    expect(await bee.track({ status: 'away' })).toBe('ok');
    const both = { ada: [{ status: 'online' }], bee: [{ status: 'away' }] };
    await waitFor('A sees both', () => JSON.stringify(seen(ada)) === JSON.stringify(both));
    await waitFor('B sees both', () => JSON.stringify(seen(bee)) === JSON.stringify(both));

    // Tracking again on A replaces it on B (the leave-then-join diffs travel in order).
    expect(await ada.track({ status: 'busy' })).toBe('ok');
    await waitFor('B sees Ada busy', () => seen(bee).ada?.[0]?.status === 'busy');
    expect(seen(bee).ada).toEqual([{ status: 'busy' }]);

    // A late joiner on B gets everyone's presence at once, A's included.
    const late = await subscribed(presenceChannel(await client(1), topic, 'late'));
    await waitFor('the late joiner sees Ada and Bee', () => seen(late).ada && seen(late).bee);
    expect(seen(late)).toEqual({ ada: [{ status: 'busy' }], bee: [{ status: 'away' }] });

    expect(await ada.untrack()).toBe('ok');
    await waitFor('Ada gone on B after untrack', () => !seen(bee).ada);
    expect(leftOnB.at(-1)).toMatchObject({ key: 'ada', leftPresences: [{ status: 'busy' }] });
    expect(await ada.track({ status: 'back' })).toBe('ok');
    await waitFor('Ada back on B', () => seen(bee).ada?.[0]?.status === 'back');
    const adaClient = clients.find((c) => c.getChannels().includes(ada))!;
    await adaClient.removeChannel(ada);
    await waitFor('Ada gone on B after leaving', () => !seen(bee).ada && !seen(late).ada);
    await bee.untrack();
    await waitFor('Bee gone on A', () => Object.keys(seen(late)).length === 0);
  });

  it('private presence across instances: read to see (on B), write to be there (checked where the socket is)', async () => {
    const topic = `user:${alice.id}:presence-cluster`;
    const put = await hubs[0]!.app.inject({
      method: 'PUT',
      url: `/api/v1/realtime/topics/${topic}/grants/${carol.id}`,
      headers: bearer(alice),
      payload: { read: true, write: false },
    });
    expect(put.statusCode).toBe(200);
    const owner = await subscribed(presenceChannel(await client(0, alice), topic, 'alice', [], true));
    const guest = await subscribed(presenceChannel(await client(1, carol), topic, 'carol', [], true));
    const outsider = await subscribed(presenceChannel(await client(1), topic, 'outsider'));
    expect(await owner.track({ at: 'desk' })).toBe('ok');
    expect(await guest.track({ at: 'door' })).toBe('error');
    expect(await outsider.track({ at: 'public' })).toBe('ok');
    await waitFor('the guest on B sees the owner on A', () => seen(guest).alice?.[0]?.at === 'desk');
    // A sentinel from B, after the public track there: the owner's phone, on the private channel.
    const phone = await subscribed(presenceChannel(await client(1, alice), topic, 'phone', [], true));
    expect(await phone.track({ at: 'pocket' })).toBe('ok');
    await waitFor('the owner on A sees the phone on B', () => seen(owner).phone?.[0]?.at === 'pocket');
    const everyone = { alice: [{ at: 'desk' }], phone: [{ at: 'pocket' }] };
    expect(seen(owner)).toEqual(everyone);
    await waitFor('the guest sees the phone', () => seen(guest).phone);
    expect(seen(guest)).toEqual(everyone);
    expect(seen(outsider)).toEqual({ outsider: [{ at: 'public' }] });
  });

  it('relays a hostile topic name (with ".", "*", ">" and spaces) only to that exact topic', async () => {
    const names = ['room.*', 'room.>', 'room.a', 'room', 'room *', '>', '*'];
    const heard = new Map<string, Heard[]>();
    const listener = await client(1);
    for (const name of names) {
      const list: Heard[] = [];
      heard.set(name, list);
      await subscribed(listenOn(listener, name, list));
    }
    const sender = await client(0);
    const senders = new Map<string, RealtimeChannel>();
    for (const name of names) senders.set(name, await subscribed(listenOn(sender, name, [])));
    expect(await senders.get('room.*')!.send({ type: 'broadcast', event: 'hostile', payload: {} })).toBe('ok');
    expect(await senders.get('>')!.send({ type: 'broadcast', event: 'hostile', payload: {} })).toBe('ok');
    // A sentinel on every topic, after the hostile ones: what crossed would have come first.
    for (const name of names)
      expect(await senders.get(name)!.send({ type: 'broadcast', event: 'end', payload: {} })).toBe('ok');
    for (const name of names) await waitFor(`the sentinel on ${name}`, () => heard.get(name)!.at(-1)?.event === 'end');
    for (const name of names)
      expect(events(heard.get(name)!), name).toEqual(name === 'room.*' || name === '>' ? ['hostile', 'end'] : ['end']);
  });

  it('removes a closed instance’s presences everywhere, with leave diffs; a new instance gets the others’ state', async () => {
    const topic = 'room:instances';
    const left: Left[] = [];
    const watcher = await subscribed(presenceChannel(await client(1), topic, 'watcher', left));
    expect(await watcher.track({ on: 'B' })).toBe('ok');
    // A third instance starts after B tracked: its clients see B's presence (it asked B for its state).
    const third = await startHub();
    const thirdClient = await realtimeClient(third.url, anonKeyOf(hubs[0]!));
    const visitor = await subscribed(presenceChannel(thirdClient, topic, 'visitor'));
    await waitFor('the new instance sees B', () => seen(visitor).watcher?.[0]?.on === 'B');
    expect(await visitor.track({ on: 'C' })).toBe('ok');
    await waitFor('B sees the third instance', () => seen(watcher).visitor?.[0]?.on === 'C');

    await third.hub.close();
    await waitFor('the closed instance’s presence is gone on B', () => !seen(watcher).visitor);
    expect(left.find((l) => l.key === 'visitor')).toMatchObject({ leftPresences: [{ on: 'C' }] });
    expect(seen(watcher)).toEqual({ watcher: [{ on: 'B' }] });
    thirdClient.realtime.disconnect();
  }, 60_000);

  it('removes a dead instance’s presences after its missed heartbeats', async () => {
    const topic = 'room:dead';
    const left: Left[] = [];
    const watcher = await subscribed(presenceChannel(await client(1), topic, 'watcher', left));
    // A stand-in instance that speaks the cluster's subjects, then stops (no goodbye), as a crashed hub would.
    const ghost: NatsConnection = await connect({ servers: nats.url });
    const id = `ghost${randomBytes(4).toString('hex')}`;
    const meta = { phx_ref: `${id}.1`, status: 'haunting' };
    ghost.subscribe(`${prefix}.state.${id}`, {
      callback: (_error, msg) =>
        void msg.respond(
          JSON.stringify({ i: id, s: 1, p: [{ topic: `public|realtime:${topic}`, key: 'ghost', meta }] }),
        ),
    });
    await ghost.flush();
    ghost.publish(`${prefix}.heartbeat`, JSON.stringify({ i: id, s: 1 }));
    await waitFor('B sees the ghost', () => seen(watcher).ghost?.[0]?.status === 'haunting');
    const seenAt = Date.now();
    await ghost.close();
    await waitFor('the ghost is gone on B', () => !seen(watcher).ghost, 10_000);
    // Not before its heartbeats were missed (3 × 300 ms), and with a leave diff.
    expect(Date.now() - seenAt).toBeGreaterThanOrEqual(heartbeatMs * 2);
    expect(left.find((l) => l.key === 'ghost')).toMatchObject({ leftPresences: [{ status: 'haunting' }] });
  });
});
