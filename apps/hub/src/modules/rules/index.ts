import type { RateLimiting } from '../../platform/http/rate-limit/index.ts';
import { eventRegistry } from '@made-open/shared/event-registry';
import type { Database } from '../../platform/db/index.ts';
import type { Logger } from '../../platform/logger.ts';
import type { HubModule } from '../../platform/module.ts';
import type { ActionsService } from '../actions/index.ts';
import type { EventsModule } from '../events/index.ts';
import type { JobsModule } from '../jobs/index.ts';
import type { PolicyService } from '../policy/index.ts';
import { createRulesEngine, type RulesEngine } from './rules.engine.ts';
import { rulesRoutes } from './rules.routes.ts';
import { createRulesService, type RulesService } from './rules.service.ts';

export type { RulesEngine } from './rules.engine.ts';
export type { RulesService } from './rules.service.ts';

export const rulesMigrations = {
  module: 'rules',
  dir: new URL('./migrations', import.meta.url).pathname,
};

/** Event types rules never trigger on: every action's audit (policy.*) would make each run trigger more work. */
const ignoredDomains = ['policy.', 'test.'];
export const ruleTriggerTypes = [...new Set(eventRegistry.definitions.map((d) => d.type))].filter(
  (type) => !ignoredDomains.some((domain) => type.startsWith(domain)),
);

export interface RulesModuleDeps {
  db: Database;
  logger: Logger;
  events: Pick<EventsModule, 'subscribe'>;
  jobs: Pick<JobsModule, 'register' | 'enqueue'>;
  actions: Pick<ActionsService, 'invoke' | 'has'>;
  policy: Pick<PolicyService, 'grant' | 'listGrants' | 'invalidate' | 'revoke'>;
  /** Where the webhook's per-IP limit is counted (ADR 0035). */
  rateLimiting: RateLimiting;
  /** Tests and benchmarks: index freshness, first-action hook. */
  engine?: { indexTtlMs?: number; onActionStart?: (runId: string, trigger: { id: string | null }) => void };
}

/** Rules (issue 14): see README.md and ADR 0016. */
export function createRulesModule(deps: RulesModuleDeps): HubModule & { service: RulesService; engine: RulesEngine } {
  const engine = createRulesEngine({
    db: deps.db,
    logger: deps.logger,
    actions: deps.actions,
    jobs: deps.jobs,
    ...deps.engine,
  });
  for (const job of engine.jobs) deps.jobs.register(job);
  // Durable, transactional: a run is recorded exactly once per (event, trigger) with the consumer's mark.
  deps.events.subscribe({
    name: 'rules-engine',
    types: ruleTriggerTypes,
    handler: (event, tx) => engine.considerEvent(tx!, event),
  });
  const service = createRulesService({ db: deps.db, policy: deps.policy, actions: deps.actions, engine });
  return {
    name: 'rules',
    service,
    engine,
    routes: rulesRoutes(service, deps.rateLimiting),
    async stop() {
      engine.stop();
      await engine.drain();
    },
  };
}
