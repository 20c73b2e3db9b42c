import type { RateLimiting } from '../../platform/http/rate-limit/index.ts';
import type { HubModule } from '../../platform/module.ts';
import { callsRoutes } from './calls.routes.ts';
import { createCallsService, type CallsServiceDeps } from './calls.service.ts';

export type { CallsService } from './calls.service.ts';

export const callsMigrations = {
  module: 'calls',
  dir: new URL('./migrations', import.meta.url).pathname,
};

/** Calls (issue 12 §5-6): voice and video Access Tokens, call history. See README.md. */
export function createCallsModule(
  deps: CallsServiceDeps & { rateLimiting: RateLimiting },
): HubModule & { service: ReturnType<typeof createCallsService> } {
  const service = createCallsService(deps);
  return { name: 'calls', service, routes: callsRoutes(service, deps.rateLimiting) };
}
