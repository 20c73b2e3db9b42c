import { MeiliSearch, type Index } from 'meilisearch';
import { generateTenantToken } from 'meilisearch/token';
import { OperatorError } from '../../../platform/errors.ts';
import { escapeHtml, plainSnippet } from './text.ts';
import type { SearchDocument, SearchEngine, SearchQuery, SearchRemoval, SearchResult, WriteOutcome } from './types.ts';

/**
 * Meilisearch through the official client. One index holds every owner's documents; every
 * query carries `ownerId = "<caller>"` (built here, never from user input), and a browser
 * would only ever get a tenant token whose search rules pin the same filter.
 *
 * Versioning: a deletion is stored as a tombstone document (`deleted: true`, its version),
 * so a stale write arriving after it is recognised and dropped; every query filters
 * `deleted = false`.
 */

interface MeiliDocument {
  id: string;
  ownerId: string;
  type: string;
  title: string;
  body: string;
  keywords: string[];
  source: string | null;
  occurredAt: number | null;
  version: number;
  deleted: boolean;
}

export const meiliIndexSettings = {
  searchableAttributes: ['title', 'keywords', 'body'],
  // id: the version check fetches documents by `id IN [...]`.
  filterableAttributes: ['id', 'ownerId', 'type', 'source', 'occurredAt', 'deleted'],
  sortableAttributes: ['occurredAt'],
  displayedAttributes: ['id', 'ownerId', 'type', 'title', 'body', 'version'],
  rankingRules: ['words', 'typo', 'proximity', 'attribute', 'sort', 'exactness'],
  typoTolerance: { enabled: true, minWordSizeForTypos: { oneTypo: 4, twoTypos: 8 } },
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const NAME = /^[a-z][a-z0-9_.-]{0,63}$/;
const PRE = '\u0001';
const POST = '\u0002';

function ownerFilter(ownerId: string) {
  // The owner comes from a verified token; still, nothing but a uuid reaches a filter.
  if (!UUID.test(ownerId)) throw new Error('ownerId must be a uuid');
  return `ownerId = "${ownerId}"`;
}

const quoted = (values: readonly string[]) =>
  `[${values
    .filter((v) => NAME.test(v))
    .map((v) => `"${v}"`)
    .join(', ')}]`;

export interface MeiliEngineOptions {
  url: string;
  apiKey?: string;
  indexUid?: string;
  /** Documents per write request. */
  batchSize?: number;
  /** How long to wait for an indexing task. */
  taskTimeoutMs?: number;
}

export class MeiliSearchEngine implements SearchEngine {
  readonly kind = 'meilisearch' as const;
  readonly client: MeiliSearch;
  readonly indexUid: string;
  private readonly index: Index<MeiliDocument>;
  private readonly batchSize: number;
  private readonly wait: { timeout: number; interval: number };

  constructor(options: MeiliEngineOptions) {
    this.client = new MeiliSearch({ host: options.url, apiKey: options.apiKey });
    this.indexUid = options.indexUid ?? 'made_open_entities';
    this.index = this.client.index<MeiliDocument>(this.indexUid);
    this.batchSize = options.batchSize ?? 1000;
    this.wait = { timeout: options.taskTimeoutMs ?? 30_000, interval: 50 };
  }

  private async call<T>(what: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      throw new OperatorError(`Meilisearch ${what} failed: ${message}`);
    }
  }

  async init() {
    await this.call('index creation', async () => {
      const exists = await this.index.getRawInfo().then(
        () => true,
        () => false,
      );
      if (!exists) await this.client.createIndex(this.indexUid, { primaryKey: 'id' }).waitTask(this.wait);
      const task = await this.index.updateSettings(meiliIndexSettings).waitTask(this.wait);
      if (task.status !== 'succeeded')
        throw new Error(`settings task ${task.uid} ${task.status}: ${task.error?.message ?? ''}`);
    });
  }

  /** Versions the index holds (tombstones included) for these ids. */
  private async knownVersions(ids: readonly string[]): Promise<Map<string, number>> {
    const known = new Map<string, number>();
    for (let i = 0; i < ids.length; i += this.batchSize) {
      const chunk = ids.slice(i, i + this.batchSize).filter((id) => UUID.test(id));
      if (chunk.length === 0) continue;
      const page = await this.index.getDocuments({
        filter: `id IN [${chunk.map((id) => `"${id}"`).join(', ')}]`,
        fields: ['id', 'version'],
        limit: chunk.length,
      });
      for (const doc of page.results) known.set(String(doc.id), Number(doc.version));
    }
    return known;
  }

  private async write(documents: MeiliDocument[]) {
    for (let i = 0; i < documents.length; i += this.batchSize) {
      const task = await this.index
        .addDocuments(documents.slice(i, i + this.batchSize), { primaryKey: 'id' })
        .waitTask(this.wait);
      if (task.status !== 'succeeded')
        throw new Error(`document task ${task.uid} ${task.status}: ${task.error?.message ?? ''}`);
    }
  }

  async upsert(documents: readonly SearchDocument[]): Promise<WriteOutcome> {
    return this.call('indexing', async () => {
      const latest = new Map<string, SearchDocument>();
      for (const d of documents) if ((latest.get(d.id)?.version ?? 0) < d.version) latest.set(d.id, d);
      const known = await this.knownVersions([...latest.keys()]);
      const fresh = [...latest.values()].filter((d) => (known.get(d.id) ?? 0) < d.version);
      await this.write(fresh.map((d) => ({ ...d, keywords: [...d.keywords], deleted: false })));
      return { applied: fresh.length, stale: documents.length - fresh.length };
    });
  }

  async remove(removals: readonly SearchRemoval[]): Promise<WriteOutcome> {
    return this.call('deletion', async () => {
      const known = await this.knownVersions(removals.map((r) => r.id));
      const fresh = removals.filter((r) => (known.get(r.id) ?? 0) <= r.version);
      await this.write(
        fresh.map((r) => ({
          id: r.id,
          ownerId: r.ownerId,
          type: 'deleted',
          title: '',
          body: '',
          keywords: [],
          source: null,
          occurredAt: null,
          version: r.version,
          deleted: true,
        })),
      );
      return { applied: fresh.length, stale: removals.length - fresh.length };
    });
  }

  /** The filter every query of this owner carries (also the tenant token's search rule). */
  static baseFilter(ownerId: string) {
    return [ownerFilter(ownerId), 'deleted = false'];
  }

  async search(query: SearchQuery): Promise<SearchResult> {
    const filter = MeiliSearchEngine.baseFilter(query.ownerId);
    if (query.types?.length) filter.push(`type IN ${quoted(query.types)}`);
    if (query.filters?.sources?.length) filter.push(`source IN ${quoted(query.filters.sources)}`);
    if (query.filters?.occurredAfter !== undefined)
      filter.push(`occurredAt >= ${Math.floor(query.filters.occurredAfter)}`);
    if (query.filters?.occurredBefore !== undefined)
      filter.push(`occurredAt <= ${Math.floor(query.filters.occurredBefore)}`);
    const response = await this.call('search', () =>
      this.index.search(query.q, {
        filter,
        facets: query.facets?.length ? [...query.facets] : undefined,
        limit: query.limit,
        offset: query.offset,
        attributesToHighlight: ['title', 'body'],
        attributesToCrop: ['body'],
        cropLength: 30,
        highlightPreTag: PRE,
        highlightPostTag: POST,
        showRankingScore: true,
      }),
    );
    const marked = (text: string) => escapeHtml(text).replaceAll(PRE, '<mark>').replaceAll(POST, '</mark>');
    return {
      hits: response.hits
        .filter((hit) => hit.ownerId === query.ownerId)
        .map((hit) => {
          const formatted = (hit._formatted ?? {}) as Partial<Record<'title' | 'body', string>>;
          const body = formatted.body ?? '';
          const snippet = body.includes(PRE)
            ? marked(body)
            : formatted.title?.includes(PRE)
              ? marked(formatted.title)
              : plainSnippet(hit.body || hit.title);
          return {
            id: String(hit.id),
            type: hit.type,
            title: hit.title,
            snippet,
            ...(typeof hit._rankingScore === 'number' ? { score: Math.round(hit._rankingScore * 1000) / 1000 } : {}),
          };
        }),
      facets: (response.facetDistribution ?? {}) as SearchResult['facets'],
      estimatedTotal: response.estimatedTotalHits ?? response.hits.length,
      processingTimeMs: response.processingTimeMs,
    };
  }

  async versions(ownerId: string) {
    return this.call('document listing', async () => {
      const out = new Map<string, number>();
      for (let offset = 0; ; offset += this.batchSize) {
        const page = await this.index.getDocuments({
          filter: MeiliSearchEngine.baseFilter(ownerId),
          fields: ['id', 'version'],
          limit: this.batchSize,
          offset,
        });
        for (const doc of page.results) out.set(String(doc.id), Number(doc.version));
        if (page.results.length < this.batchSize) return out;
      }
    });
  }

  async owners() {
    return this.call('facet query', async () => {
      const response = await this.index.search('', { filter: ['deleted = false'], facets: ['ownerId'], limit: 0 });
      return Object.keys(response.facetDistribution?.ownerId ?? {});
    });
  }

  async clear(ownerId?: string) {
    await this.call('deletion', async () => {
      const task =
        ownerId === undefined
          ? await this.index.deleteAllDocuments().waitTask(this.wait)
          : await this.index.deleteDocuments({ filter: ownerFilter(ownerId) }).waitTask(this.wait);
      if (task.status !== 'succeeded') throw new Error(`deletion task ${task.uid} ${task.status}`);
    });
  }

  async count() {
    return this.call('count', async () => {
      const response = await this.index.search('', { filter: ['deleted = false'], limit: 0 });
      return response.estimatedTotalHits ?? 0;
    });
  }

  /** Reachability for /health. */
  async healthy() {
    try {
      await this.client.health();
      return true;
    } catch {
      return false;
    }
  }

  /**
   * A token a browser could search this index with directly: Meilisearch enforces the
   * embedded filter (this owner's live documents) on every query it makes.
   */
  async tenantToken(ownerId: string, apiKey: string, apiKeyUid: string, expiresAt: Date) {
    return generateTenantToken({
      apiKey,
      apiKeyUid,
      searchRules: { [this.indexUid]: { filter: MeiliSearchEngine.baseFilter(ownerId).join(' AND ') } },
      expiresAt,
    });
  }

  async close() {}
}
