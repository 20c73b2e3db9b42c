import type { SupabaseClient } from '@supabase/supabase-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabaseKinds } from '../../../test/databases.ts';
import { listeningHub, supabaseClient, uniqueName } from '../../../test/supabase.ts';
import type { TestHub } from '../../../test/hub.ts';
import { signUpUser } from '../../../test/users.ts';

/** list-v2 through storage-js's listV2: prefixes, folders, limits and cursors as Supabase pages them. */

// Upload order is creation order; names sort bytewise ("B" before "a", "." before "/").
const paths = ['docs/two.txt', 'a.txt', 'docs/deep/three.txt', 'B.txt', 'docsy.txt', 'zeta/z.txt', 'docs/one.txt'];
const byName = [...paths].sort((x, y) => (Buffer.compare(Buffer.from(x), Buffer.from(y)) < 0 ? -1 : 1));

describe.each(testDatabaseKinds())('list-v2 through storage-js on %s', (kind) => {
  let hub: TestHub;
  let alice: SupabaseClient;
  let bob: SupabaseClient;
  let bucket: string;

  beforeAll(async () => {
    const started = await listeningHub(kind);
    hub = started.hub;
    const { url, anonKey } = started;
    alice = supabaseClient(url, anonKey, { Authorization: `Bearer ${(await signUpUser(hub)).accessToken}` });
    bob = supabaseClient(url, anonKey, { Authorization: `Bearer ${(await signUpUser(hub)).accessToken}` });
    bucket = uniqueName('v2');
    await alice.storage.createBucket(bucket);
    for (const path of paths) {
      const { error } = await alice.storage.from(bucket).upload(path, Buffer.from(path), { contentType: 'text/plain' });
      if (error) throw error;
      // Distinct creation times, so the timestamp order is the upload order.
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }, 180_000);
  afterAll(() => hub?.close());

  it('lists every key flat, or one level with folders, under a string prefix', async () => {
    const flat = await alice.storage.from(bucket).listV2();
    expect(flat.error).toBeNull();
    expect(flat.data!.objects.map((o) => o.name)).toEqual(byName);
    expect(flat.data!.folders).toEqual([]);
    expect(flat.data!.hasNext).toBe(false);
    expect(flat.data!.objects[0]).toMatchObject({
      name: 'B.txt',
      id: expect.any(String),
      metadata: { size: 5, mimetype: 'text/plain', eTag: expect.any(String) },
    });

    const top = (await alice.storage.from(bucket).listV2({ with_delimiter: true })).data!;
    expect(top.folders.map((f) => f.name)).toEqual(['docs/', 'zeta/']);
    expect(top.objects.map((o) => o.name)).toEqual(['B.txt', 'a.txt', 'docsy.txt']);

    const docs = (await alice.storage.from(bucket).listV2({ prefix: 'docs/', with_delimiter: true })).data!;
    expect(docs.folders.map((f) => f.name)).toEqual(['docs/deep/']);
    expect(docs.objects.map((o) => [o.name, o.key])).toEqual([
      ['docs/one.txt', 'one.txt'],
      ['docs/two.txt', 'two.txt'],
    ]);
    // A prefix is a string prefix, not a folder.
    const docsAny = (await alice.storage.from(bucket).listV2({ prefix: 'docs', with_delimiter: true })).data!;
    expect(docsAny.folders.map((f) => f.name)).toEqual(['docs/']);
    expect(docsAny.objects.map((o) => o.name)).toEqual(['docsy.txt']);
    const docsFlat = (await alice.storage.from(bucket).listV2({ prefix: 'docs' })).data!;
    expect(docsFlat.objects.map((o) => o.name)).toEqual(byName.filter((p) => p.startsWith('docs')));
  });

  it('pages with limit and cursor in every order, the pages adding up to the whole listing', async () => {
    const orders = [
      { column: 'name', order: 'asc' },
      { column: 'name', order: 'desc' },
      { column: 'created_at', order: 'asc' },
      { column: 'updated_at', order: 'desc' },
    ] as const;
    for (const sortBy of orders) {
      for (const with_delimiter of [false, true]) {
        const whole = (await alice.storage.from(bucket).listV2({ with_delimiter, sortBy })).data!;
        const all = [...whole.folders, ...whole.objects].map((e) => e.name);
        const seen: string[] = [];
        let cursor: string | undefined;
        let pages = 0;
        for (;;) {
          const page = (await alice.storage.from(bucket).listV2({ with_delimiter, sortBy, limit: 2, cursor })).data!;
          seen.push(...[...page.folders, ...page.objects].map((e) => e.name));
          pages += 1;
          expect(page.folders.length + page.objects.length).toBeLessThanOrEqual(2);
          if (!page.hasNext) break;
          cursor = page.nextCursor;
          expect(cursor).toBeTruthy();
        }
        expect([...seen].sort(), `${sortBy.column} ${sortBy.order} ${with_delimiter}`).toEqual([...all].sort());
        expect(new Set(seen).size).toBe(seen.length);
        expect(pages).toBe(Math.ceil(all.length / 2));
      }
    }
    const created = (await alice.storage.from(bucket).listV2({ sortBy: { column: 'created_at', order: 'asc' } })).data!;
    expect(created.objects.map((o) => o.name)).toEqual(paths);
    const namesDesc = (await alice.storage.from(bucket).listV2({ sortBy: { column: 'name', order: 'desc' } })).data!;
    expect(namesDesc.objects.map((o) => o.name)).toEqual([...byName].reverse());
  });

  it("keeps other users' buckets invisible and refuses a cursor it did not issue", async () => {
    expect((await bob.storage.from(bucket).listV2()).error).toMatchObject({ status: 404, message: 'Bucket not found' });
    expect((await alice.storage.from(bucket).listV2({ cursor: 'bm90IGEgY3Vyc29y' })).error).toMatchObject({
      status: 400,
    });
    expect(
      (await alice.storage.from(bucket).listV2({ cursor: Buffer.from('l:a.txt\nc:size').toString('base64') })).error,
    ).toMatchObject({ status: 400 });
  });
});
