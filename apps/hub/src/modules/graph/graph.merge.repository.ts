import type { Actor, Entity, Identifier, Link } from '@made-open/shared';
import type { Sql } from '../../platform/db/index.ts';
import { entityJson, identifierJson, linkJson } from './graph.repository.ts';

/**
 * SQL of the merge journal (migrations/0007): what a merge changed, recorded in its
 * transaction, and the statements that put it back.
 */

export interface JournalLink {
  id: string;
  kind: string;
  from_id: string;
  to_id: string;
  created_at: string;
}

export interface MergeBefore {
  survivor: { title: string; body: string; properties: Record<string, unknown>; occurred_at: string | null };
  merged: { title: string; body: string; properties: Record<string, unknown>; occurred_at: string | null };
  /** Every link that touched the merged person. */
  links: JournalLink[];
  identifiers: { id: string; kind: string; value: string; created_at: string }[];
  /** Earlier tombstones that pointed at the merged person. */
  repointed: string[];
  droppedLinkIds: string[];
}

export interface MergeAfter {
  body: string;
  properties: Record<string, unknown>;
}

export type MergeRow = {
  id: string;
  survivor_id: string;
  merged_id: string;
  before: MergeBefore;
  after: MergeAfter;
  created_at: string;
  undone_at: string | null;
};

export const mergeRepository = {
  /** Both persons, the merged one's links and identifiers, and its tombstones: before anything moves. */
  async snapshot(tx: Sql, survivorId: string, mergedId: string): Promise<Omit<MergeBefore, 'droppedLinkIds'>> {
    const result = await tx.query<{ before: Omit<MergeBefore, 'droppedLinkIds'> }>(
      `SELECT jsonb_build_object(
         'survivor', (SELECT jsonb_build_object('title', e.title, 'body', e.body, 'properties', e.properties, 'occurred_at', e.occurred_at)
                      FROM public.entities e WHERE e.id = $1),
         'merged', (SELECT jsonb_build_object('title', e.title, 'body', e.body, 'properties', e.properties, 'occurred_at', e.occurred_at)
                    FROM public.entities e WHERE e.id = $2),
         'links', (SELECT coalesce(jsonb_agg(jsonb_build_object('id', l.id, 'kind', l.kind, 'from_id', l.from_id,
                     'to_id', l.to_id, 'created_at', l.created_at) ORDER BY l.id), '[]'::jsonb)
                   FROM public.entity_links l WHERE l.from_id = $2 OR l.to_id = $2),
         'identifiers', (SELECT coalesce(jsonb_agg(jsonb_build_object('id', i.id, 'kind', i.kind, 'value', i.value,
                           'created_at', i.created_at) ORDER BY i.id), '[]'::jsonb)
                         FROM public.identifiers i WHERE i.entity_id = $2),
         'repointed', (SELECT coalesce(jsonb_agg(e.id ORDER BY e.id), '[]'::jsonb) FROM public.entities e WHERE e.merged_into_id = $2)
       ) AS before`,
      [survivorId, mergedId],
    );
    return result.rows[0]!.before;
  },

  async record(
    tx: Sql,
    row: { id: string; survivorId: string; mergedId: string; before: MergeBefore; after: MergeAfter; actor: Actor },
  ) {
    await tx.query(
      `INSERT INTO public.person_merges (id, survivor_id, merged_id, before, after, actor) VALUES ($1, $2, $3, $4::jsonb, $5::jsonb, $6::jsonb)`,
      [
        row.id,
        row.survivorId,
        row.mergedId,
        JSON.stringify(row.before),
        JSON.stringify(row.after),
        JSON.stringify(row.actor),
      ],
    );
  },

  async lock(tx: Sql, id: string): Promise<MergeRow | undefined> {
    const result = await tx.query<MergeRow>(
      `SELECT id, survivor_id, merged_id, before, after, created_at::text, undone_at::text
       FROM public.person_merges WHERE id = $1 FOR UPDATE`,
      [id],
    );
    return result.rows[0];
  },

  /** The merge, not undone, that folded this person away (for "undo that one first"). */
  async activeMergeOf(tx: Sql, mergedId: string): Promise<string | undefined> {
    const result = await tx.query<{ id: string }>(
      `SELECT id FROM public.person_merges WHERE merged_id = $1 AND undone_at IS NULL ORDER BY created_at DESC LIMIT 1`,
      [mergedId],
    );
    return result.rows[0]?.id;
  },

  /** Links the merge moved go back to their old ends (those deleted since stay deleted). */
  async moveLinksBack(tx: Sql, links: JournalLink[]): Promise<string[]> {
    if (links.length === 0) return [];
    const result = await tx.query<{ id: string }>(
      `UPDATE public.entity_links l SET from_id = s.from_id, to_id = s.to_id
       FROM jsonb_to_recordset($1::jsonb) AS s(id uuid, from_id uuid, to_id uuid)
       WHERE l.id = s.id AND (l.from_id, l.to_id) IS DISTINCT FROM (s.from_id, s.to_id)
       RETURNING l.id`,
      [JSON.stringify(links)],
    );
    return result.rows.map((r) => r.id);
  },

  /** Links the merge dropped come back with their ids and creation times. */
  async reinsertLinks(tx: Sql, links: JournalLink[]): Promise<Link[]> {
    if (links.length === 0) return [];
    const result = await tx.query<{ link: Link }>(
      `INSERT INTO public.entity_links AS l (id, kind, from_id, to_id, created_at)
       SELECT s.id, s.kind, s.from_id, s.to_id, s.created_at
       FROM jsonb_to_recordset($1::jsonb) AS s(id uuid, kind text, from_id uuid, to_id uuid, created_at timestamptz)
       ON CONFLICT DO NOTHING
       RETURNING ${linkJson('l')} AS link`,
      [JSON.stringify(links)],
    );
    return result.rows.map((r) => r.link);
  },

  /** The merged person's identifiers that the survivor still has go back to it. */
  async returnIdentifiers(tx: Sql, survivorId: string, mergedId: string, ids: string[]): Promise<Identifier[]> {
    if (ids.length === 0) return [];
    const result = await tx.query<{ identifier: Identifier }>(
      `UPDATE public.identifiers i SET entity_id = $3 WHERE i.id = ANY($1::uuid[]) AND i.entity_id = $2
       RETURNING ${identifierJson('i')} AS identifier`,
      [ids, survivorId, mergedId],
    );
    return result.rows.map((r) => r.identifier);
  },

  async repointTombstones(tx: Sql, ids: string[], survivorId: string, mergedId: string) {
    if (ids.length === 0) return;
    await tx.query(
      `UPDATE public.entities SET merged_into_id = $3 WHERE id = ANY($1::uuid[]) AND merged_into_id = $2`,
      [ids, survivorId, mergedId],
    );
  },

  /** The merged person lives again, as it was. */
  async revive(tx: Sql, mergedId: string, was: MergeBefore['merged']): Promise<Entity> {
    const result = await tx.query<{ entity: Entity }>(
      `UPDATE public.entities e SET title = $2, body = $3, properties = $4::jsonb, occurred_at = $5::timestamptz,
         deleted_at = NULL, merged_into_id = NULL, version = e.version + 1,
         updated_at = greatest(now(), e.updated_at + interval '1 microsecond')
       WHERE e.id = $1
       RETURNING ${entityJson('e')} AS entity`,
      [mergedId, was.title, was.body, JSON.stringify(was.properties), was.occurred_at],
    );
    return result.rows[0]!.entity;
  },

  async markUndone(tx: Sql, id: string) {
    await tx.query(`UPDATE public.person_merges SET undone_at = now() WHERE id = $1`, [id]);
  },
};
