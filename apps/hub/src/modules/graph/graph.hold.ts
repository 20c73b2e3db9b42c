import type { Sql } from '../../platform/db/index.ts';

/**
 * Holds the owner's persons against merges and undos until the caller's transaction ends, and
 * says which live person each one is now: a merged one maps to its survivor (held too).
 *
 * The hold is a shared transaction-level advisory lock per person; a merge or an undo takes
 * the same locks exclusively (`excludePersonHolds`) before it looks at anything. So whatever
 * the caller then writes under a held person's id is either there before the merge looks (and
 * moved by it) or written after it committed, under the survivor's id (the person is read
 * again once held, in a snapshot of its own, so that it sees the merge). Advisory locks, not
 * `FOR SHARE`: row share locks write each person row (and make MultiXacts when texts of one
 * sender arrive together), which cost the inbound SMS path a third of its throughput. Keys are
 * taken in one order on both sides, so holds and merges cannot deadlock. Ids that are no
 * person of the owner are left out. One round trip: `public.graph_hold_persons`
 * (migrations/0010, its key from 0011), which a caller can also call inside the statement that finds the persons.
 */
export async function holdPersons(tx: Sql, ownerId: string, ids: readonly string[]): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const result = await tx.query<{ id: string; live_id: string }>(
    'SELECT id, live_id FROM public.graph_hold_persons($1, $2::uuid[])',
    [ownerId, [...new Set(ids)]],
  );
  return new Map(result.rows.map((row) => [row.id, row.live_id]));
}

/**
 * For a merge or its undo, before it reads the persons: waits until no writer holds them
 * (`holdPersons`), and keeps new holds waiting until it commits. The keys are
 * `public.graph_person_hold_key` (migrations/0011), the one graph_hold_persons locks too.
 */
export async function excludePersonHolds(tx: Sql, ids: readonly string[]): Promise<void> {
  await tx.query(
    `SELECT pg_catalog.pg_advisory_xact_lock(s.key)
       FROM (SELECT DISTINCT public.graph_person_hold_key(k.id) AS key FROM unnest($1::uuid[]) AS k(id) ORDER BY 1) s`,
    [ids],
  );
}
