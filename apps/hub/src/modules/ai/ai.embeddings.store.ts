import type { Sql } from '../../platform/db/index.ts';
import { PASSAGE_SOURCE_CHARS } from './ai.passages.ts';

/**
 * SQL for the vectors (`made_open.ai_embeddings`, only where pgvector is installed) and the
 * per-user embedding settings. Every function runs in the caller's transaction: as the user
 * (RLS keeps each owner to their own rows), or as the owner role for index creation.
 */

export interface PendingEntity {
  id: string;
  type: string;
  title: string;
  body: string;
  properties: Record<string, unknown>;
  source: string | null;
  occurred_at: Date | string | null;
  version: number;
  [key: string]: unknown;
}

/** Characters of the body read for embedding: as many as passages can cover (ai.passages.ts). */
export const EMBED_BODY_CHARS = PASSAGE_SOURCE_CHARS;

/** pgvector's text form of a vector. */
export const vectorLiteral = (v: readonly number[]) => `[${v.map((x) => (Number.isFinite(x) ? x : 0)).join(',')}]`;

export const embeddingsStore = {
  async settings(tx: Sql): Promise<{ profile: string; reembedRequestedAt: string | null } | null> {
    const { rows } = await tx.query<{ profile: string; reembed_requested_at: Date | null }>(
      `SELECT profile, reembed_requested_at FROM made_open.ai_embedding_settings WHERE owner_id = auth.uid()`,
    );
    const row = rows[0];
    return row ? { profile: row.profile, reembedRequestedAt: row.reembed_requested_at?.toISOString() ?? null } : null;
  },

  async saveSettings(tx: Sql, profile: string, reembed: boolean) {
    await tx.query(
      `INSERT INTO made_open.ai_embedding_settings (owner_id, profile, reembed_requested_at)
       VALUES (auth.uid(), $1, CASE WHEN $2 THEN now() END)
       ON CONFLICT (owner_id) DO UPDATE SET profile = EXCLUDED.profile, updated_at = now(),
         reembed_requested_at = CASE WHEN $2 THEN now() ELSE made_open.ai_embedding_settings.reembed_requested_at END`,
      [profile, reembed],
    );
  },

  /**
   * Live entities without vectors of this profile at their current version (or, after a
   * re-embed request, embedded before it), newest change first. An entity's passages are
   * written together (`replace`), so its first passage (chunk 0) stands for all of them.
   */
  async pending(tx: Sql, profile: string, since: string | null, limit: number): Promise<PendingEntity[]> {
    // Both tables grow fast during a sync or an import, faster than statistics are refreshed
    // (the upkeep job, once a minute); with stale ones the planner picked a nested loop that
    // scanned every vector row per entity (1.5 s at 2,200 entities on PGlite, growing). The
    // hash anti-join it picks with fresh statistics is linear: it is made the only choice.
    await tx.query('SET LOCAL enable_nestloop = off');
    const { rows } = await tx.query<PendingEntity>(
      `SELECT e.id, e.type, e.title, left(e.body, ${EMBED_BODY_CHARS}) AS body, e.properties, e.source,
              e.occurred_at, e.version
         FROM public.entities e
         LEFT JOIN made_open.ai_embeddings v
           ON v.owner_id = e.owner_id AND v.entity_id = e.id AND v.chunk = 0 AND v.profile = $1
              AND v.version = e.version AND ($2::timestamptz IS NULL OR v.embedded_at >= $2::timestamptz)
        WHERE e.deleted_at IS NULL AND v.entity_id IS NULL
        ORDER BY e.updated_at DESC, e.id
        LIMIT $3`,
      [profile, since, limit],
    );
    return rows;
  },

  /** Live entities, those embedded (all passages at their current version), and their passages. */
  async counts(tx: Sql, profile: string, since: string | null) {
    const { rows } = await tx.query<{ total: number; embedded: number; passages: number }>(
      `SELECT count(DISTINCT e.id)::int AS total,
              count(DISTINCT v.entity_id)::int AS embedded,
              count(v.entity_id)::int AS passages
         FROM public.entities e
         LEFT JOIN made_open.ai_embeddings v
           ON v.owner_id = e.owner_id AND v.entity_id = e.id AND v.profile = $1 AND v.version = e.version
              AND ($2::timestamptz IS NULL OR v.embedded_at >= $2::timestamptz)
        WHERE e.deleted_at IS NULL`,
      [profile, since],
    );
    return rows[0]!;
  },

  /**
   * Writes each entity's passages, replacing every vector it had (a shorter text leaves no
   * stale passage behind). One statement pair per batch, in the caller's transaction; an
   * entity deleted meanwhile is filtered out by the join instead of failing the batch.
   */
  async replace(
    tx: Sql,
    profile: string,
    items: readonly { id: string; version: number; vectors: readonly number[][] }[],
  ) {
    if (items.length === 0) return;
    await tx.query(`DELETE FROM made_open.ai_embeddings WHERE owner_id = auth.uid() AND entity_id = ANY($1::uuid[])`, [
      items.map((i) => i.id),
    ]);
    const rows = items.flatMap((item) => item.vectors.map((vector, chunk) => ({ ...item, chunk, vector })));
    await tx.query(
      `INSERT INTO made_open.ai_embeddings (owner_id, entity_id, chunk, profile, dims, version, embedding)
       SELECT auth.uid(), i.id, i.chunk, $1, vector_dims(i.v::vector), i.version, i.v::vector
         FROM unnest($2::uuid[], $3::int[], $4::int[], $5::text[]) AS i(id, version, chunk, v)
         JOIN public.entities e ON e.id = i.id AND e.owner_id = auth.uid()
       ON CONFLICT (owner_id, entity_id, chunk) DO UPDATE
         SET profile = EXCLUDED.profile, dims = EXCLUDED.dims, version = EXCLUDED.version,
             embedding = EXCLUDED.embedding, embedded_at = now()`,
      [
        profile,
        rows.map((r) => r.id),
        rows.map((r) => r.version),
        rows.map((r) => r.chunk),
        rows.map((r) => vectorLiteral(r.vector)),
      ],
    );
  },

  /** Vectors of entities deleted (soft) since they were embedded. */
  async dropDeleted(tx: Sql) {
    await tx.query(
      `DELETE FROM made_open.ai_embeddings v USING public.entities e
        WHERE e.owner_id = v.owner_id AND e.id = v.entity_id AND e.deleted_at IS NOT NULL`,
    );
  },

  /** An HNSW index for a vector length first met at run time (an Ollama model): owner role only. */
  async ensureIndex(tx: Sql, dims: number) {
    if (!Number.isInteger(dims) || dims < 1 || dims > 2000) return; // HNSW indexes at most 2,000 dims
    await tx.query(
      `CREATE INDEX IF NOT EXISTS ai_embeddings_hnsw_${dims} ON made_open.ai_embeddings
         USING hnsw ((embedding::vector(${dims})) vector_cosine_ops) WHERE dims = ${dims}`,
    );
  },
};

/** Filters both retrieval legs apply (the keyword leg through its engine, then again in SQL). */
export interface RetrievalFilters {
  types?: string[];
  /** ISO instants, inclusive. */
  after?: string;
  before?: string;
  /** Only entities linked to one of these persons (either direction). */
  personIds?: string[];
}

/** SQL conditions on `e` (public.entities) for the filters, with parameters from `$first`. */
export function filterSql(filters: RetrievalFilters, first: number): { sql: string; params: unknown[] } {
  const parts: string[] = [];
  const params: unknown[] = [];
  const next = (value: unknown) => {
    params.push(value);
    return `$${first + params.length - 1}`;
  };
  if (filters.types?.length) parts.push(`e.type = ANY(${next(filters.types)}::text[])`);
  if (filters.after) parts.push(`e.occurred_at >= ${next(filters.after)}::timestamptz`);
  if (filters.before) parts.push(`e.occurred_at <= ${next(filters.before)}::timestamptz`);
  if (filters.personIds?.length) {
    const p = next(filters.personIds);
    parts.push(
      `EXISTS (SELECT 1 FROM public.entity_links l
         WHERE l.owner_id = e.owner_id AND ((l.from_id = e.id AND l.to_id = ANY(${p}::uuid[]))
            OR (l.to_id = e.id AND l.from_id = ANY(${p}::uuid[]))))`,
    );
  }
  return { sql: parts.length ? parts.join(' AND ') : 'true', params };
}

/** A passage's vector neighbour: the entity, which of its passages (0-based), cosine distance. */
export interface Neighbour {
  id: string;
  chunk: number;
  distance: number;
}

/**
 * Candidates the HNSW walk keeps (pgvector's default is 40). At 100,000 entities 40 found 0.912
 * of the exact top 10, below the 0.95 goal (bench/ai.ts, BENCHMARKS.md 2026-12-04).
 */
const EF_SEARCH_FLOOR = 100;

/**
 * Nearest passages by cosine distance under the caller's RLS (an entity may appear once per
 * passage; callers keep its best). Unfiltered queries use the
 * HNSW index (the ORDER BY matches its expression); with filters pgvector's iterative scan
 * (0.8+) keeps walking the graph until enough rows pass them.
 */
export async function nearest(
  tx: Sql,
  profile: string,
  vector: readonly number[],
  limit: number,
  filters: RetrievalFilters = {},
  options: { exact?: boolean } = {},
): Promise<Neighbour[]> {
  const dims = vector.length;
  // Enough candidates for the limit, and with filters keep scanning until enough pass.
  await tx.query(`SELECT set_config('hnsw.ef_search', $1, true)`, [String(Math.max(EF_SEARCH_FLOOR, limit * 2))]);
  if (!options.exact && Object.values(filters).some((f) => f !== undefined))
    await tx.query(`SELECT set_config('hnsw.iterative_scan', 'strict_order', true)`);
  const where = filterSql(filters, 4);
  const target = `$1::vector(${dims})`;
  const expression = options.exact
    ? `(v.embedding::vector(${dims}) <=> ${target}) + 0`
    : `v.embedding::vector(${dims}) <=> ${target}`;
  const { rows } = await tx.query<Neighbour & Record<string, unknown>>(
    `SELECT v.entity_id AS id, v.chunk, (v.embedding::vector(${dims}) <=> ${target})::float8 AS distance
       FROM made_open.ai_embeddings v
       JOIN public.entities e ON e.owner_id = v.owner_id AND e.id = v.entity_id AND e.deleted_at IS NULL
      WHERE v.dims = ${dims} AND v.profile = $2 AND ${where.sql}
      ORDER BY ${expression}
      LIMIT $3`,
    [vectorLiteral(vector), profile, limit, ...where.params],
  );
  return rows;
}
