import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createTestDatabase, testDatabaseKinds, type TestDatabase } from '../../../test/databases.ts';
import type { RequestClaims } from '../../platform/db/index.ts';
import { createLogger } from '../../platform/logger.ts';
import {
  createJobsModule,
  defineJob,
  InvalidJobPayloadError,
  type JobPriority,
  type JobsModule,
  type JobsOptions,
} from './index.ts';
import { holdJob } from './jobs.test-jobs.ts';

const logger = createLogger('silent');
const user: RequestClaims = { role: 'authenticated', sub: '018f0000-0000-7000-8000-000000000001' };
const fast: JobsOptions = {
  pollIntervalMs: 200,
  maintenanceIntervalSeconds: 1,
  cronMonitorIntervalSeconds: 1,
  cronWorkerIntervalSeconds: 1,
  stopGraceMs: 2_000,
};

async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

describe.each(testDatabaseKinds())('jobs on %s', (kind) => {
  let database: TestDatabase;
  const modules: JobsModule[] = [];

  function jobsModule(options: JobsOptions = {}) {
    const module = createJobsModule({
      config: { databaseUrl: database.url },
      db: database.db,
      logger,
      options: { ...fast, ...options },
    });
    modules.push(module);
    return module;
  }

  // Loading the PGlite template takes tens of seconds when the machine is busy.
  beforeAll(async () => {
    database = await createTestDatabase(kind);
  }, 180_000);
  afterEach(async () => {
    for (const module of modules.splice(0).reverse()) await module.stop?.();
  });
  afterAll(() => database.drop());

  it('validates payloads against the definition on enqueue and again on receipt', async () => {
    const strictRuns: number[] = [];
    const loose = defineJob({
      name: 'test.typed',
      priority: 'interactive',
      payload: z.object({ n: z.number() }),
      retry: { limit: 0, backoff: { type: 'fixed', delaySeconds: 0 } },
      handler: async () => undefined,
    });
    const producer = jobsModule({ work: false });
    producer.register(loose);
    await producer.start!();

    await expect(
      // @ts-expect-error -- the payload type comes from the zod schema
      database.db.asUser(user, (tx) => producer.enqueue(tx, loose, { n: 'seven' })),
    ).rejects.toBeInstanceOf(InvalidJobPayloadError);
    expect((await producer.stats()).queued.interactive).toBe(0);

    // A worker whose version of the job type is stricter (say, after a deploy) refuses the
    // payload on receipt: the handler never sees it and the job goes to the dead letters.
    await database.db.asUser(user, (tx) => producer.enqueue(tx, loose, { n: 3 }));
    const worker = jobsModule();
    worker.register(
      defineJob({
        name: 'test.typed',
        priority: 'interactive',
        payload: z.object({ n: z.number().min(10) }),
        retry: { limit: 0, backoff: { type: 'fixed', delaySeconds: 0 } },
        handler: async ({ n }) => {
          strictRuns.push(n);
        },
      }),
    );
    await worker.start!();
    await waitFor(
      async () => (await worker.deadLetters()).some((d) => d.job === 'test.typed'),
      10_000,
      'the dead letter',
    );
    const dead = (await worker.deadLetters()).find((d) => d.job === 'test.typed')!;
    expect(dead.payload).toEqual({ n: 3 });
    expect(JSON.stringify(dead.error)).toContain('Invalid payload for job test.typed');
    expect(strictRuns).toEqual([]);
  });

  it('never runs a job enqueued in a transaction that rolled back', async () => {
    const ran: string[] = [];
    const jobs = jobsModule();
    const note = defineJob({
      name: 'test.note',
      priority: 'realtime',
      payload: z.object({ label: z.string() }),
      retry: { limit: 0, backoff: { type: 'fixed', delaySeconds: 0 } },
      handler: async ({ label }) => {
        ran.push(label);
      },
    });
    jobs.register(note);
    await jobs.start!();

    await expect(
      database.db.asUser(user, async (tx) => {
        await jobs.enqueue(tx, note, { label: 'rolled back' });
        throw new Error('the request failed after enqueueing');
      }),
    ).rejects.toThrow('the request failed');
    await database.db.asSystem((tx) => jobs.enqueue(tx, note, { label: 'committed' }));

    await waitFor(() => ran.includes('committed'), 5_000, 'the committed job');
    // Past several polls and wake-ups: the rolled-back job does not exist anywhere.
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(ran).toEqual(['committed']);
    const stats = await jobs.stats();
    expect(stats.queued.realtime + stats.active.realtime).toBe(0);
  });

  it('retries a poison job with exponential backoff, then dead-letters it without blocking others', async () => {
    const attempts: { attempt: number; at: number }[] = [];
    const done: number[] = [];
    const jobs = jobsModule();
    const poison = defineJob({
      name: 'test.poison',
      priority: 'interactive',
      payload: z.object({}),
      retry: { limit: 2, backoff: { type: 'exponential', delaySeconds: 1 } },
      handler: async (_payload, context) => {
        attempts.push({ attempt: context.attempt, at: Date.now() });
        throw new Error('poison: this job always fails');
      },
    });
    const healthy = defineJob({
      name: 'test.healthy',
      priority: 'interactive',
      payload: z.object({ i: z.number() }),
      retry: { limit: 0, backoff: { type: 'fixed', delaySeconds: 0 } },
      handler: async ({ i }) => {
        done.push(i);
      },
    });
    jobs.register(poison);
    jobs.register(healthy);
    await jobs.start!();

    await database.db.asSystem(async (tx) => {
      await jobs.enqueue(tx, poison, {});
      await jobs.enqueueMany(
        tx,
        healthy,
        [1, 2, 3, 4, 5].map((i) => ({ i })),
      );
    });
    await waitFor(() => done.length === 5, 5_000, 'the healthy jobs');
    // The healthy jobs finished while the poison job was still waiting for its first retry.
    expect(attempts.length).toBeLessThanOrEqual(2);

    await waitFor(() => attempts.length === 3, 15_000, 'three attempts');
    expect(attempts.map((a) => a.attempt)).toEqual([0, 1, 2]);
    const firstWait = attempts[1]!.at - attempts[0]!.at;
    const secondWait = attempts[2]!.at - attempts[1]!.at;
    // pg-boss backoff: retry n waits delay * 2^(n-1) * [1, 2).
    expect(firstWait).toBeGreaterThanOrEqual(900);
    expect(secondWait).toBeGreaterThanOrEqual(1_900);

    await waitFor(
      async () => (await jobs.deadLetters()).some((d) => d.job === 'test.poison'),
      5_000,
      'the dead letter',
    );
    const dead = (await jobs.deadLetters()).find((d) => d.job === 'test.poison')!;
    expect(JSON.stringify(dead.error)).toContain('poison: this job always fails');
    const stats = await jobs.stats();
    expect(stats.deadLetters).toBeGreaterThanOrEqual(1);
    expect(await jobs.metrics!()).toMatch(/^made_open_jobs_dead_letters [1-9]/m);
    const health = await jobs.health!();
    expect(health.jobs?.status).toBe('ok');
    expect((health.jobs?.details as { deadLetters: number }).deadLetters).toBe(stats.deadLetters);
  });

  it('runs cron schedules', async () => {
    const ticks: string[] = [];
    const jobs = jobsModule();
    jobs.register(
      defineJob({
        name: 'test.tick',
        priority: 'background',
        payload: z.object({ source: z.string() }),
        retry: { limit: 0, backoff: { type: 'fixed', delaySeconds: 0 } },
        cron: { expression: '* * * * *', payload: { source: 'cron' } },
        handler: async ({ source }) => {
          ticks.push(source);
        },
      }),
    );
    await jobs.start!();
    await waitFor(() => ticks.length > 0, 20_000, 'the cron job');
    expect(ticks[0]).toBe('cron');
  });

  it('keeps at most one queued job per singleton key, even from concurrent transactions', async () => {
    const ran: string[] = [];
    const jobs = jobsModule();
    const once = defineJob({
      name: 'test.once',
      priority: 'interactive',
      payload: z.object({ label: z.string() }),
      retry: { limit: 0, backoff: { type: 'fixed', delaySeconds: 0 } },
      handler: async ({ label }) => {
        ran.push(label);
        // A running job may queue its successor under its own key: only waiting jobs count.
        if (label === 'first') {
          const next = await database.db.asSystem((tx) =>
            jobs.enqueue(tx, once, { label: 'successor' }, { singletonKey: 'k' }),
          );
          expect(next).not.toBeNull();
        }
      },
    });
    jobs.register(once);
    await jobs.start!();

    const later = { startAfter: 3, singletonKey: 'k' };
    // Two transactions at once (on PostgreSQL, two connections): the second waits for the
    // first to commit, then sees its job.
    const ids = await Promise.all(
      ['first', 'second'].map((label) =>
        database.db.asUser(user, async (tx) => {
          const id = await jobs.enqueue(tx, once, { label }, later);
          await new Promise((resolve) => setTimeout(resolve, 100));
          return id;
        }),
      ),
    );
    expect(ids.filter((id) => id !== null)).toHaveLength(1);
    const winner = ids[0] !== null ? 'first' : 'second';
    // Another key, and no key at all, are not limited.
    await database.db.asSystem(async (tx) => {
      expect(await jobs.enqueue(tx, once, { label: 'other key' }, { singletonKey: 'other' })).not.toBeNull();
      expect(await jobs.enqueue(tx, once, { label: 'no key' })).not.toBeNull();
      expect(await jobs.enqueue(tx, once, { label: 'no key again' })).not.toBeNull();
    });

    const expected = winner === 'first' ? ['first', 'successor'] : ['second'];
    await waitFor(() => expected.every((label) => ran.includes(label)), 15_000, `jobs ${expected.join(', ')}`);
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(ran.sort()).toEqual([...expected, 'no key', 'no key again', 'other key'].sort());
  });

  it('starts jobs in priority order: realtime, then interactive, then background', async () => {
    const order: string[] = [];
    const make = (priority: JobPriority) =>
      defineJob({
        name: `test.order-${priority}`,
        priority,
        payload: z.object({ i: z.number() }),
        retry: { limit: 0, backoff: { type: 'fixed', delaySeconds: 0 } },
        handler: async ({ i }) => {
          order.push(`${priority}${i}`);
        },
      });
    const producer = jobsModule({ work: false });
    const defs = { background: make('background'), interactive: make('interactive'), realtime: make('realtime') };
    for (const def of Object.values(defs)) producer.register(def);
    await producer.start!();
    // One transaction each: jobs of one transaction share created_on (now()), so their
    // order within a priority is not defined.
    for (const priority of ['background', 'interactive', 'realtime'] as const) {
      for (const i of [1, 2]) await database.db.asSystem((tx) => producer.enqueue(tx, defs[priority], { i }));
    }

    const worker = jobsModule({ concurrency: { realtime: 1, interactive: 1, background: 1 }, maxActive: 1 });
    for (const priority of ['background', 'interactive', 'realtime'] as const) worker.register(make(priority));
    await worker.start!();
    await waitFor(() => order.length === 6, 10_000, 'six jobs');
    expect(order).toEqual(['realtime1', 'realtime2', 'interactive1', 'interactive2', 'background1', 'background2']);
  });

  it('lets running jobs finish on stop, and releases those that outlast the grace period', async () => {
    const finished: number[] = [];
    const jobs = jobsModule({ stopGraceMs: 300 });
    const slow = defineJob({
      name: 'test.slow',
      priority: 'interactive',
      payload: z.object({ ms: z.number() }),
      retry: { limit: 0, backoff: { type: 'fixed', delaySeconds: 0 } },
      handler: async ({ ms }, context) => {
        await new Promise((resolve) => setTimeout(resolve, ms));
        if (!context.signal.aborted) finished.push(ms);
      },
    });
    jobs.register(slow);
    await jobs.start!();
    await database.db.asSystem(async (tx) => {
      await jobs.enqueue(tx, slow, { ms: 100 });
      await jobs.enqueue(tx, slow, { ms: 5_000 });
    });
    await waitFor(async () => (await jobs.stats()).active.interactive === 2, 5_000, 'both jobs to start');
    await jobs.stop!();
    expect(finished).toEqual([100]);
    // The long one is back in the queue, not failed: its retry budget (0) is untouched.
    const rows = await database.db.asOwner((tx) =>
      tx.query<{ state: string; retry_count: number }>(
        `SELECT state::text AS state, retry_count FROM pgboss.job WHERE data->'payload'->>'ms' = '5000'`,
      ),
    );
    expect(rows.rows).toEqual([{ state: 'retry', retry_count: 0 }]);
  });

  it('runs again the jobs a dead worker held, once they expire', async () => {
    const reran = new Map<number, number>();
    const producer = jobsModule({ work: false });
    const hold = holdJob(async () => undefined);
    producer.register(hold);
    await producer.start!();
    await database.db.asSystem((tx) =>
      producer.enqueueMany(
        tx,
        hold,
        [1, 2, 3].map((n) => ({ n })),
      ),
    );

    let child: ChildProcess | undefined;
    if (kind === 'postgres') {
      // A real second process holding the jobs, killed without any chance to clean up.
      child = spawn(
        process.execPath,
        ['--import', 'tsx', new URL('./jobs.kill-worker.fixture.ts', import.meta.url).pathname, database.url!],
        {
          stdio: ['ignore', 'pipe', 'inherit'],
        },
      );
      const held = new Set<string>();
      const lines = createInterface({ input: child.stdout! });
      await new Promise<void>((resolve, reject) => {
        child!.once('exit', (code) => reject(new Error(`the worker exited early (${code})`)));
        lines.on('line', (line) => {
          if (line.startsWith('started ')) held.add(line);
          if (held.size === 3) resolve();
        });
      });
      child.removeAllListeners('exit');
      child.kill('SIGKILL');
      await new Promise((resolve) => child!.once('exit', resolve));
    } else {
      // PGlite lives in this one process, so the "dead" worker is a second worker whose
      // handlers never return: it holds the jobs and never completes or fails them.
      const stuck = jobsModule({ stopGraceMs: 50, concurrency: { realtime: 3, interactive: 1, background: 1 } });
      let held = 0;
      stuck.register(
        holdJob(async () => {
          held += 1;
          await new Promise(() => undefined);
        }),
      );
      await stuck.start!();
      await waitFor(() => held === 3, 5_000, 'the stuck worker to hold three jobs');
    }
    expect((await producer.stats()).active.realtime).toBe(3);

    const rescuer = jobsModule();
    rescuer.register(
      holdJob(async ({ n }, context) => {
        reran.set(n, context.attempt);
      }),
    );
    await rescuer.start!();
    await waitFor(() => reran.size === 3, 15_000, 'the held jobs to run again');
    // Each ran a second time (attempt 1): the expiry counted as a failed attempt.
    expect([...reran.entries()].sort()).toEqual([
      [1, 1],
      [2, 1],
      [3, 1],
    ]);
  });
});
