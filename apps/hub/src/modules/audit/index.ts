import type { Database } from '../../platform/db/index.ts';
import type { Logger } from '../../platform/logger.ts';
import type { HubModule } from '../../platform/module.ts';
import type { EventsModule } from '../events/index.ts';
import { auditRoutes } from './audit.routes.ts';
import { createAuditService } from './audit.service.ts';

export const auditMigrations = {
  module: 'audit',
  dir: new URL('./migrations', import.meta.url).pathname,
};

export interface AuditModuleDeps {
  db: Database;
  logger: Logger;
  events: Pick<EventsModule, 'subscribe'>;
}

/**
 * The audit trail: a durable consumer of the audit-log stream writes every audited event
 * into the append-only made_open.audit_log, once per event id; GET /api/v1/audit reads the
 * caller's own trail.
 */
export function createAuditModule(deps: AuditModuleDeps): HubModule {
  const service = createAuditService({ db: deps.db });
  deps.events.subscribe({
    name: 'audit',
    source: 'audit',
    handler: async (event, tx) => service.record(tx!, event),
  });
  return { name: 'audit', routes: auditRoutes(service) };
}
