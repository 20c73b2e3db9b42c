import { maxCausationDepth, type Actor } from '@made-open/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabaseKinds } from '../../../test/databases.ts';
import { createTestHub, type TestHub } from '../../../test/hub.ts';
import { bearer, signUpUser, type SignedUpUser } from '../../../test/users.ts';
import { eventually } from '../connectors/test/support.ts';
import { installAndConsent, manifest, modulesOf } from './test/fixtures.ts';

/**
 * A rule's step that runs one of its owner's plugins (plugins.run, plugins.rules.ts) on a
 * real hub: the isolated-vm runtime, the rules engine and the Policy Service. The plugin
 * writes with its own grant (the rule holds only plugins:run:<id>), its actor reacts to the
 * rule's, and its run is in its own run log naming the rule.
 */
const writer = `module.exports = {
  async run(input, ctx) {
    if (input && input.fail) throw new Error('the plugin gave up: ' + input.fail);
    const note = await ctx.entities.create({ type: 'note', title: 'from plugin: ' + input.title });
    return { noteId: note.id, echoed: input };
  },
};`;
const writerManifest = manifest('note-writer', ['entities:write:note']);

/** A rule on new notes whose title matches `titled`, running the plugin with the note's title. */
const pluginRule = (titled: string, step: Record<string, unknown> = {}, more: object[] = []) => ({
  name: `Run a plugin on ${titled}`,
  triggers: [
    {
      id: 'note',
      type: 'event',
      event: 'data.EntityCreated',
      filter: {
        all: [
          { cmp: { left: 'trigger.data.entity.type', op: 'eq', right: 'note' } },
          { cmp: { left: 'trigger.data.entity.title', op: 'matches', right: titled } },
        ],
      },
    },
  ],
  steps: [
    {
      id: 'plugin',
      type: 'action',
      action: 'plugins.run',
      with: { pluginId: 'note-writer', input: { title: '{{ trigger.data.entity.title }}' } },
      ...step,
    },
    ...more,
  ],
  limits: { perHour: 1000, maxDepth: 3 },
});

type Run = {
  id: string;
  status: string;
  reason: string | null;
  depth?: number;
  trace: Array<{ stepId?: string; status: string; output?: any; error?: { code: string; message: string } }>;
};

describe.each(testDatabaseKinds())('rules running plugins, on %s', (kind) => {
  let hub: TestHub;
  let alice: SignedUpUser;
  let bob: SignedUpUser;

  const api = (user: SignedUpUser, method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: object) =>
    hub.app.inject({ method, url, headers: bearer(user), ...(payload ? { payload } : {}) });

  async function createRule(user: SignedUpUser, definition: object, approve: string[]) {
    const res = await api(user, 'POST', '/api/v1/rules', { definition, approve, enabled: true });
    expect(res.statusCode, res.body).toBe(201);
    return res.json().rule.id as string;
  }
  async function note(user: SignedUpUser, title: string) {
    const res = await api(user, 'POST', '/api/v1/entities', { type: 'note', title });
    expect(res.statusCode, res.body).toBe(201);
    return res.json().id as string;
  }
  /** Every finished run of the rule (newest first), once `count` have finished. */
  async function finishedRuns(user: SignedUpUser, ruleId: string, count = 1): Promise<Run[]> {
    const runs = await eventually(async () => {
      const items = (await api(user, 'GET', `/api/v1/rules/${ruleId}/runs?limit=100`)).json().items as Run[];
      const done = items.filter((r) => r.status === 'succeeded' || r.status === 'failed');
      return done.length >= count && done.length === items.length ? done : undefined;
    }, 'the rule runs to finish');
    const depths = await hub.db.asSystem(
      async (tx) =>
        new Map(
          (
            await tx.query<{ id: string; depth: number }>(
              `SELECT id, depth FROM made_open.rule_runs WHERE rule_id = $1`,
              [ruleId],
            )
          ).rows.map((r) => [r.id, Number(r.depth)]),
        ),
    );
    return Promise.all(
      runs.map(async (r) => ({
        ...(await api(user, 'GET', `/api/v1/rules/${ruleId}/runs/${r.id}`)).json(),
        depth: depths.get(r.id),
      })),
    );
  }
  const stepOf = (run: Run, id: string) => run.trace.find((t) => t.stepId === id)!;
  /** The plugin run log, straight from the table (every owner). */
  const pluginRuns = () =>
    hub.db.asSystem(
      async (tx) =>
        (
          await tx.query<{
            owner_id: string;
            plugin_id: string;
            trigger: string;
            trigger_ref: string | null;
            outcome: string;
            error: string | null;
          }>(`SELECT owner_id, plugin_id, trigger, trigger_ref, outcome, error FROM made_open.plugin_runs ORDER BY id`)
        ).rows,
    );
  const createdNotes = (ownerId: string, prefix: string) =>
    hub.db.asSystem(
      async (tx) =>
        (
          await tx.query<{ actor: Actor; data: { entity: { id: string; title: string } } }>(
            `SELECT actor, data FROM made_open.outbox WHERE owner_id = $1 AND type = 'data.EntityCreated'
               AND data->'entity'->>'title' LIKE $2 ORDER BY seq`,
            [ownerId, `${prefix}%`],
          )
        ).rows,
    );

  beforeAll(async () => {
    hub = await createTestHub(kind, {}, { rules: { indexTtlMs: 0 } });
    alice = await signUpUser(hub);
    bob = await signUpUser(hub);
    await installAndConsent(hub, alice, writerManifest, writer);
  }, 180_000);
  afterAll(() => hub?.close(), 60_000);

  it('is refused at save until the owner approves plugins:run:<id>; the plugin writes with its own grant, its actor reacting to the rule', async () => {
    const definition = pluginRule('^Run plugin');
    const refused = await api(alice, 'POST', '/api/v1/rules', { definition, approve: [] });
    expect(refused.statusCode).toBe(400);
    expect(refused.json().error).toMatchObject({
      code: 'grants_required',
      details: { missing: ['plugins:run:note-writer'] },
    });
    expect((await api(alice, 'GET', '/api/v1/rules')).json().items).toEqual([]);

    // The rule holds only plugins:run:note-writer: the note is written with the plugin's own grant.
    const ruleId = await createRule(alice, definition, ['plugins:run:note-writer']);
    const grants = (await api(alice, 'GET', '/api/v1/grants')).json().principals as Array<{
      kind: string;
      id: string;
      grants: { permission: string }[];
    }>;
    expect(grants.find((p) => p.kind === 'rule' && p.id === ruleId)!.grants.map((g) => g.permission)).toEqual([
      'plugins:run:note-writer',
    ]);
    const triggerNote = await note(alice, 'Run plugin please');
    const [run] = await finishedRuns(alice, ruleId);
    expect(run!.status, JSON.stringify(run!.trace)).toBe('succeeded');
    const output = stepOf(run!, 'plugin').output;
    expect(output).toMatchObject({
      runId: expect.any(String),
      outcome: 'ok',
      truncated: false,
      result: { noteId: expect.any(String), echoed: { title: 'Run plugin please' } },
    });

    const [written] = await createdNotes(alice.id, 'from plugin: Run plugin please');
    expect(written!.data.entity.id).toBe(output.result.noteId);
    const [trigger] = await hub.db.asSystem(
      async (tx) =>
        (
          await tx.query<{ id: string }>(
            `SELECT id FROM made_open.outbox WHERE type = 'data.EntityCreated' AND subject = $1`,
            [triggerNote],
          )
        ).rows,
    );
    // Alice's note (depth 0) → the rule (depth 1) → the plugin (depth 2), caused by Alice's note.
    expect(run!.depth).toBe(1);
    expect(written!.actor).toEqual({ kind: 'plugin', id: 'note-writer', causedBy: trigger!.id, depth: 2 });

    const logged = (await api(alice, 'GET', '/api/v1/plugins/note-writer/runs')).json();
    expect(logged.runs ?? logged.items ?? logged).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          id: output.runId,
          trigger: 'manual',
          triggerRef: `rule:${ruleId}/runs/${run!.id}`,
          outcome: 'ok',
        }),
      ]),
    );
    await api(alice, 'POST', `/api/v1/rules/${ruleId}/disable`);
  }, 120_000);

  it("another user's plugin is not found and never runs; continueOnError lets the rule go on", async () => {
    const before = await pluginRuns();
    // Bob names Alice's plugin: the approval is his to give, but the plugin is not his.
    const ruleId = await createRule(
      bob,
      pluginRule('^Borrow', { continueOnError: true }, [
        { id: 'tell', type: 'action', action: 'notify', with: { title: 'went on' } },
      ]),
      ['plugins:run:note-writer', 'notify'],
    );
    await note(bob, 'Borrow a plugin');
    const [run] = await finishedRuns(bob, ruleId);
    expect(run!.status).toBe('succeeded');
    expect(stepOf(run!, 'plugin')).toMatchObject({
      status: 'error',
      error: { code: 'plugin_not_found', message: expect.stringContaining('No plugin note-writer is installed') },
    });
    expect(stepOf(run!, 'tell').status).toBe('ok');
    expect(await pluginRuns()).toEqual(before);
    expect(await createdNotes(bob.id, 'from plugin')).toEqual([]);
    expect(await createdNotes(alice.id, 'from plugin: Borrow')).toEqual([]);
  }, 120_000);

  it('a disabled plugin and a plugin that throws fail the step with what to do, in the trace and the run log', async () => {
    const ruleId = await createRule(alice, pluginRule('^(Off|Fail)'), ['plugins:run:note-writer']);
    expect((await api(alice, 'POST', '/api/v1/plugins/note-writer/disable')).statusCode).toBe(200);
    const before = await pluginRuns();
    await note(alice, 'Off while disabled');
    const [off] = await finishedRuns(alice, ruleId);
    expect(off!.status).toBe('failed');
    expect(stepOf(off!, 'plugin').error).toEqual({
      code: 'plugin_not_enabled',
      message: 'note-writer is disabled: enable it in Settings → Plugins, then it can run.',
    });
    expect(off!.reason).toContain('enable it in Settings → Plugins');
    expect(await pluginRuns()).toEqual(before);

    expect((await api(alice, 'POST', '/api/v1/plugins/note-writer/enable')).statusCode).toBe(200);
    const definition = pluginRule('^(Off|Fail)', { with: { pluginId: 'note-writer', input: { fail: 'no disk' } } });
    const saved = await api(alice, 'PUT', `/api/v1/rules/${ruleId}`, { definition });
    expect(saved.statusCode).toBe(428);
    const got = await api(alice, 'GET', `/api/v1/rules/${ruleId}`);
    expect(
      (
        await hub.app.inject({
          method: 'PUT',
          url: `/api/v1/rules/${ruleId}`,
          headers: { ...bearer(alice), 'if-match': got.headers.etag as string },
          payload: { definition },
        })
      ).statusCode,
    ).toBe(200);
    await note(alice, 'Fail loudly');
    const [failed] = await finishedRuns(alice, ruleId, 2);
    expect(failed!.status).toBe('failed');
    const step = stepOf(failed!, 'plugin');
    expect(step.error!.code).toBe('plugin_error');
    expect(step.error!.message).toMatch(
      /^note-writer failed: .*the plugin gave up: no disk.*\(plugin run [0-9a-f-]{36}\)\.$/,
    );
    const last = (await pluginRuns()).at(-1)!;
    expect(last).toMatchObject({
      owner_id: alice.id,
      plugin_id: 'note-writer',
      trigger: 'manual',
      trigger_ref: `rule:${ruleId}/runs/${failed!.id}`,
      outcome: 'error',
    });
    expect(last.error).toContain('the plugin gave up: no disk');
    await api(alice, 'POST', `/api/v1/rules/${ruleId}/disable`);
  }, 120_000);

  it('refuses hostile steps at save with a 4xx, and hostile input at run time; nothing runs', async () => {
    const before = await pluginRuns();
    const step = (w: Record<string, unknown>) => pluginRule('^Never', { with: w });
    const cases: [Record<string, unknown>, string][] = [
      [{ pluginId: 'Not A Plugin!' }, '/definition/steps/0/with/pluginId'],
      [{ pluginId: '{{ trigger.data.entity.title }}' }, '/definition/steps/0/with/pluginId'],
      [{}, '/definition/steps/0/with/pluginId'],
      [{ pluginId: 'note-writer', input: { text: 'x'.repeat(70_000) } }, '/definition/steps/0/with/input'],
    ];
    for (const [w, path] of cases) {
      const res = await api(alice, 'POST', '/api/v1/rules', { definition: step(w), approve: ['plugins:run:*'] });
      expect(res.statusCode, res.body).toBe(400);
      expect(res.json().error.details).toEqual(expect.arrayContaining([expect.objectContaining({ path })]));
    }
    // The ceiling is not a grant: approving plugins:run:* does not approve a concrete plugin.
    const wildcard = await api(alice, 'POST', '/api/v1/rules', {
      definition: pluginRule('^Never'),
      approve: ['plugins:run:*'],
    });
    expect(wildcard.json().error).toMatchObject({ code: 'grants_required' });
    // Nor can anyone grant it by hand.
    const byHand = await api(alice, 'POST', '/api/v1/grants', {
      kind: 'rule',
      id: 'some-rule',
      permission: 'plugins:run:*',
    });
    expect(byHand.statusCode).toBe(400);

    // At run time (the action itself, as a rule holding the grant): non-JSON and oversized
    // input, unknown fields and an unknown plugin are refused before any plugin runs.
    const { actions, policy } = modulesOf(hub);
    const principal = { kind: 'rule' as const, id: 'hostile-rule', ownerId: alice.id };
    await policy.service.grant(alice, principal, ['plugins:run:note-writer', 'plugins:run:not-installed']);
    const invoke = (input: unknown) => actions.service.invoke(principal, 'plugins.run', input);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const hostile: [unknown, string][] = [
      [{ pluginId: 'note-writer', input: 10n }, 'invalid_input'],
      [{ pluginId: 'note-writer', input: cyclic }, 'invalid_input'],
      [{ pluginId: 'note-writer', input: 'y'.repeat(70_000) }, 'invalid_input'],
      [{ pluginId: 'note-writer', extra: true }, 'invalid_input'],
      [{ pluginId: '../etc/passwd' }, 'invalid_input'],
      [{ pluginId: 'not-installed' }, 'plugin_not_found'],
      // Held by nobody: refused by the Policy Service.
      [{ pluginId: 'another-plugin' }, 'permission_denied'],
    ];
    for (const [input, code] of hostile) await expect(invoke(input)).rejects.toMatchObject({ code });
    // A plugin cannot run plugins through it, even one holding the permission.
    const held = ['plugins:run:note-writer'];
    const asPlugin = { kind: 'plugin' as const, id: 'note-writer' };
    const session = actions.service.session(policy.service.decisionLog(alice.id, asPlugin, held, held));
    await expect(
      actions.service.invoke(
        { ...asPlugin, ownerId: alice.id },
        'plugins.run',
        { pluginId: 'note-writer' },
        { session },
      ),
    ).rejects.toMatchObject({ code: 'permission_denied', message: 'A plugin cannot use plugins.run.' });
    expect(await pluginRuns()).toEqual(before);
  }, 120_000);

  it('a dry run simulates the step without running the plugin', async () => {
    await note(alice, 'Dry plugin run');
    const before = await pluginRuns();
    // The note's event is read back from the stored events (written once the outbox is relayed).
    const would = await eventually(async () => {
      const res = await api(alice, 'POST', '/api/v1/rules/dry-run', { definition: pluginRule('^Dry plugin'), days: 1 });
      expect(res.statusCode, res.body).toBe(200);
      return res.json().wouldRun[0];
    }, 'the dry run to see the note');
    expect(would.trace.at(-1)).toMatchObject({
      stepId: 'plugin',
      status: 'simulated',
      input: { pluginId: 'note-writer', input: { title: 'Dry plugin run' } },
    });
    expect(await pluginRuns()).toEqual(before);
    expect(await createdNotes(alice.id, 'from plugin: Dry')).toEqual([]);
  }, 120_000);

  it('a rule and a plugin feeding each other stop at the depth guard', async () => {
    // Each note the plugin writes ("from plugin: Loop ...") fires the rule again, one level deeper.
    // Queued: each run waits for the one before it, so none is skipped as "single" would.
    const ruleId = await createRule(alice, { ...pluginRule('^(from plugin: )*Loop'), mode: 'queued' }, [
      'plugins:run:note-writer',
    ]);
    await note(alice, 'Loop');
    // Until the loop has stopped: a failed run, and no run still going (a generous bound: nine
    // rule runs and four plugin runs, one after another, on a loaded machine).
    await eventually(
      async () => {
        const items = (await api(alice, 'GET', `/api/v1/rules/${ruleId}/runs?limit=100`)).json().items as Run[];
        const settled = items.every((r) => r.status === 'succeeded' || r.status === 'failed');
        return settled && items.some((r) => r.status === 'failed') ? items : undefined;
      },
      'the loop to stop',
      150_000,
    );
    const runs = await finishedRuns(alice, ruleId);
    const failed = runs.find((r) => r.status === 'failed')!;
    expect(stepOf(failed, 'plugin').error).toMatchObject({
      code: 'plugin_refused',
      message: expect.stringContaining('Loop guard'),
    });
    // Depths 1, 3, 5, 7 ran (plugins at 2, 4, 6, 8); the rule run at depth 9 found the plugin refusing.
    expect(failed.depth).toBeGreaterThan(maxCausationDepth);
    const written = await createdNotes(alice.id, 'from plugin: ');
    const loops = written.filter((w) => w.data.entity.title.endsWith('Loop'));
    expect(loops.map((w) => w.actor.depth)).toEqual([2, 4, 6, 8]);
    expect(runs.filter((r) => r.status === 'succeeded')).toHaveLength(4);
    await api(alice, 'POST', `/api/v1/rules/${ruleId}/disable`);
  }, 180_000);
});
