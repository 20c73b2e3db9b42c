import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tarGz } from '@made-open/plugin-sdk/cli';
import { createTestHub, type TestHub } from '../../../test/hub.ts';
import { testDatabaseKinds } from '../../../test/databases.ts';
import { bearer, signUpUser, type SignedUpUser } from '../../../test/users.ts';
import { parseCron } from './runtime/cron.ts';
import { decisionsOf, manifest, modulesOf, runPlugin } from './test/fixtures.ts';

const notesBundle = `
module.exports = {
  async run(input, ctx) {
    const created = await ctx.entities.create({ type: 'note', title: input.title, body: 'from a plugin' });
    const again = await ctx.entities.get(created.id);
    await ctx.storage.set('last', { id: created.id, n: 1 });
    const stored = await ctx.storage.get('last');
    const keys = await ctx.storage.list('');
    await ctx.events.emit('notes.created', { id: created.id });
    await ctx.notify({ title: 'Note created', body: created.title });
    ctx.log.info('created a note', { id: created.id });
    let denied = null;
    try { await ctx.entities.create({ type: 'person', title: 'x' }); } catch (e) { denied = e.code; }
    return { id: created.id, title: again.title, stored, keys, denied, plugin: ctx.plugin };
  },
  async onEvent(event, ctx) { await ctx.storage.set('event:' + event.id, event.type); return event.type; },
  async onSchedule(schedule, ctx) { await ctx.storage.set('schedule', schedule.name); return schedule.name; },
};`;
const notesPermissions = [
  'entities:read:note',
  'entities:write:note',
  'storage:read',
  'storage:write',
  'events:emit:notes.created',
  'notify',
  'events:subscribe:data.EntityCreated',
];

describe.each(testDatabaseKinds())('plugin manager and runtime on %s', (kind) => {
  let hub: TestHub;
  let alice: SignedUpUser;
  let bob: SignedUpUser;

  beforeAll(async () => {
    hub = await createTestHub(kind);
    alice = await signUpUser(hub);
    bob = await signUpUser(hub);
  });
  afterAll(async () => {
    await hub?.close();
  });

  it('installs (pending consent), refuses to run before consent, then runs with ctx within its grants', async () => {
    const m = manifest('notes-writer', notesPermissions, {
      triggers: [
        { type: 'manual' },
        { type: 'event', events: ['data.EntityCreated'] },
        { type: 'schedule', name: 'morning', cron: '0 8 * * *' },
      ],
      config: { folder: { type: 'string', description: 'Where notes go.', default: 'Inbox' } },
    });
    const install = await hub.app.inject({
      method: 'POST',
      url: '/api/v1/plugins',
      headers: bearer(alice),
      payload: { manifest: m, bundle: notesBundle },
    });
    expect(install.statusCode, install.body).toBe(201);
    expect(install.json()).toMatchObject({
      id: 'notes-writer',
      status: 'pending_consent',
      permissions: notesPermissions,
      config: {},
    });
    // The consent screen reads the declared config fields from the view.
    expect(install.json().configFields).toEqual({
      folder: { type: 'string', description: 'Where notes go.', default: 'Inbox' },
    });
    expect((await runPlugin(hub, alice, 'notes-writer')).outcome).toBe('refused');

    const undeclared = await hub.app.inject({
      method: 'POST',
      url: '/api/v1/plugins/notes-writer/consent',
      headers: bearer(alice),
      payload: { permissions: ['entities:read:person'] },
    });
    expect(undeclared.statusCode).toBe(400);
    const consent = await hub.app.inject({
      method: 'POST',
      url: '/api/v1/plugins/notes-writer/consent',
      headers: bearer(alice),
      payload: { permissions: notesPermissions },
    });
    expect(consent.json().status).toBe('enabled');

    const run = await runPlugin(hub, alice, 'notes-writer', { title: 'Hello from a plugin' });
    expect(run.outcome, run.error ?? '').toBe('ok');
    expect(run.result).toMatchObject({
      title: 'Hello from a plugin',
      stored: { n: 1 },
      keys: ['last'],
      denied: 'permission_denied',
      plugin: { id: 'notes-writer', version: '1.0.0' },
    });
    // The note is in alice's graph, not bob's.
    expect(
      (await hub.app.inject({ method: 'GET', url: `/api/v1/entities/${run.result.id}`, headers: bearer(alice) }))
        .statusCode,
    ).toBe(200);
    expect(
      (await hub.app.inject({ method: 'GET', url: `/api/v1/entities/${run.result.id}`, headers: bearer(bob) }))
        .statusCode,
    ).toBe(404);

    const decisions = await decisionsOf(hub, alice.id, 'notes-writer');
    expect(decisions).toContainEqual(
      expect.objectContaining({ permission: 'entities:write:note', allowed: true, reason: 'allowed' }),
    );
    expect(decisions).toContainEqual(
      expect.objectContaining({ permission: 'entities:write:person', allowed: false, reason: 'not_declared' }),
    );
    expect(decisions).toContainEqual(
      expect.objectContaining({ permission: 'run:manual', allowed: false, reason: 'pending_consent' }),
    );
    const types = await hub.db.asSystem(async (tx) =>
      (
        await tx.query<{ type: string }>(`SELECT DISTINCT type FROM made_open.outbox WHERE owner_id = $1`, [alice.id])
      ).rows.map((r) => r.type),
    );
    expect(types).toEqual(
      expect.arrayContaining([
        'plugin.Installed',
        'plugin.Enabled',
        'plugin.GrantsChanged',
        'plugin.Emitted',
        'plugin.Notification',
        'policy.Decision',
        'data.EntityCreated',
      ]),
    );

    const runs = (
      await hub.app.inject({ method: 'GET', url: '/api/v1/plugins/notes-writer/runs', headers: bearer(alice) })
    ).json().runs;
    expect(runs.map((r: { outcome: string }) => r.outcome)).toEqual(['ok', 'refused']);
    expect(runs[0]).toMatchObject({ trigger: 'manual', error: null });
  });

  it('runs event and schedule triggers, only for the owner and only when subscribed and granted', async () => {
    const { plugins } = modulesOf(hub);
    const event = {
      id: '0190a0b0-0000-7000-8000-0000000000e1',
      type: 'data.EntityCreated',
      ownerId: alice.id,
      subject: 'x',
      time: new Date().toISOString(),
      actor: { kind: 'user' as const, id: alice.id },
      data: { entity: { source: null } },
      v: 1,
    };
    const results = await plugins.service.dispatchEvent(event);
    expect(results.map((r) => [r.outcome, r.result])).toEqual([['ok', 'data.EntityCreated']]);
    expect(await plugins.service.dispatchEvent({ ...event, ownerId: bob.id })).toEqual([]);
    expect(await plugins.service.dispatchEvent({ ...event, type: 'data.EntityDeleted' })).toEqual([]);
    // Its own writes do not trigger it again.
    expect(
      await plugins.service.dispatchEvent({ ...event, data: { entity: { source: 'plugin.notes-writer' } } }),
    ).toEqual([]);

    const due = await plugins.service.runDueSchedules(new Date('2026-11-24T08:00:00Z'));
    expect(due.filter((r) => r.result === 'morning')).toHaveLength(1);
    expect(
      (await plugins.service.runDueSchedules(new Date('2026-11-24T08:01:00Z'))).filter((r) => r.result === 'morning'),
    ).toHaveLength(0);
  });

  it('records every run and every decision when many events arrive at once (batched, never dropped)', async () => {
    const { plugins } = modulesOf(hub);
    const note = (
      await hub.app.inject({
        method: 'POST',
        url: '/api/v1/entities',
        headers: bearer(alice),
        payload: { type: 'note', title: 'read me' },
      })
    ).json();
    const m = manifest('burst-reader', ['events:subscribe:test.Burst', 'entities:read:note'], {
      triggers: [{ type: 'event', events: ['test.Burst'] }],
    });
    const install = await hub.app.inject({
      method: 'POST',
      url: '/api/v1/plugins',
      headers: bearer(alice),
      payload: {
        manifest: m,
        bundle: `module.exports = { onEvent: async (e, ctx) => (await ctx.entities.get('${note.id}')).title + ' ' + e.data.n };`,
      },
    });
    expect(install.statusCode, install.body).toBe(201);
    await plugins.service.consent(alice, 'burst-reader', { permissions: m.permissions });
    const burst = Array.from({ length: 40 }, (_, n) => ({
      id: crypto.randomUUID(),
      type: 'test.Burst',
      ownerId: alice.id,
      subject: note.id,
      time: new Date().toISOString(),
      actor: { kind: 'user' as const, id: alice.id },
      data: { n },
      v: 1,
    }));
    const results = (await Promise.all(burst.map((e) => plugins.service.dispatchEvent(e)))).flat();
    expect(results.map((r) => r.result)).toEqual(burst.map((e) => `read me ${e.data.n}`));
    // Every invocation's run row and both of its decisions are committed once it returns.
    const runs = await hub.db.asSystem(
      async (tx) =>
        (
          await tx.query<{ trigger_ref: string }>(
            `SELECT trigger_ref FROM made_open.plugin_runs WHERE owner_id = $1 AND plugin_id = 'burst-reader'`,
            [alice.id],
          )
        ).rows,
    );
    expect(runs.map((r) => r.trigger_ref).sort()).toEqual(burst.map((e) => e.id).sort());
    const decisions = await decisionsOf(hub, alice.id, 'burst-reader');
    expect(decisions.filter((d) => d.permission === 'events:subscribe:test.Burst' && d.allowed)).toHaveLength(40);
    expect(
      decisions.filter((d) => d.permission === 'entities:read:note' && d.allowed && d.resource === note.id),
    ).toHaveLength(40);
  });

  it('lets the user review and revoke grants; a revoked permission is refused on the next call', async () => {
    const grants = (
      await hub.app.inject({ method: 'GET', url: '/api/v1/plugins/notes-writer/grants', headers: bearer(alice) })
    ).json().grants;
    expect(grants.map((g: { permission: string }) => g.permission).sort()).toEqual([...notesPermissions].sort());
    const revoke = await hub.app.inject({
      method: 'DELETE',
      url: `/api/v1/plugins/notes-writer/grants?permission=${encodeURIComponent('entities:write:note')}`,
      headers: bearer(alice),
    });
    expect(revoke.json()).toEqual({ revoked: ['entities:write:note'] });
    const run = await runPlugin(hub, alice, 'notes-writer', { title: 'again' });
    expect(run.outcome).toBe('error');
    expect(run.error).toMatch(/may not create note entities/);
    expect(await decisionsOf(hub, alice.id, 'notes-writer')).toContainEqual(
      expect.objectContaining({ permission: 'entities:write:note', allowed: false, reason: 'not_granted' }),
    );
    // Bob sees none of alice's plugins or grants.
    expect(
      (await hub.app.inject({ method: 'GET', url: '/api/v1/plugins/notes-writer', headers: bearer(bob) })).statusCode,
    ).toBe(404);
    expect(
      (await hub.app.inject({ method: 'GET', url: '/api/v1/plugins/notes-writer/grants', headers: bearer(bob) })).json()
        .grants,
    ).toEqual([]);
  });

  it('upgrades (re-consent when permissions grow), disables, and uninstalls with its data', async () => {
    const grown = manifest('notes-writer', [...notesPermissions, 'entities:read:person'], { version: '1.1.0' });
    const up = await hub.app.inject({
      method: 'PUT',
      url: '/api/v1/plugins/notes-writer',
      headers: bearer(alice),
      payload: { manifest: grown, bundle: notesBundle },
    });
    expect(up.json()).toMatchObject({ version: '1.1.0', status: 'pending_consent' });
    expect((await runPlugin(hub, alice, 'notes-writer')).outcome).toBe('refused');
    await hub.app.inject({
      method: 'POST',
      url: '/api/v1/plugins/notes-writer/consent',
      headers: bearer(alice),
      payload: { permissions: grown.permissions },
    });
    const same = await hub.app.inject({
      method: 'PUT',
      url: '/api/v1/plugins/notes-writer',
      headers: bearer(alice),
      payload: { manifest: { ...grown, version: '1.1.1' }, bundle: notesBundle },
    });
    expect(same.json()).toMatchObject({ version: '1.1.1', status: 'enabled' });
    const disabled = await hub.app.inject({
      method: 'POST',
      url: '/api/v1/plugins/notes-writer/disable',
      headers: bearer(alice),
    });
    expect(disabled.json().status).toBe('disabled');
    expect((await runPlugin(hub, alice, 'notes-writer')).outcome).toBe('refused');

    const del = await hub.app.inject({ method: 'DELETE', url: '/api/v1/plugins/notes-writer', headers: bearer(alice) });
    expect(del.statusCode).toBe(204);
    const left = await hub.db.asSystem(async (tx) => {
      // Plugin grants live in made_open.grants as principal kind 'plugin' (policy migration 0002).
      const count = async (table: string, plugin = "plugin_id = 'notes-writer'") =>
        (
          await tx.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM made_open.${table} WHERE owner_id = $1 AND ${plugin}`,
            [alice.id],
          )
        ).rows[0]!.n;
      return {
        storage: await count('plugin_storage'),
        runs: await count('plugin_runs'),
        grants: await count('grants', "principal_kind = 'plugin' AND principal_id = 'notes-writer'"),
        installs: await count('plugin_installations'),
      };
    });
    expect(left).toEqual({ storage: 0, runs: 0, grants: 0, installs: 0 });
  });

  it('installs from a .tgz package and validates manifests', async () => {
    const m = manifest('tgz-plugin', []);
    const tgz = tarGz({
      'manifest.json': JSON.stringify(m),
      'index.js': 'module.exports = { run: (input) => ({ echo: input }) };',
    });
    const install = await hub.app.inject({
      method: 'POST',
      url: '/api/v1/plugins',
      headers: bearer(alice),
      payload: { package: tgz.toString('base64') },
    });
    expect(install.statusCode, install.body).toBe(201);
    expect(install.json().status).toBe('enabled');
    expect((await runPlugin(hub, alice, 'tgz-plugin', { a: 1 })).result).toEqual({ echo: { a: 1 } });
    const bad = await hub.app.inject({
      method: 'POST',
      url: '/api/v1/plugins',
      headers: bearer(alice),
      payload: { manifest: manifest('bad-plugin', ['fs:read:/etc']), bundle: 'x' },
    });
    expect(bad.statusCode).toBe(400);
    const garbage = await hub.app.inject({
      method: 'POST',
      url: '/api/v1/plugins',
      headers: bearer(alice),
      payload: { package: Buffer.from('not a tarball').toString('base64') },
    });
    expect(garbage.statusCode).toBe(400);
    const twice = await hub.app.inject({
      method: 'POST',
      url: '/api/v1/plugins',
      headers: bearer(alice),
      payload: { package: tgz.toString('base64') },
    });
    expect(twice.statusCode).toBe(409);
  });
});

describe('cron matching', () => {
  it('matches five-field expressions in UTC', () => {
    expect(parseCron('0 8 * * *')(new Date('2026-01-01T08:00:00Z'))).toBe(true);
    expect(parseCron('0 8 * * *')(new Date('2026-01-01T09:00:00Z'))).toBe(false);
    expect(parseCron('*/15 * * * 1-5')(new Date('2026-11-24T10:30:00Z'))).toBe(true);
    expect(parseCron('*/15 * * * 0,6')(new Date('2026-11-24T10:30:00Z'))).toBe(false);
    expect(() => parseCron('99 * * * *')).toThrow();
  });
});
