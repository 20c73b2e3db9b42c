import type { Sql } from '../../platform/db/index.ts';

/**
 * System-wide reads of the graph for read models kept outside it (the search index): every
 * owner's entities page by page, deleted ones included as tombstones, with persons'
 * identifiers. Read only. Callers run them as the system (`db.asSystem`, owner_id is
 * carried in every row) or inside a system consumer's transaction; nothing a user asked
 * for may use them. This file and graph.repository.ts are the graph's only SQL.
 */

/** An entity as a read model needs it; `deletedAt` set means a tombstone. */
export type GraphExportRow = {
  ownerId: string;
  id: string;
  type: string;
  title: string;
  body: string;
  properties: Record<string, unknown>;
  source: string | null;
  occurredAt: string | null;
  deletedAt: string | null;
  version: number;
  /** Live persons only; empty otherwise. */
  identifiers: Array<{ kind: 'phone' | 'email'; value: string }>;
};

/** Position in the (owner_id, id) order of `page`. */
export interface GraphExportCursor {
  ownerId: string;
  id: string;
}

/** UTC ISO 8601 with microseconds, as the graph's API renders timestamps. */
const iso = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

export const graphExport = {
  /** Entities of every owner: live, and all (tombstones included). */
  async count(tx: Sql): Promise<{ live: number; all: number }> {
    const { rows } = await tx.query<{ live: string; all: string }>(
      `SELECT count(*) FILTER (WHERE deleted_at IS NULL)::text AS live, count(*)::text AS all FROM public.entities`,
    );
    return { live: Number(rows[0]!.live), all: Number(rows[0]!.all) };
  },

  /**
   * One page of every owner's entities after `after`, in (owner_id, id) order, deleted ones
   * included. `bodyLimit` cuts bodies in SQL to what the caller keeps.
   */
  async page(
    tx: Sql,
    after: GraphExportCursor | null,
    limit: number,
    bodyLimit = 1_000_000,
  ): Promise<GraphExportRow[]> {
    const { rows } = await tx.query<GraphExportRow>(
      `SELECT e.owner_id AS "ownerId", e.id, e.type, e.title, left(e.body, $4) AS body, e.properties, e.source,
              ${iso('e.occurred_at')} AS "occurredAt", ${iso('e.deleted_at')} AS "deletedAt", e.version,
              CASE WHEN e.type = 'person' AND e.deleted_at IS NULL THEN
                (SELECT coalesce(json_agg(json_build_object('kind', i.kind, 'value', i.value) ORDER BY i.kind, i.value), '[]'::json)
                 FROM public.identifiers i WHERE i.owner_id = e.owner_id AND i.entity_id = e.id)
              ELSE '[]'::json END AS identifiers
       FROM public.entities e
       WHERE ($1::uuid IS NULL OR (e.owner_id, e.id) > ($1::uuid, $2::uuid))
       ORDER BY e.owner_id, e.id
       LIMIT $3`,
      [after?.ownerId ?? null, after?.id ?? null, limit, bodyLimit],
    );
    return rows;
  },

  /** id → version of one owner's live entities. */
  async liveVersions(tx: Sql, ownerId: string): Promise<Map<string, number>> {
    const { rows } = await tx.query<{ id: string; version: number }>(
      `SELECT id, version FROM public.entities WHERE owner_id = $1 AND deleted_at IS NULL`,
      [ownerId],
    );
    return new Map(rows.map((r) => [r.id, r.version]));
  },

  /** Owners that have live entities. */
  async owners(tx: Sql): Promise<string[]> {
    const { rows } = await tx.query<{ ownerId: string }>(
      `SELECT DISTINCT owner_id AS "ownerId" FROM public.entities WHERE deleted_at IS NULL`,
    );
    return rows.map((r) => r.ownerId);
  },

  /** A person's identifiers (phones in E.164, emails lowercase). */
  async identifiersOf(tx: Sql, ownerId: string, entityId: string): Promise<GraphExportRow['identifiers']> {
    const { rows } = await tx.query<{ kind: 'phone' | 'email'; value: string }>(
      `SELECT kind, value FROM public.identifiers WHERE owner_id = $1 AND entity_id = $2 ORDER BY kind, value`,
      [ownerId, entityId],
    );
    return rows;
  },
};

export type GraphExport = typeof graphExport;
