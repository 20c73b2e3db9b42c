import type { Database } from '../../platform/db/index.ts';
import type { Logger } from '../../platform/logger.ts';
import type { HubModule } from '../../platform/module.ts';
import type { EventsModule } from '../events/index.ts';
import type { GraphService } from '../graph/index.ts';
import { createMatcher, matchedEventTypes, type Matcher, type MatcherDeps } from './identity.matcher.ts';
import { identityRoutes } from './identity.routes.ts';
import { createIdentityService, type IdentityService } from './identity.service.ts';

export { bestMatches, blockingKeys, scorePair, SUGGEST_THRESHOLD, type PersonProfile } from './identity.scoring.ts';

export interface IdentityModuleDeps {
  db: Database;
  logger: Logger;
  events: Pick<EventsModule, 'subscribe'>;
  graph: Pick<GraphService, 'mergePersons' | 'undoMerge'>;
  /** Account settings' default region, for display numbers written nationally. */
  defaultRegionOf?: MatcherDeps['defaultRegionOf'];
}

export interface IdentityModule extends HubModule {
  service: IdentityService;
  matcher: Matcher;
}

export const identityMigrations = {
  module: 'identity',
  dir: new URL('./migrations', import.meta.url).pathname,
};

export const IDENTITY_CONSUMER = 'identity-matcher';

/**
 * Identity resolution (issue 17): a consumer of the graph events keeps suggested
 * duplicates up to date; the review queue and merge undo live under /api/v1/persons.
 */
export function createIdentityModule(deps: IdentityModuleDeps): IdentityModule {
  const matcher = createMatcher({ db: deps.db, logger: deps.logger, defaultRegionOf: deps.defaultRegionOf });
  const service = createIdentityService({ db: deps.db, graph: deps.graph, defaultRegionOf: deps.defaultRegionOf });
  // Not transactional: the handler is idempotent (keys replaced, suggestions upserted), and
  // batches without persons (most of an SMS import) then cost nothing.
  deps.events.subscribe({
    name: IDENTITY_CONSUMER,
    types: matchedEventTypes,
    transactional: false,
    handleBatch: (events) => matcher.handleBatch(events),
  });
  let backfill: Promise<unknown> = Promise.resolve();
  return {
    name: 'identity',
    service,
    matcher,
    routes: identityRoutes(service),
    async start() {
      // Persons made before this module get their keys once, in the background.
      backfill = matcher.backfill().catch((error) => deps.logger.error({ err: error }, 'identity backfill failed'));
    },
    async stop() {
      await backfill;
    },
  };
}
