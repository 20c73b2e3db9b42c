import { z } from 'zod';
import type { Database } from '../../platform/db/index.ts';
import type { Logger } from '../../platform/logger.ts';
import type { HubModule } from '../../platform/module.ts';
import { defineJob, type JobsModule } from '../jobs/index.ts';
import { autovacuumRuns, runUpkeepPass, type UpkeepPass } from './upkeep.ts';

export { autovacuumRuns, runUpkeepPass, upkeepThresholds, type UpkeepPass } from './upkeep.ts';

export interface UpkeepModuleDeps {
  db: Database;
  logger: Logger;
  jobs: Pick<JobsModule, 'register'>;
}

/**
 * Database upkeep (README.md): every minute, where no autovacuum runs (PGlite, or a server
 * with it turned off), the tables that changed enough are analyzed and vacuumed.
 */
export function createUpkeepModule({ db, logger, jobs }: UpkeepModuleDeps): HubModule {
  let needed: Promise<boolean> | undefined;
  /** The last pass that did something, for /health. */
  let lastPass: (UpkeepPass & { at: string }) | null = null;

  jobs.register(
    defineJob({
      name: 'upkeep.tables',
      priority: 'background',
      payload: z.object({}),
      // A missed minute is made up by the next one.
      retry: { limit: 0, backoff: { type: 'fixed', delaySeconds: 0 } },
      cron: { expression: '* * * * *', payload: {} },
      handler: async () => {
        // Asked once; a failed ask is asked again next minute rather than kept.
        needed ??= autovacuumRuns(db).then(
          (runs) => !runs,
          (error: unknown) => {
            needed = undefined;
            throw error;
          },
        );
        if (!(await needed)) return;
        const pass = await runUpkeepPass(db);
        if (pass.analyzed.length + pass.vacuumed.length === 0) return;
        lastPass = { ...pass, at: new Date().toISOString() };
        logger.debug(pass, 'tables analyzed and vacuumed');
      },
    }),
  );

  return {
    name: 'upkeep',
    async health() {
      return { upkeep: { status: 'ok', details: { lastPass: lastPass?.at ?? null } } };
    },
  };
}
