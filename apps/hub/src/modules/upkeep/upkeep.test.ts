import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, testDatabaseKinds, type TestDatabase } from '../../../test/databases.ts';
import { eventually } from '../connectors/test/support.ts';
import { createLogger } from '../../platform/logger.ts';
import { createUpkeepModule } from './index.ts';
import { autovacuumRuns, runUpkeepPass } from './upkeep.ts';

describe.each(testDatabaseKinds())('database upkeep on %s', (kind) => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase(kind);
  }, 180_000);
  afterAll(() => database?.drop(), 60_000);

  const stats = async () =>
    (
      await database.db.asOwner((tx) =>
        tx.query<{ dead: number; changed: number; reltuples: number }>(
          `SELECT n_dead_tup::int AS dead, n_mod_since_analyze::int AS changed, c.reltuples::int AS reltuples
             FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid
            WHERE s.schemaname = 'public' AND s.relname = 'upkeep_probe'`,
        ),
      )
    ).rows[0];

  it('analyzes and vacuums a table that changed past the thresholds, then leaves it alone', async () => {
    const { db } = database;
    // PGlite has no autovacuum worker; this machine's PostgreSQL runs with autovacuum off.
    if (kind === 'pglite') expect(await autovacuumRuns(db)).toBe(false);
    await db.exec(`CREATE TABLE public.upkeep_probe (id int PRIMARY KEY, body text NOT NULL)`);
    await db.exec(`INSERT INTO public.upkeep_probe SELECT g, repeat('x', 40) FROM generate_series(1, 5000) g`);
    await db.exec(`DELETE FROM public.upkeep_probe WHERE id <= 2000`);
    // Counters reach the statistics a moment after the transaction (once its session is idle).
    await eventually(async () => ((await stats())?.dead === 2000 ? true : undefined), 'the statistics', 30_000);
    expect((await stats())!.reltuples).toBe(-1);

    const pass = await runUpkeepPass(db);
    expect(pass.vacuumed).toContain('public.upkeep_probe');
    expect(pass.analyzed).not.toContain('public.upkeep_probe');
    await eventually(
      async () => ((await stats())?.dead === 0 ? true : undefined),
      'the vacuum in the statistics',
      30_000,
    );
    expect(await stats()).toMatchObject({ changed: 0, reltuples: 3000 });

    // Below the thresholds: a few rows changed is not worth a pass.
    await db.exec(`UPDATE public.upkeep_probe SET body = 'y' WHERE id <= 2010`);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await db.exec('SELECT 1');
    const quiet = await runUpkeepPass(db, { restSeconds: 0 });
    expect([...quiet.analyzed, ...quiet.vacuumed]).not.toContain('public.upkeep_probe');

    // Changed past 50 + 10 % (but few dead): analyzed, not vacuumed.
    await db.exec(`INSERT INTO public.upkeep_probe SELECT g, 'z' FROM generate_series(10001, 10400) g`);
    await eventually(
      async () => (((await stats())?.changed ?? 0) >= 400 ? true : undefined),
      'the insert counted',
      30_000,
    );
    // Vacuumed moments ago: left alone for a minute, however much it changed since.
    const resting = await runUpkeepPass(db);
    expect([...resting.analyzed, ...resting.vacuumed]).not.toContain('public.upkeep_probe');
    const again = await runUpkeepPass(db, { restSeconds: 0 });
    expect(again.analyzed).toContain('public.upkeep_probe');
    expect(again.vacuumed).not.toContain('public.upkeep_probe');
  }, 120_000);

  it('quotes table names as PostgreSQL does', async () => {
    const { db } = database;
    await db.exec(`CREATE TABLE public."Upkeep ""odd"" name" (id int PRIMARY KEY)`);
    await db.exec(`INSERT INTO public."Upkeep ""odd"" name" SELECT g FROM generate_series(1, 500) g`);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await db.exec('SELECT 1');
    await eventually(
      async () => {
        const pass = await runUpkeepPass(db);
        return pass.analyzed.includes('public."Upkeep ""odd"" name"') ? true : undefined;
      },
      'the odd name analyzed',
      30_000,
    );
  }, 60_000);

  it('looks on its own, soon after a table fills, and stops cleanly', async () => {
    const { db } = database;
    const upkeep = createUpkeepModule({ db, logger: createLogger('silent'), lookEveryMs: 200 });
    const lastPass = async () => ((await upkeep.health!()).upkeep!.details as { lastPass: string | null }).lastPass;
    await db.exec(`CREATE TABLE public.upkeep_fresh (id int PRIMARY KEY)`);
    await upkeep.start!();
    try {
      expect(await lastPass()).toBeNull();
      await db.exec(`INSERT INTO public.upkeep_fresh SELECT g FROM generate_series(1, 2000) g`);
      if (await autovacuumRuns(db)) {
        // A server whose autovacuum runs keeps its own statistics: the hub leaves them alone.
        await new Promise((resolve) => setTimeout(resolve, 1_000));
        expect(await lastPass()).toBeNull();
        return;
      }
      await eventually(
        async () => {
          const { rows } = await db.asOwner((tx) =>
            tx.query<{ reltuples: number }>(
              `SELECT reltuples::int AS reltuples FROM pg_class WHERE oid = 'public.upkeep_fresh'::regclass`,
            ),
          );
          return rows[0]!.reltuples === 2000 ? true : undefined;
        },
        'the new table analyzed by a look',
        30_000,
      );
      expect(await lastPass()).not.toBeNull();
    } finally {
      await upkeep.stop!();
    }
  }, 60_000);
});
