/**
 * The contract every search engine implements (embedded in-process index, Meilisearch).
 * Owner isolation is part of the contract: every query names one owner and an engine
 * never returns another owner's document.
 */

/** What the index holds for one graph entity (built from the entity snapshot). */
export interface SearchDocument {
  id: string;
  ownerId: string;
  /** Entity type: person, organization, message, call, event, note, file, place, task. */
  type: string;
  title: string;
  body: string;
  /** Extra searchable words: emails, names, normalised phone digits. */
  keywords: string[];
  source: string | null;
  /** Milliseconds since the epoch, or null. */
  occurredAt: number | null;
  /** The entity version: a write carrying an older version than the index holds is ignored. */
  version: number;
}

/** A deletion (or the losing side of a merge), versioned like a write. */
export interface SearchRemoval {
  ownerId: string;
  id: string;
  version: number;
}

export const facetNames = ['type', 'source'] as const;
export type FacetName = (typeof facetNames)[number];

export interface SearchFilters {
  sources?: string[];
  /** Inclusive bounds on occurredAt, in ms. */
  occurredAfter?: number;
  occurredBefore?: number;
}

export interface SearchQuery {
  ownerId: string;
  q: string;
  types?: string[];
  filters?: SearchFilters;
  facets?: FacetName[];
  limit: number;
  offset: number;
}

export interface SearchHit {
  id: string;
  type: string;
  title: string;
  /** HTML-escaped text with matches wrapped in <mark>…</mark>. */
  snippet: string;
  score?: number;
}

export interface SearchResult {
  hits: SearchHit[];
  facets: Partial<Record<FacetName, Record<string, number>>>;
  estimatedTotal: number;
  processingTimeMs: number;
}

export interface WriteOutcome {
  /** Documents written or removed. */
  applied: number;
  /** Writes ignored because the index already holds the same or a newer version. */
  stale: number;
}

export interface SearchEngine {
  readonly kind: 'embedded' | 'meilisearch';
  /** Creates and configures the index (idempotent). */
  init(): Promise<void>;
  upsert(documents: readonly SearchDocument[]): Promise<WriteOutcome>;
  remove(removals: readonly SearchRemoval[]): Promise<WriteOutcome>;
  search(query: SearchQuery): Promise<SearchResult>;
  /** id → version of every live document of one owner (for the consistency check). */
  versions(ownerId: string): Promise<Map<string, number>>;
  /** Owners that have documents in the index. */
  owners(): Promise<string[]>;
  /** Drops every document of one owner, or of everyone. */
  clear(ownerId?: string): Promise<void>;
  /** Live documents in the index. */
  count(): Promise<number>;
  close(): Promise<void>;
}
