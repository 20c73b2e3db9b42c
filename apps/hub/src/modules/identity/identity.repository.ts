import type { Sql } from '../../platform/db/index.ts';
import type { MatchReason } from './identity.scoring.ts';

/**
 * The only SQL of the identity module. The matcher's statements run in a service_role
 * transaction and name the owner explicitly; the review statements run as the user (RLS).
 */

export type ProfileRow = {
  id: string;
  title: string;
  properties: Record<string, unknown>;
  identifiers: { kind: 'phone' | 'email'; value: string }[];
};

export interface SuggestionInput {
  id: string;
  a: string;
  b: string;
  score: number;
  reasons: MatchReason[];
}

const summary = (e: string) => `json_build_object(
  'id', ${e}.id,
  'name', ${e}.title,
  'organization', ${e}.properties->>'organization',
  'jobTitle', ${e}.properties->>'jobTitle',
  'emails', (SELECT coalesce(json_agg(i.value ORDER BY i.value), '[]'::json) FROM public.identifiers i
             WHERE i.owner_id = ${e}.owner_id AND i.entity_id = ${e}.id AND i.kind = 'email'),
  'phones', (SELECT coalesce(json_agg(i.value ORDER BY i.value), '[]'::json) FROM public.identifiers i
             WHERE i.owner_id = ${e}.owner_id AND i.entity_id = ${e}.id AND i.kind = 'phone'),
  'displayEmails', coalesce(${e}.properties->'emails', '[]'::jsonb),
  'displayPhones', coalesce(${e}.properties->'phones', '[]'::jsonb),
  'linkCount', (SELECT count(*) FROM public.entity_links l WHERE l.owner_id = ${e}.owner_id AND (l.from_id = ${e}.id OR l.to_id = ${e}.id))::int,
  'createdAt', to_char(${e}.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
  'source', ${e}.source)`;

export type SuggestionRow = {
  id: string;
  score: number;
  reasons: MatchReason[];
  status: 'open' | 'accepted' | 'dismissed';
  created_at: string;
  merge_id: string | null;
  a: Record<string, unknown>;
  b: Record<string, unknown>;
  total: number;
  cursor_score: string;
};

export const identityRepository = {
  /** Live persons among these ids, with identifiers: what the matcher scores. */
  async profiles(tx: Sql, ownerId: string, ids: string[]): Promise<ProfileRow[]> {
    if (ids.length === 0) return [];
    const result = await tx.query<ProfileRow>(
      `SELECT e.id, e.title, e.properties,
              (SELECT coalesce(json_agg(json_build_object('kind', i.kind, 'value', i.value)), '[]'::json)
               FROM public.identifiers i WHERE i.owner_id = e.owner_id AND i.entity_id = e.id) AS identifiers
       FROM public.entities e
       WHERE e.owner_id = $1 AND e.id = ANY($2::uuid[]) AND e.type = 'person' AND e.deleted_at IS NULL`,
      [ownerId, ids],
    );
    return result.rows;
  },

  /** Replaces the blocking keys of these persons (none for those gone). */
  async replaceKeys(tx: Sql, ownerId: string, personIds: string[], keys: { key: string; person_id: string }[]) {
    if (personIds.length === 0) return;
    await tx.query(`DELETE FROM public.person_match_keys WHERE owner_id = $1 AND person_id = ANY($2::uuid[])`, [
      ownerId,
      personIds,
    ]);
    if (keys.length === 0) return;
    await tx.query(
      `INSERT INTO public.person_match_keys (owner_id, key, person_id)
       SELECT $1, k.key, k.person_id FROM jsonb_to_recordset($2::jsonb) AS k(key text, person_id uuid)
       ON CONFLICT DO NOTHING`,
      [ownerId, JSON.stringify(keys)],
    );
  },

  /**
   * Who holds these keys. A name key held by more than `maxBlock` persons says nothing and
   * returns no one: each key's count stops at maxBlock + 1 on the primary key's index, so a
   * common family name costs the same in an address book of 200 or of 200,000.
   */
  async holders(
    tx: Sql,
    ownerId: string,
    keys: string[],
    maxBlock: number,
  ): Promise<{ key: string; person_id: string }[]> {
    if (keys.length === 0) return [];
    const result = await tx.query<{ key: string; person_id: string }>(
      `SELECT m.key, m.person_id FROM public.person_match_keys m
        WHERE m.owner_id = $1 AND m.key IN (
          SELECT k FROM unnest($2::text[]) AS k
           WHERE k LIKE 'e:%' OR k LIKE 'p:%'
              OR (SELECT count(*) FROM (SELECT 1 FROM public.person_match_keys c
                                         WHERE c.owner_id = $1 AND c.key = k LIMIT $3 + 1) capped) <= $3)`,
      [ownerId, keys, maxBlock],
    );
    return result.rows;
  },

  /**
   * The pairs found for these persons: new ones open, open ones rescored; accepted and
   * dismissed ones are left as they are (a dismissed pair stays dismissed). Open
   * suggestions of these persons that no longer score are withdrawn.
   */
  async saveSuggestions(tx: Sql, ownerId: string, personIds: string[], found: SuggestionInput[]) {
    if (personIds.length === 0) return;
    await tx.query(
      `DELETE FROM public.person_suggestions s
       WHERE s.owner_id = $1 AND s.status = 'open'
         AND (s.person_a_id = ANY($2::uuid[]) OR s.person_b_id = ANY($2::uuid[]))
         AND NOT EXISTS (SELECT 1 FROM jsonb_to_recordset($3::jsonb) AS f(a uuid, b uuid)
                         WHERE f.a = s.person_a_id AND f.b = s.person_b_id)`,
      [ownerId, personIds, JSON.stringify(found.map(({ a, b }) => ({ a, b })))],
    );
    if (found.length === 0) return;
    await tx.query(
      `INSERT INTO public.person_suggestions AS s (id, owner_id, person_a_id, person_b_id, score, reasons)
       SELECT f.id, $1, f.a, f.b, f.score, f.reasons FROM jsonb_to_recordset($2::jsonb) AS f(id uuid, a uuid, b uuid, score real, reasons jsonb)
       ON CONFLICT (owner_id, person_a_id, person_b_id) DO UPDATE
         SET score = excluded.score, reasons = excluded.reasons, updated_at = now()
         WHERE s.status = 'open' AND (s.score, s.reasons) IS DISTINCT FROM (excluded.score, excluded.reasons)`,
      [ownerId, JSON.stringify(found)],
    );
  },

  /** A merge made outside the queue (POST /persons/:id/merge) settles the pair's suggestion. */
  async settleMerged(tx: Sql, ownerId: string, survivorId: string, mergedId: string) {
    const [a, b] = survivorId < mergedId ? [survivorId, mergedId] : [mergedId, survivorId];
    await tx.query(
      `UPDATE public.person_suggestions s SET status = 'accepted', decided_at = now(), updated_at = now(), merge_id = m.id
       FROM (SELECT m.id FROM public.person_merges m WHERE m.owner_id = $1::uuid AND m.survivor_id = $2::uuid
             AND m.merged_id = $3::uuid AND m.undone_at IS NULL ORDER BY m.created_at DESC LIMIT 1) AS m
       WHERE s.owner_id = $1::uuid AND s.status = 'open' AND s.person_a_id = $4::uuid AND s.person_b_id = $5::uuid`,
      [ownerId, survivorId, mergedId, a, b],
    );
  },

  /** Live persons that have no blocking keys yet (made before this module, or never matched). */
  async unkeyedPersons(
    tx: Sql,
    limit: number,
    after?: { owner_id: string; id: string },
  ): Promise<{ owner_id: string; id: string }[]> {
    const result = await tx.query<{ owner_id: string; id: string }>(
      `SELECT e.owner_id, e.id FROM public.entities e
       WHERE e.type = 'person' AND e.deleted_at IS NULL
         AND ($2::uuid IS NULL OR (e.owner_id, e.id) > ($2::uuid, $3::uuid))
         AND NOT EXISTS (SELECT 1 FROM public.person_match_keys k WHERE k.owner_id = e.owner_id AND k.person_id = e.id)
       ORDER BY e.owner_id, e.id LIMIT $1`,
      [limit, after?.owner_id ?? null, after?.id ?? null],
    );
    return result.rows;
  },

  /** One page of open suggestions whose persons both live, best first, and how many there are. */
  async openPage(tx: Sql, limit: number, after?: { score: string; id: string }): Promise<SuggestionRow[]> {
    const result = await tx.query<SuggestionRow>(
      `WITH open AS (
         SELECT s.* FROM public.person_suggestions s
         JOIN public.entities a ON a.owner_id = s.owner_id AND a.id = s.person_a_id AND a.deleted_at IS NULL
         JOIN public.entities b ON b.owner_id = s.owner_id AND b.id = s.person_b_id AND b.deleted_at IS NULL
         WHERE s.status = 'open')
       SELECT s.id, s.score, s.reasons, s.status, s.merge_id, s.score::text AS cursor_score,
              to_char(s.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS created_at,
              ${summary('a')} AS a, ${summary('b')} AS b,
              (SELECT count(*) FROM open)::int AS total
       FROM open s
       JOIN public.entities a ON a.owner_id = s.owner_id AND a.id = s.person_a_id
       JOIN public.entities b ON b.owner_id = s.owner_id AND b.id = s.person_b_id
       WHERE ($2::real IS NULL OR (s.score, s.id) < ($2::real, $3::uuid))
       ORDER BY s.score DESC, s.id DESC
       LIMIT $1`,
      [limit, after?.score ?? null, after?.id ?? null],
    );
    return result.rows;
  },

  async lockSuggestion(
    tx: Sql,
    id: string,
  ): Promise<{ id: string; person_a_id: string; person_b_id: string; status: string } | undefined> {
    const result = await tx.query<{ id: string; person_a_id: string; person_b_id: string; status: string }>(
      `SELECT id, person_a_id, person_b_id, status FROM public.person_suggestions WHERE id = $1 FOR UPDATE`,
      [id],
    );
    return result.rows[0];
  },

  async decide(tx: Sql, id: string, status: 'accepted' | 'dismissed', mergeId: string | null) {
    await tx.query(
      `UPDATE public.person_suggestions SET status = $2, merge_id = $3, decided_at = now(), updated_at = now() WHERE id = $1`,
      [id, status, mergeId],
    );
  },

  /** Undoing a merge puts the suggestion it accepted back in the queue, as it was. */
  async reopenForMerge(tx: Sql, mergeId: string): Promise<string[]> {
    const result = await tx.query<{ id: string }>(
      `UPDATE public.person_suggestions SET status = 'open', merge_id = NULL, decided_at = NULL, updated_at = now()
       WHERE merge_id = $1 RETURNING id`,
      [mergeId],
    );
    return result.rows.map((r) => r.id);
  },
};
