import type { Database } from '../../platform/db/index.ts';
import type { HubModule } from '../../platform/module.ts';
import type { ConnectorsModule } from '../connectors/index.ts';
import type { GraphModule } from '../graph/index.ts';
import { calendarRoutes } from './calendar.routes.ts';
import { createCalendarService, type CalendarService } from './calendar.service.ts';

export type { CalendarService } from './calendar.service.ts';

export const calendarMigrations = {
  module: 'calendar',
  dir: new URL('./migrations', import.meta.url).pathname,
};

export interface CalendarModuleDeps {
  db: Database;
  graph: Pick<GraphModule, 'service' | 'ingest'>;
  connectors: Pick<ConnectorsModule, 'service' | 'registry' | 'conflicts'>;
}

export interface CalendarModule extends HubModule {
  service: CalendarService;
}

/**
 * The calendar (issue 13 §5, §7): windows of calendar_event entities with the hub's own
 * series expanded (rrule), and writes: hub events through graph ingest, a connected
 * account's through its connector's calendar capability, with write conflicts recorded.
 * See README.md.
 */
export function createCalendarModule(deps: CalendarModuleDeps): CalendarModule {
  const service = createCalendarService({
    db: deps.db,
    ingest: deps.graph.ingest,
    graph: deps.graph.service,
    connectors: deps.connectors.service,
    registry: deps.connectors.registry,
    conflicts: deps.connectors.conflicts,
  });
  return { name: 'calendar', service, routes: calendarRoutes(service) };
}
