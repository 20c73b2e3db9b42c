import { searchShard, Scratch } from './query.ts';
import { Codes, Shard } from './shard.ts';
import type { SearchDocument, SearchEngine, SearchQuery, SearchRemoval, SearchResult, WriteOutcome } from './types.ts';

/**
 * The embedded engine: a compact in-memory inverted index, one shard per owner
 * (shard.ts), queried by query.ts. A query only ever reads the caller's shard, so owners
 * are isolated by construction. See docs/decisions/0007-search-engine.md for the figures.
 */

export interface EmbeddedEngineOptions {
  /** Extra digit forms for a phone number typed in a query (E.164, national). */
  phoneForms?: (typed: string) => string[];
}

export class EmbeddedSearchEngine implements SearchEngine {
  readonly kind = 'embedded' as const;
  private readonly shards = new Map<string, Shard>();
  private readonly typeCodes = new Codes();
  private readonly sourceCodes = new Codes();
  /** Query working space, sized to the largest shard searched (one query runs at a time). */
  private readonly scratch = new Scratch();

  constructor(private readonly options: EmbeddedEngineOptions = {}) {}

  async init() {}

  private shard(ownerId: string): Shard {
    let shard = this.shards.get(ownerId);
    if (!shard) {
      shard = new Shard(this.typeCodes, this.sourceCodes);
      this.shards.set(ownerId, shard);
    }
    return shard;
  }

  /** Synchronous core of upsert (the benchmark and rebuild call it in batches). */
  upsertSync(documents: readonly SearchDocument[]): WriteOutcome {
    let applied = 0;
    let stale = 0;
    for (const doc of documents) {
      const shard = this.shard(doc.ownerId);
      const known = shard.versions.get(doc.id);
      if (known !== undefined && known >= doc.version) {
        stale++;
        continue;
      }
      shard.versions.set(doc.id, doc.version);
      shard.drop(doc.id);
      shard.add(doc);
      applied++;
    }
    for (const shard of this.shards.values()) shard.maybeCompact();
    return { applied, stale };
  }

  async upsert(documents: readonly SearchDocument[]) {
    return this.upsertSync(documents);
  }

  async remove(removals: readonly SearchRemoval[]) {
    let applied = 0;
    let stale = 0;
    const touched = new Set<Shard>();
    for (const r of removals) {
      const shard = this.shard(r.ownerId);
      const known = shard.versions.get(r.id);
      if (known !== undefined && known > r.version) {
        stale++;
        continue;
      }
      shard.versions.set(r.id, r.version);
      if (shard.drop(r.id)) applied++;
      touched.add(shard);
    }
    for (const shard of touched) shard.maybeCompact();
    return { applied, stale };
  }

  searchSync(query: SearchQuery): SearchResult {
    const started = performance.now();
    const shard = this.shards.get(query.ownerId);
    if (!shard) return { hits: [], facets: {}, estimatedTotal: 0, processingTimeMs: 0 };
    const { hits, facets, total } = searchShard(shard, this.scratch, query, {
      typeFilter: allowed(query.types, this.typeCodes, 0),
      sourceFilter: allowed(query.filters?.sources, this.sourceCodes, 1),
      typeCodes: this.typeCodes,
      sourceCodes: this.sourceCodes,
      phoneForms: this.options.phoneForms,
    });
    return { hits, facets, estimatedTotal: total, processingTimeMs: Math.round(performance.now() - started) };
  }

  async search(query: SearchQuery) {
    return this.searchSync(query);
  }

  async versions(ownerId: string) {
    const shard = this.shards.get(ownerId);
    const out = new Map<string, number>();
    if (!shard) return out;
    for (const id of shard.byId.keys()) out.set(id, shard.versions.get(id)!);
    return out;
  }

  async owners() {
    return [...this.shards].filter(([, s]) => s.live > 0).map(([owner]) => owner);
  }

  async clear(ownerId?: string) {
    if (ownerId === undefined) this.shards.clear();
    else this.shards.delete(ownerId);
  }

  async count() {
    let n = 0;
    for (const shard of this.shards.values()) n += shard.live;
    return n;
  }

  /** Figures for /metrics. */
  stats() {
    let documents = 0;
    let terms = 0;
    let postingBytes = 0;
    for (const shard of this.shards.values()) {
      documents += shard.live;
      terms += shard.dictionary.size;
      postingBytes += shard.postingBytes();
    }
    return { owners: this.shards.size, documents, terms, postingBytes };
  }

  async close() {
    this.shards.clear();
  }
}

/** A lookup table of the allowed codes (index = code + offset), or null without a filter. */
function allowed(names: string[] | undefined, table: Codes, offset: number): Uint8Array | null {
  if (!names || names.length === 0) return null;
  const out = new Uint8Array(table.names.length + offset);
  for (const name of names) {
    const c = table.find(name);
    if (c !== undefined) out[c + offset] = 1;
  }
  return out;
}
