/**
 * Jobs benchmark (issue 3 §5): pg-boss through the hub's jobs module, on PostgreSQL and on
 * PGlite, in this one process.
 *   1. Latency: one job per committed transaction, a few ms apart, per priority; the
 *      figure is enqueue call (inside the transaction, so it includes the commit) to
 *      handler start.
 *   2. The same for realtime jobs while a background backlog is being drained.
 *   3. Throughput: a backlog of background jobs drained by one worker (batch fetch,
 *      batched complete, trivial handler).
 * Prints a table with the goals beside the figures. Not a test: nothing asserts on timing.
 * Env: BENCH_JOBS_DATABASES=postgres,pglite  BENCH_JOBS_LATENCY_N=300  BENCH_JOBS_BACKLOG=20000
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { z } from 'zod';
import {
  createJobsModule,
  defineJob,
  type JobDefinition,
  type JobPriority,
  type JobsModule,
} from '../src/modules/jobs/index.ts';
import { migrate } from '../src/platform/db/migrate.ts';
import { platformMigrations, type Database } from '../src/platform/db/index.ts';
import { openPglite } from '../src/platform/db/pglite.ts';
import { connectPostgres } from '../src/platform/db/postgres.ts';
import { createLogger } from '../src/platform/logger.ts';

const adminUrl = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const kinds = (process.env.BENCH_JOBS_DATABASES ?? 'postgres,pglite').split(',') as ('postgres' | 'pglite')[];
const latencyN = Number(process.env.BENCH_JOBS_LATENCY_N ?? 300);
const backlog = Number(process.env.BENCH_JOBS_BACKLOG ?? 20_000);
const logger = createLogger('warn');
const now = () => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Row {
  database: string;
  measure: string;
  p50?: number;
  p95?: number;
  p99?: number;
  value?: string;
  goal: string;
  met?: boolean;
}
const rows: Row[] = [];

function percentile(sorted: number[], p: number) {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;
}

async function openDatabase(
  kind: 'postgres' | 'pglite',
): Promise<{ db: Database; url?: string; drop(): Promise<void> }> {
  if (kind === 'pglite') {
    const db = await openPglite();
    await migrate(db, [platformMigrations], logger);
    return { db, drop: () => db.close() };
  }
  const name = `made_open_bench_jobs_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const db = await connectPostgres({ url: url.toString(), logger });
  await migrate(db, [platformMigrations], logger);
  return {
    db,
    url: url.toString(),
    async drop() {
      await db.close();
      const cleanup = new pg.Client({ connectionString: adminUrl });
      await cleanup.connect();
      await cleanup.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await cleanup.end();
    },
  };
}

const timed = z.object({ t: z.number() });
const retry = { limit: 1, backoff: { type: 'fixed' as const, delaySeconds: 1 } };

function latencyDefs(samples: Record<JobPriority, number[]>) {
  const make = (priority: JobPriority) =>
    defineJob({
      name: `bench.${priority}`,
      priority,
      payload: timed,
      retry,
      handler: async ({ t }) => {
        samples[priority].push(now() - t);
      },
    });
  return { realtime: make('realtime'), interactive: make('interactive'), background: make('background') };
}

async function measureLatency(
  db: Database,
  jobs: JobsModule,
  def: JobDefinition<typeof timed>,
  n: number,
  gapMs: number,
) {
  for (let i = 0; i < n; i++) {
    await db.asSystem((tx) => jobs.enqueue(tx, def, { t: now() }));
    await sleep(gapMs);
  }
}

function record(database: string, measure: string, samples: number[], goal: string, goalMs?: number) {
  const sorted = [...samples].sort((a, b) => a - b);
  const p95 = percentile(sorted, 0.95);
  rows.push({
    database,
    measure: `${measure} (n=${samples.length})`,
    p50: percentile(sorted, 0.5),
    p95,
    p99: percentile(sorted, 0.99),
    goal,
    ...(goalMs !== undefined ? { met: p95 < goalMs } : {}),
  });
}

async function benchmark(kind: 'postgres' | 'pglite') {
  const { db, url, drop } = await openDatabase(kind);
  try {
    // Reference: what one empty system transaction costs on this machine right now.
    const baseline: number[] = [];
    for (let i = 0; i < 100; i++) {
      const started = now();
      await db.asSystem((tx) => tx.query('SELECT 1'));
      baseline.push(now() - started);
      await sleep(2);
    }
    record(kind, 'reference: one empty transaction', baseline, '—');

    // 1. Latency per priority, idle worker.
    const samples: Record<JobPriority, number[]> = { realtime: [], interactive: [], background: [] };
    const defs = latencyDefs(samples);
    const jobs = createJobsModule({ config: { databaseUrl: url }, db, logger });
    for (const def of Object.values(defs)) jobs.register(def);
    await jobs.start!();
    await measureLatency(db, jobs, defs.realtime, 30, 5); // warm-up
    samples.realtime.length = 0;
    for (const priority of ['realtime', 'interactive', 'background'] as const) {
      await measureLatency(db, jobs, defs[priority], latencyN, 5);
    }
    await sleep(500);
    record(kind, 'realtime: enqueue → start', samples.realtime, 'p95 < 100 ms', 100);
    record(kind, 'interactive: enqueue → start', samples.interactive, '—');
    record(kind, 'background: enqueue → start', samples.background, '—');
    await jobs.stop!();

    // 3. Throughput: a backlog enqueued while no worker runs, then drained.
    let done = 0;
    let finished: () => void = () => undefined;
    const allDone = new Promise<void>((resolve) => {
      finished = resolve;
    });
    const drainDef = () =>
      defineJob({
        name: 'bench.drain',
        priority: 'background',
        payload: z.object({ i: z.number() }),
        retry,
        handler: async () => {
          done += 1;
          if (done === backlog) finished();
        },
      });
    const producer = createJobsModule({ config: { databaseUrl: url }, db, logger, options: { work: false } });
    const producerDef = drainDef();
    producer.register(producerDef);
    await producer.start!();
    const enqueueStarted = performance.now();
    for (let offset = 0; offset < backlog; offset += 1_000) {
      const batch = Array.from({ length: Math.min(1_000, backlog - offset) }, (_, k) => ({ i: offset + k }));
      await db.asSystem((tx) => producer.enqueueMany(tx, producerDef, batch));
    }
    const enqueueSeconds = (performance.now() - enqueueStarted) / 1000;
    rows.push({
      database: kind,
      measure: `enqueue backlog (enqueueMany, 1,000 per transaction)`,
      value: `${Math.round(backlog / enqueueSeconds).toLocaleString('en')} jobs/s`,
      goal: '—',
    });

    // 2. Realtime latency while the backlog drains.
    const underLoad: Record<JobPriority, number[]> = { realtime: [], interactive: [], background: [] };
    const loadDefs = latencyDefs(underLoad);
    const worker = createJobsModule({
      config: { databaseUrl: url },
      db,
      logger,
      options: { concurrency: { realtime: 50, interactive: 50, background: 200 }, batchSize: 200 },
    });
    worker.register(drainDef());
    worker.register(loadDefs.realtime);
    const drainStarted = performance.now();
    await worker.start!();
    let probing = true;
    const probe = (async () => {
      while (probing) await measureLatency(db, worker, loadDefs.realtime, 1, 10);
    })();
    await allDone;
    const drainSeconds = (performance.now() - drainStarted) / 1000;
    probing = false;
    await probe;
    await sleep(200);
    const rate = backlog / drainSeconds;
    rows.push({
      database: kind,
      measure: `drain ${backlog.toLocaleString('en')} background jobs (batch 200, 200 slots)`,
      value: `${Math.round(rate).toLocaleString('en')} jobs/s`,
      goal: '>= 2,000 jobs/s',
      met: rate >= 2_000,
    });
    if (underLoad.realtime.length > 0) {
      record(kind, 'realtime: enqueue → start, during the drain', underLoad.realtime, 'p95 < 100 ms', 100);
    }
    await worker.stop!();
    await producer.stop!();
  } finally {
    await drop();
  }
}

const fmt = (v?: number) => (v === undefined ? '' : v.toFixed(1));
for (const kind of kinds) {
  try {
    await benchmark(kind);
  } catch (error) {
    rows.push({ database: kind, measure: `failed: ${(error as Error).message}`, goal: '' });
  }
}

const load = (await import('node:os'))
  .loadavg()
  .map((l) => l.toFixed(1))
  .join(' ');
console.log('\nJobs (pg-boss 10 through the jobs module). Latency in ms from the enqueue call inside the');
console.log(`transaction (commit included) to the handler starting. Load average at the end: ${load}.\n`);
const header = ['database', 'measure', 'p50 ms', 'p95 ms', 'p99 ms', 'value', 'goal', 'met'];
const table = rows.map((r) => [
  r.database,
  r.measure,
  fmt(r.p50),
  fmt(r.p95),
  fmt(r.p99),
  r.value ?? '',
  r.goal,
  r.met === undefined ? '' : r.met ? 'yes' : 'NO',
]);
const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i]!.length)));
const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
console.log(line(header));
console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
for (const row of table) console.log(line(row));
