import { readdirSync, type Dirent } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { pack as tarPack } from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { testDatabaseKinds } from '../../../test/databases.ts';
import { createTestHub, type TestHub } from '../../../test/hub.ts';
import { restoreAndWait } from '../../../test/restores.ts';
import { bearer, signUpUser, type SignedUpUser } from '../../../test/users.ts';
import { pluginStorage } from '../plugins/index.ts';
import { restoredBucketId, rewriteStorageReferences } from './portability.restore.files.ts';

const jpeg = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 16, 74, 70, 73, 70, 0, 1, 2, 3, 4, 5]);
const bundle = 'module.exports = { async run(input, ctx) { return await ctx.storage.get("counter"); } };';
const pluginPermissions = ['storage:read', 'storage:write', 'notify'];

async function tarGz(entries: [string, string | Buffer][]): Promise<Buffer> {
  const pack = tarPack();
  for (const [name, body] of entries) pack.entry({ name }, body);
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const c of pack) chunks.push(c as Buffer);
  return gzipSync(Buffer.concat(chunks));
}

/** Blob files under the hub's data dir (the fs blob store). */
function blobCount(hub: TestHub): number {
  const root = join(hub.dataDir, 'storage', 'objects');
  let n = 0;
  const walk = (dir: string) => {
    let items: Dirent[];
    try {
      items = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const item of items) {
      if (item.isDirectory()) walk(join(dir, item.name));
      else n += 1;
    }
  };
  walk(root);
  return n;
}

describe('restore helpers', () => {
  it('renames a bucket by the storage rule and rewrites references through one path map', () => {
    const old = '0190a4c2-0000-7000-8000-000000000001';
    const now = '0190a4c2-0000-7000-8000-000000000002';
    expect(restoredBucketId(`contact-photos-${old}`, old, now)).toBe(`contact-photos-${now}`);
    expect(restoredBucketId('documents', old, now)).toBe('documents');
    const paths = new Map([
      [`contact-photos-${old}/a.jpg`, `contact-photos-${now}/a.jpg`],
      [`mms-media-${old}/m1.png`, `mms-media-${now}/m1.png`],
    ]);
    expect(
      rewriteStorageReferences(
        {
          photo: { bucket: `contact-photos-${old}`, path: 'a.jpg' },
          media: [{ contentType: 'image/png', path: `mms-media-${old}/m1.png` }],
          storageKey: `contact-photos-${old}/a.jpg`,
          notes: `contact-photos-${old}/a.jpg`,
        },
        paths,
      ),
    ).toEqual({
      photo: { bucket: `contact-photos-${now}`, path: 'a.jpg' },
      media: [{ contentType: 'image/png', path: `mms-media-${now}/m1.png` }],
      storageKey: `contact-photos-${now}/a.jpg`,
      // Free text is never rewritten.
      notes: `contact-photos-${old}/a.jpg`,
    });
    expect(rewriteStorageReferences({ photo: { bucket: 'other', path: 'a.jpg' } }, paths)).toBeUndefined();
  });
});

/**
 * A person moving hubs: a takeout of a user with a rule (2 versions, a webhook trigger, a
 * person id in a condition), a plugin with config, storage and grants, and a contact with a
 * photo, restored into a fresh user on another hub (entity and rule ids are global).
 */
describe.each(testDatabaseKinds())('takeout restore of rules, plugins and files on %s', (kind) => {
  let source: TestHub;
  let target: TestHub;
  let alice: SignedUpUser;
  let fresh: SignedUpUser;
  let archive: Buffer;
  let ann: { id: string };
  let oldRule: { id: string };
  let oldSecret: string;
  let oldConversationId: string;

  const api = (hub: TestHub, user: SignedUpUser, method: string, url: string, payload?: object, headers = {}) =>
    hub.app.inject({
      method: method as 'GET',
      url,
      headers: { ...bearer(user), ...headers },
      ...(payload ? { payload } : {}),
    });
  const upload = (hub: TestHub, user: SignedUpUser, url: string, body: string | Buffer) =>
    hub.app.inject({
      method: 'POST',
      url,
      headers: { ...bearer(user), 'content-type': 'application/octet-stream' },
      payload: body,
    });
  const ruleDefinition = (name: string) => ({
    name,
    mode: 'single',
    triggers: [{ id: 'hook', type: 'webhook' }],
    conditions: { all: [{ cmp: { left: 'trigger.data.personId', op: 'eq', right: ann.id } }] },
    steps: [{ id: 'tell', type: 'action', action: 'notify', with: { title: 'Hook for Ann' } }],
    limits: { perHour: 100, maxDepth: 3 },
  });
  const rowsOf = (hub: TestHub, ownerId: string) =>
    hub.db.asSystem(async (tx) => {
      const count = async (table: string) =>
        (await tx.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table} WHERE owner_id = $1`, [ownerId]))
          .rows[0]!.n;
      return {
        entities: await count('public.entities'),
        rules: await count('made_open.rules'),
        ruleVersions: await count('made_open.rule_versions'),
        plugins: await count('made_open.plugin_installations'),
        pluginStorage: await count('made_open.plugin_storage'),
        buckets: await count('made_open.storage_buckets'),
        objects: await count('made_open.storage_objects'),
      };
    });

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

  it('takes out a rule, a plugin and a contact photo', async () => {
    ann = (await api(source, alice, 'POST', '/api/v1/persons', { name: 'Ann', emails: ['ann@example.com'] })).json();
    const made = await upload(
      source,
      alice,
      '/api/v1/imports?name=c.vcf',
      `BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Photo Person\r\nEMAIL:photo@example.com\r\nPHOTO;ENCODING=b;TYPE=JPEG:${jpeg.toString('base64')}\r\nEND:VCARD\r\n`,
    );
    expect(made.statusCode, made.body).toBe(201);
    await api(source, alice, 'POST', `/api/v1/imports/${made.json().id}/commit`);
    await vi.waitFor(
      async () =>
        expect((await api(source, alice, 'GET', `/api/v1/imports/${made.json().id}`)).json().status).toBe('committed'),
      { timeout: 60_000, interval: 200 },
    );

    const created = await api(source, alice, 'POST', '/api/v1/rules', {
      definition: ruleDefinition('Ann hook v1'),
      approve: ['notify'],
      enabled: true,
    });
    expect(created.statusCode, created.body).toBe(201);
    oldRule = created.json().rule;
    oldSecret = created.json().webhookSecret;
    const saved = await api(
      source,
      alice,
      'PUT',
      `/api/v1/rules/${oldRule.id}`,
      { definition: ruleDefinition('Ann hook v2') },
      { 'if-match': '"1"' },
    );
    expect(saved.statusCode, saved.body).toBe(200);

    const manifest = {
      id: 'counter-keeper',
      name: 'Counter keeper',
      version: '1.2.0',
      permissions: pluginPermissions,
      triggers: [{ type: 'manual' }],
      config: { folder: { type: 'string', description: 'Where it keeps things.', default: 'Inbox' } },
    };
    const installed = await api(source, alice, 'POST', '/api/v1/plugins', { manifest, bundle });
    expect(installed.statusCode, installed.body).toBe(201);
    const consent = await api(source, alice, 'POST', '/api/v1/plugins/counter-keeper/consent', {
      permissions: pluginPermissions,
      config: { folder: 'Work' },
    });
    expect(consent.json().status).toBe('enabled');
    await source.db.asUser({ role: 'authenticated', sub: alice.id }, (tx) =>
      pluginStorage.storageSet(tx, alice.id, 'counter-keeper', 'counter', JSON.stringify({ n: 41 }), 1000),
    );

    // The AI assistant's settings and a stored conversation (written as Alice, under RLS).
    expect(
      (await api(source, alice, 'PUT', '/api/v1/ai/classes/note', { dataClass: 'sensitive', cloudRedacted: false }))
        .statusCode,
    ).toBe(200);
    expect(
      (
        await api(source, alice, 'PUT', `/api/v1/ai/contacts/${ann.id}`, {
          dataClass: 'sensitive',
          cloudRedacted: false,
        })
      ).statusCode,
    ).toBe(200);
    await source.db.asUser({ role: 'authenticated', sub: alice.id }, async (tx) => {
      const { rows } = await tx.query<{ id: string }>(
        `INSERT INTO made_open.ai_conversations (owner_id, title) VALUES ($1, 'When did I last see Ann?') RETURNING id`,
        [alice.id],
      );
      oldConversationId = rows[0]!.id;
      await tx.query(
        // A question, then its answer a moment later (the API lists them by time).
        `INSERT INTO made_open.ai_messages (conversation_id, owner_id, role, content, sources, citations, sensitive, created_at)
         VALUES ($1, $2, 'user', 'When did I last see Ann?', '[]', '[]', false, now() - interval '1 second'),
                ($1, $2, 'assistant', 'Last Tuesday [1].', $3::jsonb, $4::jsonb, true, now())`,
        [
          oldConversationId,
          alice.id,
          JSON.stringify([
            { number: 1, entityId: ann.id, type: 'person', title: 'Ann', occurredAt: null, sensitive: true },
          ]),
          JSON.stringify([{ number: 1, entityId: ann.id }]),
        ],
      );
    });

    const started = await api(source, alice, 'POST', '/api/v1/takeouts');
    expect(started.statusCode, started.body).toBe(202);
    await vi.waitFor(
      async () =>
        expect((await api(source, alice, 'GET', `/api/v1/takeouts/${started.json().id}`)).json().status).toBe('ready'),
      { timeout: 60_000, interval: 200 },
    );
    const download = await api(source, alice, 'GET', `/api/v1/takeouts/${started.json().id}/download`);
    expect(download.statusCode).toBe(200);
    archive = download.rawPayload;
  }, 180_000);

  it('restores them into a fresh user on another hub: rules disabled with their versions, plugin waiting for consent, photo readable', async () => {
    const restored = await restoreAndWait(target, fresh, archive);
    expect(restored.statusCode, restored.body).toBe(200);
    // One background job, its progress in archive bytes, the report kept on it.
    expect(restored.row).toMatchObject({
      status: 'restored',
      progress: { done: archive.length, total: archive.length },
      error: null,
    });
    const report = restored.json();
    const before = await rowsOf(source, alice.id);
    expect(report.counts).toEqual({
      entities: before.entities,
      links: expect.any(Number),
      identifiers: expect.any(Number),
      rules: 1,
      ruleVersions: 2,
      plugins: 1,
      pluginStorageKeys: 1,
      buckets: 1,
      files: 1,
      // The contact's photo and the file entity's storage key.
      references: 2,
      // The note type's class and Ann's; one conversation of two messages.
      aiDataClasses: 2,
      aiConversations: 1,
      aiMessages: 2,
    });
    expect(await rowsOf(target, fresh.id)).toEqual({
      entities: before.entities,
      rules: 1,
      ruleVersions: 2,
      plugins: 1,
      pluginStorage: 1,
      buckets: 1,
      objects: 1,
    });
    expect(report.buckets).toEqual([{ from: `contact-photos-${alice.id}`, to: `contact-photos-${fresh.id}` }]);
    expect(report.notRestored.map((n: { kind: string }) => n.kind)).toEqual(
      expect.arrayContaining(['settings', 'credentials']),
    );

    // The AI data classes come back (nothing the owner kept local goes to the cloud after a move),
    // and the conversation under a new id with both its messages.
    const classes = (await api(target, fresh, 'GET', '/api/v1/ai/classes')).json().classes;
    expect(classes.find((c: { entityType: string }) => c.entityType === 'note')).toMatchObject({
      dataClass: 'sensitive',
      cloudRedacted: false,
      isDefault: false,
    });
    expect((await api(target, fresh, 'GET', '/api/v1/ai/contacts')).json().contacts).toEqual([
      expect.objectContaining({ personId: ann.id, dataClass: 'sensitive', cloudRedacted: false }),
    ]);
    const conversations = (await api(target, fresh, 'GET', '/api/v1/ai/conversations')).json().conversations;
    expect(conversations).toHaveLength(1);
    expect(conversations[0].id).not.toBe(oldConversationId);
    const opened = await api(target, fresh, 'GET', `/api/v1/ai/conversations/${conversations[0].id}`);
    expect(opened.statusCode, opened.body).toBe(200);
    const conversation = opened.json();
    expect(conversation.messages.map((m: { role: string; content: string }) => [m.role, m.content])).toEqual([
      ['user', 'When did I last see Ann?'],
      ['assistant', 'Last Tuesday [1].'],
    ]);

    // The rule: a new id, disabled, both versions in order, the person id kept (graph ids are kept).
    const rules = (await api(target, fresh, 'GET', '/api/v1/rules')).json().items;
    expect(rules).toHaveLength(1);
    const rule = rules[0];
    expect(rule.id).not.toBe(oldRule.id);
    expect(rule).toMatchObject({ enabled: false, version: 2, name: 'Ann hook v2', webhook: true });
    expect(rule.definition.conditions.all[0].cmp.right).toBe(ann.id);
    const versions = (await api(target, fresh, 'GET', `/api/v1/rules/${rule.id}/versions`)).json().items;
    // Newest first, as the rules API lists them.
    expect(
      versions.map((v: { version: number; definition: { name: string } }) => [v.version, v.definition.name]),
    ).toEqual([
      [2, 'Ann hook v2'],
      [1, 'Ann hook v1'],
    ]);
    expect(report.rules).toEqual([
      {
        id: rule.id,
        previousId: oldRule.id,
        name: 'Ann hook v2',
        versions: 2,
        enabled: false,
        webhook: true,
        permissions: ['notify'],
        previouslyGranted: ['notify'],
      },
    ]);
    // A new webhook secret: the archived one's hash is not the restored rule's, and it opens nothing.
    const hashOf = (hub: TestHub, id: string) =>
      hub.db.asSystem(
        async (tx) =>
          (await tx.query<{ h: string }>(`SELECT webhook_secret_hash AS h FROM made_open.rules WHERE id = $1`, [id]))
            .rows[0]!.h,
      );
    const newHash = await hashOf(target, rule.id);
    expect(newHash).toMatch(/^[0-9a-f]{64}$/);
    expect(newHash).not.toBe(await hashOf(source, oldRule.id));
    expect(restored.body).not.toContain(await hashOf(source, oldRule.id));
    const hook = await target.app.inject({
      method: 'POST',
      url: `/api/v1/rules/${rule.id}/webhook`,
      headers: { 'x-rule-secret': oldSecret },
      payload: { personId: ann.id },
    });
    expect(hook.statusCode).toBe(404);
    // Its grants are not restored: approving them is saving the rule again.
    const ruleGrants = (await api(target, fresh, 'GET', '/api/v1/grants?kind=rule')).json().principals;
    expect(ruleGrants.find((p: { id: string }) => p.id === rule.id)).toBeUndefined();
    const resaved = await api(
      target,
      fresh,
      'PUT',
      `/api/v1/rules/${rule.id}`,
      { definition: rule.definition, approve: ['notify'] },
      { 'if-match': '"2"' },
    );
    expect(resaved.statusCode, resaved.body).toBe(200);

    // The plugin: waiting for consent, config back, no credentials, storage back, nothing granted.
    const plugin = (await api(target, fresh, 'GET', '/api/v1/plugins/counter-keeper')).json();
    expect(plugin).toMatchObject({
      id: 'counter-keeper',
      version: '1.2.0',
      status: 'pending_consent',
      config: { folder: 'Work' },
    });
    const stored = await target.db.asUser({ role: 'authenticated', sub: fresh.id }, (tx) =>
      pluginStorage.storageGet(tx, fresh.id, 'counter-keeper', 'counter'),
    );
    expect(stored).toEqual({ n: 41 });
    const pluginGrants = await api(target, fresh, 'GET', '/api/v1/plugins/counter-keeper/grants');
    expect(pluginGrants.statusCode).toBe(200);
    expect(pluginGrants.json().grants).toEqual([]);
    expect(report.plugins).toEqual([
      {
        pluginId: 'counter-keeper',
        version: '1.2.0',
        status: 'pending_consent',
        config: ['folder'],
        storageKeys: 1,
        previouslyGranted: [...pluginPermissions].sort(),
        credentials: [],
      },
    ]);

    // The photo: read through the new path named by the restored contact.
    const people = (await api(target, fresh, 'GET', '/api/v1/entities?type=person&limit=50')).json().items;
    const photoPerson = people.find((p: { title: string }) => p.title === 'Photo Person');
    const photo = photoPerson.properties.photo;
    expect(photo.bucket).toBe(`contact-photos-${fresh.id}`);
    const bytes = await api(target, fresh, 'GET', `/storage/v1/object/${photo.bucket}/${photo.path}`);
    expect(bytes.statusCode).toBe(200);
    expect(bytes.rawPayload.equals(jpeg)).toBe(true);
    // The file entity names the new object and key.
    const file = await target.db.asSystem(
      async (tx) =>
        (
          await tx.query<{ external_id: string; key: string; object_id: string }>(
            `SELECT e.external_id, e.properties->>'storageKey' AS key, o.id AS object_id
               FROM public.entities e JOIN made_open.storage_objects o ON o.entity_id = e.id WHERE e.owner_id = $1`,
            [fresh.id],
          )
        ).rows,
    );
    expect(file).toEqual([
      { external_id: file[0]!.object_id, key: `${photo.bucket}/${photo.path}`, object_id: file[0]!.object_id },
    ]);

    // Another user of the target hub sees none of it.
    const eve = await signUpUser(target);
    expect((await api(target, eve, 'GET', `/api/v1/takeouts/restore/${restored.row!.id}`)).statusCode).toBe(404);
    expect((await api(target, eve, 'GET', '/api/v1/rules')).json().items).toEqual([]);
    expect((await api(target, eve, 'GET', `/api/v1/rules/${rule.id}`)).statusCode).toBe(404);
    expect((await api(target, eve, 'GET', '/api/v1/plugins/counter-keeper')).statusCode).toBe(404);
    expect((await api(target, eve, 'GET', `/storage/v1/object/${photo.bucket}/${photo.path}`)).statusCode).not.toBe(
      200,
    );
    const seen = await target.db.asUser({ role: 'authenticated', sub: eve.id }, async (tx) => {
      const n = async (table: string) =>
        (await tx.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`)).rows[0]!.n;
      return [
        await n('public.entities'),
        await n('made_open.rules'),
        await n('made_open.rule_versions'),
        await n('made_open.plugin_installations'),
        await n('made_open.plugin_storage'),
        await n('made_open.storage_buckets'),
        await n('made_open.storage_objects'),
      ];
    });
    expect(seen).toEqual([0, 0, 0, 0, 0, 0, 0]);
  }, 120_000);

  it('refuses a hostile file entry with a clear 4xx and leaves nothing half-restored', async () => {
    const oldOwner = '0190a4c2-0000-7000-8000-00000000abcd';
    const bucket = `contact-photos-${oldOwner}`;
    const entity = (id: string) =>
      JSON.stringify({
        id,
        type: 'note',
        title: 'n',
        body: '',
        properties: {},
        source: null,
        externalId: null,
        occurredAt: null,
        createdAt: '2026-01-01T00:00:00.000Z',
        updatedAt: '2026-01-01T00:00:00.000Z',
        deletedAt: null,
        version: 1,
        mergedIntoId: null,
      }) + '\n';
    const object = (name: string, size: number) =>
      JSON.stringify({
        id: crypto.randomUUID(),
        bucket_id: bucket,
        name,
        size,
        mime_type: 'image/jpeg',
        cache_control: null,
        user_metadata: null,
        entity_id: null,
      }) + '\n';
    // A good rule, and one with an action this hub does not have (reported, not restored).
    const broken = {
      ...ruleDefinition('broken'),
      steps: [{ id: 'x', type: 'action', action: 'nowhere.nothing', with: {} }],
    };
    const rules = [
      [
        'rules/rules.jsonl',
        JSON.stringify({ id: '0190a4c2-0000-7000-8000-0000000000f1' }) +
          '\n' +
          JSON.stringify({ id: '0190a4c2-0000-7000-8000-0000000000f2' }) +
          '\n',
      ],
      [
        'rules/rule_versions.jsonl',
        JSON.stringify({
          rule_id: '0190a4c2-0000-7000-8000-0000000000f1',
          version: 1,
          definition: ruleDefinition('hostile'),
          note: '',
        }) +
          '\n' +
          JSON.stringify({ rule_id: '0190a4c2-0000-7000-8000-0000000000f2', version: 1, definition: broken }) +
          '\n',
      ],
      // A plugin whose manifest this hub refuses: reported, not restored.
      [
        'plugins/installations.jsonl',
        JSON.stringify({ plugin_id: 'bad-plugin', manifest: { id: 'bad-plugin' }, bundle: 'x', config: {} }) + '\n',
      ],
    ] as [string, string][];
    const head = (id: string, objects: string): [string, string][] => [
      ['graph/entities.jsonl', entity(id)],
      ...rules,
      [
        'files/buckets.jsonl',
        JSON.stringify({
          id: bucket,
          owner_id: oldOwner,
          public: false,
          file_size_limit: 5 * 1024 * 1024,
          allowed_mime_types: ['image/jpeg'],
        }) + '\n',
      ],
      ['files/objects.jsonl', objects],
    ];
    const blobsBefore = blobCount(target);

    // A file larger than its bucket allows (after a good one was written): 413, and the good one's bytes go too.
    const user = await signUpUser(target);
    const big = await restoreAndWait(
      target,
      user,
      await tarGz([
        ...head(
          '0190a4c2-0000-7000-8000-0000000000e1',
          object('ok.jpg', jpeg.length) + object('big.jpg', 6 * 1024 * 1024),
        ),
        [`files/${bucket}/ok.jpg`, jpeg],
        [`files/${bucket}/big.jpg`, Buffer.alloc(6 * 1024 * 1024)],
      ]),
    );
    expect(big.statusCode, big.body).toBe(413);
    expect(big.json().error.message).toContain('maximum allowed size');
    expect(await rowsOf(target, user.id)).toEqual({
      entities: 0,
      rules: 0,
      ruleVersions: 0,
      plugins: 0,
      pluginStorage: 0,
      buckets: 0,
      objects: 0,
    });
    expect(blobCount(target)).toBe(blobsBefore);

    // A file entry that climbs out of its folder, or a file the object list does not name: 400.
    for (const name of [
      `files/${bucket}/../../../etc/passwd`,
      `/files/${bucket}/ok.jpg`,
      `files/${bucket}/unlisted.jpg`,
    ]) {
      const refused = await restoreAndWait(
        target,
        user,
        await tarGz([
          ...head('0190a4c2-0000-7000-8000-0000000000e2', object('ok.jpg', jpeg.length)),
          [`files/${bucket}/ok.jpg`, jpeg],
          [name, jpeg],
        ]),
      );
      expect(refused.statusCode, name).toBe(400);
      expect(refused.json().error.message).toMatch(/outside the archive|not listed/);
      expect(await rowsOf(target, user.id)).toMatchObject({ entities: 0, rules: 0, buckets: 0, objects: 0 });
    }
    expect(blobCount(target)).toBe(blobsBefore);

    // The same archive without the hostile entry restores, the bucket renamed for this account.
    const fine = await restoreAndWait(
      target,
      user,
      await tarGz([
        ...head('0190a4c2-0000-7000-8000-0000000000e3', object('ok.jpg', jpeg.length)),
        [`files/${bucket}/ok.jpg`, jpeg],
      ]),
    );
    expect(fine.statusCode, fine.body).toBe(200);
    expect(fine.json().counts).toMatchObject({ entities: 1, rules: 1, ruleVersions: 1, files: 1, buckets: 1 });
    expect(fine.json().buckets).toEqual([{ from: bucket, to: `contact-photos-${user.id}` }]);
    expect(fine.json().counts).toMatchObject({ plugins: 0 });
    expect(fine.json().notRestored).toEqual(
      expect.arrayContaining([
        { kind: 'rule', name: 'broken', reason: expect.stringContaining('not valid') },
        { kind: 'plugin', name: 'bad-plugin', reason: expect.stringContaining('manifest is not valid') },
      ]),
    );
    expect(blobCount(target)).toBe(blobsBefore + 1);
  }, 120_000);
});
