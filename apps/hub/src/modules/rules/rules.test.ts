import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabaseKinds } from '../../../test/databases.ts';
import { createTestHub, type TestHub } from '../../../test/hub.ts';
import { bearer, signUpUser, type SignedUpUser } from '../../../test/users.ts';
import { eventually } from '../connectors/test/support.ts';
import type { EventsModule } from '../events/index.ts';
import type { RulesEngine } from './index.ts';

const noteRule = (overrides: Record<string, unknown> = {}) => ({
  name: 'Notify on notes',
  triggers: [
    {
      id: 'note',
      type: 'event',
      event: 'data.EntityCreated',
      filter: { cmp: { left: 'trigger.data.entity.type', op: 'eq', right: 'note' } },
    },
  ],
  steps: [
    { id: 'tell', type: 'action', action: 'notify', with: { title: 'New note: {{ trigger.data.entity.title }}' } },
  ],
  limits: { perHour: 1000, maxDepth: 3 },
  ...overrides,
});

describe.each(testDatabaseKinds())('rules on %s', (kind) => {
  let hub: TestHub;
  let alice: SignedUpUser;
  let bob: SignedUpUser;
  let engine: RulesEngine;

  beforeAll(async () => {
    // The index is re-read at once (no reuse window), so each test sees the rules it just saved.
    hub = await createTestHub(kind, {}, { rules: { indexTtlMs: 0 } });
    alice = await signUpUser(hub, 'alice@example.com');
    bob = await signUpUser(hub, 'bob@example.com');
    engine = (hub.modules.find((m) => m.name === 'rules') as unknown as { engine: RulesEngine }).engine;
  }, 180_000);
  afterAll(() => hub?.close(), 60_000);

  const api = (
    user: SignedUpUser,
    method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
    url: string,
    payload?: unknown,
    headers: Record<string, string> = {},
  ) =>
    hub.app.inject({
      method,
      url,
      headers: { ...bearer(user), ...headers },
      ...(payload === undefined ? {} : { payload: payload as object }),
    });

  async function createRule(user: SignedUpUser, definition: unknown, approve = ['notify'], enabled = true) {
    const res = await api(user, 'POST', '/api/v1/rules', { definition, approve, enabled });
    expect(res.statusCode, res.body).toBe(201);
    return res.json() as { rule: { id: string; version: number }; webhookSecret?: string };
  }

  async function note(user: SignedUpUser, title: string) {
    const res = await api(user, 'POST', '/api/v1/entities', { type: 'note', title });
    expect(res.statusCode, res.body).toBe(201);
    return res.json().id as string;
  }

  const runsOf = async (user: SignedUpUser, ruleId: string) =>
    (await api(user, 'GET', `/api/v1/rules/${ruleId}/runs?limit=100`)).json().items as {
      id: string;
      status: string;
      reason: string | null;
    }[];

  const notifications = (user: SignedUpUser, ruleId: string) =>
    hub.db.asSystem(
      async (tx) =>
        (
          await tx.query<{ data: { title: string; runId: string }; actor: Record<string, unknown> }>(
            `SELECT data, actor FROM made_open.outbox WHERE owner_id = $1 AND type = 'rule.Notification' AND subject = $2 ORDER BY seq`,
            [user.id, ruleId],
          )
        ).rows,
    );

  it('saves versions with If-Match: 428 without, 412 with a stale one, diff, rollback, enable and disable', async () => {
    const refused = await api(alice, 'POST', '/api/v1/rules', { definition: noteRule() });
    expect(refused.statusCode).toBe(400);
    expect(refused.json().error).toMatchObject({ code: 'grants_required', details: { missing: ['notify'] } });

    const { rule } = await createRule(alice, noteRule(), ['notify'], false);
    expect(rule.version).toBe(1);
    const got = await api(alice, 'GET', `/api/v1/rules/${rule.id}`);
    expect(got.headers.etag).toBe('"1"');
    expect(got.json()).toMatchObject({ enabled: false, name: 'Notify on notes', definition: { mode: 'single' } });

    const edit = { definition: noteRule({ name: 'Renamed' }) };
    expect((await api(alice, 'PUT', `/api/v1/rules/${rule.id}`, edit)).statusCode).toBe(428);
    expect((await api(alice, 'PUT', `/api/v1/rules/${rule.id}`, edit, { 'if-match': 'nonsense' })).statusCode).toBe(
      400,
    );
    const saved = await api(alice, 'PUT', `/api/v1/rules/${rule.id}`, edit, { 'if-match': '"1"' });
    expect(saved.statusCode, saved.body).toBe(200);
    expect(saved.headers.etag).toBe('"2"');

    // A second tab still holding version 1 cannot overwrite version 2.
    const stale = await api(
      alice,
      'PUT',
      `/api/v1/rules/${rule.id}`,
      { definition: noteRule({ name: 'Tab two' }) },
      { 'if-match': '"1"' },
    );
    expect(stale.statusCode).toBe(412);
    expect(stale.json().error.details.current).toMatchObject({ version: 2, definition: { name: 'Renamed' } });
    expect(stale.json().error.details.diff).toEqual([{ op: 'replace', path: '/name', value: 'Renamed' }]);

    const patched = await api(
      alice,
      'PATCH',
      `/api/v1/rules/${rule.id}`,
      { definition: { mode: 'parallel', max: 3 } },
      { 'if-match': '"2"' },
    );
    expect(patched.statusCode, patched.body).toBe(200);
    expect(patched.json().rule).toMatchObject({
      version: 3,
      definition: { name: 'Renamed', mode: 'parallel', max: 3 },
    });

    const versions = (await api(alice, 'GET', `/api/v1/rules/${rule.id}/versions`)).json().items;
    expect(versions.map((v: { version: number }) => v.version)).toEqual([3, 2, 1]);
    const diff = (await api(alice, 'GET', `/api/v1/rules/${rule.id}/diff?from=1&to=3`)).json();
    expect(diff.operations).toEqual(
      expect.arrayContaining([
        { op: 'replace', path: '/name', value: 'Renamed' },
        { op: 'replace', path: '/mode', value: 'parallel' },
        { op: 'replace', path: '/max', value: 3 },
      ]),
    );

    expect((await api(alice, 'POST', `/api/v1/rules/${rule.id}/rollback`, { version: 1 })).statusCode).toBe(428);
    const rolled = await api(alice, 'POST', `/api/v1/rules/${rule.id}/rollback`, { version: 1 }, { 'if-match': '"3"' });
    expect(rolled.statusCode, rolled.body).toBe(200);
    expect(rolled.json().rule).toMatchObject({ version: 4, definition: { name: 'Notify on notes', mode: 'single' } });
    // Versions are immutable: version 1 still reads as it was saved.
    expect((await api(alice, 'GET', `/api/v1/rules/${rule.id}/versions`)).json().items).toHaveLength(4);

    expect((await api(alice, 'POST', `/api/v1/rules/${rule.id}/enable`)).json().enabled).toBe(true);
    expect((await api(alice, 'POST', `/api/v1/rules/${rule.id}/disable`)).json().enabled).toBe(false);
    expect((await api(alice, 'GET', `/api/v1/rules/${rule.id}`)).json().version).toBe(4);

    // The grant approved at save is the rule's, listed with the others; deleting the rule revokes it.
    const grants = async () =>
      (await api(alice, 'GET', '/api/v1/grants?kind=rule'))
        .json()
        .principals.find((p: { id: string }) => p.id === rule.id);
    expect((await grants())?.grants.map((g: { permission: string }) => g.permission)).toEqual(['notify']);
    expect((await api(alice, 'DELETE', `/api/v1/rules/${rule.id}`)).statusCode).toBe(204);
    expect(await grants()).toBeUndefined();
    expect((await api(alice, 'GET', `/api/v1/rules/${rule.id}`)).statusCode).toBe(404);
  }, 120_000);

  it('refuses hostile input with a 4xx and hides other users rules (404)', async () => {
    const bad: [unknown, number, RegExp][] = [
      [{ definition: noteRule({ steps: [] }) }, 400, /steps/],
      [
        { definition: noteRule({ triggers: [{ id: 't', type: 'event', event: 'comms.Nope' }] }) },
        400,
        /not a registered event type/,
      ],
      [
        { definition: noteRule({ conditions: { cmp: { left: 'trigger.data.nothing', op: 'exists' } } }) },
        400,
        /not in the payload/,
      ],
      [
        { definition: noteRule({ steps: [{ id: 'x', type: 'action', action: 'storage.set', with: {} }] }) },
        400,
        /not an action a rule can run/,
      ],
      [
        { definition: noteRule({ steps: [{ id: 'x', type: 'action', action: 'http.fetch', with: {} }] }) },
        400,
        /host written out/,
      ],
      [
        {
          definition: noteRule({
            steps: [{ id: 'x', type: 'action', action: 'http.fetch', with: { url: 'http://10.0.0.1/hook' } }],
          }),
        },
        400,
        /not a host name a rule can call/,
      ],
      [
        {
          definition: noteRule({
            conditions: { cmp: { left: 'trigger.data.entity.title', op: 'matches', right: '([' } },
          }),
        },
        400,
        /regular expression/,
      ],
      [{ definition: 'DROP TABLE' }, 400, /./],
      [{ definition: noteRule(), approve: 'notify' }, 400, /./],
      [{ definition: { ...noteRule(), __proto__: { polluted: true } } }, 201, /./],
    ];
    for (const [body, status, message] of bad) {
      const res = await api(alice, 'POST', '/api/v1/rules', { approve: ['notify'], ...(body as object) });
      expect(res.statusCode, res.body).toBe(status);
      if (status === 400) expect(res.json().error.message).toMatch(message);
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();

    const { rule } = await createRule(alice, noteRule(), ['notify'], false);
    for (const [method, url] of [
      ['GET', `/api/v1/rules/${rule.id}`],
      ['GET', `/api/v1/rules/${rule.id}/versions`],
      ['GET', `/api/v1/rules/${rule.id}/runs`],
      ['POST', `/api/v1/rules/${rule.id}/enable`],
      ['POST', `/api/v1/rules/${rule.id}/run`],
      ['DELETE', `/api/v1/rules/${rule.id}`],
    ] as const) {
      const res = await api(bob, method, url, method === 'POST' ? {} : undefined);
      expect(res.statusCode, `${method} ${url}`).toBe(404);
    }
    const put = await api(
      bob,
      'PUT',
      `/api/v1/rules/${rule.id}`,
      { definition: noteRule(), approve: ['notify'] },
      { 'if-match': '"1"' },
    );
    expect(put.statusCode).toBe(404);
    expect((await api(bob, 'GET', '/api/v1/rules')).json().items.map((r: { id: string }) => r.id)).not.toContain(
      rule.id,
    );
    expect((await api(alice, 'GET', '/api/v1/rules/not-a-uuid')).statusCode).toBe(400);
    expect((await api(alice, 'POST', `/api/v1/rules/${rule.id}/dry-run`, { days: 400 })).statusCode).toBe(400);
    // Were 500s (JSON.stringify overflowed its stack on a definition or run data 5000 levels deep).
    const deep = `${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}`;
    for (const [method, url, payload] of [
      ['PATCH', `/api/v1/rules/${rule.id}`, `{"definition":${deep}}`],
      ['POST', `/api/v1/rules/${rule.id}/run`, `{"data":${deep}}`],
    ] as const) {
      const res = await hub.app.inject({
        method,
        url,
        headers: { ...bearer(alice), 'content-type': 'application/json', 'if-match': '"1"' },
        payload,
      });
      expect(res.statusCode, res.body).toBe(400);
      expect(res.json().error.message).toMatch(/nests deeper than/);
    }
    expect((await api(alice, 'GET', `/api/v1/rules/${rule.id}`)).json().version).toBe(1);
    expect((await hub.app.inject({ method: 'GET', url: '/api/v1/rules' })).statusCode).toBe(401);
  }, 120_000);

  it("runs an enabled rule on its owner's events only, through the actions as principal rule, with a trace", async () => {
    const { rule } = await createRule(
      alice,
      noteRule({
        name: 'Traced',
        conditions: { cmp: { left: 'trigger.data.entity.title', op: 'contains', right: 'urgent' } },
      }),
    );
    await note(bob, 'urgent from bob'); // Bob's event: never Alice's rule.
    await note(alice, 'nothing to see');
    const noteId = await note(alice, 'Urgent: call the plumber');
    const runs = await eventually(async () => {
      const items = await runsOf(alice, rule.id);
      return items.length >= 2 && items.every((r) => !['running', 'queued'].includes(r.status)) ? items : undefined;
    }, 'two finished runs');
    expect(runs.map((r) => r.status).sort()).toEqual(['skipped', 'succeeded']);
    const ok = runs.find((r) => r.status === 'succeeded')!;
    const trace = (await api(alice, 'GET', `/api/v1/rules/${rule.id}/runs/${ok.id}`)).json();
    expect(trace.triggerEventId).toBeTruthy();
    expect(trace.trace).toEqual([
      expect.objectContaining({ kind: 'trigger', status: 'ok' }),
      expect.objectContaining({
        kind: 'condition',
        path: '/conditions',
        status: 'true',
        input: expect.objectContaining({ value: 'Urgent: call the plumber', op: 'contains' }),
      }),
      expect.objectContaining({
        kind: 'step',
        stepId: 'tell',
        status: 'ok',
        input: { title: 'New note: Urgent: call the plumber' },
      }),
    ]);
    const skipped = runs.find((r) => r.status === 'skipped')!;
    expect(skipped.reason).toBe('conditions');
    const sent = await notifications(alice, rule.id);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.data).toMatchObject({ title: 'New note: Urgent: call the plumber', runId: ok.id });
    expect(sent[0]!.actor).toMatchObject({ kind: 'rule', id: rule.id, depth: 1, runId: ok.id });
    expect(noteId).toBeTruthy();
    // The step was checked by the Policy Service as the rule and audited.
    const decisions = await hub.db.asSystem(
      async (tx) =>
        (
          await tx.query<{ data: Record<string, unknown> }>(
            `SELECT data FROM made_open.outbox WHERE owner_id = $1 AND type = 'policy.Decision' AND actor->>'id' = $2`,
            [alice.id, rule.id],
          )
        ).rows,
    );
    expect(decisions.length).toBeGreaterThan(0);
    await api(alice, 'POST', `/api/v1/rules/${rule.id}/disable`);
  }, 120_000);

  it('ignores backfill unless the rule opts in, and stops loops by depth', async () => {
    const events = hub.modules.find((m) => m.name === 'events') as unknown as EventsModule;
    const plain = await createRule(
      alice,
      noteRule({ name: 'Live only', triggers: [{ id: 'sms', type: 'event', event: 'comms.SmsReceived' }] }),
    );
    const history = await createRule(
      alice,
      noteRule({
        name: 'History too',
        triggers: [{ id: 'sms', type: 'event', event: 'comms.SmsReceived', includeBackfill: true }],
      }),
    );
    const sms = (backfill: boolean) =>
      hub.db.asSystem((tx) =>
        events.outbox.append(tx, {
          type: 'comms.SmsReceived',
          ownerId: alice.id,
          subject: crypto.randomUUID(),
          actor: { kind: 'connector', id: 'twilio', ...(backfill ? { backfill: true } : {}) },
          data: {
            messageId: crypto.randomUUID(),
            connectionId: crypto.randomUUID(),
            personId: null,
            from: '+14155550100',
            to: '+14155550101',
            numMedia: 0,
          },
        }),
      );
    await sms(true);
    await eventually(
      async () => ((await runsOf(alice, history.rule.id)).length === 1 ? true : undefined),
      'the opted-in rule ran',
    );
    await sms(false);
    await eventually(
      async () => ((await runsOf(alice, plain.rule.id)).length === 1 ? true : undefined),
      'the live rule ran',
    );
    expect(await runsOf(alice, history.rule.id)).toHaveLength(2);
    await api(alice, 'POST', `/api/v1/rules/${plain.rule.id}/disable`);
    await api(alice, 'POST', `/api/v1/rules/${history.rule.id}/disable`);

    // Two rules that each create a note when a note is created would feed each other forever.
    const feeder = (name: string) =>
      noteRule({
        name,
        mode: 'parallel',
        steps: [
          {
            id: 'make',
            type: 'action',
            action: 'entities.create',
            with: { type: 'note', title: `${name} saw {{ trigger.data.entity.title }}` },
          },
        ],
      });
    const a = await createRule(alice, feeder('ping'), ['entities:write:note']);
    const b = await createRule(alice, feeder('pong'), ['entities:write:note']);
    await note(alice, 'start');
    await eventually(async () => {
      const runs = [...(await runsOf(alice, a.rule.id)), ...(await runsOf(alice, b.rule.id))];
      return runs.some((r) => r.reason?.startsWith('loop guard')) ? runs : undefined;
    }, 'the loop guard');
    await engine.drain();
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const runs = [...(await runsOf(alice, a.rule.id)), ...(await runsOf(alice, b.rule.id))];
    // start -> ping(1), pong(1); each one's note -> the other (2); those -> the first again (3); depth 3 stops.
    expect(runs.filter((r) => r.status === 'succeeded')).toHaveLength(6);
    expect(runs.filter((r) => r.reason?.startsWith('loop guard')).length).toBeGreaterThan(0);
    await api(alice, 'POST', `/api/v1/rules/${a.rule.id}/disable`);
    await api(alice, 'POST', `/api/v1/rules/${b.rule.id}/disable`);
  }, 120_000);

  const delayed = (mode: string) =>
    noteRule({
      name: `mode ${mode}`,
      mode,
      max: 5,
      triggers: [{ id: 'manual', type: 'manual' }],
      steps: [
        { id: 'wait', type: 'delay', seconds: 1 },
        { id: 'tell', type: 'action', action: 'notify', with: { title: 'after the delay {{ trigger.data.n }}' } },
      ],
    });

  it('applies modes: single skips, restart cancels, queued waits; delays are durable jobs', async () => {
    const single = await createRule(alice, delayed('single'));
    const first = (await api(alice, 'POST', `/api/v1/rules/${single.rule.id}/run`, { data: { n: 1 } })).json();
    expect(first.status).toBe('running');
    await eventually(
      async () => ((await runsOf(alice, single.rule.id))[0]?.status === 'waiting' ? true : undefined),
      'a waiting run',
    );
    const second = (await api(alice, 'POST', `/api/v1/rules/${single.rule.id}/run`, { data: { n: 2 } })).json();
    expect(second.status).toBe('skipped');
    await eventually(
      async () =>
        (await runsOf(alice, single.rule.id)).find((r) => r.id === first.runId)?.status === 'succeeded'
          ? true
          : undefined,
      'the delayed run to finish',
      60_000,
    );
    const finished = (await api(alice, 'GET', `/api/v1/rules/${single.rule.id}/runs/${first.runId}`)).json();
    expect(finished.trace.map((e: { stepId?: string; status: string }) => `${e.stepId ?? ''}:${e.status}`)).toEqual([
      ':ok',
      'wait:waiting',
      'tell:ok',
    ]);
    expect((await notifications(alice, single.rule.id)).map((n) => n.data.title)).toEqual(['after the delay 1']);

    const restart = await createRule(alice, delayed('restart'));
    const r1 = (await api(alice, 'POST', `/api/v1/rules/${restart.rule.id}/run`, { data: { n: 1 } })).json();
    await eventually(
      async () => ((await runsOf(alice, restart.rule.id))[0]?.status === 'waiting' ? true : undefined),
      'a waiting run',
    );
    const r2 = (await api(alice, 'POST', `/api/v1/rules/${restart.rule.id}/run`, { data: { n: 2 } })).json();
    await eventually(
      async () =>
        (await runsOf(alice, restart.rule.id)).find((r) => r.id === r2.runId)?.status === 'succeeded'
          ? true
          : undefined,
      'the newer run',
      60_000,
    );
    expect((await runsOf(alice, restart.rule.id)).find((r) => r.id === r1.runId)?.status).toBe('cancelled');
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect((await notifications(alice, restart.rule.id)).map((n) => n.data.title)).toEqual(['after the delay 2']);

    const queued = await createRule(alice, delayed('queued'));
    const q1 = (await api(alice, 'POST', `/api/v1/rules/${queued.rule.id}/run`, { data: { n: 1 } })).json();
    const q2 = (await api(alice, 'POST', `/api/v1/rules/${queued.rule.id}/run`, { data: { n: 2 } })).json();
    expect([q1.status, q2.status]).toEqual(['running', 'queued']);
    await eventually(
      async () => ((await runsOf(alice, queued.rule.id)).every((r) => r.status === 'succeeded') ? true : undefined),
      'both queued runs',
      60_000,
    );
    expect((await notifications(alice, queued.rule.id)).map((n) => n.data.title)).toEqual([
      'after the delay 1',
      'after the delay 2',
    ]);
  }, 120_000);

  // Only PostgreSQL has concurrent transactions: PGlite runs one at a time, so the race cannot happen there.
  it.skipIf(kind !== 'postgres')(
    'a run queued while the active run finishes still starts: finishing waits for the decision',
    async () => {
      const { rule } = await createRule(alice, delayed('queued'));
      const first = (await api(alice, 'POST', `/api/v1/rules/${rule.id}/run`, { data: { n: 1 } })).json();
      await eventually(
        async () => ((await runsOf(alice, rule.id))[0]?.status === 'waiting' ? true : undefined),
        'a waiting run',
      );
      // A decision that sees the first run active and queues a second, its transaction held open
      // until the first run has finished and tries to start the next queued run.
      let commit!: () => void;
      const held = new Promise<void>((resolve) => (commit = resolve));
      const deciding = hub.db.asSystem(async (tx) => {
        const { rows } = await tx.query<{ current_version: number; definition: never }>(
          `SELECT r.current_version, v.definition FROM made_open.rules r
              JOIN made_open.rule_versions v ON v.rule_id = r.id AND v.version = r.current_version WHERE r.id = $1`,
          [rule.id],
        );
        const started = await engine.begin(tx, {
          ruleId: rule.id,
          ownerId: alice.id,
          version: rows[0]!.current_version,
          definition: rows[0]!.definition,
          trigger: {
            triggerId: 'manual',
            type: 'manual',
            id: null,
            subject: null,
            time: new Date().toISOString(),
            actor: null,
            data: { n: 2 },
          },
          depth: 1,
          dedupeKey: null,
        });
        await held;
        return started;
      });
      try {
        await eventually(
          async () =>
            (await runsOf(alice, rule.id)).find((r) => r.id === first.runId)?.status === 'succeeded' ? true : undefined,
          'the first run to finish',
          60_000,
        );
        // The finished run's look for the next queued run waits on the rule's lock the decision holds
        // (the only lock wait in this test's own database).
        await eventually(async () => {
          const { rows } = await hub.db.asSystem((tx) =>
            tx.query(
              `SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND cardinality(pg_blocking_pids(pid)) > 0`,
            ),
          );
          return rows.length > 0 ? true : undefined;
        }, 'the next-run claim to wait for the decision');
      } finally {
        commit();
      }
      expect((await deciding)?.status).toBe('queued');
      await eventually(
        async () => ((await runsOf(alice, rule.id)).every((r) => r.status === 'succeeded') ? true : undefined),
        'the queued run to start and finish',
        60_000,
      );
    },
    120_000,
  );

  it('the minute tick starts a queued run that no finishing run started', async () => {
    const { rule } = await createRule(alice, delayed('queued'));
    const first = (await api(alice, 'POST', `/api/v1/rules/${rule.id}/run`, { data: { n: 1 } })).json();
    const second = (await api(alice, 'POST', `/api/v1/rules/${rule.id}/run`, { data: { n: 2 } })).json();
    expect([first.status, second.status]).toEqual(['running', 'queued']);
    // The first run's process died after it ended, before it started the next one.
    await hub.db.asSystem((tx) =>
      tx.query(`UPDATE made_open.rule_runs SET status = 'failed', finished_at = clock_timestamp() WHERE id = $1`, [
        first.runId,
      ]),
    );
    await engine.tick(new Date());
    await eventually(
      async () =>
        (await runsOf(alice, rule.id)).find((r) => r.id === second.runId)?.status === 'succeeded' ? true : undefined,
      'the queued run to start and finish',
      60_000,
    );
  }, 120_000);

  it("dry-runs a draft against the owner's own recent events with every action simulated", async () => {
    await note(alice, 'dry one');
    await note(alice, 'dry two');
    await note(bob, 'dry from bob');
    const before = (await notifications(alice, '00000000-0000-0000-0000-000000000000')).length;
    const draft = noteRule({
      conditions: { cmp: { left: 'trigger.data.entity.title', op: 'matches', right: '^dry' } },
      limits: { perHour: 1, maxDepth: 3 },
    });
    // A dry run replays published events: the relay publishes a graph write within its poll.
    const result = await eventually(async () => {
      const res = await api(alice, 'POST', '/api/v1/rules/dry-run', { definition: draft, days: 1 });
      expect(res.statusCode, res.body).toBe(200);
      const body = res.json<{ matched: number }>();
      return body.matched >= 2 ? (body as Record<string, any>) : undefined;
    }, 'both notes in the dry run');
    // Two of Alice's notes match; the per-hour limit of 1 lets one run; Bob's note is not hers to see.
    expect(result.matched).toBeGreaterThanOrEqual(2);
    expect(result.wouldRun).toHaveLength(1);
    expect(result.rateLimited).toBe(1);
    expect(result.wouldRun[0].trace.at(-1)).toMatchObject({
      stepId: 'tell',
      status: 'simulated',
      input: { title: 'New note: dry one' },
    });
    expect(JSON.stringify(result)).not.toContain('dry from bob');
    expect((await notifications(alice, '00000000-0000-0000-0000-000000000000')).length).toBe(before);
    // A saved rule's version can be tried too.
    const { rule } = await createRule(alice, draft, ['notify'], false);
    const saved = (await api(alice, 'POST', `/api/v1/rules/${rule.id}/dry-run`, { days: 1 })).json();
    expect(saved.wouldRun).toHaveLength(1);
    expect(await runsOf(alice, rule.id)).toHaveLength(0);

    // A pattern that backtracks exponentially, on text anyone can send: JavaScript's RegExp
    // held the hub's event loop for seconds at 30 characters and for hours at 40. RE2 answers.
    await note(alice, `${'a'.repeat(40)}!`);
    await note(alice, 'aaaa');
    const catastrophic = noteRule({
      conditions: { cmp: { left: 'trigger.data.entity.title', op: 'matches', right: '^(a+)+$' } },
    });
    const titles = await eventually(async () => {
      const redos = await api(alice, 'POST', '/api/v1/rules/dry-run', { definition: catastrophic, days: 1 });
      expect(redos.statusCode, redos.body).toBe(200);
      const ran = (redos.json().wouldRun as { trace: { input?: { title?: string } }[] }[]).map(
        (run) => run.trace.at(-1)?.input?.title,
      );
      return ran.length > 0 ? ran : undefined;
    }, "the 'aaaa' note in the dry run");
    expect(titles).toEqual(['New note: aaaa']);
  }, 120_000);

  it('runs manually, by webhook with its own secret, on a schedule once per minute, and re-runs from a trace', async () => {
    const { rule, webhookSecret } = await createRule(
      alice,
      noteRule({
        name: 'hooks',
        mode: 'parallel',
        triggers: [
          { id: 'hook', type: 'webhook' },
          { id: 'daily', type: 'schedule', cron: '30 8 * * *', tz: 'Europe/London' },
        ],
        steps: [{ id: 'tell', type: 'action', action: 'notify', with: { title: 'hook {{ trigger.data.word }}' } }],
      }),
    );
    expect(webhookSecret).toMatch(/^[A-Za-z0-9_-]{32}$/);
    const hook = (secret: string | undefined, payload: object = { word: 'hello' }) =>
      hub.app.inject({
        method: 'POST',
        url: `/api/v1/rules/${rule.id}/webhook`,
        headers: secret ? { 'x-rule-secret': secret } : {},
        payload,
      });
    expect((await hook(undefined)).statusCode).toBe(404);
    expect((await hook('wrong-secret')).statusCode).toBe(404);
    expect(JSON.stringify((await api(alice, 'GET', `/api/v1/rules/${rule.id}`)).json())).not.toContain(webhookSecret!);
    const hooked = await hook(webhookSecret);
    expect(hooked.statusCode, hooked.body).toBe(202);
    await eventually(
      async () => ((await notifications(alice, rule.id)).some((n) => n.data.title === 'hook hello') ? true : undefined),
      'the webhook run',
    );

    // 08:30 in London on 7 December is 08:30 UTC: the tick starts the run once, however often it looks.
    await engine.tick(new Date('2026-12-07T08:30:10Z'));
    await engine.tick(new Date('2026-12-07T08:30:50Z'));
    await engine.tick(new Date('2026-12-07T08:31:10Z'));
    await engine.drain();
    const runs = await runsOf(alice, rule.id);
    const scheduled = await Promise.all(
      runs.map(async (r) => (await api(alice, 'GET', `/api/v1/rules/${rule.id}/runs/${r.id}`)).json()),
    );
    expect(scheduled.filter((r) => r.triggerId === 'daily')).toHaveLength(1);

    const past = scheduled.find((r) => r.triggerId === 'hook')!;
    const again = await api(alice, 'POST', `/api/v1/rules/${rule.id}/runs/${past.id}/rerun`);
    expect(again.statusCode, again.body).toBe(202);
    await eventually(
      async () =>
        (await notifications(alice, rule.id)).filter((n) => n.data.title === 'hook hello').length === 2
          ? true
          : undefined,
      'the re-run',
    );
    const rerun = (await api(alice, 'GET', `/api/v1/rules/${rule.id}/runs/${again.json().runId}`)).json();
    expect(rerun.rerunOf).toBe(past.id);

    await api(alice, 'POST', `/api/v1/rules/${rule.id}/disable`);
    expect((await hook(webhookSecret)).statusCode).toBe(404);
  }, 120_000);

  it('serves templates that validate, and counts "at most N times per window"', async () => {
    const templates = (await api(alice, 'GET', '/api/v1/rules/templates')).json().items;
    expect(templates.map((t: { id: string }) => t.id)).toEqual([
      'missed-call-favourite-auto-reply',
      'vip-email-notify',
      'leave-work-text-partner',
      'meeting-link-text-before',
    ]);
    const vip = templates.find((t: { id: string }) => t.id === 'vip-email-notify');
    const { rule } = await createRule(alice, {
      ...vip.definition,
      triggers: [{ id: 'manual', type: 'manual' }],
      conditions: { atMost: { times: 2, perSeconds: 3600 } },
    });
    const statuses = [];
    for (let i = 0; i < 3; i++) {
      statuses.push(
        (await api(alice, 'POST', `/api/v1/rules/${rule.id}/run`, { checkConditions: true })).json().status,
      );
      await engine.drain();
    }
    expect(statuses).toEqual(['running', 'running', 'skipped']);
  }, 120_000);

  it('tags a person, calls a webhook only on the host approved at save, and needs approval to email', async () => {
    const definition = noteRule({
      name: 'VIP arrives',
      triggers: [
        {
          id: 'person',
          type: 'event',
          event: 'data.EntityCreated',
          filter: { cmp: { left: 'trigger.data.entity.type', op: 'eq', right: 'person' } },
        },
      ],
      steps: [
        {
          id: 'tag',
          type: 'action',
          action: 'persons.tag',
          with: { personId: '{{ trigger.data.entity.id }}', tag: 'vip' },
        },
        {
          id: 'hook',
          type: 'action',
          action: 'http.fetch',
          continueOnError: true,
          with: { url: 'https://hooks.example.com/in?who={{ trigger.data.entity.title }}', init: { method: 'POST' } },
        },
      ],
    });
    // Without approving the webhook's host and tagging, nothing is saved; the 400 lists what is needed.
    const refused = await api(alice, 'POST', '/api/v1/rules', { definition, approve: [] });
    expect(refused.statusCode).toBe(400);
    expect(refused.json().error.details.missing.sort()).toEqual([
      'entities:write:person',
      'http:fetch:hooks.example.com',
    ]);
    // A host built from event data cannot be approved ahead: refused with the step's path.
    const templated = await api(alice, 'POST', '/api/v1/rules', {
      definition: {
        ...definition,
        steps: [{ ...definition.steps[1], with: { url: 'https://{{ trigger.data.entity.title }}/x' } }],
      },
      approve: ['http:fetch:hooks.example.com'],
    });
    expect(templated.statusCode).toBe(400);
    expect(templated.body).toMatch(/host written out/);
    const emailRule = noteRule({
      steps: [
        { id: 'mail', type: 'action', action: 'messages.sendEmail', with: { to: ['me@example.org'], body: 'x' } },
      ],
    });
    const unapproved = await api(alice, 'POST', '/api/v1/rules', { definition: emailRule, approve: [] });
    expect(unapproved.json().error.details.missing).toEqual(['messages:send:email']);

    const { rule } = await createRule(alice, definition, ['entities:write:person', 'http:fetch:hooks.example.com']);
    const created = await api(alice, 'POST', '/api/v1/persons', { name: 'Grace Hopper' });
    expect(created.statusCode, created.body).toBe(201);
    const personId = created.json().id as string;
    const [run] = await eventually(async () => {
      const items = await runsOf(alice, rule.id);
      return items.length >= 1 && !['running', 'queued'].includes(items[0]!.status) ? items : undefined;
    }, 'a finished run');
    const trace = (await api(alice, 'GET', `/api/v1/rules/${rule.id}/runs/${run!.id}`)).json().trace as {
      stepId?: string;
      status: string;
      error?: { code: string };
    }[];
    expect(trace.find((t) => t.stepId === 'tag')).toMatchObject({ status: 'ok' });
    // The policy let the rule reach its approved host: the call failed only because this machine
    // has no internet (a network error), not for want of permission.
    const hook = trace.find((t) => t.stepId === 'hook')!;
    expect(hook.status).toBe('error');
    expect(['network', 'timeout']).toContain(hook.error?.code);
    const person = (await api(alice, 'GET', `/api/v1/entities/${personId}`)).json();
    expect(person.properties.tags).toEqual(['vip']);
    await api(alice, 'POST', `/api/v1/rules/${rule.id}/disable`);
  }, 120_000);

  it('continues a run whose process died from its last saved step, and documents the API', async () => {
    const { rule } = await createRule(
      alice,
      noteRule({
        name: 'recovered',
        triggers: [{ id: 'manual', type: 'manual' }],
        steps: [
          { id: 'first', type: 'action', action: 'notify', with: { title: 'first' } },
          { id: 'second', type: 'action', action: 'notify', with: { title: 'second' } },
        ],
      }),
    );
    // A run that had finished its first step when its process died: running, not touched for minutes.
    const runId = crypto.randomUUID();
    await hub.db.asSystem((tx) =>
      tx.query(
        `INSERT INTO made_open.rule_runs (id, rule_id, owner_id, version, status, trigger_id, trigger, trace, resume_at, heartbeat_at)
         VALUES ($1, $2, $3, 1, 'running', 'manual', $4, '[]', '/steps/1', now() - interval '10 minutes')`,
        [
          runId,
          rule.id,
          alice.id,
          JSON.stringify({
            triggerId: 'manual',
            type: 'manual',
            id: null,
            subject: null,
            time: new Date().toISOString(),
            actor: null,
            data: {},
          }),
        ],
      ),
    );
    await engine.tick(new Date());
    await eventually(
      async () =>
        (await runsOf(alice, rule.id)).find((r) => r.id === runId)?.status === 'succeeded' ? true : undefined,
      'the recovered run',
    );
    expect((await notifications(alice, rule.id)).map((n) => n.data.title)).toEqual(['second']);

    // Retention: the newest 200 finished runs per rule stay, and failures younger than 30 days.
    await hub.db.asSystem((tx) =>
      tx.query(
        `INSERT INTO made_open.rule_runs (id, rule_id, owner_id, version, status, trigger_id, trigger, started_at, finished_at)
         SELECT gen_random_uuid(), $1, $2, 1, CASE WHEN n <= 3 THEN 'failed' ELSE 'succeeded' END, 'manual', '{}',
                now() - make_interval(days => n), now() - make_interval(days => n)
           FROM generate_series(1, 250) AS n`,
        [rule.id, alice.id],
      ),
    );
    const [, , prune] = engine.jobs;
    expect(prune.name).toBe('rules.prune');
    await prune.handler(
      {},
      { id: 'x', attempt: 0, priority: 'background', signal: new AbortController().signal, logger: undefined as never },
    );
    const kept = await hub.db.asSystem(
      async (tx) =>
        (
          await tx.query<{ status: string; n: number }>(
            `SELECT status, count(*)::int AS n FROM made_open.rule_runs WHERE rule_id = $1 GROUP BY status ORDER BY status`,
            [rule.id],
          )
        ).rows,
    );
    // 200 newest (the recovered run and days 1..199, three of them failed); nothing older than 199 days.
    expect(kept).toEqual([
      { status: 'failed', n: 3 },
      { status: 'succeeded', n: 197 },
    ]);

    const big = await hub.app.inject({
      method: 'POST',
      url: `/api/v1/rules/${rule.id}/webhook`,
      headers: { 'x-rule-secret': 'x' },
      payload: { blob: 'x'.repeat(20_000) },
    });
    expect(big.statusCode).toBe(413);

    const doc = (await hub.app.inject({ method: 'GET', url: '/docs/json' })).json();
    for (const path of [
      '/api/v1/rules',
      '/api/v1/rules/{id}',
      '/api/v1/rules/{id}/dry-run',
      '/api/v1/rules/{id}/runs/{runId}',
      '/api/v1/rules/{id}/webhook',
      '/api/v1/rules/{id}/diff',
      '/api/v1/rules/{id}/rollback',
    ])
      expect(doc.paths[path], path).toBeDefined();
    expect(JSON.stringify(doc.paths['/api/v1/rules'].post)).toContain('Text back favourites I miss');
  }, 120_000);
});
