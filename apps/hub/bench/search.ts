/**
 * Search benchmark (not a test): indexing speed, query latency, memory and relevance of the
 * embedded engine beside PostgreSQL full-text (and, at small sizes, MiniSearch and Orama)
 * on the same generated data in the same run.
 *
 *   cd apps/hub && node --expose-gc --import tsx bench/search.ts [--sizes=100000,1000000]
 *     [--engines=embedded,pg,minisearch,orama] [--queries=200] [--library-queries=40] [--pg-url=postgres://...]
 *
 * The data: `size` documents for one owner (people, messages, notes, events) plus 10% more
 * spread over 50 other owners, and the labelled needles of search-queries.ts.
 */
import { create, insertMultiple, search as oramaSearch } from '@orama/orama';
import MiniSearch from 'minisearch';
import pg from 'pg';
import { EmbeddedSearchEngine } from '../src/modules/search/engine/embedded.ts';
import { phoneQueryForms } from '../src/modules/search/engine/phone.ts';
import type { SearchDocument } from '../src/modules/search/engine/types.ts';
import { generateDocument, latencyQueries, MAIN_OWNER } from './search-data.ts';
import { labelledQueries, needleDocuments } from './search-queries.ts';

const args = Object.fromEntries(
  process.argv.slice(2).map((a) => {
    const [k, v] = a.replace(/^--/, '').split('=');
    return [k!, v ?? 'true'];
  }),
);
const sizes = (args.sizes ?? '100000,1000000').split(',').map(Number);
const engines = new Set((args.engines ?? 'embedded,pg,minisearch,orama').split(','));
const queryCount = Number(args.queries ?? 200);
const pgUrl = args['pg-url'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';
/** MiniSearch and Orama are only run up to this size (they exceed the memory goal above it). */
const libraryLimit = Number(args['library-limit'] ?? 100_000);
/** The libraries are slow on prefix+typo queries: fewer latency queries keep the run short. */
const libraryQueries = Number(args['library-queries'] ?? 40);

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) console.warn('run with node --expose-gc for memory figures');

function memory() {
  gc?.();
  gc?.();
  const m = process.memoryUsage();
  return { heap: m.heapUsed + m.arrayBuffers, rss: m.rss };
}

const mib = (b: number) => `${Math.round(b / 1048576)} MiB`;

/** CPU time of this process in ms: on a shared, loaded machine it is the fairer cost measure. */
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

function percentile(sorted: number[], p: number) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function* documents(size: number) {
  const total = Math.round(size * 1.1);
  for (let i = 0; i < total; i++) yield generateDocument(i, size);
  for (const n of needleDocuments()) yield n;
}

interface Row {
  size: number;
  engine: string;
  docsPerSec: number;
  memory: string;
  [k: string]: string | number;
}
const rows: Row[] = [];
const relevance: Array<Record<string, string | number>> = [];

interface Adapter {
  name: string;
  query(q: string, mode: 'exact' | 'typo' | 'prefix'): Promise<string[]> | string[];
  relevant(q: string): Promise<string[]> | string[];
}

async function measure(size: number, adapter: Adapter, row: Row, count = queryCount) {
  const workload = latencyQueries(count);
  for (const mode of ['exact', 'typo', 'prefix'] as const) {
    const times: number[] = [];
    const cpu: number[] = [];
    // warm-up
    for (const q of workload[mode].slice(0, 10)) await adapter.query(q, mode);
    for (const q of workload[mode]) {
      const t = performance.now();
      const c = cpuMs();
      await adapter.query(q, mode);
      cpu.push(cpuMs() - c);
      times.push(performance.now() - t);
    }
    times.sort((a, b) => a - b);
    cpu.sort((a, b) => a - b);
    row[`${mode} wall p50/p95/p99`] = [50, 95, 99].map((p) => percentile(times, p).toFixed(1)).join(' / ');
    if (adapter.name !== 'postgres-fts') row[`${mode} cpu p50/p95/p99`] = [50, 95, 99].map((p) => percentile(cpu, p).toFixed(1)).join(' / ');
  }
  let rr = 0;
  let found = 0;
  const byKind = new Map<string, { n: number; hit: number }>();
  for (const lq of labelledQueries) {
    const ids = await adapter.relevant(lq.q);
    const rank = ids.findIndex((id) => lq.relevant.includes(id));
    if (rank >= 0) {
      rr += 1 / (rank + 1);
      found++;
    }
    const k = byKind.get(lq.kind) ?? { n: 0, hit: 0 };
    k.n++;
    if (rank >= 0) k.hit++;
    byKind.set(lq.kind, k);
  }
  relevance.push({
    size,
    engine: adapter.name,
    'MRR@10': (rr / labelledQueries.length).toFixed(3),
    'recall@10': (found / labelledQueries.length).toFixed(3),
    ...Object.fromEntries([...byKind].map(([k, v]) => [k, `${v.hit}/${v.n}`])),
  });
  rows.push(row);
  // printed as each engine finishes, so a long run still leaves its figures behind
  console.error(JSON.stringify({ ...row, ...relevance[relevance.length - 1] }));
}

async function benchEmbedded(size: number) {
  const before = memory();
  const engine = new EmbeddedSearchEngine({ phoneForms: (t) => phoneQueryForms(t) });
  const started = performance.now();
  let indexCpu = 0;
  let batch: SearchDocument[] = [];
  let count = 0;
  for (const doc of documents(size)) {
    batch.push(doc);
    if (batch.length === 5000) {
      const c = cpuMs();
      engine.upsertSync(batch);
      indexCpu += cpuMs() - c;
      count += batch.length;
      batch = [];
    }
  }
  const c = cpuMs();
  engine.upsertSync(batch);
  indexCpu += cpuMs() - c;
  count += batch.length;
  const seconds = (performance.now() - started) / 1000;
  const after = memory();
  const stats = engine.stats();
  console.error(`embedded ${size}: ${count} docs in ${seconds.toFixed(1)} s wall (generation included), ${(indexCpu / 1000).toFixed(1)} s CPU indexing, ${stats.terms} terms`);
  const search = (q: string) => engine.searchSync({ ownerId: MAIN_OWNER, q, limit: 10, offset: 0, facets: ['type'] });
  await measure(
    size,
    {
      name: 'embedded',
      query: (q) => search(q).hits.map((h) => h.id),
      relevant: (q) => search(q).hits.map((h) => h.id),
    },
    { size, engine: 'embedded', docsPerSec: Math.round(count / seconds), 'docs/CPU-s': Math.round(count / (indexCpu / 1000)), memory: `heap+${mib(after.heap - before.heap)} rss+${mib(after.rss - before.rss)}` },
  );
  await engine.close();
}

async function benchMiniSearch(size: number) {
  const before = memory();
  const started = performance.now();
  const indexes = new Map<string, MiniSearch>();
  let count = 0;
  for (const doc of documents(size)) {
    let index = indexes.get(doc.ownerId);
    if (!index) {
      index = new MiniSearch({ fields: ['title', 'body', 'keywords'], storeFields: ['type'] });
      indexes.set(doc.ownerId, index);
    }
    index.add({ id: doc.id, title: doc.title, body: doc.body, keywords: doc.keywords.join(' '), type: doc.type });
    count++;
  }
  const seconds = (performance.now() - started) / 1000;
  const after = memory();
  const index = indexes.get(MAIN_OWNER)!;
  const run = (q: string) =>
    index
      .search(q, { prefix: true, fuzzy: (term) => (term.length >= 9 ? 2 : term.length >= 5 ? 1 : 0), boost: { title: 3, keywords: 2.5 }, combineWith: 'AND' })
      .slice(0, 10)
      .map((r) => String(r.id));
  await measure(size, { name: 'minisearch', query: run, relevant: run }, {
    size,
    engine: 'minisearch',
    docsPerSec: Math.round(count / seconds),
    memory: `heap+${mib(after.heap - before.heap)} rss+${mib(after.rss - before.rss)}`,
  }, libraryQueries);
  indexes.clear();
}

async function benchOrama(size: number) {
  const before = memory();
  const started = performance.now();
  const schema = { id: 'string', title: 'string', body: 'string', keywords: 'string', type: 'enum' } as const;
  const dbs = new Map<string, ReturnType<typeof create<typeof schema>>>();
  const pending = new Map<string, Array<{ id: string; title: string; body: string; keywords: string; type: string }>>();
  let count = 0;
  const flush = (owner: string) => {
    let db = dbs.get(owner);
    if (!db) {
      db = create({ schema });
      dbs.set(owner, db);
    }
    void insertMultiple(db, pending.get(owner)!, 5000);
    pending.set(owner, []);
  };
  for (const doc of documents(size)) {
    const list = pending.get(doc.ownerId) ?? [];
    list.push({ id: doc.id, title: doc.title, body: doc.body, keywords: doc.keywords.join(' '), type: doc.type });
    pending.set(doc.ownerId, list);
    if (list.length === 5000) flush(doc.ownerId);
    count++;
  }
  for (const owner of pending.keys()) if (pending.get(owner)!.length) flush(owner);
  const seconds = (performance.now() - started) / 1000;
  const after = memory();
  const db = dbs.get(MAIN_OWNER)!;
  const run = async (q: string) => {
    const r = await oramaSearch(db, { term: q, tolerance: 1, limit: 10, boost: { title: 3, keywords: 2.5 }, facets: { type: {} } });
    return r.hits.map((h) => h.document.id);
  };
  await measure(size, { name: 'orama', query: run, relevant: run }, {
    size,
    engine: 'orama',
    docsPerSec: Math.round(count / seconds),
    memory: `heap+${mib(after.heap - before.heap)} rss+${mib(after.rss - before.rss)}`,
  }, libraryQueries);
  dbs.clear();
}

async function benchPostgres(size: number) {
  const admin = new pg.Client({ connectionString: pgUrl });
  await admin.connect();
  const name = 'made_open_search_bench';
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(pgUrl);
  url.pathname = `/${name}`;
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  await client.query(`CREATE TABLE docs (
    owner_id uuid NOT NULL, id text NOT NULL, type text NOT NULL, title text NOT NULL, body text NOT NULL, keywords text NOT NULL,
    tsv tsvector GENERATED ALWAYS AS (
      setweight(to_tsvector('english', title), 'A') || setweight(to_tsvector('simple', keywords), 'B') || to_tsvector('english', body)) STORED,
    PRIMARY KEY (owner_id, id))`);
  const started = performance.now();
  let count = 0;
  let batch: SearchDocument[] = [];
  const flush = async () => {
    await client.query(
      `INSERT INTO docs (owner_id, id, type, title, body, keywords)
       SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[])`,
      [batch.map((d) => d.ownerId), batch.map((d) => d.id), batch.map((d) => d.type), batch.map((d) => d.title), batch.map((d) => d.body), batch.map((d) => d.keywords.join(' '))],
    );
    count += batch.length;
    batch = [];
  };
  for (const doc of documents(size)) {
    batch.push(doc);
    if (batch.length === 5000) await flush();
  }
  await flush();
  await client.query('CREATE INDEX docs_tsv ON docs USING gin (tsv)');
  await client.query('ANALYZE docs');
  const seconds = (performance.now() - started) / 1000;
  const { rows: sizeRows } = await client.query<{ bytes: string }>(`SELECT pg_total_relation_size('docs')::text AS bytes`);
  console.error(`postgres ${size}: ${count} docs in ${seconds.toFixed(1)} s`);
  const ranked = `SELECT id FROM docs, q WHERE owner_id = $2 AND tsv @@ q.query ORDER BY ts_rank(tsv, q.query) DESC LIMIT 10`;
  const plain = async (q: string) =>
    (await client.query<{ id: string }>(`WITH q AS (SELECT websearch_to_tsquery('english', $1) AS query) ${ranked}`, [q, MAIN_OWNER])).rows.map((r) => r.id);
  const prefix = async (q: string) => {
    const words = q.split(/\s+/).filter(Boolean);
    const text = words.map((w, i) => `${w.replace(/[^\p{L}\p{N}]/gu, '')}${i === words.length - 1 ? ':*' : ''}`).filter((w) => w !== ':*').join(' & ');
    return (await client.query<{ id: string }>(`WITH q AS (SELECT to_tsquery('english', $1) AS query) ${ranked}`, [text || 'x', MAIN_OWNER])).rows.map((r) => r.id);
  };
  await measure(
    size,
    { name: 'postgres-fts', query: (q, mode) => (mode === 'prefix' ? prefix(q) : plain(q)), relevant: plain },
    { size, engine: 'postgres-fts', docsPerSec: Math.round(count / seconds), memory: `table+GIN ${mib(Number(sizeRows[0]!.bytes))}` },
  );
  await client.end();
  const cleanup = new pg.Client({ connectionString: pgUrl });
  await cleanup.connect();
  await cleanup.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await cleanup.end();
}

const os = await import('node:os');
console.error(`load average at start: ${os.loadavg().map((l) => l.toFixed(1)).join(' ')} on ${os.cpus().length} cores`);
for (const size of sizes) {
  if (engines.has('embedded')) await benchEmbedded(size);
  if (engines.has('minisearch') && size <= libraryLimit) await benchMiniSearch(size);
  if (engines.has('orama') && size <= libraryLimit) await benchOrama(size);
  if (engines.has('pg')) await benchPostgres(size);
}

console.log(`\nload average at end: ${os.loadavg().map((l) => l.toFixed(1)).join(' ')} (figures are wall time under that load; cpu = this process's CPU time)`);
console.log('\nLatency (ms, top 10 with type facet; 1-3 word queries; typo queries carry one typo; prefix queries end in a 2-4 letter prefix)');
console.table(rows);
console.log(`\nRelevance on ${labelledQueries.length} labelled queries (bench/search-queries.ts); PostgreSQL uses plain websearch_to_tsquery + ts_rank`);
console.table(relevance);
