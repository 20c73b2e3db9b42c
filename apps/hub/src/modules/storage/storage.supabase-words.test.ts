import type { SupabaseClient } from '@supabase/supabase-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabaseKinds } from '../../../test/databases.ts';
import { listeningHub, supabaseClient, uniqueName } from '../../../test/supabase.ts';
import type { TestHub } from '../../../test/hub.ts';
import { signUpUser } from '../../../test/users.ts';

/**
 * Storage's answers worded and shaped as Supabase Storage's, through storage-js: the
 * messages users match on, decimal size units, the upload's whole content type, `{}`
 * metadata, and route-level 404s for routes the hub does not serve.
 */
describe.each(testDatabaseKinds())('storage answers in Supabase words on %s', (kind) => {
  let hub: TestHub;
  let url: string;
  let anonKey: string;
  let alice: SupabaseClient;
  let aliceToken: string;

  beforeAll(async () => {
    ({ hub, url, anonKey } = await listeningHub(kind));
    const user = await signUpUser(hub);
    aliceToken = user.accessToken;
    alice = supabaseClient(url, anonKey, { Authorization: `Bearer ${user.accessToken}` });
  }, 180_000);
  afterAll(() => hub?.close());

  it('says "Bucket not found", "Object not found" and refuses bad JWTs as Storage (jose) words them', async () => {
    const missing = await alice.storage.getBucket('no-such-bucket');
    expect(missing.error).toMatchObject({ message: 'Bucket not found', status: 404, statusCode: '404' });
    const bucket = uniqueName('words');
    await alice.storage.createBucket(bucket);
    const object = await alice.storage.from(bucket).download('nothing.txt');
    expect(object.error).toMatchObject({ status: 404 });
    const info = await alice.storage.from(bucket).info('nothing.txt');
    expect(info.error).toMatchObject({ message: 'Object not found', statusCode: '404' });

    const garbage = await supabaseClient(url, anonKey, { Authorization: 'Bearer not-a-jwt' }).storage.listBuckets();
    expect(garbage.error).toMatchObject({ message: 'Invalid Compact JWS', status: 401 });
  });

  it('reads fileSizeLimit strings in decimal units and words the size and mime refusals as Supabase does', async () => {
    const bucket = uniqueName('limits');
    expect(
      (await alice.storage.createBucket(bucket, { public: false, fileSizeLimit: '20mb', allowedMimeTypes: ['text/*'] }))
        .error,
    ).toBeNull();
    expect((await alice.storage.getBucket(bucket)).data?.file_size_limit).toBe(20_000_000);
    expect((await alice.storage.updateBucket(bucket, { public: false, fileSizeLimit: '1.5kb' })).error).toBeNull();
    expect((await alice.storage.getBucket(bucket)).data?.file_size_limit).toBe(1500);

    const tooBig = await alice.storage
      .from(bucket)
      .upload('big.txt', Buffer.alloc(1501, 97), { contentType: 'text/plain' });
    expect(tooBig.error).toMatchObject({
      message: 'The object exceeded the maximum allowed size',
      status: 413,
      statusCode: '413',
    });
    const fits = await alice.storage
      .from(bucket)
      .upload('fits.txt', Buffer.alloc(1500, 97), { contentType: 'text/plain' });
    expect(fits.error).toBeNull();

    const wrongType = await alice.storage
      .from(bucket)
      .upload('pic.png', Buffer.from('png'), { contentType: 'image/png' });
    expect(wrongType.error).toMatchObject({ message: 'mime type image/png is not supported', status: 415 });
    expect(
      (await alice.storage.createBucket(uniqueName('bad'), { public: false, fileSizeLimit: '20 parsecs' })).error,
    ).toMatchObject({
      status: 400,
    });
  });

  it('keeps the upload content type whole (charset too), answers metadata {} and says the bucket was emptied', async () => {
    const bucket = uniqueName('types');
    await alice.storage.createBucket(bucket, { public: false, allowedMimeTypes: ['text/plain'] });
    const up = await alice.storage
      .from(bucket)
      .upload('note.txt', Buffer.from('héllo'), { contentType: 'text/plain;charset=UTF-8' });
    expect(up.error).toBeNull();
    const down = await alice.storage.from(bucket).download('note.txt');
    expect(down.data!.type).toBe('text/plain;charset=utf-8');
    const raw = await fetch(`${url}/storage/v1/object/${bucket}/note.txt`, {
      headers: { authorization: `Bearer ${aliceToken}` },
    });
    expect(raw.headers.get('content-type')).toBe('text/plain;charset=UTF-8');
    const info = await alice.storage.from(bucket).info('note.txt');
    expect(info.data).toMatchObject({ contentType: 'text/plain;charset=UTF-8', metadata: {} });
    const listed = await alice.storage.from(bucket).list();
    expect(listed.data![0]).toMatchObject({ name: 'note.txt', metadata: { mimetype: 'text/plain;charset=UTF-8' } });

    const emptied = await alice.storage.emptyBucket(bucket);
    expect(emptied.data).toEqual({ message: 'Empty bucket has been queued. Completion may take up to an hour.' });
    expect((await alice.storage.from(bucket).list()).data).toEqual([]);
  });

  it('answers routes it lacks with a route-level 404, never "Bucket not found"', async () => {
    const bucket = uniqueName('routes');
    await alice.storage.createBucket(bucket);
    const headers = { authorization: `Bearer ${aliceToken}`, 'content-type': 'application/json' };
    for (const [method, path] of [
      ['PUT', `/storage/v1/object/list-v2/${bucket}`],
      ['POST', `/storage/v1/render/image/sign/${bucket}/x.png`],
      ['GET', `/storage/v1/render/image/authenticated/${bucket}/x.png`],
      ['POST', '/storage/v1/upload/resumable'],
      ['GET', '/storage/v1/no-such-thing'],
    ] as const) {
      const res = await fetch(`${url}${path}`, { method, headers, body: method === 'GET' ? undefined : '{}' });
      expect(res.status, `${method} ${path}`).toBe(404);
      const body = (await res.json()) as { statusCode: string; error: string; message: string };
      expect(body).toMatchObject({ statusCode: '404', error: 'Not Found' });
      expect(body.message).toBe(`Route ${method}:${path} not found`);
    }
  });
});
