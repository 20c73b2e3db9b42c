import type { Config } from '../../platform/config.ts';
import type { Database } from '../../platform/db/index.ts';
import type { Logger } from '../../platform/logger.ts';
import { metric } from '../../platform/metrics.ts';
import type { DependencyHealth, HubModule } from '../../platform/module.ts';
import type { EventsModule } from '../events/index.ts';
import { graphExport } from '../graph/index.ts';
import { EmbeddedSearchEngine } from './engine/embedded.ts';
import { MeiliSearchEngine } from './engine/meilisearch.ts';
import { phoneQueryForms } from './engine/phone.ts';
import type { SearchEngine } from './engine/types.ts';
import { createSearchIndexer, indexedEventTypes, type SearchIndexer } from './search.indexer.ts';
import { searchRoutes } from './search.routes.ts';
import { createSearchService, type SearchService } from './search.service.ts';

export type { SearchEngine } from './engine/types.ts';
export { toSearchDocument } from './search.documents.ts';

/** The durable consumer's name (its cursor survives restarts). */
export const SEARCH_CONSUMER = 'search-indexer';

export interface SearchModuleDeps {
  config: Pick<Config, 'meili'>;
  db: Database;
  logger: Logger;
  events: Pick<EventsModule, 'subscribe' | 'consumers' | 'transport'>;
  /** Tests and tools: use this engine instead of the configured one. */
  engine?: SearchEngine;
}

export interface SearchModule extends HubModule {
  engine: SearchEngine;
  indexer: SearchIndexer;
  service: SearchService;
  /** Resolves when the start-up rebuild of the embedded index has finished. */
  ready(): Promise<void>;
}

/** Meilisearch when MEILI_URL is set, otherwise the embedded in-memory index. */
export function createSearchEngine(config: Pick<Config, 'meili'>): SearchEngine {
  return config.meili
    ? new MeiliSearchEngine({ url: config.meili.url, apiKey: config.meili.masterKey })
    : new EmbeddedSearchEngine({ phoneForms: phoneQueryForms });
}

/**
 * Search (DESIGN §1): GET /api/v1/search and /api/v1/search/people over an index kept in
 * step with the graph by a durable consumer of the graph events. The embedded index lives
 * in memory and is rebuilt from the graph at start; Meilisearch keeps its own.
 */
export function createSearchModule(deps: SearchModuleDeps): SearchModule {
  const { db, logger, events } = deps;
  const engine = deps.engine ?? createSearchEngine(deps.config);
  const indexer = createSearchIndexer({ db, engine, graph: graphExport, logger });
  const service = createSearchService({ engine });
  let ready: Promise<void> = Promise.resolve();

  events.subscribe({ name: SEARCH_CONSUMER, types: indexedEventTypes, handler: indexer.handle });

  async function pendingEvents(): Promise<number> {
    const runner = events.consumers().find((r) => r.spec.name === SEARCH_CONSUMER);
    if (!runner) return -1;
    try {
      return await events.transport.lag(runner.spec);
    } catch {
      return -1;
    }
  }

  return {
    name: 'search',
    engine,
    indexer,
    service,
    ready: () => ready,
    routes: searchRoutes(service),

    async start() {
      await engine.init();
      if (engine.kind !== 'embedded') return;
      let logged = 0;
      ready = indexer
        .rebuild({
          onProgress: ({ done, total }) => {
            const percent = total ? Math.floor((done / total) * 100) : 100;
            if (percent >= logged + 10 || done === total) {
              logged = percent;
              logger.info({ done, total, percent }, 'rebuilding the search index from the graph');
            }
          },
        })
        .then(
          () => undefined,
          (error: unknown) =>
            logger.error(
              { err: error },
              'search index rebuild failed; search results are incomplete until the next start',
            ),
        );
    },

    async stop() {
      await ready;
      await engine.close();
    },

    async health() {
      const pending = await pendingEvents();
      const { rebuilding, lastDelayMs } = indexer.stats;
      let status: DependencyHealth['status'] = 'ok';
      let documents: number | null = null;
      if (engine instanceof MeiliSearchEngine && !(await engine.healthy())) status = 'down';
      else {
        documents = await engine.count();
        if (rebuilding || pending > 1000) status = 'degraded';
      }
      return {
        search: {
          status,
          details: {
            engine: engine.kind,
            documents,
            pendingEvents: pending,
            lastIndexDelayMs: lastDelayMs,
            ...(rebuilding ? { rebuilding: `${rebuilding.done}/${rebuilding.total}` } : {}),
          },
        },
      };
    },

    async metrics() {
      const pending = await pendingEvents();
      const s = indexer.stats;
      const documents = await engine.count().catch(() => -1);
      const lines = [
        ...metric('made_open_search_documents', 'gauge', 'Documents in the search index.', [
          [{ engine: engine.kind }, documents],
        ]),
        ...metric(
          'made_open_search_index_pending_events',
          'gauge',
          'Graph events the search indexer has not applied yet (index lag).',
          pending,
        ),
        ...metric(
          'made_open_search_index_delay_seconds',
          'gauge',
          'Time from the last applied event to its application (index lag).',
          s.lastDelayMs === null ? 0 : s.lastDelayMs / 1000,
        ),
        ...metric('made_open_search_index_writes_total', 'counter', 'Index writes applied.', s.applied),
        ...metric(
          'made_open_search_index_stale_total',
          'counter',
          'Index writes ignored because the index held a newer version.',
          s.stale,
        ),
        ...metric(
          'made_open_search_rebuilding',
          'gauge',
          '1 while the index is being rebuilt from the graph.',
          s.rebuilding ? 1 : 0,
        ),
      ];
      if (engine instanceof EmbeddedSearchEngine)
        lines.push(
          ...metric(
            'made_open_search_embedded_postings_bytes',
            'gauge',
            'Bytes held by the embedded index postings.',
            engine.stats().postingBytes,
          ),
        );
      return lines.join('\n');
    },
  };
}
