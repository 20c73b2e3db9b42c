import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHub, type TestHub } from '../../../test/hub.ts';
import { testDatabaseKinds } from '../../../test/databases.ts';
import { bearer, signUpUser, type SignedUpUser } from '../../../test/users.ts';
import { createLogger } from '../../platform/logger.ts';
import { pluginStorage } from '../plugins/index.ts';
import { modulesOf } from '../plugins/test/fixtures.ts';
import { ActionError, createActionsService, type ActionsService, type Principal } from './index.ts';

/**
 * Every kind of principal goes through the same actions and the same Policy Service: a
 * rule, a connector and an AI assistant are refused until their user grants, then allowed,
 * audited either way; a user acts on their own data; nobody reaches another user's (RLS).
 */
describe.each(testDatabaseKinds())('actions for every principal on %s', (kind) => {
  let hub: TestHub;
  let alice: SignedUpUser;
  let bob: SignedUpUser;
  let actions: ActionsService;
  let bobsNoteId: string;

  beforeAll(async () => {
    hub = await createTestHub(kind);
    alice = await signUpUser(hub);
    bob = await signUpUser(hub);
    actions = modulesOf(hub).actions.service;
    const note = await hub.app.inject({
      method: 'POST',
      url: '/api/v1/entities',
      headers: bearer(bob),
      payload: { type: 'note', title: "bob's private note" },
    });
    bobsNoteId = note.json().id;
  }, 180_000);
  afterAll(() => hub?.close(), 180_000);

  const grant = (user: SignedUpUser, kind: string, id: string, permission: string) =>
    hub.app.inject({ method: 'POST', url: '/api/v1/grants', headers: bearer(user), payload: { kind, id, permission } });

  /** The code an invocation fails with, or 'ok'. */
  async function attempt(principal: Principal, action: string, input: unknown) {
    try {
      return { code: 'ok', value: await actions.invoke(principal, action, input) };
    } catch (error) {
      if (error instanceof ActionError || (error as { code?: string }).code) {
        return { code: (error as ActionError).code, status: (error as ActionError).status, value: undefined };
      }
      throw error;
    }
  }

  async function decisionsFor(ownerId: string, subject: string) {
    return hub.db.asSystem(
      async (tx) =>
        (
          await tx.query<{ data: Record<string, unknown>; actor: Record<string, unknown> }>(
            `SELECT data, actor FROM made_open.outbox WHERE owner_id = $1 AND type = 'policy.Decision' AND subject = $2 ORDER BY id`,
            [ownerId, subject],
          )
        ).rows,
    );
  }

  const cases: {
    principal: (owner: string) => Principal;
    permission: string;
    type: string;
    properties?: Record<string, unknown>;
  }[] = [
    {
      principal: (ownerId) => ({ kind: 'rule', id: 'tidy-inbox', ownerId }),
      permission: 'entities:write:note',
      type: 'note',
    },
    {
      principal: (ownerId) => ({ kind: 'connector', id: 'twilio', ownerId }),
      permission: 'entities:write:message',
      type: 'message',
      properties: { channel: 'sms', direction: 'inbound', from: '+442079460958' },
    },
    {
      principal: (ownerId) => ({ kind: 'ai', id: 'assistant', ownerId }),
      permission: 'entities:write:task',
      type: 'task',
    },
  ];

  for (const { principal: make, permission, type, properties = {} } of cases) {
    const name = make('x').kind;
    it(`a ${name} is refused without a grant (audited), allowed with it, and never reaches another user's data`, async () => {
      const principal = make(alice.id);
      const input = { type, title: `made by a ${name}`, properties };
      const refused = await attempt(principal, 'entities.create', input);
      expect(refused).toMatchObject({ code: 'permission_denied', status: 403 });

      expect((await grant(alice, principal.kind, principal.id, permission)).statusCode).toBe(201);
      const created = await attempt(principal, 'entities.create', input);
      expect(created.code).toBe('ok');
      const entity = created.value as { id: string; type: string; source: string };
      expect(entity).toMatchObject({ type, source: `${principal.kind}.${principal.id}` });

      // Reading needs its own grant; then the entity reads back, and bob's note stays invisible (RLS: not found).
      expect((await attempt(principal, 'entities.get', { id: entity.id })).code).toBe('permission_denied');
      expect((await grant(alice, principal.kind, principal.id, 'entities:read:*')).statusCode).toBe(201);
      expect(await attempt(principal, 'entities.get', { id: entity.id })).toMatchObject({
        code: 'ok',
        value: { id: entity.id },
      });
      expect((await attempt(principal, 'entities.get', { id: bobsNoteId })).code).toBe('not_found');
      const page = (await attempt(principal, 'entities.query', { type: 'note', limit: 500 })).value as {
        items: { id: string }[];
      };
      expect(page.items.map((i) => i.id)).not.toContain(bobsNoteId);

      const decisions = await decisionsFor(alice.id, principal.id);
      expect(decisions.map((d) => d.data)).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            principal: { kind: principal.kind, id: principal.id },
            permission,
            allowed: false,
            reason: 'not_granted',
            operation: 'entities.create',
            outcome: 'permission_denied',
          }),
          expect.objectContaining({ permission, allowed: true, reason: 'allowed', outcome: 'ok' }),
        ]),
      );
      expect(decisions[0]!.actor).toMatchObject({ kind: principal.kind, id: principal.id });

      // Revoked: refused again on the very next action (the cache is invalidated).
      const revoke = await hub.app.inject({
        method: 'DELETE',
        url: `/api/v1/grants?kind=${principal.kind}&id=${principal.id}&permission=${encodeURIComponent(permission)}`,
        headers: bearer(alice),
      });
      expect(revoke.statusCode, revoke.body).toBe(200);
      expect((await attempt(principal, 'entities.create', input)).code).toBe('permission_denied');
    });
  }

  it('a user acts on their own data without grants, audited, and cannot reach another user’s', async () => {
    const me: Principal = { kind: 'user', id: alice.id, ownerId: alice.id };
    const created = await attempt(me, 'entities.create', { type: 'person', title: 'Ada', properties: {} });
    expect(created.code).toBe('ok');
    const id = (created.value as { id: string }).id;
    const updated = await attempt(me, 'entities.update', { id, input: { version: 1, title: 'Ada Lovelace' } });
    expect(updated).toMatchObject({ code: 'ok', value: { title: 'Ada Lovelace' } });
    expect((await attempt(me, 'entities.get', { id: bobsNoteId })).code).toBe('not_found');
    expect((await attempt(me, 'entities.update', { id: bobsNoteId, input: { version: 1, title: 'x' } })).code).toBe(
      'not_found',
    );
    expect((await decisionsFor(alice.id, alice.id)).map((d) => d.data)).toContainEqual(
      expect.objectContaining({ permission: 'entities:write:person', allowed: true, outcome: 'ok' }),
    );
  });

  it('answers hostile input with clear 4xx codes and runs nothing', async () => {
    const rule: Principal = { kind: 'rule', id: 'hostile-rule', ownerId: alice.id };
    expect((await grant(alice, 'rule', 'hostile-rule', 'entities:write:*')).statusCode).toBe(201);
    const bad: [string, unknown, string][] = [
      ['entities.create', null, 'invalid_input'],
      ['entities.create', { type: 'spaceship', title: 'x' }, 'invalid_input'],
      ['entities.create', { type: 'note', title: 'x'.repeat(100_000) }, 'invalid_input'],
      ['entities.get', { id: "1' OR 1=1 --" }, 'invalid_input'],
      ['entities.get', { id: { $ne: null } }, 'invalid_input'],
      ['entities.query', { type: 'note', limit: -5 }, 'invalid_input'],
      ['entities.query', { type: 'note', __proto__: { polluted: true } }, 'permission_denied'],
      ['entities.update', { id: bobsNoteId, input: 'not an object' }, 'invalid_input'],
      ['storage.set', { key: 'k', value: 1 }, 'permission_denied'],
      ['events.emit', { name: 'x', payload: {} }, 'permission_denied'],
      ['http.fetch', { url: 42, init: {} }, 'invalid_input'],
      ['no.such.action', {}, 'unknown_action'],
    ];
    for (const [action, input, code] of bad) {
      const result = await attempt(rule, action, input);
      expect(result.code, `${action} ${JSON.stringify(input)?.slice(0, 60)}`).toBe(code);
      expect(result.status).toBeGreaterThanOrEqual(400);
      expect(result.status).toBeLessThan(500);
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    // A plugin-only action is refused to other kinds, and the refusal is audited.
    expect((await decisionsFor(alice.id, 'hostile-rule')).map((d) => d.data)).toContainEqual(
      expect.objectContaining({ permission: 'action:storage.set', allowed: false, reason: 'not_available' }),
    );
  });

  it("runs inside the caller's transaction: its writes commit or roll back with the caller's", async () => {
    const me: Principal = { kind: 'user', id: alice.id, ownerId: alice.id };
    const title = `tx-${Date.now()}`;
    const count = () =>
      hub.db.asSystem(
        async (tx) =>
          (
            await tx.query<{ n: number }>(
              `SELECT count(*)::int AS n FROM public.entities WHERE owner_id = $1 AND title LIKE $2`,
              [alice.id, `${title}%`],
            )
          ).rows[0]!.n,
      );
    await expect(
      hub.db.asUser(alice.claims, async (tx) => {
        await actions.invoke(me, 'entities.create', { type: 'note', title: `${title} rolled back` }, { tx });
        throw new Error('the caller fails after the action wrote');
      }),
    ).rejects.toThrow('the caller fails');
    expect(await count()).toBe(0);
    await hub.db.asUser(alice.claims, async (tx) => {
      const first = (await actions.invoke(me, 'entities.create', { type: 'note', title: `${title} a` }, { tx })) as {
        id: string;
      };
      // The caller's next action sees the first one's write before anything commits.
      expect(await actions.invoke(me, 'entities.get', { id: first.id }, { tx })).toMatchObject({ id: first.id });
      await actions.invoke(me, 'entities.update', { id: first.id, input: { version: 1, body: 'changed' } }, { tx });
    });
    expect(await count()).toBe(1);
  });

  it('limits how fast a principal kind may act (token buckets per principal)', async () => {
    const { graph, wallet, policy } = modulesOf(hub);
    const limited = createActionsService({
      db: hub.db,
      logger: createLogger('silent'),
      policy: policy.service,
      graph: graph.service,
      wallet: wallet.service,
      outbox: { append: async () => 'x', appendMany: async () => [] },
      pluginStorage,
      http: { client: undefined as never },
      actions: [(await import('./actions.registry.ts')).builtInActions.find((a) => a.name === 'log')!],
      rates: { ai: { burst: 2, perSecond: 0.001 } },
    });
    const ai: Principal = { kind: 'ai', id: 'chatty', ownerId: alice.id };
    const line = { level: 'info', message: 'hello', data: null };
    expect(await limited.invoke(ai, 'log', line)).toBeNull();
    expect(await limited.invoke(ai, 'log', line)).toBeNull();
    await expect(limited.invoke(ai, 'log', line)).rejects.toMatchObject({ code: 'rate_limited', status: 429 });
    // Another assistant, or another user's, has its own bucket.
    expect(await limited.invoke({ ...ai, id: 'quiet' }, 'log', line)).toBeNull();
  });
});
