import type { Config } from '../../platform/config.ts';
import type { Database } from '../../platform/db/index.ts';
import type { Logger } from '../../platform/logger.ts';
import { metric } from '../../platform/metrics.ts';
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
      const byPriority = (values: Record<(typeof jobPriorities)[number], number>) =>
        jobPriorities.map((priority) => [{ priority }, values[priority]] as const);
      const lines = [
        ...metric(
          'made_open_jobs_queued',
          'gauge',
          'Jobs waiting to run (created or retrying), by priority.',
          byPriority(stats.queued),
        ),
        ...metric(
          'made_open_jobs_active',
          'gauge',
          'Jobs running on any hub instance, by priority.',
          byPriority(stats.active),
        ),
        ...metric(
          'made_open_jobs_dead_letters',
          'gauge',
          'Jobs that failed their last retry and wait in the dead-letter queue.',
          stats.deadLetters,
        ),
      ];
      if (counters) {
        for (const [key, help] of [
          ['started', 'Jobs this instance started'],
          ['completed', 'Jobs this instance completed'],
          ['failed', 'Job attempts that failed on this instance'],
        ] as const)
          lines.push(
            ...metric(`made_open_jobs_${key}_total`, 'counter', `${help}, by priority.`, byPriority(counters[key])),
          );
      }
      return lines.join('\n');
    },
  };
}
