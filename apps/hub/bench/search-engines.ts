import { create, insertMultiple, search as oramaSearch, type AnyOrama } from '@orama/orama';
import MiniSearch from 'minisearch';
import pg from 'pg';
import { EmbeddedSearchEngine } from '../src/modules/search/engine/embedded.ts';
import { phoneQueryForms } from '../src/modules/search/engine/phone.ts';
import type { SearchDocument } from '../src/modules/search/engine/types.ts';
import { generateDocument, MAIN_OWNER } from './search-data.ts';
import { needleDocuments } from './search-queries.ts';

/**
 * The engines the search benchmark compares, each built once from the same generated
 * documents. An adapter answers a query with the top 10 ids; `mode` tells PostgreSQL when
 * the last word is a prefix (the other engines work that out themselves).
 */

export type Mode = 'exact' | 'typo' | 'prefix';

export interface Adapter {
  name: string;
  query(q: string, mode: Mode): Promise<string[]> | string[];
  /** Extra facts for the report (index sizes, settings). */
  notes?: Record<string, string | number>;
}

export interface Built {
  adapters: Adapter[];
  docs: number;
  /** Per phase, wall seconds (PostgreSQL: insert, each index). */
  phases: Record<string, number>;
  /** CPU seconds of this process spent indexing (generation excluded), when meaningful. */
  indexCpuSeconds?: number;
  /** Bytes on disk (PostgreSQL), when the index is not in this process's memory. */
  diskBytes?: number;
  close(): Promise<void>;
}

export type Progress = (done: number, total: number) => void;

const cpuSeconds = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

/** size documents for the measured owner, 10% more over 50 other owners, then the needles. */
export function* documents(size: number): Generator<SearchDocument> {
  const total = Math.round(size * 1.1);
  for (let i = 0; i < total; i++) yield generateDocument(i, size);
  yield* needleDocuments();
}

export const documentCount = (size: number) => Math.round(size * 1.1) + needleDocuments().length;

/** Typo tolerance as the embedded engine applies it: one from 4 letters, two from 8. */
const typos = (term: string) => (term.length >= 8 ? 2 : term.length >= 4 ? 1 : 0);

export async function buildEmbedded(size: number, progress: Progress): Promise<Built> {
  const engine = new EmbeddedSearchEngine({ phoneForms: (t) => phoneQueryForms(t) });
  const total = documentCount(size);
  let cpu = 0;
  let count = 0;
  let batch: SearchDocument[] = [];
  const flush = () => {
    const c = cpuSeconds();
    engine.upsertSync(batch);
    cpu += cpuSeconds() - c;
    count += batch.length;
    batch = [];
    progress(count, total);
  };
  const started = performance.now();
  for (const doc of documents(size)) {
    batch.push(doc);
    if (batch.length === 5000) flush();
  }
  flush();
  const search = (q: string) =>
    engine.searchSync({ ownerId: MAIN_OWNER, q, limit: 10, offset: 0, facets: ['type'] }).hits.map((h) => h.id);
  return {
    adapters: [{ name: 'embedded', query: search, notes: { terms: engine.stats().terms } }],
    docs: count,
    phases: { index: (performance.now() - started) / 1000 },
    indexCpuSeconds: cpu,
    close: () => engine.close(),
  };
}

export async function buildMiniSearch(size: number, progress: Progress): Promise<Built> {
  const indexes = new Map<string, MiniSearch>();
  const total = documentCount(size);
  let count = 0;
  let cpu = 0;
  const started = performance.now();
  for (const doc of documents(size)) {
    let index = indexes.get(doc.ownerId);
    if (!index) {
      index = new MiniSearch({ fields: ['title', 'body', 'keywords'], storeFields: ['type'] });
      indexes.set(doc.ownerId, index);
    }
    const c = cpuSeconds();
    index.add({ id: doc.id, title: doc.title, body: doc.body, keywords: doc.keywords.join(' '), type: doc.type });
    cpu += cpuSeconds() - c;
    if (++count % 50_000 === 0) progress(count, total);
  }
  progress(count, total);
  const index = indexes.get(MAIN_OWNER)!;
  // the same rules as the embedded engine: last word as a prefix, typos by word length, all words
  const query = (q: string) =>
    index
      .search(q, {
        prefix: (_term, i, terms) => i === terms.length - 1,
        fuzzy: (term) => typos(term),
        boost: { title: 3, keywords: 2.5 },
        combineWith: 'AND',
      })
      .slice(0, 10)
      .map((r) => String(r.id));
  return {
    adapters: [{ name: 'minisearch', query }],
    docs: count,
    phases: { index: (performance.now() - started) / 1000 },
    indexCpuSeconds: cpu,
    close: async () => indexes.clear(),
  };
}

export async function buildOrama(size: number, progress: Progress): Promise<Built> {
  const schema = { id: 'string', title: 'string', body: 'string', keywords: 'string', type: 'enum' } as const;
  const dbs = new Map<string, AnyOrama>();
  const pending = new Map<string, Array<{ id: string; title: string; body: string; keywords: string; type: string }>>();
  const total = documentCount(size);
  let count = 0;
  let cpu = 0;
  const flush = async (owner: string) => {
    let db = dbs.get(owner);
    if (!db) {
      db = create({ schema });
      dbs.set(owner, db);
    }
    const c = cpuSeconds();
    await insertMultiple(db, pending.get(owner)!, 5000);
    cpu += cpuSeconds() - c;
    pending.set(owner, []);
    progress(count, total);
  };
  const started = performance.now();
  for (const doc of documents(size)) {
    const list = pending.get(doc.ownerId) ?? [];
    list.push({ id: doc.id, title: doc.title, body: doc.body, keywords: doc.keywords.join(' '), type: doc.type });
    pending.set(doc.ownerId, list);
    count++;
    if (list.length === 5000) await flush(doc.ownerId);
  }
  for (const [owner, list] of pending) if (list.length) await flush(owner);
  const db = dbs.get(MAIN_OWNER)!;
  // tolerance 1 (Levenshtein, prefixes included by default); threshold 0 keeps only documents
  // with every word. Without tolerance as well, to show what typo tolerance costs it.
  const query = (tolerance: number) => async (q: string) => {
    const r = await oramaSearch(db, {
      term: q,
      tolerance,
      threshold: 0,
      limit: 10,
      boost: { title: 3, keywords: 2.5 },
      facets: { type: {} },
    });
    return r.hits.map((h) => String(h.document.id));
  };
  return {
    adapters: [
      { name: 'orama', query: query(1) },
      { name: 'orama (no typos)', query: query(0) },
    ],
    docs: count,
    phases: { index: (performance.now() - started) / 1000 },
    indexCpuSeconds: cpu,
    close: async () => dbs.clear(),
  };
}

/**
 * PostgreSQL on the server the graph uses, in a database of its own: a table shaped like
 * the index documents, a GIN full-text index (english title and body, simple keywords) and
 * a GIN trigram index (pg_trgm) over title and keywords, where typos in names matter.
 * Two ways to query it: plain full-text, and full-text OR trigram word similarity.
 */
export async function buildPostgres(size: number, progress: Progress, url: string): Promise<Built> {
  const name = 'made_open_search_bench';
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const dbUrl = new URL(url);
  dbUrl.pathname = `/${name}`;
  const client = new pg.Client({ connectionString: dbUrl.toString() });
  await client.connect();
  await client.query('CREATE EXTENSION IF NOT EXISTS pg_trgm');
  await client.query(`CREATE TABLE docs (
    owner_id uuid NOT NULL, id text NOT NULL, type text NOT NULL, title text NOT NULL, body text NOT NULL, keywords text NOT NULL,
    tsv tsvector GENERATED ALWAYS AS (
      setweight(to_tsvector('english', title), 'A') || setweight(to_tsvector('simple', keywords), 'B') || to_tsvector('english', body)) STORED,
    names text GENERATED ALWAYS AS (lower(title || ' ' || keywords)) STORED,
    PRIMARY KEY (owner_id, id))`);
  const total = documentCount(size);
  const phases: Record<string, number> = {};
  let started = performance.now();
  let count = 0;
  let batch: SearchDocument[] = [];
  const flush = async () => {
    await client.query(
      `INSERT INTO docs (owner_id, id, type, title, body, keywords)
       SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[])`,
      [
        batch.map((d) => d.ownerId),
        batch.map((d) => d.id),
        batch.map((d) => d.type),
        batch.map((d) => d.title),
        batch.map((d) => d.body),
        batch.map((d) => d.keywords.join(' ')),
      ],
    );
    count += batch.length;
    batch = [];
    if (count % 50_000 < 5000) progress(count, total);
  };
  for (const doc of documents(size)) {
    batch.push(doc);
    if (batch.length === 5000) await flush();
  }
  await flush();
  phases.insert = (performance.now() - started) / 1000;
  started = performance.now();
  await client.query('CREATE INDEX docs_tsv ON docs USING gin (tsv)');
  phases['fts index'] = (performance.now() - started) / 1000;
  started = performance.now();
  await client.query('CREATE INDEX docs_names_trgm ON docs USING gin (names gin_trgm_ops)');
  phases['trgm index'] = (performance.now() - started) / 1000;
  await client.query('ANALYZE docs');
  const { rows } = await client.query<{ bytes: string }>(`SELECT pg_total_relation_size('docs')::text AS bytes`);
  // a query that never ends is measured as this, not waited for
  await client.query(`SET statement_timeout = '30s'`);
  // the default 0.6 finds almost no typo in a short name ('jonh smiht' scores 0.45)
  await client.query(`SET pg_trgm.word_similarity_threshold = 0.4`);

  /** websearch syntax for whole words; to_tsquery with :* when the last word is a prefix. */
  const tsquery = (mode: Mode) =>
    mode === 'prefix' ? `to_tsquery('english', $1)` : `websearch_to_tsquery('english', $1)`;
  const text = (q: string, mode: Mode) => {
    if (mode !== 'prefix') return q;
    const words = q
      .split(/\s+/)
      .map((w) => w.replace(/[^\p{L}\p{N}]/gu, ''))
      .filter(Boolean);
    return words.map((w, i) => (i === words.length - 1 ? `${w}:*` : w)).join(' & ') || 'x';
  };
  const ids = async (sql: string, params: unknown[]) =>
    (await client.query<{ id: string }>(sql, params)).rows.map((r) => r.id);
  const fts: Adapter = {
    name: 'postgres-fts',
    query: (q, mode) =>
      ids(
        `SELECT id FROM docs WHERE owner_id = $2 AND tsv @@ ${tsquery(mode)} ORDER BY ts_rank(tsv, ${tsquery(mode)}) DESC LIMIT 10`,
        [text(q, mode), MAIN_OWNER],
      ),
  };
  const ftsTrgm: Adapter = {
    name: 'postgres-fts+trgm',
    query: (q, mode) =>
      ids(
        `SELECT id FROM docs WHERE owner_id = $2 AND (tsv @@ ${tsquery(mode)} OR $3 <% names)
         ORDER BY ts_rank(tsv, ${tsquery(mode)}) + word_similarity($3, names) DESC LIMIT 10`,
        [text(q, mode), MAIN_OWNER, q.toLowerCase()],
      ),
    notes: { word_similarity_threshold: 0.4 },
  };
  return {
    adapters: [fts, ftsTrgm],
    docs: count,
    phases,
    diskBytes: Number(rows[0]!.bytes),
    async close() {
      await client.end();
      const cleanup = new pg.Client({ connectionString: url });
      await cleanup.connect();
      await cleanup.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await cleanup.end();
    },
  };
}
