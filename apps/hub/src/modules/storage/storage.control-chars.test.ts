import type { AddressInfo } from 'node:net';
import { createClient, type SupabaseClient } from '@supabase/supabase-js';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabaseKinds } from '../../../test/databases.ts';
import { createTestHub, type TestHub } from '../../../test/hub.ts';
import { bearer, signUpUser, type SignedUpUser } from '../../../test/users.ts';
import type { AuthModule } from '../auth/index.ts';

/**
 * Stored upload headers and fields come back later (cache-control, content-type) or go
 * into PostgreSQL (metadata, names): a control character or NUL must be refused with a
 * 400 naming the field, store nothing, and leave every later download working. Before,
 * cacheControl "no-cache\u0001" was stored and every download of the object answered 500.
 */
const nasty = ['\u0000', '\u0001', '\n', '\r\n', '\t', '\u001b', '\u007f'];
const b64 = (json: string) => Buffer.from(json, 'utf8').toString('base64');

describe.each(testDatabaseKinds())('storage refuses control characters on %s', (kind) => {
  let hub: TestHub;
  let alice: SignedUpUser;
  let client: SupabaseClient;
  const bucket = `ctl-${Math.random().toString(36).slice(2, 8)}`;

  beforeAll(async () => {
    hub = await createTestHub(kind);
    await hub.app.listen({ port: 0, host: '127.0.0.1' });
    const url = `http://127.0.0.1:${(hub.app.server.address() as AddressInfo).port}`;
    alice = await signUpUser(hub);
    const anonKey = (hub.modules.find((m) => m.name === 'auth') as AuthModule).anonKey;
    client = createClient(url, anonKey, {
      auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
      realtime: { transport: WebSocket as never },
    });
    const { error } = await client.auth.signInWithPassword({ email: alice.email, password: alice.password });
    if (error) throw error;
    expect((await client.storage.createBucket(bucket)).error).toBeNull();
    const kept = await client.storage
      .from(bucket)
      .upload('kept.txt', Buffer.from('kept'), { contentType: 'text/plain' });
    expect(kept.error).toBeNull();
  }, 120_000);
  afterAll(() => hub?.close(), 120_000);

  const upload = (path: string, headers: Record<string, string>, body: string | Buffer = 'hello') =>
    hub.app.inject({
      method: 'POST',
      url: `/storage/v1/object/${bucket}/${path}`,
      headers: { ...bearer(alice), 'content-type': 'text/plain', ...headers },
      payload: body,
    });

  function multipart(fields: Record<string, string>, fileType = 'text/plain') {
    const boundary = 'made-open-test-boundary';
    const parts = Object.entries(fields).map(
      ([name, value]) => `--${boundary}\r\ncontent-disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`,
    );
    parts.push(
      `--${boundary}\r\ncontent-disposition: form-data; name=""; filename="f.txt"\r\ncontent-type: ${fileType}\r\n\r\nhello\r\n--${boundary}--\r\n`,
    );
    return { body: Buffer.from(parts.join(''), 'utf8'), type: `multipart/form-data; boundary=${boundary}` };
  }

  async function storedNames(): Promise<string[]> {
    const rows = await hub.db.asSystem((tx) =>
      tx.query<{ name: string }>(`SELECT name FROM made_open.storage_objects WHERE bucket_id = $1 ORDER BY name`, [
        bucket,
      ]),
    );
    return rows.rows.map((r) => r.name);
  }

  function expect400(response: { statusCode: number; body: string }, field: string, what: string) {
    expect(response.statusCode, `${what}: ${response.body}`).toBe(400);
    expect(JSON.parse(response.body).message, what).toContain(field);
  }

  it('refuses them in every upload header (raw body, as supabase-js sends a Buffer)', async () => {
    for (const ch of nasty) {
      const what = JSON.stringify(ch);
      expect400(await upload('a.txt', { 'cache-control': `no-cache${ch}` }), 'cache-control', what);
      expect400(await upload('a.txt', { 'content-type': `text/plain${ch}` }), 'content-type', what);
      expect400(await upload('a.txt', { 'x-upsert': `true${ch}` }), 'x-upsert', what);
      expect400(await upload('a.txt', { 'x-metadata': b64(JSON.stringify({ note: `a${ch}b` })) }), 'x-metadata', what);
      expect400(await upload('a.txt', { 'x-metadata': b64(JSON.stringify({ [`k${ch}`]: 1 })) }), 'x-metadata', what);
      const nested = b64(JSON.stringify({ list: [{ deep: `x${ch}` }] }));
      expect400(await upload('a.txt', { 'x-metadata': nested }), 'x-metadata', what);
      expect400(await upload('a.txt', { 'x-metadata': `${b64('{}')}${ch}` }), 'x-metadata', what);
    }
    expect400(await upload('a.txt', { 'x-metadata': b64('{"note":"\\ud800"}') }), 'x-metadata', 'lone surrogate');
    expect400(await upload('a.txt', { 'cache-control': 'max-age=60, über' }), 'cache-control', 'non-ASCII');
    expect(await storedNames()).toEqual(['kept.txt']);
  });

  it('refuses them in every multipart field and the file part', async () => {
    for (const ch of nasty) {
      const what = JSON.stringify(ch);
      for (const [fields, field] of [
        [{ cacheControl: `no-cache${ch}` }, 'cacheControl'],
        [{ metadata: JSON.stringify({ note: `a${ch}b` }) }, 'metadata'],
        [{ cacheControl: '3600', metadata: `{"a":1}${ch}` }, 'metadata'],
      ] as const) {
        const form = multipart(fields);
        expect400(await upload('m.txt', { 'content-type': form.type }, form.body), field, `${field} ${what}`);
      }
    }
    const form = multipart({ cacheControl: '3600' }, 'text/plain\u0001');
    const response = await upload('m.txt', { 'content-type': form.type }, form.body);
    // busboy may drop the malformed part header itself; either way nothing is stored.
    expect(response.statusCode).toBe(400);
    expect(await storedNames()).toEqual(['kept.txt']);
  });

  it('refuses them through the supabase-js client: form fields, names, buckets, listings', async () => {
    const files = client.storage.from(bucket);
    const blob = new Blob(['hello'], { type: 'text/plain' });
    const status = (result: { error: unknown }) => (result.error as { statusCode?: string } | null)?.statusCode;
    expect(status(await files.upload('c.txt', blob, { cacheControl: 'no-cache\u0001' }))).toBe('400');
    expect(status(await files.upload('c.txt', blob, { metadata: { note: 'a\u0000b' } }))).toBe('400');
    expect(status(await files.upload('c\u0001.txt', blob))).toBe('400');
    expect(status(await files.move('kept.txt', 'moved\u0000.txt'))).toBe('400');
    expect(status(await files.copy('kept.txt', 'copy\u0007.txt'))).toBe('400');
    expect(status(await files.remove(['kept.txt\u0000']))).toBe('400');
    expect(status(await files.createSignedUrls(['kept.txt\u0000'], 60))).toBe('400');
    expect(status(await files.list('', { search: 'k\u0000' }))).toBe('400');
    expect(status(await client.storage.createBucket('b\u0000ad'))).toBe('400');
    expect(status(await client.storage.updateBucket(bucket, { public: false, fileSizeLimit: '1MB\u0000' }))).toBe(
      '400',
    );
    expect(
      status(await client.storage.updateBucket(bucket, { public: false, allowedMimeTypes: ['text/plain\u0000'] })),
    ).toBe('400');
    expect(await storedNames()).toEqual(['kept.txt']);
  });

  it('keeps every download working: refused uploads stored nothing, and a bad stored value is not sent', async () => {
    const files = client.storage.from(bucket);
    const kept = await files.download('kept.txt');
    expect(kept.error).toBeNull();
    expect(await kept.data!.text()).toBe('kept');
    // An object stored before these checks, with a control character in cache_control.
    await hub.db.asSystem((tx) =>
      tx.query(`UPDATE made_open.storage_objects SET cache_control = $1 WHERE bucket_id = $2 AND name = 'kept.txt'`, [
        'no-cache\u0001',
        bucket,
      ]),
    );
    const response = await hub.app.inject({
      method: 'GET',
      url: `/storage/v1/object/${bucket}/kept.txt`,
      headers: bearer(alice),
    });
    expect(response.statusCode).toBe(200);
    expect(response.body).toBe('kept');
    expect(response.headers['cache-control']).toBe('max-age=3600');
    const ok = await files.upload('fine.txt', new Blob(['fine'], { type: 'text/plain' }), {
      cacheControl: '60',
      metadata: { note: 'plain text, with "quotes" and ünïcode' },
    });
    expect(ok.error).toBeNull();
    const info = await files.info('fine.txt');
    expect(info.data).toMatchObject({
      cacheControl: 'max-age=60',
      metadata: { note: 'plain text, with "quotes" and ünïcode' },
    });
  });
});
