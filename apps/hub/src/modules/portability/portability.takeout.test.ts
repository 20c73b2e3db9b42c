import { gunzipSync, gzipSync } from 'node:zlib';
import { pack as tarPack, extract as tarExtract } from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { testDatabaseKinds } from '../../../test/databases.ts';
import { createTestHub, type TestHub } from '../../../test/hub.ts';
import { restoreAndWait } from '../../../test/restores.ts';
import { bearer, signUpUser, type SignedUpUser } from '../../../test/users.ts';

const jpeg = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 16, 74, 70, 73, 70, 0, 1]).toString('base64');

async function untar(gz: Buffer): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  const extract = tarExtract();
  extract.on('entry', (header, stream, next) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => {
      files.set(header.name, Buffer.concat(chunks));
      next();
    });
  });
  const done = new Promise((resolve, reject) => extract.on('finish', resolve).on('error', reject));
  extract.end(gunzipSync(gz));
  await done;
  return files;
}

async function tarGz(entries: [string, string | Buffer][]): Promise<Buffer> {
  const pack = tarPack();
  for (const [name, body] of entries) pack.entry({ name }, body);
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const c of pack) chunks.push(c as Buffer);
  return gzipSync(Buffer.concat(chunks));
}

/**
 * Takeout end to end: a graph with persons, identifiers, links, a merge, imported mail and
 * events and a stored photo goes into one archive made by the job; the archive downloads
 * once; restored into a second, fresh hub it gives the same graph, entity by entity.
 * Two hubs in this file on purpose: entity ids are global, so "a fresh hub" is another one.
 */
describe.each(testDatabaseKinds())('takeout on %s', (kind) => {
  let source: TestHub;
  let target: TestHub;
  let alice: SignedUpUser;
  let fresh: SignedUpUser;
  let archive: Buffer;

  const api = (hub: TestHub, user: SignedUpUser, method: 'GET' | 'POST', url: string, payload?: object) =>
    hub.app.inject({ method, url, headers: bearer(user), ...(payload ? { payload } : {}) });
  const upload = (hub: TestHub, user: SignedUpUser, url: string, body: string | Buffer) =>
    hub.app.inject({
      method: 'POST',
      url,
      headers: { ...bearer(user), 'content-type': 'application/octet-stream' },
      payload: body,
    });
  const importAndWait = async (name: string, body: string) => {
    const made = await upload(source, alice, `/api/v1/imports?name=${name}`, body);
    expect(made.statusCode, made.body).toBe(201);
    await api(source, alice, 'POST', `/api/v1/imports/${made.json().id}/commit`);
    await vi.waitFor(
      async () =>
        expect((await api(source, alice, 'GET', `/api/v1/imports/${made.json().id}`)).json().status).toBe('committed'),
      { timeout: 60_000, interval: 200 },
    );
  };
  const graphOf = (hub: TestHub, ownerId: string) =>
    hub.db.asSystem(async (tx) => ({
      entities: (
        await tx.query(
          `SELECT id, type, title, body, properties, source, external_id, occurred_at, created_at, updated_at, deleted_at, version, merged_into_id FROM public.entities WHERE owner_id = $1 ORDER BY id`,
          [ownerId],
        )
      ).rows,
      links: (
        await tx.query(
          `SELECT id, kind, from_id, to_id, created_at FROM public.entity_links WHERE owner_id = $1 ORDER BY id`,
          [ownerId],
        )
      ).rows,
      identifiers: (
        await tx.query(`SELECT id, kind, value, entity_id FROM public.identifiers WHERE owner_id = $1 ORDER BY id`, [
          ownerId,
        ])
      ).rows,
    }));

  beforeAll(async () => {
    source = await createTestHub(kind, { AUTH_RATE_LIMIT_SIGNUP_PER_HOUR: '1000' });
    target = await createTestHub(kind, { AUTH_RATE_LIMIT_SIGNUP_PER_HOUR: '1000' });
    alice = await signUpUser(source);
    fresh = await signUpUser(target);
  }, 240_000);
  afterAll(async () => {
    await source?.close();
    await target?.close();
  });

  it('builds one archive with everything but credentials, as a job with progress, downloadable once', async () => {
    const ann = (
      await api(source, alice, 'POST', '/api/v1/persons', {
        name: 'Ann',
        emails: ['ann@example.com'],
        phones: ['+442079460958'],
      })
    ).json();
    const bob = (
      await api(source, alice, 'POST', '/api/v1/persons', { name: 'Bob', emails: ['bob@example.com'] })
    ).json();
    const bob2 = (
      await api(source, alice, 'POST', '/api/v1/persons', { name: 'Bob again', emails: ['bob2@example.com'] })
    ).json();
    expect(
      (await api(source, alice, 'POST', '/api/v1/links', { fromId: ann.id, kind: 'friend', toId: bob.id })).statusCode,
    ).toBe(201);
    expect((await api(source, alice, 'POST', `/api/v1/persons/${bob.id}/merge`, { otherId: bob2.id })).statusCode).toBe(
      200,
    );
    await importAndWait(
      'c.vcf',
      `BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Photo Person\r\nEMAIL:photo@example.com\r\nPHOTO;ENCODING=b;TYPE=JPEG:${jpeg}\r\nEND:VCARD\r\n`,
    );
    await importAndWait(
      'm.mbox',
      'From x Mon Jun  1 09:00:00 2026\nFrom: Carol <carol@example.com>\nTo: ann@example.com\nSubject: Hello\nMessage-ID: <h1@example.com>\nDate: Mon, 01 Jun 2026 09:00:00 +0000\n\nHi Ann.\n',
    );
    await importAndWait(
      'e.ics',
      'BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:e1\r\nSUMMARY:Lunch\r\nDTSTART:20260601T120000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n',
    );

    const started = await api(source, alice, 'POST', '/api/v1/takeouts');
    expect(started.statusCode, started.body).toBe(202);
    const id = started.json().id;
    const ready = await vi.waitFor(
      async () => {
        const got = (await api(source, alice, 'GET', `/api/v1/takeouts/${id}`)).json();
        expect(got.status, got.error ?? '').toBe('ready');
        return got;
      },
      { timeout: 60_000, interval: 200 },
    );
    expect(ready.progress.done).toBe(ready.progress.total);
    expect(ready.progress.total).toBeGreaterThan(5);

    const download = await api(source, alice, 'GET', `/api/v1/takeouts/${id}/download`);
    expect(download.statusCode).toBe(200);
    archive = download.rawPayload;
    expect(archive.length).toBe(ready.byteSize);
    const again = await api(source, alice, 'GET', `/api/v1/takeouts/${id}/download`);
    expect(again.statusCode).toBe(410);

    const files = await untar(archive);
    expect(files.get('README.txt')!.toString()).toContain('NOT included, on purpose: credentials');
    for (const name of [
      'graph/entities.jsonl',
      'graph/links.jsonl',
      'graph/identifiers.jsonl',
      'contacts.vcf',
      'calendar.ics',
      'messages.mbox',
      'rules/rules.jsonl',
      'plugins/installations.jsonl',
      'grants.jsonl',
      'devices/event_summaries.jsonl',
      'files/objects.jsonl',
    ])
      expect(files.has(name), name).toBe(true);
    expect(files.get('contacts.vcf')!.toString()).toContain('FN:Photo Person');
    expect(files.get('calendar.ics')!.toString()).toContain('SUMMARY:Lunch');
    expect(files.get('messages.mbox')!.toString()).toContain('Message-ID: <h1@example.com>');
    const photo = [...files.keys()].find((n) => n.startsWith(`files/contact-photos-${alice.id}/`));
    expect(files.get(photo!)!.toString('base64')).toBe(jpeg);
    expect(files.get('files/objects.jsonl')!.toString()).not.toContain('blob_key');

    // Another user cannot see or download it.
    const eve = await signUpUser(source);
    expect((await api(source, eve, 'GET', `/api/v1/takeouts/${id}`)).statusCode).toBe(404);
    expect((await api(source, eve, 'GET', `/api/v1/takeouts/${id}/download`)).statusCode).toBe(404);
  }, 180_000);

  it('restores into a fresh hub with the same graph, entity by entity', async () => {
    const restored = await restoreAndWait(target, fresh, archive);
    expect(restored.statusCode, restored.body).toBe(200);
    const before = await graphOf(source, alice.id);
    const after = await graphOf(target, fresh.id);
    expect(restored.json().counts).toMatchObject({
      entities: before.entities.length,
      links: before.links.length,
      identifiers: before.identifiers.length,
      files: 1,
    });
    expect(before.entities.length).toBeGreaterThan(6);
    expect(before.entities.some((e) => e.merged_into_id !== null)).toBe(true);
    expect(after.entities).toHaveLength(before.entities.length);
    // The same, but for the stored photo's references: the new account's bucket, and the
    // file entity naming the new storage object.
    const objectOf = async (hub: TestHub, ownerId: string) =>
      new Map(
        (
          await hub.db.asSystem((tx) =>
            tx.query<{ entity_id: string; id: string }>(
              `SELECT entity_id, id FROM made_open.storage_objects WHERE owner_id = $1`,
              [ownerId],
            ),
          )
        ).rows.map((r) => [r.entity_id, r.id]),
      );
    const newObjects = await objectOf(target, fresh.id);
    const moved = (properties: unknown) =>
      JSON.parse(JSON.stringify(properties).replaceAll(`contact-photos-${alice.id}`, `contact-photos-${fresh.id}`));
    before.entities.forEach((entity, i) =>
      expect(after.entities[i]).toEqual({
        ...entity,
        properties: moved(entity.properties),
        external_id: entity.source === 'storage' ? newObjects.get(entity.id as string) : entity.external_id,
      }),
    );
    expect(before.entities.filter((e) => e.source === 'storage')).toHaveLength(1);
    expect(after.links).toEqual(before.links);
    expect(after.identifiers).toEqual(before.identifiers);
    // The restored graph reads through the API like any other.
    const page = (await api(target, fresh, 'GET', '/api/v1/entities?type=person&limit=50')).json();
    expect(page.items.map((p: { title: string }) => p.title)).toContain('Photo Person');
    // Only into an empty account.
    expect((await restoreAndWait(target, fresh, archive)).json().error.code).toBe('graph_not_empty');
  }, 60_000);

  it('refuses hostile archives with clear 4xx and writes nothing', async () => {
    const user = await signUpUser(target);
    const notGzip = await restoreAndWait(target, user, 'plain text, not an archive');
    expect(notGzip.statusCode).toBe(400);
    const traversal = await restoreAndWait(target, user, await tarGz([['../../etc/passwd', 'x']]));
    expect(traversal.statusCode).toBe(400);
    expect(traversal.json().error.message).toContain('outside the archive');
    // 100 MB of zeros packs to about 100 KB: refused once it unpacks past 64 MiB at over 200:1.
    const bomb = await tarGz([['graph/padding.bin', Buffer.alloc(100 * 1024 * 1024)]]);
    expect(bomb.length).toBeLessThan(1024 * 1024);
    const refused = await restoreAndWait(target, user, bomb);
    expect(refused.statusCode).toBe(413);
    const badLine = await restoreAndWait(target, user, await tarGz([['graph/entities.jsonl', '{"id":"nope"}\n']]));
    expect(badLine.statusCode).toBe(400);
    expect(badLine.json().error.message).toContain('line 1');
    const forged = await restoreAndWait(
      target,
      user,
      await tarGz([
        ['graph/entities.jsonl', ''],
        [
          'graph/links.jsonl',
          JSON.stringify({
            id: '0190a4c2-0000-7000-8000-0000000000aa',
            kind: 'friend',
            fromId: '0190a4c2-0000-7000-8000-0000000000ab',
            toId: '0190a4c2-0000-7000-8000-0000000000ac',
            createdAt: null,
          }) + '\n',
        ],
      ]),
    );
    expect(forged.statusCode).toBe(400);
    const graph = await graphOf(target, user.id);
    expect(graph.entities).toEqual([]);
    expect(graph.links).toEqual([]);
  }, 120_000);
});
