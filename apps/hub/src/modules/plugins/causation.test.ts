import { maxCausationDepth, type Actor } from '@made-open/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabaseKinds } from '../../../test/databases.ts';
import { createTestHub, type TestHub } from '../../../test/hub.ts';
import { bearer, signUpUser, type SignedUpUser } from '../../../test/users.ts';
import { installAndConsent, manifest, modulesOf } from './test/fixtures.ts';

/**
 * Causation and the loop guards: every event a plugin causes names the event it reacted
 * to and its depth; a plugin never reacts to itself, chains through other plugins stop at
 * maxCausationDepth, and event-triggered runs are rate limited per installation.
 */
const echo = `module.exports = {
  async onEvent(event, ctx) {
    if (event.data.entity.type !== 'note') return 'skipped';
    await ctx.entities.create({ type: 'note', title: 'echo from ' + ctx.plugin.id });
    return 'echoed';
  },
};`;
const echoPermissions = ['entities:write:note', 'events:subscribe:data.EntityCreated'];

const touch = `module.exports = {
  async onEvent(event, ctx) {
    const entity = await ctx.entities.get(event.subject);
    await ctx.entities.update(entity.id, { version: entity.version, title: entity.title + '!' });
    return 'touched';
  },
};`;
const touchPermissions = ['entities:read:note', 'entities:write:note', 'events:subscribe:data.EntityUpdated'];

type OutboxRow = {
  id: string;
  type: string;
  subject: string;
  actor: Actor;
  data: { entity: { id: string; type: string; title: string; version: number } };
};

const waitFor = async <T>(what: string, probe: () => Promise<T | undefined>, deadlineMs = 90_000): Promise<T> => {
  const until = Date.now() + deadlineMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
};

describe.each(testDatabaseKinds())('plugin causation and loop guards on %s', (kind) => {
  let hub: TestHub;
  let alice: SignedUpUser;

  const entityEvents = (ownerId: string, type: string) =>
    hub.db.asSystem(
      async (tx) =>
        (
          await tx.query<OutboxRow>(
            `SELECT id, type, subject, actor, data FROM made_open.outbox WHERE owner_id = $1 AND type = $2 ORDER BY id`,
            [ownerId, type],
          )
        ).rows,
    );
  const runsOf = (ownerId: string, pluginId: string) =>
    hub.db.asSystem(
      async (tx) =>
        (
          await tx.query<{ trigger_ref: string | null; outcome: string; error: string | null }>(
            `SELECT trigger_ref, outcome, error FROM made_open.plugin_runs WHERE owner_id = $1 AND plugin_id = $2`,
            [ownerId, pluginId],
          )
        ).rows,
    );

  beforeAll(async () => {
    hub = await createTestHub(kind, { PLUGINS_EVENT_BURST: '20', PLUGINS_EVENT_RATE_PER_SECOND: '0.01' });
    alice = await signUpUser(hub);
  }, 180_000);
  afterAll(async () => {
    await hub?.close();
  });

  it('two plugins that react to each other stop at the depth guard, and every event names its cause', async () => {
    for (const id of ['echo-a', 'echo-b']) {
      await installAndConsent(
        hub,
        alice,
        manifest(id, echoPermissions, { triggers: [{ type: 'event', events: ['data.EntityCreated'] }] }),
        echo,
      );
    }
    const created = await hub.app.inject({
      method: 'POST',
      url: '/api/v1/entities',
      headers: bearer(alice),
      payload: { type: 'note', title: 'start' },
    });
    expect(created.statusCode, created.body).toBe(201);

    // Two chains (a, b, a, ... and b, a, b, ...), each one note per depth from 1 to the
    // limit; the events at the limit are refused, one for each chain.
    const refusals = await waitFor('both chains to reach the guard', async () => {
      const runs = [...(await runsOf(alice.id, 'echo-a')), ...(await runsOf(alice.id, 'echo-b'))];
      const refused = runs.filter((r) => r.outcome === 'refused');
      return refused.length >= 2 ? refused : undefined;
    });
    expect(refusals).toHaveLength(2);
    for (const refusal of refusals) expect(refusal.error).toMatch(/^Loop guard/);

    const events = await entityEvents(alice.id, 'data.EntityCreated');
    const byId = new Map(events.map((e) => [e.id, e]));
    const echoes = events.filter((e) => e.actor.kind === 'plugin');
    expect(echoes).toHaveLength(2 * maxCausationDepth);
    for (const event of echoes) {
      const cause = byId.get(event.actor.causedBy!);
      expect(cause, 'the cause is a recorded event').toBeDefined();
      expect(event.actor.depth).toBe((cause!.actor.depth ?? 0) + 1);
      expect(cause!.actor.id, 'a plugin never reacts to itself').not.toBe(event.actor.id);
    }
    expect(Math.max(...echoes.map((e) => e.actor.depth ?? 0))).toBe(maxCausationDepth);
    const guarded = new Set(refusals.map((r) => r.trigger_ref));
    for (const event of echoes.filter((e) => e.actor.depth === maxCausationDepth)) expect(guarded).toContain(event.id);
  });

  it('a plugin that updates the entity whose update triggered it runs once per user edit', async () => {
    await installAndConsent(
      hub,
      alice,
      manifest('toucher', touchPermissions, { triggers: [{ type: 'event', events: ['data.EntityUpdated'] }] }),
      touch,
    );
    const created = (
      await hub.app.inject({
        method: 'POST',
        url: '/api/v1/entities',
        headers: bearer(alice),
        payload: { type: 'note', title: 'draft' },
      })
    ).json();
    const edited = await hub.app.inject({
      method: 'PATCH',
      url: `/api/v1/entities/${created.id}`,
      headers: bearer(alice),
      payload: { version: created.version, title: 'edited' },
    });
    expect(edited.statusCode, edited.body).toBe(200);

    const own = await waitFor('the plugin to touch the note', async () =>
      (await entityEvents(alice.id, 'data.EntityUpdated')).find(
        (e) => e.subject === created.id && e.actor.kind === 'plugin',
      ),
    );
    expect(own.actor).toMatchObject({ kind: 'plugin', id: 'toucher', depth: 1 });
    expect(own.data.entity).toMatchObject({ title: 'edited!', version: 3 });
    const userEdit = (await entityEvents(alice.id, 'data.EntityUpdated')).find(
      (e) => e.subject === created.id && e.actor.kind === 'user',
    );
    expect(own.actor.causedBy).toBe(userEdit!.id);

    // Its own update is not an occasion to run again (the consumer sees the same thing).
    const { plugins } = modulesOf(hub);
    const replay = await plugins.service.dispatchEvent({
      ...own,
      ownerId: alice.id,
      time: new Date().toISOString(),
      v: 1,
    });
    expect(replay).toEqual([]);
    const runs = await runsOf(alice.id, 'toucher');
    expect(runs.filter((r) => r.trigger_ref === own.id)).toEqual([]);
  });

  it('refuses event-triggered runs past the installation rate, and records them', async () => {
    await installAndConsent(
      hub,
      alice,
      manifest('counter', ['events:subscribe:data.EntityDeleted'], {
        triggers: [{ type: 'event', events: ['data.EntityDeleted'] }],
      }),
      `module.exports = { onEvent: () => 'counted' };`,
    );
    const { plugins } = modulesOf(hub);
    const outcomes: string[] = [];
    for (let i = 0; i < 25; i += 1) {
      const [result] = await plugins.service.dispatchEvent({
        id: `0190a0b0-0000-7000-8000-${String(i).padStart(12, '0')}`,
        type: 'data.EntityDeleted',
        ownerId: alice.id,
        subject: 'x',
        time: new Date().toISOString(),
        actor: { kind: 'user', id: alice.id },
        data: { entity: { source: null } },
        v: 1,
      });
      outcomes.push(result!.outcome === 'refused' ? `refused: ${result!.error?.split(':')[0]}` : result!.outcome);
    }
    expect(outcomes.slice(0, 20)).toEqual(Array(20).fill('ok'));
    expect(outcomes.slice(20)).toEqual(Array(5).fill('refused: Rate limit'));
    expect((await runsOf(alice.id, 'counter')).filter((r) => r.outcome === 'refused')).toHaveLength(5);
  });
});
