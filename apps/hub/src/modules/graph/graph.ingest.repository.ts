import type { Actor, IdentifierKind } from '@made-open/shared';
import type { Sql } from '../../platform/db/index.ts';
import { entityJson, identifierJson, linkJson } from './graph.repository.ts';

/**
 * The SQL of the ingest path (graph.ingest.ts). Each method is one multi-row statement
 * over a JSON array of rows (jsonb_to_recordset), so a page of any size costs the same
 * few round trips, inside the caller's transaction and under its RLS.
 */

/** One entity to upsert: an ingested item, or a person made for an unknown sender. */
export interface EntityInputRow {
  ord: number;
  /** Order of its event in the outbox (persons made for senders first). */
  seq: number;
  id: string;
  type: string;
  /** null: keep the current value (default on insert). */
  title: string | null;
  body: string | null;
  properties: Record<string, unknown> | null;
  source: string | null;
  external_id: string | null;
  occurred_at: string | null;
  /** false: occurredAt was not given (keep it). */
  occurred_at_set: boolean;
  /** Insert when missing, never update: persons made for senders keep what the user edits. */
  keep: boolean;
  /** A person that gains identifiers: a change even when nothing else changed. */
  adds_identifiers: boolean;
  event_id: string;
}

export interface IdentifierInputRow {
  ord: number;
  id: string;
  kind: IdentifierKind;
  value: string;
}

export interface LinkInputRow {
  id: string;
  kind: string;
  from_ord: number;
  /** The other end: a row of this batch, or an existing person. */
  to_ord: number | null;
  to_id: string | null;
  event_id: string;
}

export type IngestStatus = 'created' | 'updated' | 'unchanged' | 'deleted' | 'type_mismatch' | 'conflict';

export type UpsertResultRow = {
  ord: number;
  id: string;
  status: IngestStatus;
  /** Entity DTO text (persons with identifiers) of created and updated rows, when asked for. */
  json: string | null;
  links: string;
  events: string;
};

export interface UpsertBatch {
  ownerId: string;
  actor: Actor;
  entities: EntityInputRow[];
  identifiers: IdentifierInputRow[];
  links: LinkInputRow[];
  /** 'create' refuses an existing (source, externalId) with the database's unique violation. */
  mode: 'upsert' | 'create';
  returnJson: boolean;
}

const live = `('created', 'updated', 'unchanged')`;

function upsertSql(mode: UpsertBatch['mode']) {
  // In create mode nothing is looked up: the insert meets the unique index and fails (409).
  const before =
    mode === 'create'
      ? `SELECT NULL::int AS ord, NULL::uuid AS id, NULL::text AS type, NULL::boolean AS deleted, NULL::text AS title,
                NULL::text AS body, NULL::jsonb AS properties, NULL::timestamptz AS occurred_at WHERE false`
      : `SELECT i.ord, e.id, e.type, e.deleted_at IS NOT NULL AS deleted, e.title, e.body, e.properties, e.occurred_at
         FROM input i JOIN public.entities e ON e.owner_id = $2::uuid AND e.source = i.source AND e.external_id = i.external_id`;
  return `
WITH input AS (
  SELECT * FROM jsonb_to_recordset($1::jsonb) AS r(
    ord int, seq int, id uuid, type text, title text, body text, properties jsonb, source text, external_id text,
    occurred_at timestamptz, occurred_at_set boolean, keep boolean, adds_identifiers boolean, event_id uuid)
),
before AS (${before}),
changes AS (
  SELECT i.ord, b.id, array_remove(ARRAY[
           CASE WHEN i.title IS DISTINCT FROM b.title AND i.title IS NOT NULL THEN 'title' END,
           CASE WHEN i.body IS DISTINCT FROM b.body AND i.body IS NOT NULL THEN 'body' END,
           CASE WHEN i.properties IS DISTINCT FROM b.properties AND i.properties IS NOT NULL THEN 'properties' END,
           CASE WHEN i.occurred_at_set AND i.occurred_at IS DISTINCT FROM b.occurred_at THEN 'occurredAt' END,
           CASE WHEN i.adds_identifiers THEN 'identifiers' END], NULL) AS changed
  FROM input i JOIN before b ON b.ord = i.ord
  WHERE NOT i.keep AND NOT b.deleted AND b.type = i.type
),
updated AS (
  UPDATE public.entities e SET
    title = coalesce(i.title, e.title),
    body = coalesce(i.body, e.body),
    properties = coalesce(i.properties, e.properties),
    occurred_at = CASE WHEN i.occurred_at_set THEN i.occurred_at ELSE e.occurred_at END,
    version = e.version + 1,
    updated_at = greatest(now(), e.updated_at + interval '1 microsecond')
  FROM changes c JOIN input i ON i.ord = c.ord
  WHERE e.id = c.id AND cardinality(c.changed) > 0
  RETURNING c.ord, c.changed, e AS row
),
inserted AS (
  INSERT INTO public.entities AS e (id, owner_id, type, title, body, properties, source, external_id, occurred_at)
  SELECT i.id, $2::uuid, i.type, coalesce(i.title, ''), coalesce(i.body, ''), coalesce(i.properties, '{}'::jsonb),
         i.source, i.external_id, i.occurred_at
  FROM input i WHERE NOT EXISTS (SELECT 1 FROM before b WHERE b.ord = i.ord)
  ORDER BY i.ord
  ${mode === 'create' ? '' : 'ON CONFLICT (owner_id, source, external_id) DO NOTHING'}
  RETURNING e AS row
),
-- (row IS NULL is true only when every field is: test a column of the row instead.)
results AS (
  SELECT i.ord, i.seq, i.type, i.event_id, coalesce(b.id, i.id) AS id, u.changed,
         coalesce(n.row, u.row) AS row,
         CASE WHEN b.id IS NULL THEN CASE WHEN (n.row).id IS NULL THEN 'conflict' ELSE 'created' END
              WHEN b.type <> i.type THEN 'type_mismatch'
              WHEN b.deleted THEN 'deleted'
              WHEN u.ord IS NOT NULL THEN 'updated'
              ELSE 'unchanged' END AS status
  FROM input i
  LEFT JOIN before b ON b.ord = i.ord
  LEFT JOIN inserted n ON (n.row).id = i.id
  LEFT JOIN updated u ON u.ord = i.ord
),
idents AS (
  INSERT INTO public.identifiers AS x (id, owner_id, kind, value, entity_id)
  SELECT d.id, $2::uuid, d.kind, d.value, r.id
  FROM jsonb_to_recordset($3::jsonb) AS d(ord int, id uuid, kind text, value text)
  JOIN results r ON r.ord = d.ord AND r.status IN ${live}
  ON CONFLICT (owner_id, kind, value) DO NOTHING
  RETURNING x.entity_id, x.kind, x.value, ${identifierJson('x')} AS json
),
-- A person's identifiers after the change: those it had (the statement's snapshot) and the new.
person_identifiers AS (
  SELECT s.entity_id, json_agg(s.json ORDER BY s.kind, s.value) AS list
  FROM (
    SELECT x.entity_id, x.kind, x.value, ${identifierJson('x')} AS json
    FROM results r JOIN public.identifiers x ON x.owner_id = $2::uuid AND x.entity_id = r.id
    WHERE r.status = 'updated' AND r.type = 'person'
    UNION ALL
    SELECT entity_id, kind, value, json FROM idents
  ) s
  GROUP BY s.entity_id
),
links AS (
  INSERT INTO public.entity_links AS l (id, owner_id, kind, from_id, to_id)
  SELECT d.id, $2::uuid, d.kind, f.id, coalesce(d.to_id, t.id)
  FROM jsonb_to_recordset($4::jsonb) AS d(id uuid, kind text, from_ord int, to_ord int, to_id uuid, event_id uuid)
  JOIN results f ON f.ord = d.from_ord AND f.status IN ${live}
  LEFT JOIN results t ON t.ord = d.to_ord
  WHERE coalesce(d.to_id, t.id) IS NOT NULL AND coalesce(d.to_id, t.id) <> f.id
    AND (d.to_ord IS NULL OR t.status IN ${live})
  ORDER BY d.id
  ON CONFLICT (owner_id, from_id, kind, to_id) DO NOTHING
  RETURNING l.id, ${linkJson('l')} AS json
),
events AS (
  INSERT INTO made_open.outbox (id, owner_id, type, subject, actor, data, v)
  SELECT ev.id, $2::uuid, ev.type, ev.subject, $5::jsonb, ev.data, 1
  FROM (
    SELECT r.event_id AS id, 0 AS part, r.seq AS n, r.id::text AS subject,
           CASE r.status WHEN 'created' THEN 'data.EntityCreated' ELSE 'data.EntityUpdated' END AS type,
           jsonb_build_object('entity', ${entityJson('r.row')})
             || CASE WHEN r.status = 'updated' THEN jsonb_build_object('changed', to_jsonb(r.changed)) ELSE '{}'::jsonb END
             || CASE WHEN pi.list IS NOT NULL AND (r.status = 'created' OR 'identifiers' = ANY (r.changed))
                     THEN jsonb_build_object('identifiers', pi.list) ELSE '{}'::jsonb END AS data
    FROM results r LEFT JOIN person_identifiers pi ON pi.entity_id = r.id
    WHERE r.status IN ('created', 'updated')
    UNION ALL
    SELECT d.event_id, 1, 0, l.id::text, 'data.LinkCreated', jsonb_build_object('link', l.json)
    FROM links l JOIN jsonb_to_recordset($4::jsonb) AS d(id uuid, event_id uuid) ON d.id = l.id
  ) ev
  ORDER BY ev.part, ev.n, ev.id
  RETURNING 1
)
SELECT r.ord, r.id, r.status,
       CASE WHEN NOT $6::boolean OR (r.row).id IS NULL THEN NULL
            WHEN r.type = 'person' THEN public.graph_with_identifiers(${entityJson('r.row')}, coalesce(pi.list, '[]'::json))
            ELSE ${entityJson('r.row')}::text END AS json,
       (SELECT count(*) FROM links)::text AS links,
       (SELECT count(*) FROM events)::text AS events
FROM results r LEFT JOIN person_identifiers pi ON pi.entity_id = r.id
ORDER BY r.ord`;
}

const statements = { upsert: upsertSql('upsert'), create: upsertSql('create') };

export const ingestRepository = {
  /** Which of these phones and emails already belong to a person of the caller's, and whose provenance it has. */
  async findPersons(tx: Sql, pairs: { kind: IdentifierKind; value: string }[]) {
    if (pairs.length === 0) return [];
    const result = await tx.query<{
      kind: IdentifierKind;
      value: string;
      entity_id: string;
      source: string | null;
      external_id: string | null;
    }>(
      `SELECT i.kind, i.value, i.entity_id, e.source, e.external_id
       FROM jsonb_to_recordset($1::jsonb) AS p(kind text, value text)
       JOIN public.identifiers i ON i.kind = p.kind AND i.value = p.value
       JOIN public.entities e ON e.owner_id = i.owner_id AND e.id = i.entity_id`,
      [JSON.stringify(pairs)],
    );
    return result.rows;
  },

  /**
   * Serialises the creation of persons per owner until commit, so two ingests that meet
   * the same unknown sender at once cannot both create a person for it.
   */
  async lockPersons(tx: Sql, ownerId: string) {
    await tx.query(`SELECT pg_advisory_xact_lock(hashtextextended('graph.persons:' || $1::text, 0))`, [ownerId]);
  },

  /** Entities, identifiers, links and every event: one statement. */
  async upsert(tx: Sql, batch: UpsertBatch): Promise<UpsertResultRow[]> {
    const result = await tx.query<UpsertResultRow>(statements[batch.mode], [
      JSON.stringify(batch.entities),
      batch.ownerId,
      JSON.stringify(batch.identifiers),
      JSON.stringify(batch.links),
      JSON.stringify(batch.actor),
      batch.returnJson,
    ]);
    return result.rows;
  },
};
