import type { Sql } from '../../platform/db/index.ts';

/**
 * The only file of the search module that knows SQL. The index is a read model of the
 * graph: the rebuild and the consistency check page through public.entities and
 * public.identifiers as service_role (owner_id carried explicitly), and the indexer reads
 * a person's identifiers when an update event does not carry them. Nothing here writes.
 */

export type GraphRow = {
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
  identifiers: Array<{ kind: 'phone' | 'email'; value: string }>;
};

export interface GraphCursor {
  ownerId: string;
  id: string;
}

/** Bodies are cut in SQL to what the index keeps. */
const MAX_BODY = 20_000;

export const searchRepository = {
  async countEntities(tx: Sql): Promise<{ live: number; all: number }> {
    const { rows } = await tx.query<{ live: string; all: string }>(
      `SELECT count(*) FILTER (WHERE deleted_at IS NULL)::text AS live, count(*)::text AS all FROM public.entities`,
    );
    return { live: Number(rows[0]!.live), all: Number(rows[0]!.all) };
  },

  /** One page of entities (deleted ones included, as tombstones), in (owner_id, id) order. */
  async entityPage(tx: Sql, after: GraphCursor | null, limit: number): Promise<GraphRow[]> {
    const { rows } = await tx.query<GraphRow>(
      `SELECT e.owner_id AS "ownerId", e.id, e.type, e.title, left(e.body, ${MAX_BODY}) AS body, e.properties, e.source,
              to_char(e.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "occurredAt",
              to_char(e.deleted_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "deletedAt",
              e.version,
              CASE WHEN e.type = 'person' AND e.deleted_at IS NULL THEN
                (SELECT coalesce(json_agg(json_build_object('kind', i.kind, 'value', i.value) ORDER BY i.kind, i.value), '[]'::json)
                 FROM public.identifiers i WHERE i.owner_id = e.owner_id AND i.entity_id = e.id)
              ELSE '[]'::json END AS identifiers
       FROM public.entities e
       WHERE ($1::uuid IS NULL OR (e.owner_id, e.id) > ($1::uuid, $2::uuid))
       ORDER BY e.owner_id, e.id
       LIMIT $3`,
      [after?.ownerId ?? null, after?.id ?? null, limit],
    );
    return rows;
  },

  /** id → version of the live entities of one owner (the consistency check). */
  async liveVersions(tx: Sql, ownerId: string): Promise<Map<string, number>> {
    const { rows } = await tx.query<{ id: string; version: number }>(
      `SELECT id, version FROM public.entities WHERE owner_id = $1 AND deleted_at IS NULL`,
      [ownerId],
    );
    return new Map(rows.map((r) => [r.id, r.version]));
  },

  async owners(tx: Sql): Promise<string[]> {
    const { rows } = await tx.query<{ ownerId: string }>(
      `SELECT DISTINCT owner_id AS "ownerId" FROM public.entities WHERE deleted_at IS NULL`,
    );
    return rows.map((r) => r.ownerId);
  },

  async identifiersOf(tx: Sql, ownerId: string, entityId: string): Promise<GraphRow['identifiers']> {
    const { rows } = await tx.query<{ kind: 'phone' | 'email'; value: string }>(
      `SELECT kind, value FROM public.identifiers WHERE owner_id = $1 AND entity_id = $2 ORDER BY kind, value`,
      [ownerId, entityId],
    );
    return rows;
  },
};

export type SearchRepository = typeof searchRepository;
