import type { Sql } from '../../platform/db/index.ts';
import type { ImportKind } from './portability.records.ts';

export const duplicatesChoices = ['suggest', 'merge'] as const;
export type DuplicatesChoice = (typeof duplicatesChoices)[number];

export type ImportRow = {
  id: string;
  kind: ImportKind;
  fileName: string;
  byteSize: number;
  status: 'previewed' | 'queued' | 'running' | 'committed' | 'failed' | 'undone';
  /** What the commit does with contacts an existing person has: suggest merges, or merge them. */
  duplicates: DuplicatesChoice;
  mapping: string[] | null;
  preview: Record<string, unknown>;
  progress: { done: number; total: number };
  result: Record<string, unknown> | null;
  error: string | null;
  createdAt: string;
  committedAt: string | null;
  undoneAt: string | null;
};

const iso = (c: string) => `to_char(${c} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
const columns = `id, kind, file_name AS "fileName", byte_size::float8 AS "byteSize", status, duplicates, mapping, preview,
  json_build_object('done', progress_done, 'total', progress_total) AS progress, result, error,
  ${iso('created_at')} AS "createdAt", ${iso('committed_at')} AS "committedAt", ${iso('undone_at')} AS "undoneAt"`;

/** made_open.portability_imports, always inside the owner's transaction (RLS). */
export const importsRepository = {
  async insert(
    tx: Sql,
    row: {
      id: string;
      ownerId: string;
      kind: ImportKind;
      fileName: string;
      byteSize: number;
      mapping: string[] | null;
      preview: unknown;
    },
  ): Promise<ImportRow> {
    const { rows } = await tx.query<ImportRow>(
      `INSERT INTO made_open.portability_imports (id, owner_id, kind, file_name, byte_size, status, mapping, preview)
       VALUES ($1, $2, $3, $4, $5, 'previewed', $6, $7) RETURNING ${columns}`,
      [
        row.id,
        row.ownerId,
        row.kind,
        row.fileName,
        row.byteSize,
        row.mapping === null ? null : JSON.stringify(row.mapping),
        JSON.stringify(row.preview),
      ],
    );
    return rows[0]!;
  },
  async get(tx: Sql, id: string, lock = false): Promise<ImportRow | null> {
    const { rows } = await tx.query<ImportRow>(
      `SELECT ${columns} FROM made_open.portability_imports WHERE id = $1${lock ? ' FOR UPDATE' : ''}`,
      [id],
    );
    return rows[0] ?? null;
  },
  async list(tx: Sql, limit: number): Promise<ImportRow[]> {
    const { rows } = await tx.query<ImportRow>(
      `SELECT ${columns} FROM made_open.portability_imports ORDER BY created_at DESC, id DESC LIMIT $1`,
      [limit],
    );
    return rows;
  },
  async setPreview(tx: Sql, id: string, mapping: string[] | null, preview: unknown) {
    await tx.query(
      `UPDATE made_open.portability_imports SET mapping = $2, preview = $3, updated_at = now() WHERE id = $1`,
      [id, mapping === null ? null : JSON.stringify(mapping), JSON.stringify(preview)],
    );
  },
  async setStatus(
    tx: Sql,
    id: string,
    status: ImportRow['status'],
    extra: { total?: number; result?: unknown; error?: string | null; duplicates?: DuplicatesChoice } = {},
  ) {
    await tx.query(
      `UPDATE made_open.portability_imports SET status = $2, updated_at = now(),
         duplicates = coalesce($6, duplicates),
         progress_total = coalesce($3, progress_total),
         progress_done = CASE WHEN $2 = 'running' THEN 0 ELSE progress_done END,
         result = coalesce($4::jsonb, result), error = $5,
         committed_at = CASE WHEN $2 = 'committed' THEN now() ELSE committed_at END,
         undone_at = CASE WHEN $2 = 'undone' THEN now() ELSE undone_at END
       WHERE id = $1`,
      [
        id,
        status,
        extra.total ?? null,
        extra.result === undefined ? null : JSON.stringify(extra.result),
        extra.error ?? null,
        extra.duplicates ?? null,
      ],
    );
  },
  async progress(tx: Sql, id: string, done: number) {
    await tx.query(`UPDATE made_open.portability_imports SET progress_done = $2, updated_at = now() WHERE id = $1`, [
      id,
      done,
    ]);
  },
  /** Existing persons that have any of these identifiers (the owner's, by RLS). */
  async personsWith(tx: Sql, pairs: { kind: string; value: string }[]) {
    if (pairs.length === 0) return [];
    const { rows } = await tx.query<{ kind: string; value: string; personId: string; name: string }>(
      `SELECT i.kind, i.value, i.entity_id AS "personId", e.title AS name
       FROM public.identifiers i JOIN public.entities e ON e.owner_id = i.owner_id AND e.id = i.entity_id
       WHERE (i.kind, i.value) IN (SELECT * FROM unnest($1::text[], $2::text[]))`,
      [pairs.map((p) => p.kind), pairs.map((p) => p.value)],
    );
    return rows;
  },
  /** A merge the import made, in the transaction that made it. */
  async recordMerge(tx: Sql, importId: string, ownerId: string, mergeId: string) {
    await tx.query(
      `INSERT INTO made_open.portability_import_merges (import_id, merge_id, owner_id) VALUES ($1, $2, $3)`,
      [importId, mergeId, ownerId],
    );
  },
  /** The merges an import made that are not undone yet, newest first (uuid v7 ids are time-ordered). */
  async activeMerges(tx: Sql, importId: string): Promise<string[]> {
    const { rows } = await tx.query<{ id: string }>(
      `SELECT m.id FROM made_open.portability_import_merges im JOIN public.person_merges m ON m.id = im.merge_id
       WHERE im.import_id = $1 AND m.undone_at IS NULL ORDER BY m.id DESC`,
      [importId],
    );
    return rows.map((r) => r.id);
  },
  /** External ids of the live entities an import wrote. */
  async liveExternalIds(tx: Sql, source: string): Promise<string[]> {
    const { rows } = await tx.query<{ external_id: string }>(
      `SELECT external_id FROM public.entities WHERE source = $1 AND deleted_at IS NULL`,
      [source],
    );
    return rows.map((r) => r.external_id);
  },
};
