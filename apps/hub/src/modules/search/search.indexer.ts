import type { EventEnvelope } from '@made-open/shared';
import { entityCreated, entityDeleted, entityUpdated, personsMerged } from '@made-open/shared/graph-events';
import type { Database, Sql } from '../../platform/db/index.ts';
import type { Logger } from '../../platform/logger.ts';
import type { GraphExport, GraphExportCursor, GraphExportRow } from '../graph/index.ts';
import type { SearchDocument, SearchEngine, SearchRemoval } from './engine/types.ts';
import { MAX_BODY, toSearchDocument } from './search.documents.ts';

/** The graph events the indexer consumes. */
export const indexedEventTypes = [
  entityCreated.type,
  entityUpdated.type,
  entityDeleted.type,
  personsMerged.type,
] as const;

export interface RebuildProgress {
  done: number;
  total: number;
}

export interface CheckReport {
  owners: number;
  graphDocuments: number;
  indexDocuments: number;
  /** Live in the graph, absent from the index. */
  missing: Array<{ ownerId: string; id: string }>;
  /** In the index with an older version than the graph's. */
  stale: Array<{ ownerId: string; id: string; indexed: number; current: number }>;
  /** In the index but deleted (or never present) in the graph. */
  extra: Array<{ ownerId: string; id: string }>;
}

export interface IndexerStats {
  applied: number;
  stale: number;
  /** Event time → applied, for the last event (ms). */
  lastDelayMs: number | null;
  lastEventAt: string | null;
  rebuilding: RebuildProgress | null;
  lastRebuild: { documents: number; seconds: number; at: string } | null;
}

const PAGE = 2000;

/**
 * Keeps the index in step with the graph: applies graph events (idempotent, and ordered per
 * entity by version: the engine ignores a write older than what it holds, deletions
 * included), rebuilds from the graph, and checks the index against it. The index is a read
 * model of the graph: it reads the graph only through the graph module's system-wide
 * export (as the system, read only), never its tables.
 */
export function createSearchIndexer(deps: { db: Database; engine: SearchEngine; graph: GraphExport; logger: Logger }) {
  const { db, engine, graph, logger } = deps;
  const stats: IndexerStats = {
    applied: 0,
    stale: 0,
    lastDelayMs: null,
    lastEventAt: null,
    rebuilding: null,
    lastRebuild: null,
  };

  function note(outcome: { applied: number; stale: number }, event: EventEnvelope) {
    stats.applied += outcome.applied;
    stats.stale += outcome.stale;
    stats.lastEventAt = event.time;
    stats.lastDelayMs = Math.max(0, Date.now() - Date.parse(event.time));
  }

  async function personIdentifiers(tx: Sql | undefined, ownerId: string, entityId: string) {
    return tx
      ? graph.identifiersOf(tx, ownerId, entityId)
      : db.asSystem((t) => graph.identifiersOf(t, ownerId, entityId));
  }

  /** The event handler given to the events module's durable consumer. */
  async function handle(event: EventEnvelope, tx: Sql | undefined) {
    const owner = event.ownerId;
    switch (event.type) {
      case entityCreated.type:
      case entityUpdated.type: {
        const data = (event.type === entityCreated.type ? entityCreated : entityUpdated).data.parse(event.data);
        const entity = data.entity;
        if (entity.deletedAt) {
          note(await engine.remove([{ ownerId: owner, id: entity.id, version: entity.version }]), event);
          return;
        }
        const identifiers =
          entity.type !== 'person' ? [] : (data.identifiers ?? (await personIdentifiers(tx, owner, entity.id)));
        note(await engine.upsert([toSearchDocument(owner, entity, identifiers)]), event);
        return;
      }
      case entityDeleted.type: {
        const { entity } = entityDeleted.data.parse(event.data);
        note(await engine.remove([{ ownerId: owner, id: entity.id, version: entity.version }]), event);
        return;
      }
      case personsMerged.type: {
        const { survivor, merged } = personsMerged.data.parse(event.data);
        const removed = await engine.remove([{ ownerId: owner, id: merged.id, version: merged.version }]);
        const identifiers = await personIdentifiers(tx, owner, survivor.id);
        const upserted = await engine.upsert([toSearchDocument(owner, survivor, identifiers)]);
        note({ applied: removed.applied + upserted.applied, stale: removed.stale + upserted.stale }, event);
        return;
      }
      default:
        return;
    }
  }

  /**
   * Fills the index from the graph, page by page (deleted entities become tombstones, so a
   * late stale event cannot resurrect them). `clear` first drops what the index holds.
   */
  async function rebuild(options: { clear?: boolean; onProgress?: (p: RebuildProgress) => void } = {}) {
    const started = performance.now();
    if (options.clear) await engine.clear();
    const { all } = await db.asSystem((tx) => graph.count(tx));
    const progress: RebuildProgress = { done: 0, total: all };
    stats.rebuilding = progress;
    let documents = 0;
    try {
      let cursor: GraphExportCursor | null = null;
      for (;;) {
        const after: GraphExportCursor | null = cursor;
        const rows: GraphExportRow[] = await db.asSystem((tx) => graph.page(tx, after, PAGE, MAX_BODY));
        if (rows.length === 0) break;
        const docs: SearchDocument[] = [];
        const removals: SearchRemoval[] = [];
        for (const row of rows) {
          if (row.deletedAt) removals.push({ ownerId: row.ownerId, id: row.id, version: row.version });
          else docs.push(toSearchDocument(row.ownerId, row, row.identifiers));
        }
        if (docs.length) documents += (await engine.upsert(docs)).applied;
        if (removals.length) await engine.remove(removals);
        progress.done += rows.length;
        progress.total = Math.max(progress.total, progress.done);
        options.onProgress?.({ ...progress });
        const last: GraphExportRow = rows[rows.length - 1]!;
        cursor = { ownerId: last.ownerId, id: last.id };
        // let requests and events through between pages
        await new Promise((resolve) => setImmediate(resolve));
      }
    } finally {
      stats.rebuilding = null;
    }
    const seconds = (performance.now() - started) / 1000;
    stats.lastRebuild = { documents, seconds: Math.round(seconds * 10) / 10, at: new Date().toISOString() };
    logger.info({ documents, seconds: stats.lastRebuild.seconds }, 'search index rebuilt from the graph');
    return { documents, seconds };
  }

  /** Compares the index with the graph: documents missing, stale, or left over. */
  async function check(): Promise<CheckReport> {
    const owners = new Set([...(await db.asSystem((tx) => graph.owners(tx))), ...(await engine.owners())]);
    const report: CheckReport = {
      owners: owners.size,
      graphDocuments: 0,
      indexDocuments: 0,
      missing: [],
      stale: [],
      extra: [],
    };
    for (const ownerId of owners) {
      const live = await db.asSystem((tx) => graph.liveVersions(tx, ownerId));
      const index = await engine.versions(ownerId);
      report.graphDocuments += live.size;
      report.indexDocuments += index.size;
      for (const [id, version] of live) {
        const indexed = index.get(id);
        if (indexed === undefined) report.missing.push({ ownerId, id });
        else if (indexed < version) report.stale.push({ ownerId, id, indexed, current: version });
      }
      for (const id of index.keys()) if (!live.has(id)) report.extra.push({ ownerId, id });
    }
    return report;
  }

  return { handle, rebuild, check, stats };
}

export type SearchIndexer = ReturnType<typeof createSearchIndexer>;
