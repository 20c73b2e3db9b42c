import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHub, type TestHub } from '../../../test/hub.ts';
import { testDatabaseKinds } from '../../../test/databases.ts';
import { bearer, signUpUser, type SignedUpUser } from '../../../test/users.ts';
import { installAndConsent, manifest } from '../plugins/test/fixtures.ts';

/** The grants API for every principal kind, and the move of plugin grants into made_open.grants. */
describe.each(testDatabaseKinds())('grants of every principal on %s', (kind) => {
  let hub: TestHub;
  let alice: SignedUpUser;
  let bob: SignedUpUser;

  beforeAll(async () => {
    hub = await createTestHub(kind);
    alice = await signUpUser(hub);
    bob = await signUpUser(hub);
    await installAndConsent(
      hub,
      alice,
      manifest('note-taker', ['entities:write:note', 'notify']),
      'module.exports = {};',
    );
  }, 180_000);
  afterAll(() => hub?.close(), 180_000);

  const post = (user: SignedUpUser, payload: unknown) =>
    hub.app.inject({ method: 'POST', url: '/api/v1/grants', headers: bearer(user), payload: payload as object });
  const list = async (user: SignedUpUser, query = '') => {
    const response = await hub.app.inject({ method: 'GET', url: `/api/v1/grants${query}`, headers: bearer(user) });
    expect(response.statusCode, response.body).toBe(200);
    return response.json().principals as { kind: string; id: string; grants: { permission: string }[] }[];
  };

  it('grants to rules, connectors and assistants, lists them grouped by principal, and filters by kind', async () => {
    for (const payload of [
      { kind: 'rule', id: 'file-receipts', permission: 'entities:write:note' },
      { kind: 'rule', id: 'file-receipts', permission: 'entities:read:*' },
      { kind: 'connector', id: 'twilio', permission: 'entities:write:message' },
      { kind: 'connector', id: 'twilio', permission: 'http:fetch:api.twilio.com' },
      { kind: 'ai', id: 'assistant', permission: 'entities:write:task' },
    ]) {
      const response = await post(alice, payload);
      expect(response.statusCode, response.body).toBe(201);
      expect(response.json()).toMatchObject({ permission: payload.permission, grantedAt: expect.any(String) });
    }
    // Granting again is harmless.
    expect((await post(alice, { kind: 'ai', id: 'assistant', permission: 'entities:write:task' })).statusCode).toBe(
      201,
    );

    const all = await list(alice);
    expect(all).toEqual(
      expect.arrayContaining([
        {
          kind: 'plugin',
          id: 'note-taker',
          grants: expect.arrayContaining([expect.objectContaining({ permission: 'notify' })]),
        },
        {
          kind: 'rule',
          id: 'file-receipts',
          grants: [
            expect.objectContaining({ permission: 'entities:read:*' }),
            expect.objectContaining({ permission: 'entities:write:note' }),
          ],
        },
        { kind: 'connector', id: 'twilio', grants: expect.any(Array) },
        { kind: 'ai', id: 'assistant', grants: [expect.objectContaining({ permission: 'entities:write:task' })] },
      ]),
    );
    expect((await list(alice, '?kind=connector')).map((p) => `${p.kind}/${p.id}`)).toEqual(['connector/twilio']);
    expect((await list(alice, '?kind=plugin')).map((p) => p.id)).toEqual(['note-taker']);
    const audit = await hub.db.asSystem(async (tx) =>
      (
        await tx.query<{ data: unknown }>(
          `SELECT data FROM made_open.outbox WHERE owner_id = $1 AND type = 'policy.GrantsChanged' ORDER BY id`,
          [alice.id],
        )
      ).rows.map((r) => r.data),
    );
    expect(audit).toContainEqual({
      principal: { kind: 'ai', id: 'assistant' },
      granted: ['entities:write:task'],
      revoked: [],
    });
  });

  it("keeps other users' grants invisible and untouchable", async () => {
    expect(await list(bob)).toEqual([]);
    const theirs = await hub.app.inject({
      method: 'DELETE',
      url: '/api/v1/grants?kind=ai&id=assistant&permission=entities:write:task',
      headers: bearer(bob),
    });
    expect(theirs.statusCode).toBe(404);
    expect(
      (await hub.app.inject({ method: 'GET', url: '/api/v1/plugins/note-taker/grants', headers: bearer(bob) })).json(),
    ).toEqual({
      grants: [],
    });
    expect((await list(alice, '?kind=ai'))[0]!.grants).toHaveLength(1);
  });

  it('answers bad grants with a clear 400 and changes nothing', async () => {
    const before = await list(alice);
    const bad: [unknown, RegExp][] = [
      [{ kind: 'plugin', id: 'note-taker', permission: 'notify' }, /kind/],
      [{ kind: 'user', id: alice.id, permission: 'notify' }, /kind/],
      [{ kind: 'robot', id: 'x1', permission: 'notify' }, /kind/],
      [{ kind: 'rule', id: 'Bad Id!', permission: 'notify' }, /rule id must be/],
      [{ kind: 'rule', id: 'r1', permission: 'fs:read:/etc' }, /is not a permission/],
      [{ kind: 'rule', id: 'r1', permission: 'entities:write:spaceship' }, /is not a permission/],
      [{ kind: 'rule', id: 'r1', permission: 'events:emit:rule.fired' }, /cannot hold/],
      [{ kind: 'rule', id: 'r1', permission: 'storage:write' }, /cannot hold/],
      [{ kind: 'ai', id: 'assistant', permission: 'entities:write:person' }, /cannot hold/],
      [{ kind: 'connector', id: 'twilio', permission: 'http:fetch:evil.example.com' }, /cannot hold/],
      [{ kind: 'connector', id: 'twilio', permission: 'credentials:microsoft' }, /cannot hold/],
      [{ kind: 'connector', id: 'nosuchprovider', permission: 'entities:read:*' }, /no provider/],
      [{ kind: 'rule', id: 'r1' }, /permission/],
      [{ kind: 'rule', id: 'r1', permission: 'notify', extra: true }, /extra|Unrecognized/i],
      [['a', 'list'], /./],
    ];
    for (const [payload, message] of bad) {
      const response = await post(alice, payload);
      expect(response.statusCode, JSON.stringify(payload)).toBe(400);
      expect(response.json().error.message).toMatch(message);
    }
    // The NUL ones reached PostgreSQL (22021) before the query schema refused them.
    for (const query of [
      '',
      '?kind=rule',
      '?kind=user&id=x&permission=notify',
      '?kind=rule&id=r1&permission=',
      '?kind=rule&id=r%001&permission=notify',
      '?kind=rule&id=r1&permission=notify%00',
    ]) {
      const response = await hub.app.inject({
        method: 'DELETE',
        url: `/api/v1/grants${query}`,
        headers: bearer(alice),
      });
      expect(response.statusCode, query).toBe(400);
    }
    expect(
      (await hub.app.inject({ method: 'GET', url: '/api/v1/grants?kind=robot', headers: bearer(alice) })).statusCode,
    ).toBe(400);
    expect((await hub.app.inject({ method: 'GET', url: '/api/v1/grants' })).statusCode).toBe(401);
    const nul = await hub.app.inject({
      method: 'DELETE',
      url: '/api/v1/plugins/note-taker/grants?permission=notify%00',
      headers: bearer(alice),
    });
    expect(nul.statusCode, nul.body).toBe(400);
    expect(nul.json().error.message).toMatch(/NUL/);
    expect(await list(alice)).toEqual(before);
  });

  it('revokes any kind through DELETE /api/v1/grants, a plugin too, and the plugin route still works', async () => {
    const revoke = (query: string) =>
      hub.app.inject({ method: 'DELETE', url: `/api/v1/grants?${query}`, headers: bearer(alice) });
    const gone = await revoke('kind=rule&id=file-receipts&permission=entities:read:*');
    expect(gone.statusCode, gone.body).toBe(200);
    expect(gone.json()).toEqual({ revoked: ['entities:read:*'] });
    expect((await revoke('kind=rule&id=file-receipts&permission=entities:read:*')).statusCode).toBe(404);
    expect((await revoke('kind=plugin&id=note-taker&permission=notify')).json()).toEqual({ revoked: ['notify'] });
    const viaPlugin = await hub.app.inject({
      method: 'DELETE',
      url: '/api/v1/plugins/note-taker/grants?permission=entities:write:note',
      headers: bearer(alice),
    });
    expect(viaPlugin.json()).toEqual({ revoked: ['entities:write:note'] });
    expect(
      (
        await hub.app.inject({ method: 'GET', url: '/api/v1/plugins/note-taker/grants', headers: bearer(alice) })
      ).json(),
    ).toEqual({ grants: [] });
  });

  it('moves plugin_grants rows into made_open.grants (migration 0002), keeping when they were granted', async () => {
    const dir = new URL('./migrations/', import.meta.url);
    const before = readFileSync(new URL('0001_plugin_grants.sql', dir), 'utf8');
    const move = readFileSync(new URL('0002_principal_grants.sql', dir), 'utf8');
    const grantedAt = '2025-06-01T10:00:00.000Z';
    await hub.db.asOwner(async (tx) => {
      await tx.exec(before);
      await tx.query(
        `INSERT INTO made_open.plugin_grants (owner_id, plugin_id, permission, granted_at) VALUES ($1, 'old-plugin', 'notify', $2), ($1, 'old-plugin', 'storage:read', $2)`,
        [bob.id, grantedAt],
      );
      await tx.exec(move);
    });
    const moved = await list(bob, '?kind=plugin');
    expect(moved).toEqual([
      {
        kind: 'plugin',
        id: 'old-plugin',
        grants: [
          { permission: 'notify', grantedAt },
          { permission: 'storage:read', grantedAt },
        ],
      },
    ]);
    const left = await hub.db.asOwner((tx) =>
      tx.query<{ t: string | null }>(`SELECT to_regclass('made_open.plugin_grants')::text AS t`),
    );
    expect(left.rows[0]!.t).toBeNull();
  });
});
