import type { Database } from '../../platform/db/index.ts';
import type { Logger } from '../../platform/logger.ts';
import type { HubModule } from '../../platform/module.ts';
import { autovacuumRuns, runUpkeepPass, type UpkeepPass } from './upkeep.ts';

export { autovacuumRuns, runUpkeepPass, upkeepThresholds, type UpkeepPass } from './upkeep.ts';

/**
 * How often the hub looks at the tables' change counters. The first ANALYZE of a table that
 * has data is the one that matters (afterwards the planner scales its row counts by the
 * table's current size), so this bounds how long a new hub's first import or sync runs on
 * the plans of empty tables. A look that finds nothing to do is one read of
 * pg_stat_user_tables.
 */
const LOOK_EVERY_MS = 10_000;

export interface UpkeepModuleDeps {
  db: Database;
  logger: Logger;
  /** Tests shorten it. */
  lookEveryMs?: number;
}

/**
 * Database upkeep (README.md): where no autovacuum runs (PGlite, or a server with it turned
 * off), the tables that changed enough are analyzed and vacuumed, looked for every 10 s.
 */
export function createUpkeepModule({ db, logger, lookEveryMs = LOOK_EVERY_MS }: UpkeepModuleDeps): HubModule {
  let needed: boolean | undefined;
  /** The last pass that did something, for /health. */
  let lastPass: (UpkeepPass & { at: string }) | null = null;
  let timer: NodeJS.Timeout | undefined;
  let looking: Promise<void> | undefined;

  async function look() {
    // Asked once; a failed ask is asked again at the next look.
    needed ??= !(await autovacuumRuns(db));
    if (!needed) return;
    const pass = await runUpkeepPass(db);
    if (pass.analyzed.length + pass.vacuumed.length === 0) return;
    lastPass = { ...pass, at: new Date().toISOString() };
    logger.debug(pass, 'tables analyzed and vacuumed');
  }

  return {
    name: 'upkeep',
    async start() {
      timer = setInterval(() => {
        // One look at a time: a long VACUUM is not joined by a second pass.
        looking ??= look()
          .catch((error: unknown) => logger.warn({ err: error }, 'table upkeep failed; trying again at the next look'))
          .finally(() => {
            looking = undefined;
          });
      }, lookEveryMs);
      timer.unref();
    },
    async stop() {
      clearInterval(timer);
      await looking;
    },
    async health() {
      return { upkeep: { status: 'ok', details: { lastPass: lastPass?.at ?? null } } };
    },
  };
}
