import type { Config } from '../../platform/config.ts';
import type { Database } from '../../platform/db/index.ts';
import type { Logger } from '../../platform/logger.ts';
import type { DependencyHealth, HubModule } from '../../platform/module.ts';
import { jobPriorities } from './jobs.schemas.ts';
import { createJobsService, type JobsOptions, type JobsService } from './jobs.service.ts';

export { defineJob, InvalidJobPayloadError, jobPriorities } from './jobs.schemas.ts';
export type { JobContext, JobDefinition, JobPriority, RetryPolicy } from './jobs.schemas.ts';
export type { DeadLetter, EnqueueOptions, JobsOptions, JobsService, JobsStats } from './jobs.service.ts';

/** pg-boss's own schema, pre-created so a fresh database (and the test template) has it. */
export const jobsMigrations = {
  module: 'jobs',
  dir: new URL('./migrations', import.meta.url).pathname,
};

export interface JobsModuleDeps {
  config: Pick<Config, 'databaseUrl'>;
  db: Database;
  logger: Logger;
  /** Tests and benchmarks: concurrency, timers, enqueue-only instances. */
  options?: JobsOptions;
}

/** The module other modules receive: `register(def)` while building, `enqueue(tx, def, payload)` at run time. */
export type JobsModule = HubModule & Omit<JobsService, 'start' | 'stop'>;

export function createJobsModule({ config, db, logger, options = {} }: JobsModuleDeps): JobsModule {
  const service = createJobsService({
    db,
    logger,
    options: { ...(config.databaseUrl ? { databaseUrl: config.databaseUrl } : {}), ...options },
  });

  return {
    name: 'jobs',
    get started() {
      return service.started;
    },
    register: service.register,
    enqueue: service.enqueue,
    enqueueMany: service.enqueueMany,
    stats: service.stats,
    deadLetters: service.deadLetters,
    counters: service.counters,
    start: service.start,
    stop: service.stop,

    async health(): Promise<Record<string, DependencyHealth>> {
      if (!service.started) return { jobs: { status: 'down', details: { reason: 'not started' } } };
      const stats = await service.stats();
      return { jobs: { status: 'ok', details: { ...stats } } };
    },

    async metrics() {
      if (!service.started) return '';
      const stats = await service.stats();
      const counters = service.counters();
      const lines = [
        '# HELP made_open_jobs_queued Jobs waiting to run (created or retrying), by priority.',
        '# TYPE made_open_jobs_queued gauge',
        ...jobPriorities.map((p) => `made_open_jobs_queued{priority="${p}"} ${stats.queued[p]}`),
        '# HELP made_open_jobs_active Jobs running on any hub instance, by priority.',
        '# TYPE made_open_jobs_active gauge',
        ...jobPriorities.map((p) => `made_open_jobs_active{priority="${p}"} ${stats.active[p]}`),
        '# HELP made_open_jobs_dead_letters Jobs that failed their last retry and wait in the dead-letter queue.',
        '# TYPE made_open_jobs_dead_letters gauge',
        `made_open_jobs_dead_letters ${stats.deadLetters}`,
      ];
      if (counters) {
        for (const [key, help] of [
          ['started', 'Jobs this instance started'],
          ['completed', 'Jobs this instance completed'],
          ['failed', 'Job attempts that failed on this instance'],
        ] as const) {
          lines.push(
            `# HELP made_open_jobs_${key}_total ${help}, by priority.`,
            `# TYPE made_open_jobs_${key}_total counter`,
          );
          for (const p of jobPriorities) lines.push(`made_open_jobs_${key}_total{priority="${p}"} ${counters[key][p]}`);
        }
      }
      return lines.join('\n');
    },
  };
}
