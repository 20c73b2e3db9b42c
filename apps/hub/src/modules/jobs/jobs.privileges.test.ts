import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createTestDatabase, testDatabaseKinds, type TestDatabase } from '../../../test/databases.ts';
import type { RequestClaims } from '../../platform/db/index.ts';
import { createLogger } from '../../platform/logger.ts';
import { createJobsModule, defineJob, type JobsModule } from './index.ts';
import { jobsRepository } from './jobs.repository.ts';

/**
 * The request roles must hold nothing in pg-boss's schema: whoever can insert into
 * pgboss.job runs any job type with any payload as the system. pg-boss creates and
 * upgrades that schema itself at start, so the revoke is checked after start.
 */
const logger = createLogger('silent');
const alice: RequestClaims = { role: 'authenticated', sub: '018f0000-0000-7000-8000-0000000000a1' };
const anon: RequestClaims = { role: 'anon' };
const retry = { limit: 0, backoff: { type: 'fixed' as const, delaySeconds: 0 } };

describe.each(testDatabaseKinds())('pg-boss privileges on %s', (kind) => {
  let database: TestDatabase;
  const modules: JobsModule[] = [];
  const ran: string[] = [];
  const note = defineJob({
    name: 'test.privileges.note',
    priority: 'realtime',
    payload: z.object({ label: z.string() }),
    retry,
    handler: async ({ label }) => {
      ran.push(label);
    },
  });
  // A cron job makes pg-boss create one more queue partition at start.
  const nightly = defineJob({
    name: 'test.privileges.nightly',
    priority: 'background',
    payload: z.object({}),
    retry,
    cron: { expression: '0 3 * * *', payload: {} },
    handler: async () => undefined,
  });

  async function startJobs() {
    const module = createJobsModule({
      config: { databaseUrl: database.url },
      db: database.db,
      logger,
      options: { pollIntervalMs: 200, stopGraceMs: 2_000 },
    });
    modules.push(module);
    module.register(note);
    module.register(nightly);
    await module.start!();
    return module;
  }
  const privileges = () => database.db.asOwner((tx) => jobsRepository.requestRolePrivileges(tx));
  const denied = { code: '42501' };

  beforeAll(async () => {
    database = await createTestDatabase(kind);
  }, 180_000);
  afterEach(async () => {
    for (const module of modules.splice(0).reverse()) await module.stop?.();
  }, 120_000);
  afterAll(() => database.drop(), 120_000);

  it('leaves anon and authenticated nothing after the migrations', async () => {
    expect(await privileges()).toEqual([]);
  });

  it('revokes again after pg-boss creates its schema at start and after grants an upgrade left behind', async () => {
    // A database where pg-boss created the schema itself (functions executable by PUBLIC) ...
    await database.db.asOwner((tx) => tx.query('DROP SCHEMA pgboss CASCADE'));
    // ... is rebuilt by pg-boss at start; simulate an upgrade that also handed out grants.
    const first = await startJobs();
    await first.stop!();
    await database.db.asOwner(async (tx) => {
      await tx.query('GRANT USAGE ON SCHEMA pgboss TO anon, authenticated');
      await tx.query('GRANT ALL ON ALL TABLES IN SCHEMA pgboss TO anon, authenticated');
      await tx.query('GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA pgboss TO PUBLIC');
    });
    expect((await privileges()).length).toBeGreaterThan(0);

    await startJobs();
    expect(await privileges()).toEqual([]);
    const partitions = await database.db.asOwner((tx) =>
      tx.query<{ n: number }>(`SELECT count(*)::int AS n FROM pgboss.queue WHERE name LIKE 'made-open.cron.%'`),
    );
    expect(partitions.rows[0]!.n).toBe(1);
  }, 120_000);

  it("refuses a request role's own insert into pgboss.job, yet enqueues inside its transaction", async () => {
    await startJobs();
    for (const claims of [alice, anon]) {
      await expect(
        database.db.asUser(claims, (tx) =>
          tx.query(
            `INSERT INTO pgboss.job (name, data) VALUES ('made-open.realtime', '{"job":"test.privileges.note"}')`,
          ),
        ),
      ).rejects.toMatchObject(denied);
      await expect(
        database.db.asUser(claims, (tx) => tx.query(`SELECT pgboss.create_queue('evil', '{}'::json)`)),
      ).rejects.toMatchObject(denied);
    }

    const roleAfter = await database.db.asUser(alice, async (tx) => {
      await jobsModuleOf().enqueue(tx, note, { label: 'from a request' });
      return (await tx.query<{ who: string; uid: string }>('SELECT current_user AS who, auth.uid()::text AS uid'))
        .rows[0];
    });
    // pg-boss's statements ran as service_role; the request's own role and claims came back.
    expect(roleAfter).toEqual({ who: 'authenticated', uid: alice.sub });
    await waitFor(() => ran.includes('from a request'));
    expect(await privileges()).toEqual([]);
  }, 120_000);

  const jobsModuleOf = () => modules[modules.length - 1]!;
});

async function waitFor(check: () => boolean) {
  const deadline = Date.now() + 60_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('the job did not run within 60 s');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
