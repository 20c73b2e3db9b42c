import type { SupabaseClient } from '@supabase/supabase-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabaseKinds } from '../../../test/databases.ts';
import { createTestHub, type TestHub } from '../../../test/hub.ts';
import { bearer, signUpUser, type SignedUpUser } from '../../../test/users.ts';
import { MAX_PRESENCE_BYTES } from './realtime.presence.ts';
import {
  anonKeyOf,
  listen,
  presenceChannel,
  RawSocket,
  realtimeClient,
  seen,
  sleep,
  subscribed,
  waitFor,
  type Left,
  type Row,
} from './test/support.ts';

/**
 * Presence as supabase-js uses it (`track`, `untrack`, `presenceState()`, the sync, join and
 * leave events), over real sockets. Public channels: anyone who joined may track; private
 * channels: receiving needs read and tracking needs write (made_open.realtime_authorize).
 */
const env = { AUTH_RATE_LIMIT_SIGNUP_PER_HOUR: '10000', AUTH_RATE_LIMIT_TOKEN_PER_MINUTE: '10000' };

describe.each(testDatabaseKinds())('realtime presence on %s', (kind) => {
  let hub: TestHub;
  let url: string;
  let alice: SignedUpUser;
  let carol: SignedUpUser;
  const clients: SupabaseClient[] = [];
  const client = async (user?: SignedUpUser) => {
    const c = await realtimeClient(url, anonKeyOf(hub), user);
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    hub = await createTestHub(kind, env);
    url = await listen(hub.app);
    [alice, carol] = [await signUpUser(hub), await signUpUser(hub)];
  }, 120_000);
  afterAll(async () => {
    for (const c of clients) await c.removeAllChannels();
    await hub?.close();
  }, 120_000);

  it('tracks, updates and untracks; everyone on the topic sees it; a channel that goes leaves', async () => {
    const [ada, bob] = [await client(alice), await client()];
    const left: Left[] = [];
    const adaChannel = await subscribed(presenceChannel(ada, 'room:lobby', 'ada', left));
    const bobChannel = await subscribed(presenceChannel(bob, 'room:lobby', 'bob'));
    expect(await adaChannel.track({ status: 'online' })).toBe('ok');
    expect(await bobChannel.track({ status: 'away', phx_ref: 'forged' })).toBe('ok');
    const both = { ada: [{ status: 'online' }], bob: [{ status: 'away' }] };
    await waitFor('both present for Ada', () => JSON.stringify(seen(adaChannel)) === JSON.stringify(both));
    await waitFor('both present for Bob', () => JSON.stringify(seen(bobChannel)) === JSON.stringify(both));
    // The client's phx_ref is not the server's reference.
    expect(JSON.stringify(adaChannel.presenceState())).not.toContain('forged');

    // Tracking again replaces the presence (one meta per channel), seen by the others.
    expect(await bobChannel.track({ status: 'busy' })).toBe('ok');
    await waitFor('Bob busy', () => seen(adaChannel).bob?.[0]?.status === 'busy');
    expect(seen(adaChannel).bob).toEqual([{ status: 'busy' }]);

    expect(await bobChannel.untrack()).toBe('ok');
    await waitFor('Bob gone after untrack', () => !seen(adaChannel).bob);
    expect(left.at(-1)).toMatchObject({ key: 'bob', leftPresences: [{ status: 'busy' }] });

    // A late joiner gets the whole state at once.
    const late = await subscribed(presenceChannel(await client(), 'room:lobby', 'late'));
    await waitFor('the late joiner sees Ada', () => seen(late).ada?.[0]?.status === 'online');

    // Leaving the channel, and a socket that closes, both leave the presence.
    expect(await bobChannel.track({ status: 'back' })).toBe('ok');
    await waitFor('Bob back', () => seen(adaChannel).bob?.[0]?.status === 'back');
    await bob.removeChannel(bobChannel);
    await waitFor('Bob gone after leaving', () => !seen(adaChannel).bob);
    expect(await late.track({ status: 'here' })).toBe('ok');
    await waitFor('late here', () => seen(adaChannel).late);
    late.socket.disconnect();
    await waitFor('late gone with its socket', () => !seen(adaChannel).late);
    expect(Object.keys(seen(adaChannel))).toEqual(['ada']);
  });

  it('gives a channel with no key a UUID, and starts presence for a channel that joined without listeners', async () => {
    const watcher = await subscribed(presenceChannel(await client(), 'room:keys', 'watcher'));
    const plain = await subscribed((await client()).channel('room:keys'));
    expect(await plain.track({ n: 1 })).toBe('ok');
    const keys = await waitFor('the keyless presence', () => {
      const found = Object.keys(seen(watcher)).filter((k) => k !== 'watcher');
      return found.length === 1 ? found : undefined;
    });
    expect(keys[0]).toMatch(/^[0-9a-f-]{36}$/);
    await waitFor('the tracking channel has the state too', () => seen(plain)[keys[0]!]?.[0]?.n === 1);
  });

  it('refuses bad presence pushes plainly, and keeps the socket', async () => {
    const raw = await RawSocket.open(url, anonKeyOf(hub));
    const topic = 'realtime:room:raw';
    expect((await raw.reply(raw.push(topic, 'phx_join', { config: { presence: { enabled: true } } }))).status).toBe(
      'ok',
    );
    const refused = async (payload: Row) => (await raw.reply(raw.push(topic, 'presence', payload))).status;
    expect(await refused({ type: 'presence', event: 'dance' })).toBe('error');
    expect(await refused({ type: 'broadcast', event: 'track', payload: {} })).toBe('error');
    expect(await refused({ type: 'presence', event: 'track', payload: ['not', 'an', 'object'] })).toBe('error');
    expect(await refused({ type: 'presence', event: 'track', payload: { big: 'x'.repeat(MAX_PRESENCE_BYTES) } })).toBe(
      'error',
    );
    expect(await refused({ type: 'presence', event: 'untrack' })).toBe('ok');
    expect(await refused({ type: 'presence', event: 'track', payload: { ok: true } })).toBe('ok');
    await waitFor('its own join in a diff', () =>
      raw.messages.find((m) => m.event === 'presence_diff' && JSON.stringify(m.payload).includes('"ok":true')),
    );
    expect(raw.messages.filter((m) => m.event === 'presence_state')).toHaveLength(1);
    raw.close();
  });

  it('private channels: read to see who is there, write to be there; public and private never mix', async () => {
    const topic = `user:${alice.id}:presence`;
    const grant = (read: boolean, write: boolean) =>
      hub.app.inject({
        method: 'PUT',
        url: `/api/v1/realtime/topics/${topic}/grants/${carol.id}`,
        headers: bearer(alice),
        payload: { read, write },
      });
    expect((await grant(true, false)).statusCode).toBe(200);
    const owner = await subscribed(presenceChannel(await client(alice), topic, 'alice', [], true));
    const guest = await subscribed(presenceChannel(await client(carol), topic, 'carol', [], true));
    const outsider = await subscribed(presenceChannel(await client(), topic, 'outsider'));
    expect(await owner.track({ at: 'desk' })).toBe('ok');
    await waitFor('the guest sees the owner', () => seen(guest).alice?.[0]?.at === 'desk');
    expect(await guest.track({ at: 'door' })).toBe('error');
    expect(await outsider.track({ at: 'public' })).toBe('ok');

    expect((await grant(true, true)).statusCode).toBe(200);
    // A grant change re-checks open channels on this instance: the guest's track is then taken.
    let tracked = await guest.track({ at: 'door' });
    for (let tries = 0; tracked !== 'ok' && tries < 50; tries++) {
      await sleep(100);
      tracked = await guest.track({ at: 'door' });
    }
    expect(tracked).toBe('ok');
    await waitFor('the owner sees the guest', () => seen(owner).carol?.[0]?.at === 'door');
    expect(seen(owner)).toEqual({ alice: [{ at: 'desk' }], carol: [{ at: 'door' }] });
    expect(seen(outsider)).toEqual({ outsider: [{ at: 'public' }] });
    // Write taken back: the guest still sees who is there, but is no longer there.
    expect((await grant(true, false)).statusCode).toBe(200);
    await waitFor('the guest left', () => !seen(owner).carol);
    expect(seen(guest)).toEqual({ alice: [{ at: 'desk' }] });
  });
});
