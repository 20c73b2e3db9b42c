import { z } from 'zod';
import type { Database } from '../../platform/db/index.ts';
import type { Logger } from '../../platform/logger.ts';
import type { HubModule } from '../../platform/module.ts';
import type { EventOutbox } from '../events/index.ts';
import type { GraphModule } from '../graph/index.ts';
import { defineJob, type JobsModule } from '../jobs/index.ts';
import { createReminderEngine } from './timeline.reminders.ts';
import { timelineRepository } from './timeline.repository.ts';
import { timelineRoutes } from './timeline.routes.ts';
import { createTimelineService, type TimelineService } from './timeline.service.ts';

export type { TimelineService } from './timeline.service.ts';

export const timelineMigrations = {
  module: 'timeline',
  dir: new URL('./migrations', import.meta.url).pathname,
};

export interface TimelineModuleDeps {
  db: Database;
  logger: Logger;
  outbox: Pick<EventOutbox, 'append'>;
  graph: Pick<GraphModule, 'service' | 'ingest'>;
  jobs: Pick<JobsModule, 'register'>;
  /** Tests: a fixed clock. */
  now?: () => Date;
}

export interface TimelineModule extends HubModule {
  service: TimelineService;
  /** Brings every owner's stay-in-touch reminders up to date (what the hourly job runs). */
  refreshAllReminders(): Promise<number>;
}

/**
 * Person timelines, Today and stay-in-touch reminders (issue 17 §3-4), read from the
 * graph's tables; reminders are `task` entities written through graph ingest. See README.md.
 */
export function createTimelineModule(deps: TimelineModuleDeps): TimelineModule {
  const now = deps.now ?? (() => new Date());
  const refreshReminders = createReminderEngine({
    repository: timelineRepository,
    ingest: deps.graph.ingest,
    graph: deps.graph.service,
    outbox: deps.outbox,
  });
  const service = createTimelineService({
    db: deps.db,
    repository: timelineRepository,
    graph: deps.graph.service,
    refreshReminders,
    now,
  });

  async function refreshAllReminders(): Promise<number> {
    // The system lists the owners (a read across owners, nothing else); each owner's
    // reminders are then made in their own transaction, under their RLS.
    const owners = await deps.db.asSystem((tx) => timelineRepository.ownersWithStayInTouch(tx));
    let made = 0;
    for (const ownerId of owners) {
      const claims = { role: 'authenticated' as const, sub: ownerId };
      const outcome = await deps.db.asUser(claims, (tx) => refreshReminders(tx, { ownerId, claims }, now()));
      made += outcome.created.length;
    }
    return made;
  }

  deps.jobs.register(
    defineJob({
      name: 'timeline.reminders',
      priority: 'background',
      payload: z.object({}),
      retry: { limit: 2, backoff: { type: 'exponential', delaySeconds: 60 } },
      cron: { expression: '7 * * * *', payload: {} },
      handler: async (_payload, context) => {
        const made = await refreshAllReminders();
        if (made > 0) context.logger.info({ made }, 'stay-in-touch reminders made');
      },
    }),
  );

  return { name: 'timeline', service, refreshAllReminders, routes: timelineRoutes(service) };
}
