import type { Database } from '../../platform/db/index.ts';
import type { Logger } from '../../platform/logger.ts';
import type { HubModule } from '../../platform/module.ts';
import type { EventOutbox } from '../events/index.ts';
import { policyRepository } from './policy.repository.ts';
import { policyRoutes } from './policy.routes.ts';
import { createPolicyService, type PolicyService } from './policy.service.ts';

export type { PolicyService, DecisionLog, Decision, PrincipalGrants } from './policy.service.ts';
export { declaredFor, grantRefusal, type Declared } from './policy.principals.ts';
export { covers, evaluate } from './policy.rules.ts';

export interface PolicyModuleDeps {
  db: Database;
  logger: Logger;
  outbox: EventOutbox;
}

export interface PolicyModule extends HubModule {
  service: PolicyService;
}

export const policyMigrations = {
  module: 'policy',
  dir: new URL('./migrations', import.meta.url).pathname,
};

/** The Policy Service: grants, decisions (audited as policy.Decision), review and revoke. */
export function createPolicyModule(deps: PolicyModuleDeps): PolicyModule {
  const service = createPolicyService({
    db: deps.db,
    repository: policyRepository,
    outbox: deps.outbox,
    logger: deps.logger,
  });
  return { name: 'policy', service, routes: policyRoutes(service) };
}
