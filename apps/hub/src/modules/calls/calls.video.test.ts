import { createHash } from 'node:crypto';
import { decodeProtectedHeader, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabaseKinds } from '../../../test/databases.ts';
import { createTestHub, type TestHub } from '../../../test/hub.ts';
import { bearer, signUpUser, type SignedUpUser } from '../../../test/users.ts';
import { hex32, startTwilioStandIn } from '../connectors/twilio/test/twilio.stand-in.ts';
import { guestTokensPerMinute } from './calls.routes.ts';

/**
 * Video rooms and their guest links on a real hub. Twilio's REST API (where the hub creates the
 * API Key that signs the tokens) is a STAND-IN server (connectors/twilio/test/twilio.stand-in.ts,
 * selected by TWILIO_API_URL). Tokens are verified with the key's secret, as Twilio checks them.
 */
describe.each(testDatabaseKinds())('video rooms on %s', (kind) => {
  let hub: TestHub;
  let standIn: Awaited<ReturnType<typeof startTwilioStandIn>>;
  let alice: SignedUpUser;
  let bob: SignedUpUser;
  let grace: string;
  const account = { accountSid: `AC${hex32()}`, authToken: hex32(), numbers: ['+14155550100'] };
  const responses: string[] = [];

  /** `from`: the client's address (the guest route's rate limit counts per address). */
  async function api(
    user: SignedUpUser | null,
    method: 'GET' | 'POST' | 'DELETE',
    url: string,
    payload?: unknown,
    from = '127.0.0.1',
  ) {
    const response = await hub.app.inject({
      method,
      url,
      remoteAddress: from,
      headers: user ? bearer(user) : {},
      ...(payload === undefined ? {} : { payload: payload as object }),
    });
    responses.push(response.body);
    return response;
  }
  const guest = (token: string, name = 'Ada Guest', from?: string) =>
    api(null, 'POST', '/api/v1/calls/video-guest-token', { token, name }, from);
  const tokenOf = (path: string) => path.replace('/video/join/', '');

  /** The claims of a token, verified with the secret of the API Key it names. */
  async function verified(token: string) {
    const header = decodeProtectedHeader(token);
    expect(header).toMatchObject({ alg: 'HS256', cty: 'twilio-fpa;v=1' });
    const { payload } = await jwtVerify(token, new TextEncoder().encode('placeholder-never-used'), {}).catch(() => ({
      payload: undefined,
    }));
    expect(payload).toBeUndefined(); // a wrong secret never verifies
    const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { iss: string };
    const key = standIn.keys.get(claims.iss)!;
    expect(key).toBeDefined();
    return (await jwtVerify(token, new TextEncoder().encode(key.secret))).payload as {
      iss: string;
      sub: string;
      exp: number;
      iat: number;
      grants: { identity: string; video?: { room: string } };
    };
  }

  async function credential(user: SignedUpUser) {
    const secret = { accountSid: account.accountSid, authToken: account.authToken };
    const created = await api(user, 'POST', '/api/v1/credentials', { type: 'twilio', name: 'My Twilio', secret });
    expect(created.statusCode, created.body).toBe(201);
    expect((await api(user, 'POST', `/api/v1/credentials/${created.json().id}/test`)).json().ok).toBe(true);
  }

  async function openRoom(user: SignedUpUser, personId: string) {
    const opened = await api(user, 'POST', '/api/v1/calls/video-token', { personId });
    expect(opened.statusCode, opened.body).toBe(200);
    return opened.json() as {
      token: string;
      room: string;
      identity: string;
      guest: { path: string; expiresAt: string };
    };
  }

  beforeAll(async () => {
    standIn = await startTwilioStandIn(account);
    hub = await createTestHub(kind, { TWILIO_API_URL: standIn.url, PUBLIC_URL: 'https://hub.example.test' });
    alice = await signUpUser(hub);
    bob = await signUpUser(hub);
    await hub.db.asOwner((tx) =>
      tx.query(`UPDATE auth.users SET raw_user_meta_data = '{"full_name": "Alice Host"}' WHERE id = $1`, [alice.id]),
    );
    const person = await api(alice, 'POST', '/api/v1/entities', { type: 'person', title: 'Grace Hopper' });
    expect(person.statusCode, person.body).toBe(201);
    grace = person.json().id;
  }, 180_000);

  afterAll(async () => {
    await hub?.close();
    await standIn?.close();
  });

  it('without a tested Twilio credential video is off (409 video_off), and nothing is stored', async () => {
    const off = await api(alice, 'POST', '/api/v1/calls/video-token', { personId: grace });
    expect(off.statusCode).toBe(409);
    expect(off.json().error.code).toBe('video_off');
    const rows = await hub.db.asSystem(async (tx) => (await tx.query('SELECT 1 FROM made_open.video_rooms')).rows);
    expect(rows).toHaveLength(0);
  });

  it("opens a room per call: the owner's token grants that room, the guest link is shown once and stored hashed", async () => {
    await credential(alice);
    const room = await openRoom(alice, grace);
    expect(room.room).toMatch(/^call-[0-9a-f-]{36}$/);
    const claims = await verified(room.token);
    expect(claims.sub).toBe(account.accountSid);
    expect(claims.grants).toEqual({ identity: room.identity, video: { room: room.room } });
    expect(room.identity).toBe(`user_${alice.id.replace(/-/g, '')}`);
    expect(claims.exp - claims.iat).toBe(3600);
    // The link: 32 random bytes; two hours.
    expect(room.guest.path).toMatch(/^\/video\/join\/[A-Za-z0-9_-]{43}$/);
    const hours = (Date.parse(room.guest.expiresAt) - Date.now()) / 3_600_000;
    expect(hours).toBeGreaterThan(1.9);
    expect(hours).toBeLessThanOrEqual(2);
    const stored = await hub.db.asSystem(
      async (tx) =>
        (await tx.query<Record<string, unknown>>('SELECT * FROM made_open.video_rooms WHERE room = $1', [room.room]))
          .rows,
    );
    expect(stored).toHaveLength(1);
    expect(JSON.stringify(stored)).not.toContain(tokenOf(room.guest.path));
    expect(stored[0]!.guest_token_hash).toBe(createHash('sha256').update(tokenOf(room.guest.path)).digest('hex'));
    // Another room for the next call, with its own link.
    const next = await openRoom(alice, grace);
    expect(next.room).not.toBe(room.room);
    expect(next.guest.path).not.toBe(room.guest.path);
  });

  it("a guest link becomes a short guest token for that room only, with the host's display name and nothing else", async () => {
    const first = await openRoom(alice, grace);
    const second = await openRoom(alice, grace);
    const joined = await guest(tokenOf(first.guest.path), 'Ada Lovelace');
    expect(joined.statusCode, joined.body).toBe(200);
    const body = joined.json();
    expect(Object.keys(body).sort()).toEqual(['expiresAt', 'hostName', 'identity', 'room', 'token']);
    expect(body.hostName).toBe('Alice Host');
    expect(body.room).toBe(first.room);
    expect(body.identity).toMatch(/^guest_[0-9a-f]{8}_Ada%20Lovelace$/);
    const claims = await verified(body.token);
    expect(claims.grants).toEqual({ identity: body.identity, video: { room: first.room } });
    expect(claims.grants.video!.room).not.toBe(second.room);
    expect(claims.exp - claims.iat).toBe(600);
    // Nothing of the owner's beyond that name: not the email, id, person or credential.
    for (const secret of [alice.email, alice.id, grace, 'Grace Hopper', first.token])
      expect(joined.body).not.toContain(secret);
    // Each exchange is another participant.
    const again = (await guest(tokenOf(first.guest.path), 'Ada Lovelace')).json();
    expect(again.identity).not.toBe(body.identity);
  });

  it('unknown, expired and ended links are 404 alike; ending is the owner’s only', async () => {
    const room = await openRoom(alice, grace);
    const token = tokenOf(room.guest.path);
    expect((await guest('A'.repeat(43))).statusCode).toBe(404);
    // Another user cannot end it (RLS: it is not there for them), nor an unknown room.
    expect((await api(bob, 'POST', `/api/v1/calls/video-rooms/${room.room}/end`)).statusCode).toBe(404);
    expect(
      (await api(alice, 'POST', '/api/v1/calls/video-rooms/call-00000000-0000-0000-0000-000000000000/end')).statusCode,
    ).toBe(404);
    expect((await guest(token)).statusCode).toBe(200);
    const ended = await api(alice, 'POST', `/api/v1/calls/video-rooms/${room.room}/end`);
    expect(ended.statusCode, ended.body).toBe(200);
    expect(ended.json()).toEqual({ room: room.room, ended: true });
    const refused = await guest(token);
    expect(refused.statusCode).toBe(404);
    expect(refused.json().error.code).toBe('not_found');
    // Ending twice answers the same.
    expect((await api(alice, 'POST', `/api/v1/calls/video-rooms/${room.room}/end`)).statusCode).toBe(200);
    // Expiry: a link past its two hours is refused like an unknown one.
    const later = await openRoom(alice, grace);
    await hub.db.asSystem((tx) =>
      tx.query(`UPDATE made_open.video_rooms SET guest_expires_at = now() - interval '1 second' WHERE room = $1`, [
        later.room,
      ]),
    );
    expect((await guest(tokenOf(later.guest.path))).statusCode).toBe(404);
    // Bob (video on too) sees none of Alice's rooms, and cannot open one with her person.
    await credential(bob);
    expect(
      await hub.db.asUser(bob.claims, async (tx) => (await tx.query('SELECT room FROM made_open.video_rooms')).rows),
    ).toEqual([]);
    expect((await api(bob, 'POST', '/api/v1/calls/video-token', { personId: grace })).statusCode).toBe(404);
  });

  it('hostile input is a clear 400 and changes nothing; no response carries an API Key secret', async () => {
    const room = await openRoom(alice, grace);
    const token = tokenOf(room.guest.path);
    const before = await hub.db.asSystem(
      async (tx) => (await tx.query('SELECT room, ended_at FROM made_open.video_rooms ORDER BY room')).rows,
    );
    const hostile: unknown[] = [
      {},
      { token },
      { token, name: '' },
      { token, name: '   ' },
      { token, name: 'x'.repeat(61) },
      { token, name: 'Eve\u0000' },
      { token, name: '<script>alert(1)</script>' },
      { token: `${token}'; DROP TABLE made_open.video_rooms; --`, name: 'Eve' },
      { token: token.slice(0, 42), name: 'Eve' },
      { token, name: 'Eve', room: 'call-00000000-0000-0000-0000-000000000000' },
      { token: 42, name: 'Eve' },
      [token],
    ];
    for (const payload of hostile) {
      const response = await api(null, 'POST', '/api/v1/calls/video-guest-token', payload, '192.0.2.7');
      expect(response.statusCode, JSON.stringify(payload)).toBe(400);
      expect(response.json().error.code).toBeDefined();
    }
    expect((await api(alice, 'POST', '/api/v1/calls/video-rooms/not-a-room/end')).statusCode).toBe(400);
    expect((await api(alice, 'POST', `/api/v1/calls/video-rooms/${room.room}'--/end`)).statusCode).toBe(400);
    expect((await api(null, 'POST', `/api/v1/calls/video-rooms/${room.room}/end`)).statusCode).toBe(401);
    const after = await hub.db.asSystem(
      async (tx) => (await tx.query('SELECT room, ended_at FROM made_open.video_rooms ORDER BY room')).rows,
    );
    expect(after).toEqual(before);
    expect((await guest(token)).statusCode).toBe(200);
    // The API Key's secret (which signs every token) never left the hub.
    expect(standIn.keys.size).toBeGreaterThan(0);
    for (const key of standIn.keys.values()) for (const body of responses) expect(body).not.toContain(key.secret);
    // Documented.
    const spec = (await hub.app.inject({ method: 'GET', url: '/docs/json' })).json();
    expect(Object.keys(spec.paths)).toEqual(
      expect.arrayContaining(['/api/v1/calls/video-rooms/{room}/end', '/api/v1/calls/video-guest-token']),
    );
    expect(spec.paths['/api/v1/calls/video-guest-token'].post.security).toEqual([]);
  });

  it('a link whose host removed the Twilio credential is a 404 like any dead link', async () => {
    const person = await api(bob, 'POST', '/api/v1/entities', { type: 'person', title: 'Katherine Johnson' });
    expect(person.statusCode, person.body).toBe(201);
    const room = await openRoom(bob, person.json().id);
    expect((await guest(tokenOf(room.guest.path), 'Ada', '192.0.2.8')).statusCode).toBe(200);
    const list = (await api(bob, 'GET', '/api/v1/credentials')).json().credentials as { id: string }[];
    expect(list).toHaveLength(1);
    expect((await api(bob, 'DELETE', `/api/v1/credentials/${list[0]!.id}`)).statusCode).toBeLessThan(300);
    const dead = await guest(tokenOf(room.guest.path), 'Ada', '192.0.2.8');
    expect(dead.statusCode, dead.body).toBe(404);
    expect(dead.json().error.code).toBe('not_found');
  });

  it(`guest link exchanges are rate limited (${guestTokensPerMinute} a minute per client IP): 429, then nothing`, async () => {
    const room = await openRoom(alice, grace);
    const statuses: number[] = [];
    for (let i = 0; i < guestTokensPerMinute + 5; i++)
      statuses.push((await guest(tokenOf(room.guest.path))).statusCode);
    expect(statuses).toContain(429);
    expect(statuses.at(-1)).toBe(429);
    const limited = await guest(tokenOf(room.guest.path));
    expect(limited.json().error.code).toBe('rate_limited');
    expect(limited.headers['retry-after']).toBeDefined();
    // Per client address: a guest elsewhere still joins.
    expect((await guest(tokenOf(room.guest.path), 'Ada', '192.0.2.9')).statusCode).toBe(200);
    // The owner's own routes are not limited by it.
    expect((await api(alice, 'POST', '/api/v1/calls/video-token', { personId: grace })).statusCode).toBe(200);
  });
});
