import type { AddressInfo } from 'node:net';
import { createClient } from '@supabase/supabase-js';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabaseKinds } from '../../../test/databases.ts';
import { createTestHub, type TestHub } from '../../../test/hub.ts';
import { bearer, signUpUser, type SignedUpUser } from '../../../test/users.ts';
import type { AuthModule } from './index.ts';

/**
 * Account settings (/api/v1/settings), the hub owner's sign-up switch, and the default
 * region the graph reads when it parses phone numbers. Hostile input gets a 4xx and
 * changes nothing.
 */
const generous = { AUTH_RATE_LIMIT_SIGNUP_PER_HOUR: '10000', AUTH_RATE_LIMIT_TOKEN_PER_MINUTE: '10000' };

describe.each(testDatabaseKinds())('account settings on %s', (kind) => {
  let hub: TestHub;
  let url: string;
  let owner: SignedUpUser;
  let other: SignedUpUser;

  const get = (user: SignedUpUser, path = '/api/v1/settings') =>
    hub.app.inject({ method: 'GET', url: path, headers: bearer(user) });
  const patch = (user: SignedUpUser, payload: unknown) =>
    hub.app.inject({ method: 'PATCH', url: '/api/v1/settings', headers: bearer(user), payload: payload as object });
  const post = (user: SignedUpUser, path: string, payload: unknown) =>
    hub.app.inject({ method: 'POST', url: path, headers: bearer(user), payload: payload as object });
  const personCount = async (user: SignedUpUser) =>
    (await get(user, '/api/v1/entities?type=person&limit=500')).json<{ items: unknown[] }>().items.length;

  beforeAll(async () => {
    hub = await createTestHub(kind, generous);
    await hub.app.listen({ port: 0, host: '127.0.0.1' });
    url = `http://127.0.0.1:${(hub.app.server.address() as AddressInfo).port}`;
    owner = await signUpUser(hub);
    other = await signUpUser(hub);
  }, 180_000);
  afterAll(() => hub?.close());

  it('makes the first account the owner; others see no sign-up switch', async () => {
    expect((await get(owner)).json()).toEqual({ defaultRegion: null, hubOwner: true, signUpOpen: true });
    expect((await get(other)).json()).toEqual({ defaultRegion: null, hubOwner: false, signUpOpen: null });
    expect((await hub.app.inject({ method: 'GET', url: '/api/v1/settings' })).statusCode).toBe(401);
  });

  it('stores a default region per account and refuses what is not one, changing nothing', async () => {
    const saved = await patch(owner, { defaultRegion: 'gb' });
    expect(saved.statusCode).toBe(200);
    expect(saved.json()).toMatchObject({ defaultRegion: 'GB' });
    for (const bad of [
      { defaultRegion: 'XX' },
      { defaultRegion: 'GBR' },
      { defaultRegion: 44 },
      { defaultRegion: 'G\u0000' },
      { defaultRegion: 'US', extra: true },
      {},
      [],
    ]) {
      const refused = await patch(owner, bad);
      expect(refused.statusCode, JSON.stringify(bad)).toBe(400);
      expect(refused.json().error.code).toBeTruthy();
    }
    expect((await get(owner)).json()).toMatchObject({ defaultRegion: 'GB' });
    // Invisible to another account, in the database itself (RLS), not only in the API.
    expect((await get(other)).json()).toMatchObject({ defaultRegion: null });
    const seen = await hub.db.asUser(other.claims, (tx) =>
      tx.query('SELECT * FROM made_open.account_settings WHERE owner_id = $1', [owner.id]),
    );
    expect(seen.rows).toEqual([]);
  });

  it('refuses sign-up changes from anyone but the owner, leaving the rest of the request undone', async () => {
    const refused = await patch(other, { defaultRegion: 'US', signUpOpen: false });
    expect(refused.statusCode).toBe(403);
    expect(refused.json().error).toMatchObject({ code: 'not_hub_owner' });
    expect((await get(other)).json()).toMatchObject({ defaultRegion: null });
    expect((await get(owner)).json()).toMatchObject({ signUpOpen: true });
    // Straight at the table under the other's RLS: the row is neither visible nor writable.
    const updated = await hub.db.asUser(other.claims, (tx) =>
      tx.query('UPDATE made_open.hub_settings SET sign_up_open = false RETURNING 1'),
    );
    expect(updated.rows).toEqual([]);
    await expect(
      hub.db.asUser(other.claims, (tx) => tx.query('UPDATE made_open.hub_settings SET owner_id = $1', [other.id])),
    ).rejects.toThrow();
  });

  it('closes sign-up for everyone (supabase-js sees GoTrue signup_disabled) and opens it again', async () => {
    const anonKey = (hub.modules.find((m) => m.name === 'auth') as AuthModule).anonKey;
    const supabase = () =>
      createClient(url, anonKey, {
        auth: { persistSession: false, autoRefreshToken: false },
        realtime: { transport: WebSocket as never },
      });
    expect((await patch(owner, { signUpOpen: false })).json()).toMatchObject({ signUpOpen: false });

    const closed = await supabase().auth.signUp({ email: 'late@example.test', password: 'a fine passphrase' });
    expect(closed.error).toMatchObject({ status: 422, code: 'signup_disabled' });
    expect(closed.error!.message).toMatch(/closed sign-up/);
    const settings = await hub.app.inject({ method: 'GET', url: '/auth/v1/settings' });
    expect(settings.json()).toMatchObject({ disable_signup: true });
    const nobody = await hub.db.asSystem((tx) =>
      tx.query("SELECT 1 FROM auth.users WHERE email = 'late@example.test'"),
    );
    expect(nobody.rows).toEqual([]);
    // Accounts that exist still sign in.
    expect(
      (await supabase().auth.signInWithPassword({ email: other.email, password: other.password })).error,
    ).toBeNull();

    expect((await patch(owner, { signUpOpen: true })).json()).toMatchObject({ signUpOpen: true });
    const open = await supabase().auth.signUp({ email: 'late@example.test', password: 'a fine passphrase' });
    expect(open.error).toBeNull();
    expect((await hub.app.inject({ method: 'GET', url: '/auth/v1/settings' })).json()).toMatchObject({
      disable_signup: false,
    });
  });

  it('refuses a blank or whitespace-only password at sign-up', async () => {
    for (const password of ['', '        ', '\t\t\t\t\n\n\n\n']) {
      const response = await hub.app.inject({
        method: 'POST',
        url: '/auth/v1/signup',
        payload: { email: `blank-${Math.random().toString(36).slice(2)}@example.test`, password },
      });
      expect(response.statusCode, JSON.stringify(password)).toBe(422);
      expect(response.json()).toMatchObject({ error_code: 'weak_password' });
    }
  });

  it('counts wrong current passwords against the sign-in throttle, and then refuses even the right one', async () => {
    const user = await signUpUser(hub);
    const change = (current: string) =>
      hub.app.inject({
        method: 'PUT',
        url: '/auth/v1/user',
        headers: bearer(user),
        payload: { password: 'a brand new passphrase', current_password: current },
      });
    const hashOf = async () =>
      (
        await hub.db.asSystem((tx) =>
          tx.query<{ h: string }>('SELECT encrypted_password AS h FROM auth.users WHERE id = $1', [user.id]),
        )
      ).rows[0]!.h;
    const before = await hashOf();
    const codes: number[] = [];
    for (let attempt = 0; attempt < 8; attempt++) codes.push((await change(`guess ${attempt}`)).statusCode);
    expect(codes.slice(0, 4)).toEqual([400, 400, 400, 400]);
    expect(codes.slice(5)).toEqual([429, 429, 429]);
    const held = await change(user.password);
    expect(held.statusCode).toBe(429);
    expect(held.headers['retry-after']).toBeTruthy();
    // Nothing changed.
    expect(await hashOf()).toBe(before);
  });

  describe('phone numbers with a default region', () => {
    it('stores national numbers in E.164 using the account default region (possible, not only valid)', async () => {
      await patch(owner, { defaultRegion: 'GB' });
      const gb = await post(owner, '/api/v1/persons', { name: 'Gwen', phones: ['07700 900123'] });
      expect(gb.statusCode).toBe(201);
      expect(gb.json().identifiers).toEqual([expect.objectContaining({ kind: 'phone', value: '+447700900123' })]);
      const found = await get(owner, `/api/v1/persons/lookup?phone=${encodeURIComponent('07700 900123')}`);
      expect(found.json()).toMatchObject({ id: gb.json().id });

      await patch(other, { defaultRegion: 'US' });
      const us = await post(other, '/api/v1/persons', { name: 'Sam', phones: ['(202) 555-0199'] });
      expect(us.statusCode).toBe(201);
      expect(us.json().identifiers[0].value).toBe('+12025550199');
      // A number added later to the same person is read with the region too.
      const added = await post(other, `/api/v1/persons/${us.json().id}/identifiers`, {
        kind: 'phone',
        value: '202-555-0142',
      });
      expect(added.json().identifiers.map((i: { value: string }) => i.value)).toContain('+12025550142');
      // The request's own defaultCountry wins over the account's.
      const fr = await post(other, '/api/v1/persons', {
        name: 'Zoé',
        phones: ['06 12 34 56 78'],
        defaultCountry: 'FR',
      });
      expect(fr.json().identifiers[0].value).toBe('+33612345678');
    });

    it('refuses only impossible numbers, naming the line and the reason, and creates nothing', async () => {
      const before = await personCount(owner);
      const short = await post(owner, '/api/v1/persons', { name: 'Nope', phones: ['+44 20 7946 0958', '123'] });
      expect(short.statusCode).toBe(400);
      expect(short.json().error.message).toMatch(/^phones\[1\]: "123" .*too short for a number in GB/);
      expect(short.json().error.details).toEqual([{ path: '/phones/1', message: expect.stringMatching(/too short/) }]);
      const long = await post(owner, '/api/v1/persons', { name: 'Nope', phones: ['0770090012345678'] });
      expect(long.json().error.message).toMatch(/phones\[0\].*too long/);
      const letters = await post(owner, '/api/v1/persons', { name: 'Nope', phones: ['call me'] });
      expect(letters.json().error.message).toMatch(/phones\[0\].*digits/);
      const email = await post(owner, '/api/v1/persons', { name: 'Nope', emails: ['a@b.co', 'nope'] });
      expect(email.statusCode).toBe(400);
      expect(email.json().error.message).toMatch(/^emails\[1\]/);
      expect(await personCount(owner)).toBe(before);
    });

    it('asks for a country code or a default region when neither is there', async () => {
      await patch(owner, { defaultRegion: null });
      const refused = await post(owner, '/api/v1/persons', { name: 'Nope', phones: ['07700 900124'] });
      expect(refused.statusCode).toBe(400);
      expect(refused.json().error.message).toMatch(/default region in Settings/);
      const international = await post(owner, '/api/v1/persons', { name: 'Intl', phones: ['+44 7700 900124'] });
      expect(international.json().identifiers[0].value).toBe('+447700900124');
    });
  });
});
