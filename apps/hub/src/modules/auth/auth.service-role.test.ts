import { readFileSync, statSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createClient, type SupabaseClient } from '@supabase/supabase-js';
import { decodeJwt } from 'jose';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabaseKinds } from '../../../test/databases.ts';
import { createTestHub, type TestHub } from '../../../test/hub.ts';
import { signUpUser, type SignedUpUser } from '../../../test/users.ts';
import type { AuthModule } from './index.ts';

/**
 * The service_role key, through supabase-js: the hub issues it beside the anon key (a file
 * only the operator reads), it manages buckets across users as Supabase lets it, and it is
 * refused wherever a user is required.
 */
const env = { AUTH_RATE_LIMIT_SIGNUP_PER_HOUR: '10000', AUTH_RATE_LIMIT_TOKEN_PER_MINUTE: '10000' };
const unique = (label: string) => `${label}-${Math.random().toString(36).slice(2, 8)}`;

function client(url: string, key: string, headers: Record<string, string> = {}): SupabaseClient {
  return createClient(url, key, {
    auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
    realtime: { transport: WebSocket as never },
    global: { headers },
  });
}

describe.each(testDatabaseKinds())('the service_role key on %s', (kind) => {
  let hub: TestHub;
  let url: string;
  let anonKey: string;
  let serviceKey: string;
  let alice: SignedUpUser;
  let bob: SignedUpUser;
  let admin: SupabaseClient;

  beforeAll(async () => {
    hub = await createTestHub(kind, env);
    await hub.app.listen({ port: 0, host: '127.0.0.1' });
    url = `http://127.0.0.1:${(hub.app.server.address() as AddressInfo).port}`;
    anonKey = (hub.modules.find((m) => m.name === 'auth') as AuthModule).anonKey;
    // The operator's copy: the hub exposes it nowhere else.
    serviceKey = readFileSync(join(hub.dataDir, 'service-role-key'), 'utf8').trim();
    [alice, bob] = [await signUpUser(hub), await signUpUser(hub)];
    admin = client(url, serviceKey);
  }, 180_000);
  afterAll(() => hub?.close());

  it('is issued beside the anon key, 0600, a role JWT without a user, and kept across restarts', () => {
    expect(statSync(join(hub.dataDir, 'service-role-key')).mode & 0o777).toBe(0o600);
    expect(decodeJwt(serviceKey)).toMatchObject({ role: 'service_role' });
    expect(decodeJwt(serviceKey).sub).toBeUndefined();
    expect(serviceKey).not.toBe(anonKey);
  });

  it('lists, reads, updates and deletes any user’s bucket in storage, as Supabase lets it', async () => {
    const aliceClient = client(url, anonKey, { Authorization: `Bearer ${alice.accessToken}` });
    const bobClient = client(url, anonKey, { Authorization: `Bearer ${bob.accessToken}` });
    const [a, b] = [unique('alice'), unique('bob')];
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
    const bucket = unique('mine');
    const aliceClient = client(url, anonKey, { Authorization: `Bearer ${alice.accessToken}` });
    await aliceClient.storage.createBucket(bucket);
    await aliceClient.storage.from(bucket).upload('secret.txt', Buffer.from('secret'), { contentType: 'text/plain' });

    // Objects and bucket creation belong to users (graph entities, owners): not this key's.
    expect((await admin.storage.from(bucket).download('secret.txt')).error).toMatchObject({ status: 401 });
    expect((await admin.storage.from(bucket).list()).error).toMatchObject({ status: 401 });
    expect(
      (await admin.storage.from(bucket).upload('planted.txt', Buffer.from('x'), { contentType: 'text/plain' })).error,
    ).toMatchObject({ status: 401 });
    expect((await admin.storage.createBucket(unique('svc'))).error).toMatchObject({ status: 401 });
    expect((await admin.storage.emptyBucket(bucket)).error).toMatchObject({ status: 401 });
    expect((await aliceClient.storage.from(bucket).list()).data!.map((o) => o.name)).toEqual(['secret.txt']);

    const rest = await fetch(`${url}/api/v1/entities`, { headers: { authorization: `Bearer ${serviceKey}` } });
    expect(rest.status).toBe(401);
    const self = await admin.auth.getUser(serviceKey);
    expect(self.error).toMatchObject({ status: 403, code: 'bad_jwt', message: 'invalid claim: missing sub claim' });
    // A user's token is not the key: bucket administration stays with one's own buckets.
    expect((await aliceClient.storage.listBuckets()).data!.every((x) => x.owner === alice.id)).toBe(true);
  });
});
