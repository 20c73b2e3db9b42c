import { mkdtempSync, readdirSync, existsSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient, type SupabaseClient } from '@supabase/supabase-js';
import S3rver from 's3rver';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabaseKinds } from '../../../test/databases.ts';
import { createTestHub, type TestHub } from '../../../test/hub.ts';
import { signUpUser, type SignedUpUser } from '../../../test/users.ts';
import type { AuthModule } from '../auth/index.ts';
import { createUrlSigner } from './storage.signing.ts';

const generous = { AUTH_RATE_LIMIT_SIGNUP_PER_HOUR: '10000', AUTH_RATE_LIMIT_TOKEN_PER_MINUTE: '10000' };

async function listen(hub: TestHub): Promise<string> {
  await hub.app.listen({ port: 0, host: '127.0.0.1' });
  return `http://127.0.0.1:${(hub.app.server.address() as AddressInfo).port}`;
}

async function signedInClient(hub: TestHub, url: string, user: SignedUpUser): Promise<SupabaseClient> {
  const anonKey = (hub.modules.find((m) => m.name === 'auth') as AuthModule).anonKey;
  const client = createClient(url, anonKey, {
    auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
    realtime: { transport: WebSocket as never },
  });
  const { error } = await client.auth.signInWithPassword({ email: user.email, password: user.password });
  if (error) throw error;
  return client;
}

/** Every blob file the fs backend holds (objects and unfinished uploads). */
function blobFiles(dataDir: string): string[] {
  const root = join(dataDir, 'storage');
  const out: string[] = [];
  const walk = (dir: string) => {
    if (!existsSync(dir)) return;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory()) walk(join(dir, entry.name));
      else if (entry.name !== 'storage-signing.key') out.push(join(dir, entry.name));
    }
  };
  walk(join(root, 'objects'));
  walk(join(root, 'tmp'));
  return out;
}

const bytes = (n: number, seed = 7) => Buffer.from(Array.from({ length: n }, (_, i) => (i * seed + 3) % 251));
const unique = (label: string) => `${label}-${Math.random().toString(36).slice(2, 8)}`;

/** Raw upload with a Content-Length that promises more bytes than are sent. */
function shortUpload(url: string, path: string, token: string, promised: number, sent: number): Promise<void> {
  return new Promise((resolve) => {
    const target = new URL(`/storage/v1/object/${path}`, url);
    const req = httpRequest(target, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/octet-stream',
        'content-length': String(promised),
      },
    });
    req.on('error', () => resolve());
    req.on('response', (res) => {
      res.resume();
      res.on('end', resolve);
    });
    req.write(bytes(sent));
    setTimeout(() => {
      req.destroy();
      resolve();
    }, 200);
  });
}

describe.each(testDatabaseKinds())('storage with supabase-js on %s', (kind) => {
  let hub: TestHub;
  let url: string;
  let alice: SignedUpUser;
  let bob: SignedUpUser;
  let a: SupabaseClient;
  let b: SupabaseClient;

  beforeAll(async () => {
    hub = await createTestHub(kind, generous);
    url = await listen(hub);
    [alice, bob] = [await signUpUser(hub), await signUpUser(hub)];
    [a, b] = [await signedInClient(hub, url, alice), await signedInClient(hub, url, bob)];
  });
  afterAll(() => hub?.close());

  const ownerEvents = (ownerId: string) =>
    hub.db
      .asSystem((tx) =>
        tx.query<{ type: string; subject: string }>(
          `SELECT type, subject FROM made_open.outbox WHERE owner_id = $1 ORDER BY id`,
          [ownerId],
        ),
      )
      .then((r) => r.rows);

  it('creates, lists, gets, updates, empties and deletes buckets, each user seeing only their own', async () => {
    const id = unique('docs');
    expect(
      await a.storage.createBucket(id, { public: false, fileSizeLimit: '1MB', allowedMimeTypes: ['text/*'] }),
    ).toEqual({ data: { name: id }, error: null });
    const got = await a.storage.getBucket(id);
    expect(got.data).toMatchObject({
      id,
      name: id,
      owner: alice.id,
      public: false,
      file_size_limit: 1_000_000,
      allowed_mime_types: ['text/*'],
    });
    expect((await a.storage.listBuckets()).data!.map((x) => x.id)).toContain(id);
    expect((await b.storage.listBuckets()).data!.map((x) => x.id)).not.toContain(id);
    const foreign = await b.storage.getBucket(id);
    expect(foreign.error).toMatchObject({ status: 404 });
    const duplicate = await b.storage.createBucket(id);
    expect(duplicate.error).toMatchObject({ status: 409 });

    expect(
      (await a.storage.updateBucket(id, { public: true, fileSizeLimit: null, allowedMimeTypes: null })).error,
    ).toBeNull();
    expect((await a.storage.getBucket(id)).data).toMatchObject({
      public: true,
      file_size_limit: null,
      allowed_mime_types: null,
    });
    expect((await b.storage.updateBucket(id, { public: false })).error).toMatchObject({ status: 404 });

    await a.storage.from(id).upload('x.txt', Buffer.from('x'), { contentType: 'text/plain' });
    expect((await a.storage.deleteBucket(id)).error).toMatchObject({ status: 409 });
    expect((await b.storage.emptyBucket(id)).error).toMatchObject({ status: 404 });
    expect((await a.storage.emptyBucket(id)).error).toBeNull();
    expect((await a.storage.from(id).list()).data).toEqual([]);
    expect((await a.storage.deleteBucket(id)).data).toEqual({ message: 'Successfully deleted' });
    expect((await a.storage.getBucket(id)).error).toMatchObject({ status: 404 });
    expect((await a.storage.createBucket('../etc')).error).toMatchObject({ status: 400 });
    // A name carrying another account's id is that account's: Bob cannot squat Alice's.
    const squat = await b.storage.createBucket(`contact-photos-${alice.id}`);
    expect(squat.error).toMatchObject({ status: 403 });
    expect((await a.storage.getBucket(`contact-photos-${alice.id}`)).error).toMatchObject({ status: 404 });
    expect((await a.storage.createBucket(`contact-photos-${alice.id}`)).error).toBeNull();
    expect((await a.storage.deleteBucket(`contact-photos-${alice.id}`)).error).toBeNull();
    const types = (await ownerEvents(alice.id)).map((e) => e.type);
    expect(types).toEqual(
      expect.arrayContaining([
        'storage.BucketCreated',
        'storage.BucketUpdated',
        'storage.BucketDeleted',
        'storage.ObjectRemoved',
      ]),
    );
  });

  it('uploads raw and multipart bodies, downloads them, and makes each object a file entity with events', async () => {
    const bucket = unique('photos');
    await a.storage.createBucket(bucket);
    const raw = bytes(300_000);
    const up = await a.storage.from(bucket).upload('2026/raw.bin', raw, { contentType: 'application/octet-stream' });
    expect(up.error).toBeNull();
    expect(up.data).toMatchObject({ path: '2026/raw.bin', fullPath: `${bucket}/2026/raw.bin` });
    const blob = new Blob([bytes(5000, 3)], { type: 'image/png' });
    const multi = await a.storage
      .from(bucket)
      .upload('2026/pic.png', blob, { cacheControl: '60', metadata: { album: 'summer' } });
    expect(multi.error).toBeNull();

    const down = await a.storage.from(bucket).download('2026/raw.bin');
    expect(Buffer.from(await down.data!.arrayBuffer()).equals(raw)).toBe(true);
    const pic = await a.storage.from(bucket).download('2026/pic.png');
    expect(pic.data!.type).toBe('image/png');
    expect(Buffer.from(await pic.data!.arrayBuffer()).equals(bytes(5000, 3))).toBe(true);

    const info = await a.storage.from(bucket).info('2026/pic.png');
    expect(info.data).toMatchObject({
      name: '2026/pic.png',
      bucketId: bucket,
      size: 5000,
      contentType: 'image/png',
      cacheControl: 'max-age=60',
      metadata: { album: 'summer' },
    });
    expect((await a.storage.from(bucket).exists('2026/pic.png')).data).toBe(true);
    expect((await a.storage.from(bucket).exists('2026/none.png')).data).toBe(false);

    const entities = await hub.db.asUser(alice.claims, (tx) =>
      tx.query<{ type: string; title: string; properties: Record<string, unknown>; external_id: string }>(
        `SELECT type, title, properties, external_id FROM public.entities WHERE source = 'storage' AND deleted_at IS NULL AND title = 'pic.png'`,
      ),
    );
    expect(entities.rows).toEqual([
      expect.objectContaining({
        type: 'file',
        title: 'pic.png',
        properties: {
          fileName: 'pic.png',
          mimeType: 'image/png',
          sizeBytes: 5000,
          storageKey: `${bucket}/2026/pic.png`,
        },
      }),
    ]);
    const bobSees = await hub.db.asUser(bob.claims, (tx) =>
      tx.query(`SELECT 1 FROM public.entities WHERE source = 'storage'`),
    );
    expect(bobSees.rows).toEqual([]);
    const types = (await ownerEvents(alice.id)).map((e) => e.type);
    expect(types).toEqual(expect.arrayContaining(['data.EntityCreated', 'storage.ObjectStored']));
  });

  it('refuses a second upload to the same path unless upserting, and replaces the bytes when it does', async () => {
    const bucket = unique('up');
    await a.storage.createBucket(bucket);
    await a.storage.from(bucket).upload('a.txt', Buffer.from('first'), { contentType: 'text/plain' });
    const filesBefore = blobFiles(hub.dataDir).length;
    const again = await a.storage.from(bucket).upload('a.txt', Buffer.from('second'), { contentType: 'text/plain' });
    expect(again.error).toMatchObject({ status: 409 });
    const upsert = await a.storage
      .from(bucket)
      .upload('a.txt', Buffer.from('second!'), { contentType: 'text/plain', upsert: true });
    expect(upsert.error).toBeNull();
    expect(await (await a.storage.from(bucket).download('a.txt')).data!.text()).toBe('second!');
    expect(blobFiles(hub.dataDir).length).toBe(filesBefore);
    const updated = await a.storage.from(bucket).update('a.txt', Buffer.from('third'), { contentType: 'text/plain' });
    expect(updated.error).toBeNull();
    expect(await (await a.storage.from(bucket).download('a.txt')).data!.text()).toBe('third');
  });

  it('lists one folder with prefix, search, limit/offset and sorting', async () => {
    const bucket = unique('list');
    await a.storage.createBucket(bucket);
    for (const name of ['b.txt', 'a.txt', 'c.txt', 'sub/one.txt', 'sub/deeper/two.txt', 'other/x.txt']) {
      await a.storage.from(bucket).upload(name, Buffer.from(name), { contentType: 'text/plain' });
    }
    const root = await a.storage.from(bucket).list();
    expect(root.data!.map((o) => o.name)).toEqual(['a.txt', 'b.txt', 'c.txt', 'other', 'sub']);
    expect(root.data!.find((o) => o.name === 'sub')).toMatchObject({ id: null, metadata: null });
    expect(root.data!.find((o) => o.name === 'a.txt')!.metadata).toMatchObject({
      size: 5,
      mimetype: 'text/plain',
      httpStatusCode: 200,
    });
    const sub = await a.storage.from(bucket).list('sub');
    expect(sub.data!.map((o) => o.name)).toEqual(['deeper', 'one.txt']);
    const paged = await a.storage
      .from(bucket)
      .list('', { limit: 2, offset: 1, sortBy: { column: 'name', order: 'desc' } });
    expect(paged.data!.map((o) => o.name)).toEqual(['other', 'c.txt']);
    const searched = await a.storage.from(bucket).list('', { search: 'B.T' });
    expect(searched.data!.map((o) => o.name)).toEqual(['b.txt']);
    const byCreated = await a.storage.from(bucket).list('', { sortBy: { column: 'created_at', order: 'asc' } });
    expect(byCreated.data!.slice(0, 3).map((o) => o.name)).toEqual(['b.txt', 'a.txt', 'c.txt']);
    expect((await b.storage.from(bucket).list()).error).toMatchObject({ status: 404 });
  });

  it('moves, copies and removes objects, keeping the file entities in step', async () => {
    const bucket = unique('mv');
    await a.storage.createBucket(bucket);
    await a.storage.from(bucket).upload('from.txt', Buffer.from('hello'), { contentType: 'text/plain' });
    expect((await a.storage.from(bucket).move('from.txt', 'dir/to.txt')).data).toEqual({
      message: 'Successfully moved',
    });
    expect((await a.storage.from(bucket).download('from.txt')).error).toMatchObject({ status: 404 });
    expect(await (await a.storage.from(bucket).download('dir/to.txt')).data!.text()).toBe('hello');
    expect((await a.storage.from(bucket).copy('dir/to.txt', 'copy.txt')).data).toEqual({ path: `${bucket}/copy.txt` });
    expect(await (await a.storage.from(bucket).download('copy.txt')).data!.text()).toBe('hello');
    expect((await b.storage.from(bucket).move('copy.txt', 'stolen.txt')).error).toMatchObject({ status: 404 });
    expect((await b.storage.from(bucket).copy('copy.txt', 'stolen.txt')).error).toMatchObject({ status: 404 });

    const live = () =>
      hub.db
        .asUser(alice.claims, (tx) =>
          tx.query<{ title: string }>(
            `SELECT title FROM public.entities WHERE source = 'storage' AND deleted_at IS NULL AND properties->>'storageKey' LIKE $1 ORDER BY title`,
            [`${bucket}/%`],
          ),
        )
        .then((r) => r.rows.map((row) => row.title));
    expect(await live()).toEqual(['copy.txt', 'to.txt']);

    const removed = await a.storage.from(bucket).remove(['copy.txt', 'dir/to.txt', 'missing.txt']);
    expect(removed.data!.map((o) => o.name).sort()).toEqual(['copy.txt', 'dir/to.txt']);
    expect(await live()).toEqual([]);
    expect((await ownerEvents(alice.id)).map((e) => e.type)).toEqual(
      expect.arrayContaining(['data.EntityDeleted', 'data.EntityUpdated', 'storage.ObjectMoved']),
    );
  });

  it('serves signed URLs until they expire and refuses altered ones', async () => {
    const bucket = unique('signed');
    await a.storage.createBucket(bucket);
    await a.storage.from(bucket).upload('doc one.txt', Buffer.from('secret text'), { contentType: 'text/plain' });
    const signed = await a.storage.from(bucket).createSignedUrl('doc one.txt', 60);
    expect(signed.error).toBeNull();
    const ok = await fetch(signed.data!.signedUrl);
    expect(ok.status).toBe(200);
    expect(await ok.text()).toBe('secret text');
    const attachment = await fetch(
      (await a.storage.from(bucket).createSignedUrl('doc one.txt', 60, { download: 'x.txt' })).data!.signedUrl,
    );
    expect(attachment.headers.get('content-disposition')).toContain('x.txt');

    const token = new URL(signed.data!.signedUrl).searchParams.get('token')!;
    const [payload, mac] = token.split('.');
    const forged = Buffer.from(JSON.stringify({ url: `${bucket}/other.txt`, iat: 0, exp: 9_999_999_999 })).toString(
      'base64url',
    );
    for (const bad of [`${forged}.${mac}`, `${payload}.${mac!.slice(0, -2)}AA`, 'nonsense']) {
      const res = await fetch(`${url}/storage/v1/object/sign/${bucket}/doc%20one.txt?token=${bad}`);
      expect(res.status).toBe(400);
    }
    // The token names one object: it does not open another path.
    const elsewhere = await fetch(`${url}/storage/v1/object/sign/${bucket}/other.txt?token=${token}`);
    expect(elsewhere.status).toBe(400);

    const expired = createUrlSigner('x'.repeat(40));
    expect(() => expired.verify(expired.sign('b/o', 10, Date.now() - 20_000))).toThrow(/expired/);
    const short = await a.storage.from(bucket).createSignedUrl('doc one.txt', 1);
    await new Promise((r) => setTimeout(r, 1100));
    const late = await fetch(short.data!.signedUrl);
    expect(late.status).toBe(400);
    expect(await late.json()).toMatchObject({ error: 'signature_expired' });

    const many = await a.storage.from(bucket).createSignedUrls(['doc one.txt', 'missing.txt'], 60);
    expect(many.data![0]!.signedUrl).toContain('/object/sign/');
    expect(many.data![1]).toMatchObject({ path: 'missing.txt', signedUrl: null });
    expect((await b.storage.from(bucket).createSignedUrl('doc one.txt', 60)).error).toMatchObject({ status: 404 });
  });

  it('serves public buckets without a token and keeps private ones private', async () => {
    const pub = unique('pub');
    const priv = unique('priv');
    await a.storage.createBucket(pub, { public: true });
    await a.storage.createBucket(priv, { public: false });
    await a.storage.from(pub).upload('logo.svg', Buffer.from('<svg/>'), { contentType: 'image/svg+xml' });
    await a.storage.from(priv).upload('logo.svg', Buffer.from('<svg/>'), { contentType: 'image/svg+xml' });
    const open = await fetch(a.storage.from(pub).getPublicUrl('logo.svg').data.publicUrl);
    expect(open.status).toBe(200);
    expect(open.headers.get('content-security-policy')).toContain('sandbox');
    expect(await open.text()).toBe('<svg/>');
    expect((await fetch(a.storage.from(priv).getPublicUrl('logo.svg').data.publicUrl)).status).toBe(404);
    const ranged = await fetch(a.storage.from(pub).getPublicUrl('logo.svg').data.publicUrl, {
      headers: { range: 'bytes=1-3' },
    });
    expect(ranged.status).toBe(206);
    expect(await ranged.text()).toBe('svg');
  });

  it('answers bad input with a clear 4xx and writes nothing', async () => {
    const bucket = unique('strict');
    await a.storage.createBucket(bucket, {
      public: false,
      fileSizeLimit: 1000,
      allowedMimeTypes: ['image/png', 'text/*'],
    });
    await a.storage.from(bucket).upload('mine.txt', Buffer.from('mine'), { contentType: 'text/plain' });
    const before = blobFiles(hub.dataDir).sort();
    const count = () =>
      hub.db
        .asSystem((tx) => tx.query<{ n: number }>(`SELECT count(*)::int AS n FROM made_open.storage_objects`))
        .then((r) => r.rows[0]!.n);
    const rows = await count();

    for (const path of ['../escape.txt', 'a/../../b.txt', 'ctl\u0001.txt']) {
      const res = await a.storage.from(bucket).upload(path, Buffer.from('x'), { contentType: 'text/plain' });
      expect(res.error, path).toMatchObject({ status: 400 });
    }
    // Encoded dot segments survive URL normalisation and reach the hub: refused there.
    for (const path of ['..%2F..%2Fetc%2Fpasswd', 'a%2F.%2Fb.txt', 'a/%2E%2E/%2E%2E/b.txt', 'a%5C..%5Cb.txt']) {
      const encoded = await fetch(`${url}/storage/v1/object/${bucket}/${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${alice.accessToken}`, 'content-type': 'text/plain' },
        body: 'x',
      });
      expect(encoded.status, path).toBe(400);
    }
    const big = await a.storage.from(bucket).upload('big.txt', bytes(1001), { contentType: 'text/plain' });
    expect(big.error).toMatchObject({ status: 413 });
    // A chunked body (no Content-Length) is cut off by counting.
    const chunked = await a.storage
      .from(bucket)
      .upload('big2.txt', new Blob([bytes(5000)]).stream(), { contentType: 'text/plain', duplex: 'half' });
    expect(chunked.error).toMatchObject({ status: 413 });
    const mime = await a.storage
      .from(bucket)
      .upload('evil.html', Buffer.from('<script>'), { contentType: 'text/html; charset=utf-8' });
    expect(mime.error).toBeNull();
    await a.storage.from(bucket).remove(['evil.html']);
    const wrongMime = await a.storage
      .from(bucket)
      .upload('x.pdf', Buffer.from('%PDF'), { contentType: 'application/pdf' });
    expect(wrongMime.error).toMatchObject({ status: 415 });

    await shortUpload(url, `${bucket}/short.bin`, alice.accessToken, 900, 100);
    await new Promise((r) => setTimeout(r, 300));

    // Another user's objects do not exist for them.
    expect((await b.storage.from(bucket).download('mine.txt')).error).toMatchObject({ status: 404 });
    expect((await b.storage.from(bucket).info('mine.txt')).error).toMatchObject({ status: 404 });
    expect(
      (
        await b.storage
          .from(bucket)
          .upload('mine.txt', Buffer.from('overwrite'), { contentType: 'text/plain', upsert: true })
      ).error,
    ).toMatchObject({ status: 404 });
    expect((await b.storage.from(bucket).remove(['mine.txt'])).error).toMatchObject({ status: 404 });
    const anon = await fetch(`${url}/storage/v1/object/${bucket}/mine.txt`);
    expect(anon.status).toBe(401);

    expect(await count()).toBe(rows);
    expect(blobFiles(hub.dataDir).sort()).toEqual(before);
    expect(await (await a.storage.from(bucket).download('mine.txt')).data!.text()).toBe('mine');
    // The server is unharmed.
    expect(
      (await a.storage.from(bucket).upload('after.txt', Buffer.from('ok'), { contentType: 'text/plain' })).error,
    ).toBeNull();
  });
  it('answers a multipart form cut off inside its file part with a 4xx, stores nothing and keeps running', async () => {
    const bucket = unique('cut');
    await a.storage.createBucket(bucket);
    const part = (name: string) =>
      `--cut\r\nContent-Disposition: form-data; name="file"; filename="${name}"\r\nContent-Type: text/plain\r\n\r\n`;
    const send = (path: string, form: string) =>
      fetch(`${url}/storage/v1/object/${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${alice.accessToken}`, 'content-type': 'multipart/form-data; boundary=cut' },
        body: form,
      });
    const before = blobFiles(hub.dataDir).sort();

    // Read into the blob store, then the form ends: an incomplete upload. This once ended the
    // hub's process: busboy failed the file part's stream and nothing heard it.
    const read = await send(`${bucket}/read.txt`, `${part('a.txt')}${'x'.repeat(70_000)}`);
    expect(read.status).toBe(400);
    expect(await read.json()).toMatchObject({ message: expect.stringContaining('ended before it was complete') });
    // Refused before its body is read (no such bucket): the unread part fails without harm.
    expect((await send('no-such-bucket/x.txt', `${part('a.txt')}abc`)).status).toBe(404);
    // Cut off inside a second file part, which nobody reads: the first file was whole, but an
    // upload is all or nothing. This once stored the first file and answered 200.
    const second = await send(`${bucket}/second.txt`, `${part('a.txt')}abc\r\n${part('b.txt')}abc`);
    expect(second.status).toBe(400);
    expect(await second.json()).toMatchObject({ error: 'incomplete_upload' });
    // Cut off after the file part, before the closing boundary.
    const unclosed = await send(`${bucket}/unclosed.txt`, `${part('a.txt')}abc\r\n`);
    expect(unclosed.status).toBe(400);

    const listed = (await a.storage.from(bucket).list()).data!.map((o) => o.name);
    expect(listed).toEqual([]);
    expect(blobFiles(hub.dataDir).length).toBe(before.length + listed.length);
    // The process survived: it still answers, and a whole form is stored.
    expect((await fetch(`${url}/health`)).status).toBe(200);
    expect((await send(`${bucket}/whole.txt`, `${part('a.txt')}abc\r\n--cut--\r\n`)).status).toBe(200);
  });
});

describe('storage on an S3-compatible backend (s3rver)', () => {
  let s3: S3rver;
  let hub: TestHub;
  let url: string;
  let alice: SignedUpUser;
  let a: SupabaseClient;

  beforeAll(async () => {
    const directory = mkdtempSync(join(tmpdir(), 'made-open-s3rver-'));
    s3 = new S3rver({
      port: 0,
      address: '127.0.0.1',
      silent: true,
      directory,
      configureBuckets: [{ name: 'made-open', configs: [] }],
    });
    const { port } = (await s3.run()) as AddressInfo;
    hub = await createTestHub('pglite', {
      ...generous,
      STORAGE_BACKEND: 's3',
      S3_ENDPOINT: `http://127.0.0.1:${port}`,
      S3_BUCKET: 'made-open',
      S3_ACCESS_KEY_ID: 'S3RVER',
      S3_SECRET_ACCESS_KEY: 'S3RVER',
    });
    url = await listen(hub);
    alice = await signUpUser(hub);
    a = await signedInClient(hub, url, alice);
  });
  afterAll(async () => {
    await hub?.close();
    await s3?.close();
  });

  it('uploads, downloads (with ranges), copies, replaces and removes objects in the S3 bucket', async () => {
    const health = await hub.app.inject({ method: 'GET', url: '/health' });
    expect(health.json().checks.storage).toMatchObject({ status: 'ok', details: { backend: 's3' } });
    await a.storage.createBucket('media');
    const data = bytes(200_000);
    expect(
      (await a.storage.from('media').upload('v/clip.bin', data, { contentType: 'application/octet-stream' })).error,
    ).toBeNull();
    expect(
      Buffer.from(await (await a.storage.from('media').download('v/clip.bin')).data!.arrayBuffer()).equals(data),
    ).toBe(true);
    const range = await fetch(`${url}/storage/v1/object/media/v/clip.bin`, {
      headers: { authorization: `Bearer ${alice.accessToken}`, range: 'bytes=10-19' },
    });
    expect(range.status).toBe(206);
    expect(Buffer.from(await range.arrayBuffer()).equals(data.subarray(10, 20))).toBe(true);
    const chunked = await a.storage.from('media').upload('v/stream.bin', new Blob([bytes(70_000, 5)]).stream(), {
      contentType: 'application/octet-stream',
      duplex: 'half',
    });
    expect(chunked.error).toBeNull();
    expect(
      Buffer.from(await (await a.storage.from('media').download('v/stream.bin')).data!.arrayBuffer()).equals(
        bytes(70_000, 5),
      ),
    ).toBe(true);
    expect((await a.storage.from('media').copy('v/clip.bin', 'v/copy.bin')).error).toBeNull();
    expect(
      (
        await a.storage
          .from('media')
          .upload('v/copy.bin', Buffer.from('small'), { contentType: 'text/plain', upsert: true })
      ).error,
    ).toBeNull();
    expect(await (await a.storage.from('media').download('v/copy.bin')).data!.text()).toBe('small');
    expect((await a.storage.from('media').remove(['v/clip.bin', 'v/copy.bin', 'v/stream.bin'])).data).toHaveLength(3);
    expect((await a.storage.from('media').download('v/clip.bin')).error).toMatchObject({ status: 404 });
  });
});
