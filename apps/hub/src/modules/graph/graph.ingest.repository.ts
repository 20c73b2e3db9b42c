import type { Actor, IdentifierKind, Link } from '@made-open/shared';
import type { Sql } from '../../platform/db/index.ts';
import type { IncomingPrune } from './graph.ingest.items.ts';
import { MADE_PERSON_KEY } from './graph.made-persons.ts';
import { linkJson } from './graph.repository.ts';

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
  /** The property keys the source writes (the others stay on update); null: properties replace. */
  owned: string[] | null;
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

/** An updated entity whose links of these kinds should now go only to the persons in keep. */
export interface LinkPruneRow {
  from_id: string;
  kinds: string[];
  keep: string[];
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
    // public.graph_ingest (migrations/0005): one statement whose plan PL/pgSQL caches.
    const result = await tx.query<UpsertResultRow>(
      `SELECT ord, id, status, entity_json AS json, links, events FROM public.graph_ingest($1, $2, $3, $4, $5, $6, $7)`,
      [
        JSON.stringify(batch.entities),
        batch.ownerId,
        JSON.stringify(batch.identifiers),
        JSON.stringify(batch.links),
        JSON.stringify(batch.actor),
        batch.returnJson,
        batch.mode === 'create',
      ],
    );
    return result.rows;
  },

  /** Removes the links an updated item no longer lists (its complete roles); returns them. */
  async pruneLinks(tx: Sql, rows: LinkPruneRow[]): Promise<Link[]> {
    const result = await tx.query<{ link: Link }>(
      `DELETE FROM public.entity_links l
       USING jsonb_to_recordset($1::jsonb) AS x(from_id uuid, kinds text[], keep uuid[])
       WHERE l.from_id = x.from_id AND l.kind = ANY(x.kinds) AND l.to_id <> ALL(x.keep)
       RETURNING ${linkJson('l')} AS link`,
      [JSON.stringify(rows)],
    );
    return result.rows.map((row) => row.link);
  },

  /**
   * Removes links of a kind into the given persons (by identifier) from the source's entities
   * other than those each keeps (external ids); returns them.
   */
  async pruneIncomingLinks(tx: Sql, prune: IncomingPrune): Promise<Link[]> {
    const result = await tx.query<{ link: Link }>(
      `DELETE FROM public.entity_links l
       USING jsonb_to_recordset($3::jsonb) AS x(kind text, value text, keep text[]),
             public.identifiers i, public.entities f
       WHERE i.kind = x.kind AND i.value = x.value AND l.to_id = i.entity_id AND l.kind = $1
         AND f.id = l.from_id AND f.source = $2 AND f.external_id <> ALL(x.keep)
       RETURNING ${linkJson('l')} AS link`,
      [prune.kind, prune.source, JSON.stringify(prune.people)],
    );
    return result.rows.map((row) => row.link);
  },

  /**
   * Gives persons ingest made for a phone or email (provenance `email:`/`phone:`) the
   * source and external id of the items that take them over, when no entity has that key
   * yet; at most one person per item and one item per person (the oldest person first).
   */
  async adoptMadePersons(
    tx: Sql,
    items: { ord: number; source: string; external_id: string; identifiers: { kind: string; value: string }[] }[],
  ): Promise<number> {
    const result = await tx.query(
      `WITH wanted AS (
         SELECT * FROM jsonb_to_recordset($1::jsonb) AS w(ord int, source text, external_id text, identifiers jsonb)
         WHERE NOT EXISTS (SELECT 1 FROM public.entities k WHERE k.source = w.source AND k.external_id = w.external_id)
       ), candidates AS (
         SELECT DISTINCT ON (w.ord) w.ord, w.source, w.external_id, e.id
           FROM wanted w
           CROSS JOIN LATERAL jsonb_to_recordset(w.identifiers) AS x(kind text, value text)
           JOIN public.identifiers i ON i.kind = x.kind AND i.value = x.value
           JOIN public.entities e ON e.id = i.entity_id
          WHERE e.type = 'person' AND e.deleted_at IS NULL AND e.external_id ~ '${MADE_PERSON_KEY}'
          ORDER BY w.ord, e.created_at, e.id
       ), chosen AS (
         SELECT DISTINCT ON (id) * FROM candidates ORDER BY id, ord
       )
       UPDATE public.entities e SET source = c.source, external_id = c.external_id
         FROM chosen c WHERE e.id = c.id`,
      [JSON.stringify(items)],
    );
    return result.rowCount ?? 0;
  },
};
