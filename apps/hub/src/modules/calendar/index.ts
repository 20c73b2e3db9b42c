import { z } from 'zod';
import type { Database } from '../../platform/db/index.ts';
import type { Logger } from '../../platform/logger.ts';
import type { HubModule } from '../../platform/module.ts';
import type { ConnectorsModule } from '../connectors/index.ts';
import type { EventOutbox } from '../events/index.ts';
import type { GraphModule } from '../graph/index.ts';
import { defineJob, type JobsModule } from '../jobs/index.ts';
import { calendarRoutes } from './calendar.routes.ts';
import { createCalendarService, type CalendarService } from './calendar.service.ts';
import { createStartingEmitter, type LeadTime, type StartingEmitter } from './calendar.starting.ts';

export type { CalendarService } from './calendar.service.ts';
export type { LeadTime, StartingEmitter } from './calendar.starting.ts';

export const calendarMigrations = {
  module: 'calendar',
  dir: new URL('./migrations', import.meta.url).pathname,
};

export interface CalendarModuleDeps {
  db: Database;
  graph: Pick<GraphModule, 'service' | 'ingest' | 'removeExternal'>;
  connectors: Pick<ConnectorsModule, 'service' | 'registry' | 'conflicts'>;
  logger: Logger;
  outbox: Pick<EventOutbox, 'append'>;
  jobs: Pick<JobsModule, 'register'>;
  /** calendar.EventStarting: each owner's lead times (minutesBefore) that enabled rules ask for. */
  leadTimes: () => Promise<LeadTime[]>;
}

export interface CalendarModule extends HubModule {
  service: CalendarService;
  /** The every-minute calendar.EventStarting emitter (tests drive `run` with their own clock). */
  starting: StartingEmitter;
}

/**
 * The calendar (issue 13 §5, §7): windows of calendar_event entities with the hub's own
 * series expanded (rrule), and writes: hub events through graph ingest, a connected
 * account's through its connector's calendar capability, with write conflicts recorded;
 * and calendar.EventStarting every minute for the lead times rules ask for. See README.md.
 */
export function createCalendarModule(deps: CalendarModuleDeps): CalendarModule {
  const service = createCalendarService({
    db: deps.db,
    ingest: deps.graph.ingest,
    removeExternal: deps.graph.removeExternal,
    graph: deps.graph.service,
    connectors: deps.connectors.service,
    registry: deps.connectors.registry,
    conflicts: deps.connectors.conflicts,
  });
  const starting = createStartingEmitter({
    db: deps.db,
    outbox: deps.outbox,
    logger: deps.logger,
    leadTimes: deps.leadTimes,
  });
  deps.jobs.register(
    defineJob({
      name: 'calendar.starting',
      priority: 'interactive',
      payload: z.object({}),
      // A failed minute is not retried: the next minute's run covers it (lateGraceMs).
      retry: { limit: 0, backoff: { type: 'fixed', delaySeconds: 0 } },
      expireInSeconds: 120,
      cron: { expression: '* * * * *', payload: {} },
      handler: async (_payload, context) => {
        const now = new Date();
        const done = await starting.run(now);
        if (done.emitted > 0) context.logger.info(done, 'calendar starting-soon events emitted');
        await starting.prune(now);
      },
    }),
  );
  return { name: 'calendar', service, starting, routes: calendarRoutes(service) };
}
