import type { Database } from '../../platform/db/index.ts';

/**
 * autovacuum's own defaults: a table is analyzed once 50 rows + 10 % of it changed since the
 * last ANALYZE, and vacuumed once 50 rows + 20 % of it are dead.
 */
export const upkeepThresholds = { base: 50, analyzeScale: 0.1, vacuumScale: 0.2 } as const;

/** Tables done per pass: the ones that changed most first, the rest at the next look. */
const TABLES_PER_PASS = 20;

/**
 * A table the hub analyzed or vacuumed is left alone this long, as autovacuum's minute would
 * leave it, however fast it grows: its first ANALYZE comes at the next look, and a table
 * filling up during a sync is not analyzed again at every look (on PGlite each one holds the
 * only connection while it runs).
 */
const REST_SECONDS = 60;

export interface UpkeepPass {
  analyzed: string[];
  vacuumed: string[];
}

/**
 * Whether the database keeps its own statistics. PGlite runs PostgreSQL in single-user mode,
 * where no autovacuum worker exists whatever the setting says; a server can have it turned off.
 */
export async function autovacuumRuns(db: Database): Promise<boolean> {
  if (db.kind === 'pglite') return false;
  const { rows } = await db.asOwner((tx) =>
    tx.query<{ on: boolean }>(
      `SELECT current_setting('autovacuum') = 'on' AND current_setting('track_counts') = 'on' AS on`,
    ),
  );
  return rows[0]!.on;
}

/**
 * One pass of what autovacuum would do: ANALYZE each table that changed past the threshold,
 * VACUUM (ANALYZE) each one with too many dead rows. Without it the planner keeps the plans it
 * made when the tables were empty: a foreign-key check that scans every entity of the owner
 * made each contact of a 50,000-contact import slower than the one before (BENCHMARKS.md).
 * Each statement runs on its own, outside a transaction (VACUUM cannot run in one).
 */
export async function runUpkeepPass(
  db: Database,
  { restSeconds = REST_SECONDS }: { restSeconds?: number } = {},
): Promise<UpkeepPass> {
  const { base, analyzeScale, vacuumScale } = upkeepThresholds;
  const { rows } = await db.asOwner((tx) =>
    tx.query<{ name: string; vacuum: boolean }>(
      `SELECT format('%I.%I', schemaname, relname) AS name, n_dead_tup > $1::int + $3::float8 * n_live_tup AS vacuum
         FROM pg_stat_user_tables
        WHERE schemaname NOT LIKE 'pg\\_temp%'
          AND (n_mod_since_analyze > $1::int + $2::float8 * n_live_tup OR n_dead_tup > $1::int + $3::float8 * n_live_tup)
          AND coalesce(greatest(last_analyze, last_vacuum), '-infinity') < now() - make_interval(secs => $5)
        ORDER BY n_mod_since_analyze + n_dead_tup DESC
        LIMIT $4`,
      [base, analyzeScale, vacuumScale, TABLES_PER_PASS, restSeconds],
    ),
  );
  const pass: UpkeepPass = { analyzed: [], vacuumed: [] };
  for (const table of rows) {
    // The name comes from format('%I.%I'): quoted as PostgreSQL quotes identifiers.
    await db.exec(table.vacuum ? `VACUUM (ANALYZE) ${table.name}` : `ANALYZE ${table.name}`);
    (table.vacuum ? pass.vacuumed : pass.analyzed).push(table.name);
  }
  return pass;
}
