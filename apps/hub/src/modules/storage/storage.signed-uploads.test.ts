import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SupabaseClient } from '@supabase/supabase-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadOrCreateSecretFile } from '../../platform/secret-files.ts';
import { testDatabaseKinds } from '../../../test/databases.ts';
import { listeningHub, supabaseClient, uniqueName } from '../../../test/supabase.ts';
import type { TestHub } from '../../../test/hub.ts';
import { signUpUser } from '../../../test/users.ts';
import { createUploadTokenSigner } from './storage.upload-tokens.ts';

/**
 * Signed upload URLs through storage-js itself: createSignedUploadUrl by the bucket's owner,
 * uploadToSignedUrl by anyone holding the URL, and the refusals Supabase Storage words.
 */

/** Every blob file the fs backend holds (objects and unfinished uploads). */
function blobFiles(dataDir: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    if (!existsSync(dir)) return;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory()) walk(join(dir, entry.name));
      else out.push(join(dir, entry.name));
    }
  };
  walk(join(dataDir, 'storage', 'objects'));
  walk(join(dataDir, 'storage', 'tmp'));
  return out;
}

const claimsOf = (token: string) =>
  JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;

describe.each(testDatabaseKinds())('signed upload URLs through storage-js on %s', (kind) => {
  let hub: TestHub;
  let url: string;
  let anonKey: string;
  let alice: SupabaseClient;
  let bob: SupabaseClient;
  let stranger: SupabaseClient;
  let aliceToken: string;

  beforeAll(async () => {
    ({ hub, url, anonKey } = await listeningHub(kind));
    aliceToken = (await signUpUser(hub)).accessToken;
    alice = supabaseClient(url, anonKey, { Authorization: `Bearer ${aliceToken}` });
    bob = supabaseClient(url, anonKey, { Authorization: `Bearer ${(await signUpUser(hub)).accessToken}` });
    // Whoever holds the URL: only the anon key, no user.
    stranger = supabaseClient(url, anonKey);
  }, 180_000);
  afterAll(() => hub?.close());

  it('lets anyone holding the URL upload that one object, as the signer, for two hours', async () => {
    const bucket = uniqueName('inbox');
    await alice.storage.createBucket(bucket);
    const signed = await alice.storage.from(bucket).createSignedUploadUrl('scans/page one.txt');
    expect(signed.error).toBeNull();
    const { token, signedUrl, path } = signed.data!;
    expect(path).toBe('scans/page one.txt');
    expect(signedUrl.startsWith(`${url}/storage/v1/object/upload/sign/${bucket}/scans/page%20one.txt?token=`)).toBe(
      true,
    );
    const claims = claimsOf(token);
    expect(claims).toMatchObject({ url: `${bucket}/scans/page one.txt`, upsert: false, scope: 'upload' });
    expect(Number(claims.exp) - Number(claims.iat)).toBe(7200);

    const up = await stranger.storage
      .from(bucket)
      .uploadToSignedUrl('scans/page one.txt', token, Buffer.from('page one'), { contentType: 'text/plain' });
    expect(up.error).toBeNull();
    expect(up.data).toEqual({ path: 'scans/page one.txt', fullPath: `${bucket}/scans/page one.txt` });

    const down = await alice.storage.from(bucket).download('scans/page one.txt');
    expect(await down.data!.text()).toBe('page one');
    const listed = await alice.storage.from(bucket).list('scans');
    expect(listed.data!.map((o) => o.name)).toEqual(['page one.txt']);
    // The object is Alice's: Bob does not see it.
    expect((await bob.storage.from(bucket).info('scans/page one.txt')).error).toMatchObject({ status: 404 });

    // Without upsert the token stores once: a second upload is a 409 and changes nothing.
    const again = await stranger.storage
      .from(bucket)
      .uploadToSignedUrl('scans/page one.txt', token, Buffer.from('overwritten'), { contentType: 'text/plain' });
    expect(again.error).toMatchObject({ status: 409, statusCode: '409' });
    expect(await (await alice.storage.from(bucket).download('scans/page one.txt')).data!.text()).toBe('page one');
    // x-upsert on the upload cannot widen the token.
    const forced = await stranger.storage
      .from(bucket)
      .uploadToSignedUrl('scans/page one.txt', token, Buffer.from('overwritten'), {
        contentType: 'text/plain',
        upsert: true,
      });
    expect(forced.error).toMatchObject({ status: 409 });
  });

  it('signs only where the signer may write: their bucket, a new object unless upsert', async () => {
    const bucket = uniqueName('mine');
    await alice.storage.createBucket(bucket);
    await alice.storage.from(bucket).upload('taken.txt', Buffer.from('v1'), { contentType: 'text/plain' });

    const taken = await alice.storage.from(bucket).createSignedUploadUrl('taken.txt');
    expect(taken.error).toMatchObject({ status: 409, message: 'The resource already exists' });
    const replace = await alice.storage.from(bucket).createSignedUploadUrl('taken.txt', { upsert: true });
    expect(claimsOf(replace.data!.token)).toMatchObject({ upsert: true });
    const replaced = await stranger.storage
      .from(bucket)
      .uploadToSignedUrl('taken.txt', replace.data!.token, Buffer.from('v2'), { contentType: 'text/plain' });
    expect(replaced.error).toBeNull();
    expect(await (await alice.storage.from(bucket).download('taken.txt')).data!.text()).toBe('v2');

    // Another user's bucket is invisible to Bob (RLS): nothing to sign.
    const foreign = await bob.storage.from(bucket).createSignedUploadUrl('mine-now.txt');
    expect(foreign.error).toMatchObject({ status: 404, message: 'Bucket not found' });
    // The anon key alone is nobody: refused.
    expect((await stranger.storage.from(bucket).createSignedUploadUrl('x.txt')).error).toMatchObject({ status: 401 });
    // The service_role key acts for no user, so it has nobody to sign as (as every object operation).
    const serviceKey = readFileSync(join(hub.dataDir, 'service-role-key'), 'utf8').trim();
    const operator = supabaseClient(url, serviceKey);
    expect((await operator.storage.from(bucket).createSignedUploadUrl('x.txt')).error).toMatchObject({ status: 401 });
    // A path that could mean something else is refused before anything is signed.
    const dotted = await fetch(`${url}/storage/v1/object/upload/sign/${bucket}/a%5Cb.txt`, {
      method: 'POST',
      headers: { authorization: `Bearer ${aliceToken}` },
    });
    expect(dotted.status).toBe(400);
  });

  it('refuses bad, altered, expired and other-path tokens as Supabase words them, storing nothing', async () => {
    const bucket = uniqueName('guarded');
    await alice.storage.createBucket(bucket);
    const { token } = (await alice.storage.from(bucket).createSignedUploadUrl('ok.txt')).data!;
    const before = blobFiles(hub.dataDir).length;
    const body = () => Buffer.from('should not be stored');
    const put = (path: string, t: string) =>
      stranger.storage.from(bucket).uploadToSignedUrl(path, t, body(), { contentType: 'text/plain' });

    expect((await put('ok.txt', 'not-a-token')).error).toMatchObject({
      status: 400,
      statusCode: '400',
      message: 'Invalid Compact JWS',
    });
    const [header, payload, signature] = token.split('.');
    const altered = `${header}.${payload}.${signature!.slice(0, -4)}AAAA`;
    expect((await put('ok.txt', altered)).error).toMatchObject({
      status: 400,
      message: 'signature verification failed',
    });
    // A token for ok.txt does not open another path, another bucket's path, or a forged claim.
    expect((await put('other.txt', token)).error).toMatchObject({ status: 400, message: 'Invalid signature' });
    const forgedPayload = Buffer.from(JSON.stringify({ ...claimsOf(token), url: `${bucket}/other.txt` })).toString(
      'base64url',
    );
    expect((await put('other.txt', `${header}.${forgedPayload}.${signature}`)).error).toMatchObject({
      status: 400,
      message: 'signature verification failed',
    });

    // Signed with the hub's own key, but issued three hours ago: past its two hours.
    const signer = createUploadTokenSigner(loadOrCreateSecretFile(hub.dataDir, 'storage-signing.key'));
    const owner = String(claimsOf(token).owner);
    const expired = await signer.sign({ owner, url: `${bucket}/ok.txt`, upsert: false }, Date.now() - 3 * 3600_000);
    expect((await put('ok.txt', expired)).error).toMatchObject({
      status: 400,
      message: '"exp" claim timestamp check failed',
    });

    // A download signed URL's token is not an upload token.
    await alice.storage.from(bucket).upload('dl.txt', Buffer.from('x'), { contentType: 'text/plain' });
    const download = (await alice.storage.from(bucket).createSignedUrl('dl.txt', 60)).data!.signedUrl;
    const downloadToken = new URL(download).searchParams.get('token')!;
    expect((await put('dl.txt', downloadToken)).error).toMatchObject({ status: 400 });
    // No token at all.
    const bare = await fetch(`${url}/storage/v1/object/upload/sign/${bucket}/ok.txt`, {
      method: 'PUT',
      headers: { 'content-type': 'text/plain' },
      body: 'x',
    });
    expect(bare.status).toBe(400);

    const files = (await alice.storage.from(bucket).list()).data!.map((o) => o.name);
    expect(files).toEqual(['dl.txt']);
    // Only dl.txt's blob was added.
    expect(blobFiles(hub.dataDir).length).toBe(before + 1);
  });

  it("holds the upload to the bucket's size and type limits", async () => {
    const bucket = uniqueName('limited');
    await alice.storage.createBucket(bucket, { public: false, fileSizeLimit: 10, allowedMimeTypes: ['text/plain'] });
    const before = blobFiles(hub.dataDir).length;
    const big = (await alice.storage.from(bucket).createSignedUploadUrl('big.txt')).data!;
    const tooBig = await stranger.storage
      .from(bucket)
      .uploadToSignedUrl('big.txt', big.token, Buffer.alloc(11, 97), { contentType: 'text/plain' });
    expect(tooBig.error).toMatchObject({ status: 413, message: 'The object exceeded the maximum allowed size' });
    const pic = (await alice.storage.from(bucket).createSignedUploadUrl('pic.png')).data!;
    const wrongType = await stranger.storage
      .from(bucket)
      .uploadToSignedUrl('pic.png', pic.token, Buffer.from('png'), { contentType: 'image/png' });
    expect(wrongType.error).toMatchObject({ status: 415, message: 'mime type image/png is not supported' });
    expect((await alice.storage.from(bucket).list()).data).toEqual([]);
    expect(blobFiles(hub.dataDir).length).toBe(before);

    // A multipart form (what storage-js sends for a Blob) within the limits is stored.
    const fits = await stranger.storage
      .from(bucket)
      .uploadToSignedUrl('big.txt', big.token, new Blob(['0123456789'], { type: 'text/plain' }));
    expect(fits.error).toBeNull();
    expect(await (await alice.storage.from(bucket).download('big.txt')).data!.text()).toBe('0123456789');
  });
});
