import type { Database } from '../../platform/db/index.ts';
import type { Logger } from '../../platform/logger.ts';
import type { HubModule } from '../../platform/module.ts';
import type { EventOutbox } from '../events/index.ts';
import { createIngest, type Ingest } from './graph.ingest.ts';
import {
  createRemoveExternal,
  createRestoreExternal,
  type RemoveExternal,
  type RestoreExternal,
} from './graph.ingest.remove.ts';
import { graphRepository } from './graph.repository.ts';
import { graphRoutes } from './graph.routes.ts';
import { createGraphService, type GraphService, type GraphServiceDeps } from './graph.service.ts';

export { MergedError, type GraphService } from './graph.service.ts';
export type { MergeFacts, MergeFollower } from './graph.merge.ts';
export { holdPersons } from './graph.hold.ts';
export { isMadePersonKey, MADE_PERSON_KEY } from './graph.made-persons.ts';

export interface GraphModuleDeps {
  db: Database;
  logger: Logger;
  outbox: EventOutbox;
  /** Account settings' default region for phone numbers (auth module). */
  defaultRegionOf?: GraphServiceDeps['defaultRegionOf'];
  /** Modules keeping data keyed by person id in step with merges (composition wires messages). */
  mergeFollowers?: GraphServiceDeps['mergeFollowers'];
}

export interface GraphModule extends HubModule {
  service: GraphService;
  /** The one writer of entities: connectors, storage and the API's create paths use it. */
  ingest: Ingest;
  /** Soft-deletes what a connector's provider deleted (by source + externalId), in the caller's transaction. */
  removeExternal: RemoveExternal;
  /** Revives a deleted entity by source + externalId (a provider's copy the owner chose to keep). */
  restoreExternal: RestoreExternal;
}

export const graphMigrations = {
  module: 'graph',
  dir: new URL('./migrations', import.meta.url).pathname,
};

/**
 * The personal knowledge graph: entities, typed links and person identifiers under
 * /api/v1 (DESIGN §3). Every change writes its data.* event in the same transaction.
 */
export function createGraphModule(deps: GraphModuleDeps): GraphModule {
  const ingest = createIngest(deps.outbox);
  const service = createGraphService({
    db: deps.db,
    repository: graphRepository,
    outbox: deps.outbox,
    ingest,
    defaultRegionOf: deps.defaultRegionOf,
    mergeFollowers: deps.mergeFollowers,
  });
  return {
    name: 'graph',
    service,
    ingest,
    removeExternal: createRemoveExternal(deps.outbox),
    restoreExternal: createRestoreExternal(deps.outbox),
    routes: graphRoutes(service),
  };
}
export {
  createIngest,
  type CompleteIncoming,
  type Ingest,
  type IngestItem,
  type IngestItemResult,
  type IngestPersonRef,
  type IngestRequest,
  type IngestResult,
  type KnownPerson,
} from './graph.ingest.ts';
export {
  createRemoveExternal,
  createRestoreExternal,
  type RemoveExternal,
  type RemoveExternalRequest,
  type RestoreExternal,
  type RestoreExternalRequest,
} from './graph.ingest.remove.ts';
export { createGraphFileEntities, type FileEntities, type FileFacts } from './graph.files.ts';
export { graphExport, type GraphExport, type GraphExportCursor, type GraphExportRow } from './graph.export.ts';
