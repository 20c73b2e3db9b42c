import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { SupabaseClient } from '@supabase/supabase-js';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabaseKinds } from '../../../test/databases.ts';
import { listeningHub, supabaseClient, uniqueName } from '../../../test/supabase.ts';
import type { TestHub } from '../../../test/hub.ts';
import { signUpUser, type SignedUpUser } from '../../../test/users.ts';

/**
 * The service_role key, through supabase-js: the hub issues it beside the anon key (a file
 * only the operator reads), it manages buckets across users as Supabase lets it, and it is
 * refused wherever a user is required.
 */
describe.each(testDatabaseKinds())('the service_role key on %s', (kind) => {
  let hub: TestHub;
  let url: string;
  let anonKey: string;
  let serviceKey: string;
  let alice: SignedUpUser;
  let bob: SignedUpUser;
  let admin: SupabaseClient;

  beforeAll(async () => {
    ({ hub, url, anonKey } = await listeningHub(kind));
    // The operator's copy: the hub exposes it nowhere else.
    serviceKey = readFileSync(join(hub.dataDir, 'service-role-key'), 'utf8').trim();
    [alice, bob] = [await signUpUser(hub), await signUpUser(hub)];
    admin = supabaseClient(url, serviceKey);
  }, 180_000);
  afterAll(() => hub?.close());

  it('is issued beside the anon key, 0600, a role JWT without a user, and kept across restarts', () => {
    expect(statSync(join(hub.dataDir, 'service-role-key')).mode & 0o777).toBe(0o600);
    expect(decodeJwt(serviceKey)).toMatchObject({ role: 'service_role' });
    expect(decodeJwt(serviceKey).sub).toBeUndefined();
    expect(serviceKey).not.toBe(anonKey);
  });

  it('lists, reads, updates and deletes any user’s bucket in storage, as Supabase lets it', async () => {
    const aliceClient = supabaseClient(url, anonKey, { Authorization: `Bearer ${alice.accessToken}` });
    const bobClient = supabaseClient(url, anonKey, { Authorization: `Bearer ${bob.accessToken}` });
    const [a, b] = [uniqueName('alice'), uniqueName('bob')];
    expect((await aliceClient.storage.createBucket(a)).error).toBeNull();
    expect((await bobClient.storage.createBucket(b)).error).toBeNull();

    const all = await admin.storage.listBuckets();
    expect(all.error).toBeNull();
    expect(all.data!.map((x) => x.id)).toEqual(expect.arrayContaining([a, b]));
    // Users still see only their own.
    expect((await aliceClient.storage.listBuckets()).data!.map((x) => x.id)).not.toContain(b);

    expect((await admin.storage.getBucket(b)).data).toMatchObject({ id: b, owner: bob.id });
    expect((await admin.storage.updateBucket(b, { public: true, fileSizeLimit: '1mb' })).error).toBeNull();
    expect((await bobClient.storage.getBucket(b)).data).toMatchObject({ public: true, file_size_limit: 1_000_000 });
    expect((await admin.storage.getBucket('no-such-bucket')).error).toMatchObject({ message: 'Bucket not found' });

    await bobClient.storage.from(b).upload('x.txt', Buffer.from('x'), { contentType: 'text/plain' });
    expect((await admin.storage.deleteBucket(b)).error).toMatchObject({ status: 409 });
    expect((await bobClient.storage.emptyBucket(b)).error).toBeNull();
    expect((await admin.storage.deleteBucket(b)).error).toBeNull();
    expect((await bobClient.storage.getBucket(b)).error).toMatchObject({ status: 404 });
  });

  it('never acts as a user: refused on user routes of storage, the REST API and /auth/v1/user', async () => {
    const bucket = uniqueName('mine');
    const aliceClient = supabaseClient(url, anonKey, { Authorization: `Bearer ${alice.accessToken}` });
    await aliceClient.storage.createBucket(bucket);
    await aliceClient.storage.from(bucket).upload('secret.txt', Buffer.from('secret'), { contentType: 'text/plain' });

    // Objects and bucket creation belong to users (graph entities, owners): not this key's.
    expect((await admin.storage.from(bucket).download('secret.txt')).error).toMatchObject({ status: 401 });
    expect((await admin.storage.from(bucket).list()).error).toMatchObject({ status: 401 });
    expect(
      (await admin.storage.from(bucket).upload('planted.txt', Buffer.from('x'), { contentType: 'text/plain' })).error,
    ).toMatchObject({ status: 401 });
    expect((await admin.storage.createBucket(uniqueName('svc'))).error).toMatchObject({ status: 401 });
    expect((await admin.storage.emptyBucket(bucket)).error).toMatchObject({ status: 401 });
    expect((await aliceClient.storage.from(bucket).list()).data!.map((o) => o.name)).toEqual(['secret.txt']);

    const rest = await fetch(`${url}/api/v1/entities`, { headers: { authorization: `Bearer ${serviceKey}` } });
    expect(rest.status).toBe(401);
    const self = await admin.auth.getUser(serviceKey);
    expect(self.error).toMatchObject({ status: 403, code: 'bad_jwt', message: 'invalid claim: missing sub claim' });
    // A user's token is not the key: bucket administration stays with one's own buckets.
    expect((await aliceClient.storage.listBuckets()).data!.every((x) => x.owner === alice.id)).toBe(true);
  });

  /** GET /auth/v1/user's status for a token (auth-js turns a 403 session_not_found into a signed-out state). */
  const userStatus = async (token: string) =>
    (await fetch(`${url}/auth/v1/user`, { headers: { authorization: `Bearer ${token}`, apikey: anonKey } })).status;

  it('serves the admin API through supabase-js: create, list in pages, get, update, ban, delete', async () => {
    const users = admin.auth.admin;
    const email = `made-${Math.random().toString(36).slice(2, 8)}@example.test`;
    const created = await users.createUser({
      email,
      password: 'a good long password',
      email_confirm: true,
      user_metadata: { name: 'Ada' },
      app_metadata: { plan: 'home' },
    });
    expect(created.error).toBeNull();
    const id = created.data.user!.id;
    expect(created.data.user).toMatchObject({
      email,
      user_metadata: { name: 'Ada' },
      app_metadata: { plan: 'home', provider: 'email', providers: ['email'] },
    });
    expect(created.data.user!.email_confirmed_at).toEqual(expect.any(String));
    const person = supabaseClient(url, anonKey);
    const signedIn = await person.auth.signInWithPassword({ email, password: 'a good long password' });
    expect(signedIn.error).toBeNull();

    // Pages, newest first, with GoTrue's total and Link header (auth-js reads nextPage/lastPage from it).
    const first = await users.listUsers({ page: 1, perPage: 2 });
    expect(first.error).toBeNull();
    expect(first.data.users.map((u) => u.id)[0]).toBe(id);
    expect(first.data.users).toHaveLength(2);
    expect(first.data).toMatchObject({ total: 3, nextPage: 2, lastPage: 2, aud: 'authenticated' });
    const second = await users.listUsers({ page: 2, perPage: 2 });
    expect(second.data.users).toHaveLength(1);
    expect(second.data).toMatchObject({ nextPage: null, lastPage: 2 });
    expect((await users.listUsers()).data.users.map((u) => u.id)).toEqual(
      expect.arrayContaining([alice.id, bob.id, id]),
    );

    expect((await users.getUserById(id)).data.user).toMatchObject({ id, email });
    const updated = await users.updateUserById(id, {
      user_metadata: { city: 'London' },
      password: 'another long password',
    });
    expect(updated.data.user?.user_metadata).toEqual({ name: 'Ada', city: 'London' });
    expect(
      (await supabaseClient(url, anonKey).auth.signInWithPassword({ email, password: 'another long password' })).error,
    ).toBeNull();

    // A ban ends the sessions at once and refuses sign-in until lifted.
    expect((await users.updateUserById(id, { ban_duration: '24h' })).error).toBeNull();
    expect(await userStatus(signedIn.data.session!.access_token)).toBe(403);
    expect(
      (await supabaseClient(url, anonKey).auth.signInWithPassword({ email, password: 'another long password' })).error,
    ).toMatchObject({
      code: 'user_banned',
    });
    expect((await users.updateUserById(id, { ban_duration: 'none' })).error).toBeNull();
    const again = await supabaseClient(url, anonKey).auth.signInWithPassword({
      email,
      password: 'another long password',
    });
    expect(again.error).toBeNull();

    // Hard delete: the user, their sessions and rows go (their buckets and files too).
    const own = supabaseClient(url, anonKey, { Authorization: `Bearer ${again.data.session!.access_token}` });
    const bucket = uniqueName('gone');
    expect((await own.storage.createBucket(bucket)).error).toBeNull();
    expect(
      (await own.storage.from(bucket).upload('f.txt', Buffer.from('f'), { contentType: 'text/plain' })).error,
    ).toBeNull();
    expect((await users.deleteUser(id)).error).toBeNull();
    expect((await admin.storage.getBucket(bucket)).error).toMatchObject({ status: 404 });
    expect((await users.getUserById(id)).error).toMatchObject({ status: 404, code: 'user_not_found' });
    expect(await userStatus(again.data.session!.access_token)).toBe(403);
    expect((await users.deleteUser(id)).error).toMatchObject({ status: 404 });
  });

  it('creates unconfirmed users that cannot sign in, soft-deletes, and refuses anyone but the service_role key', async () => {
    const users = admin.auth.admin;
    const email = `unconfirmed-${Math.random().toString(36).slice(2, 8)}@example.test`;
    const created = await users.createUser({ email, password: 'a good long password' });
    expect(created.data.user!.email_confirmed_at).toBeNull();
    expect(
      (await supabaseClient(url, anonKey).auth.signInWithPassword({ email, password: 'a good long password' })).error,
    ).toMatchObject({
      status: 400,
      code: 'email_not_confirmed',
    });
    expect((await users.deleteUser(created.data.user!.id, true)).error).toBeNull();
    expect((await users.getUserById(created.data.user!.id)).error).toMatchObject({ status: 404 });
    // The soft-deleted row keeps no claim on the email.
    expect((await users.createUser({ email, password: 'a good long password', email_confirm: true })).error).toBeNull();

    const asUser = supabaseClient(url, anonKey, { Authorization: `Bearer ${alice.accessToken}` });
    for (const attempt of [
      asUser.auth.admin.listUsers(),
      asUser.auth.admin.getUserById(bob.id),
      asUser.auth.admin.deleteUser(bob.id),
      supabaseClient(url, anonKey).auth.admin.createUser({ email: 'x@example.test', password: 'a good long password' }),
    ]) {
      expect((await attempt).error).toMatchObject({ status: 403, code: 'not_admin', message: 'User not allowed' });
    }
    expect((await users.getUserById(bob.id)).data.user?.id).toBe(bob.id);
    const none = await fetch(`${url}/auth/v1/admin/users`);
    expect(none.status).toBe(401);
    const forged = await fetch(`${url}/auth/v1/admin/users`, { headers: { authorization: `Bearer ${serviceKey}x` } });
    expect(forged.status).toBe(403);
    expect(await forged.json()).toMatchObject({ error_code: 'bad_jwt' });
  });

  it('answers hostile admin input with GoTrue 4xx and changes nothing', async () => {
    const headers = { authorization: `Bearer ${serviceKey}`, 'content-type': 'application/json' };
    const call = (method: string, path: string, body?: unknown) =>
      fetch(`${url}/auth/v1${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const before = (await admin.auth.admin.listUsers()).data.users.length;
    const cases: [string, string, unknown, number][] = [
      ['GET', '/admin/users?per_page=abc', undefined, 400],
      ['GET', '/admin/users?page=0', undefined, 400],
      ['GET', '/admin/users?per_page=100000', undefined, 400],
      ['GET', '/admin/users/not-a-uuid', undefined, 404],
      ['GET', `/admin/users/${crypto.randomUUID()}`, undefined, 404],
      ['POST', '/admin/users', {}, 400],
      ['POST', '/admin/users', { email: 'nope' }, 400],
      ['POST', '/admin/users', { email: 'short@example.test', password: 'short' }, 422],
      ['POST', '/admin/users', { email: alice.email, password: 'a good long password' }, 422],
      ['POST', '/admin/users', { email: 'ban@example.test', ban_duration: 'forever' }, 400],
      ['POST', '/admin/users', { email: 'meta@example.test', user_metadata: 'x' }, 400],
      ['PUT', `/admin/users/${bob.id}`, { email: alice.email }, 422],
      ['PUT', `/admin/users/${bob.id}`, { ban_duration: '9999999999999h' }, 400],
      ['DELETE', '/admin/users/not-a-uuid', undefined, 404],
    ];
    for (const [method, path, body, status] of cases) {
      const res = await call(method, path, body);
      expect(res.status, `${method} ${path} ${JSON.stringify(body)}`).toBe(status);
      const json = (await res.json()) as { error_code?: string; msg?: string };
      expect(json.error_code).toEqual(expect.any(String));
      expect(json.msg).toEqual(expect.any(String));
    }
    expect((await admin.auth.admin.listUsers()).data.users.length).toBe(before);
    expect((await admin.auth.admin.getUserById(bob.id)).data.user?.email).toBe(bob.email);
  });
  it('generates magic-link, recovery and signup links and codes without mail, for the service_role key only', async () => {
    const anon = () => supabaseClient(url, anonKey);
    // A magic link for an existing user: its code and its token_hash each sign them in, once.
    const magic = await admin.auth.admin.generateLink({ type: 'magiclink', email: alice.email });
    expect(magic.error).toBeNull();
    expect(magic.data.user).toMatchObject({ id: alice.id, email: alice.email });
    expect(magic.data.properties).toMatchObject({
      verification_type: 'magiclink',
      email_otp: expect.stringMatching(/^\d{6}$/),
      hashed_token: expect.stringMatching(/^[0-9a-f]{56}$/),
    });
    expect(magic.data.properties!.action_link).toContain(`token=${magic.data.properties!.hashed_token}&type=magiclink`);
    const viaHash = await anon().auth.verifyOtp({ token_hash: magic.data.properties!.hashed_token, type: 'magiclink' });
    expect(viaHash.error).toBeNull();
    expect(viaHash.data.user?.id).toBe(alice.id);
    const again = await anon().auth.verifyOtp({ token_hash: magic.data.properties!.hashed_token, type: 'magiclink' });
    expect(again.error).toMatchObject({ code: 'otp_expired' });

    // Recovery: the emailed-code form works too; an unknown address is 404 and makes nobody.
    const recovery = await admin.auth.admin.generateLink({ type: 'recovery', email: bob.email });
    const code = await anon().auth.verifyOtp({
      email: bob.email,
      token: recovery.data.properties!.email_otp,
      type: 'recovery',
    });
    expect(code.error).toBeNull();
    expect(code.data.user?.id).toBe(bob.id);
    const before = (await admin.auth.admin.listUsers({ perPage: 1000 })).data.users.length;
    const nobody = await admin.auth.admin.generateLink({ type: 'recovery', email: 'nobody@example.test' });
    expect(nobody.error).toMatchObject({ status: 404 });
    expect((await admin.auth.admin.listUsers({ perPage: 1000 })).data.users.length).toBe(before);

    // Signup: the account is made unconfirmed; its link confirms it and signs in.
    const email = `${uniqueName('invited')}@example.test`;
    const signup = await admin.auth.admin.generateLink({ type: 'signup', email, password: 'a good long password' });
    expect(signup.error).toBeNull();
    expect(signup.data.user?.email_confirmed_at ?? null).toBeNull();
    expect((await anon().auth.signInWithPassword({ email, password: 'a good long password' })).error).not.toBeNull();
    const confirmed = await anon().auth.verifyOtp({ token_hash: signup.data.properties!.hashed_token, type: 'signup' });
    expect(confirmed.error).toBeNull();
    expect((await anon().auth.signInWithPassword({ email, password: 'a good long password' })).error).toBeNull();

    // Types not offered, missing fields, and anyone but the service_role key: refused.
    const invite = await admin.auth.admin.generateLink({ type: 'invite', email });
    expect(invite.error).toMatchObject({ status: 400 });
    const noPassword = await fetch(`${url}/auth/v1/admin/generate_link`, {
      method: 'POST',
      headers: { authorization: `Bearer ${serviceKey}`, apikey: serviceKey, 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'signup', email: 'x@example.test' }),
    });
    expect(noPassword.status).toBe(400);
    const asUser = await fetch(`${url}/auth/v1/admin/generate_link`, {
      method: 'POST',
      headers: { authorization: `Bearer ${alice.accessToken}`, apikey: anonKey, 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'magiclink', email: alice.email }),
    });
    expect(asUser.status).toBe(403);
  });
});
