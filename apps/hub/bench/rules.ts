/**
 * Rules engine benchmark (issue 14), through a whole hub (composeHub) on PostgreSQL when
 * reachable (TEST_DATABASE_URL or 127.0.0.1:5432), else PGlite; embedded event transport.
 *
 *   1. Throughput: one user with 1,000 enabled rules (900 on other event types, 100 on
 *      comms.SmsReceived whose trigger filters do not match the flood), BENCH_RULE_EVENTS
 *      (default 5,000) comms.SmsReceived events appended in batches. The rules engine's
 *      consumer and a bare transactional consumer (no-op handler, the same bookkeeping)
 *      consume the same events at the same time; each one's events/s, and the ratio
 *      rules / bare. Goal >= 0.5.
 *   2. Latency: one more rule matches a probe event; probes committed one at a time at
 *      ~20/s; time from the probe's commit to its run's first action starting. Goal p95 < 50 ms.
 *      Beside it, the same probes' commit -> bare consumer handler (the transport's share), and
 *      the difference (the engine's share: decide and record the run, commit, first action).
 */
import type { EventsModule } from '../src/modules/events/index.ts';
import type { RulesService } from '../src/modules/rules/index.ts';
import { checkPostgresReachable, type TestDatabaseKind } from '../test/databases.ts';
import { createTestHub } from '../test/hub.ts';
import { signUpUser } from '../test/users.ts';

const events = Number(process.env.BENCH_RULE_EVENTS ?? 5_000);
const probes = Number(process.env.BENCH_RULE_PROBES ?? 200);

async function kind(): Promise<TestDatabaseKind> {
  try {
    await checkPostgresReachable();
    return 'postgres';
  } catch {
    return 'pglite';
  }
}

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
};

async function until(check: () => Promise<boolean> | boolean, timeoutMs = 600_000) {
  const deadline = performance.now() + timeoutMs;
  while (!(await check())) {
    if (performance.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
}

const databaseKind = await kind();
const actionStarts = new Map<string, number>();
process.stderr.write(`  (starting a hub on ${databaseKind})\n`);
const hub = await createTestHub(
  databaseKind,
  {},
  {
    rules: { onActionStart: (_runId, trigger) => trigger.id && actionStarts.set(trigger.id, performance.now()) },
  },
);
try {
  const user = await signUpUser(hub, 'bench-rules@example.test');
  const caller = { id: user.id, claims: user.claims };
  const rules = (hub.modules.find((m) => m.name === 'rules') as unknown as { service: RulesService }).service;
  const eventsModule = hub.modules.find((m) => m.name === 'events') as unknown as EventsModule;
  const otherTypes = [
    'comms.CallMissed',
    'comms.CallCompleted',
    'data.EntityCreated',
    'location.PlaceLeft',
    'comms.VoicemailReceived',
  ];
  const step = [{ id: 'tell', type: 'action', action: 'notify', with: { title: 'hit {{ trigger.data.from }}' } }];
  const started = performance.now();
  for (let i = 0; i < 1000; i++) {
    const trigger =
      i < 900
        ? { id: 't', type: 'event', event: otherTypes[i % otherTypes.length] }
        : {
            id: 't',
            type: 'event',
            event: 'comms.SmsReceived',
            filter: { cmp: { left: 'trigger.data.from', op: 'eq', right: `+1415555${String(i).padStart(4, '0')}` } },
          };
    await rules.create(caller, {
      definition: { name: `rule ${i}`, triggers: [trigger], steps: step },
      approve: ['notify'],
      enabled: true,
      note: '',
    });
  }
  await rules.create(caller, {
    definition: {
      name: 'probe',
      mode: 'parallel',
      max: 100,
      triggers: [
        {
          id: 'probe',
          type: 'event',
          event: 'comms.SmsReceived',
          filter: { cmp: { left: 'trigger.data.from', op: 'eq', right: '+14155550199' } },
        },
      ],
      steps: step,
      limits: { perHour: 100_000, maxDepth: 3 },
    },
    approve: ['notify'],
    enabled: true,
    note: '',
  });
  console.log(
    JSON.stringify({
      setup: '1,001 enabled rules',
      seconds: Number(((performance.now() - started) / 1000).toFixed(1)),
    }),
  );

  let bare = 0;
  let bareDone = 0;
  const bareSeen = new Map<string, number>();
  eventsModule.subscribe({
    name: 'bench-bare',
    types: ['comms.SmsReceived'],
    handler: async (event) => {
      bare++;
      if (event.data.from === '+14155550199') bareSeen.set(event.id, performance.now());
    },
  });
  const sms = (from: string) => ({
    type: 'comms.SmsReceived' as const,
    ownerId: user.id,
    subject: crypto.randomUUID(),
    actor: { kind: 'connector' as const, id: 'twilio' },
    data: {
      messageId: crypto.randomUUID(),
      connectionId: crypto.randomUUID(),
      personId: null,
      from,
      to: '+14155550101',
      numMedia: 0,
    },
  });
  // Warm up both consumers (and the rules index).
  await hub.db.asSystem((tx) =>
    eventsModule.outbox.appendMany(
      tx,
      Array.from({ length: 50 }, () => sms('+14155550000')),
    ),
  );
  await until(() => bare >= 50);
  const processedByRules = async () =>
    hub.db.asSystem(
      async (tx) =>
        (
          await tx.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM made_open.processed_events WHERE consumer = 'rules-engine'`,
          )
        ).rows[0]!.n,
    );
  await until(async () => (await processedByRules()) >= 50);
  const rulesBase = await processedByRules();
  const bareBase = bare;

  const t0 = performance.now();
  for (let i = 0; i < events; i += 500)
    await hub.db.asSystem((tx) =>
      eventsModule.outbox.appendMany(
        tx,
        Array.from({ length: Math.min(500, events - i) }, () => sms('+14155550000')),
      ),
    );
  let rulesDone = 0;
  await until(async () => {
    if (!bareDone && bare - bareBase >= events) bareDone = performance.now();
    if (!rulesDone && (await processedByRules()) - rulesBase >= events) rulesDone = performance.now();
    return bareDone > 0 && rulesDone > 0;
  });
  const barePerSecond = events / ((bareDone - t0) / 1000);
  const rulesPerSecond = events / ((rulesDone - t0) / 1000);
  console.log(JSON.stringify({ run: 'bare consumer', events, perSecond: Math.round(barePerSecond) }));
  console.log(
    JSON.stringify({
      run: 'rules engine, 1,001 enabled rules',
      events,
      perSecond: Math.round(rulesPerSecond),
      ratio: Number((rulesPerSecond / barePerSecond).toFixed(2)),
      goal: '>= 0.5',
    }),
  );

  const latencies: number[] = [];
  const transport: number[] = [];
  const added: number[] = [];
  for (let i = 0; i < probes; i++) {
    const id = await hub.db.asSystem((tx) => eventsModule.outbox.append(tx, sms('+14155550199')));
    const committed = performance.now();
    await until(() => actionStarts.has(id), 30_000);
    latencies.push(actionStarts.get(id)! - committed);
    await until(() => bareSeen.has(id), 30_000);
    transport.push(bareSeen.get(id)! - committed);
    added.push(actionStarts.get(id)! - bareSeen.get(id)!);
    await new Promise((r) => setTimeout(r, 50));
  }
  console.log(
    JSON.stringify({
      run: 'trigger commit -> first action start',
      probes,
      p50: Number(percentile(latencies, 50).toFixed(1)),
      p95: Number(percentile(latencies, 95).toFixed(1)),
      max: Number(Math.max(...latencies).toFixed(1)),
      goal: 'p95 < 50 ms',
    }),
  );
  console.log(
    JSON.stringify({
      run: 'baseline: trigger commit -> bare consumer handler',
      probes,
      p50: Number(percentile(transport, 50).toFixed(1)),
      p95: Number(percentile(transport, 95).toFixed(1)),
      max: Number(Math.max(...transport).toFixed(1)),
    }),
  );
  // Both consumers get the event at about the same moment: the difference is the engine's own share.
  console.log(
    JSON.stringify({
      run: 'engine share: bare consumer handler -> first action start',
      probes,
      p50: Number(percentile(added, 50).toFixed(1)),
      p95: Number(percentile(added, 95).toFixed(1)),
    }),
  );
} finally {
  await hub.close();
}
