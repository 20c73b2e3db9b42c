import type { Sql } from '../../platform/db/index.ts';

/** A person as read once held: its newest version, merged or not. */
interface HeldPerson {
  id: string;
  mergedIntoId: string | null;
}

/** Merges repoint earlier tombstones, so one step reaches the live person; more only while merges race. */
const maxMergeSteps = 8;

/**
 * Holds the owner's persons against merges and undos until the caller's transaction ends, and
 * says which live person each one is now: a merged one maps to its survivor (held too).
 *
 * The hold is a shared transaction-level advisory lock per person; a merge or an undo takes
 * the same locks exclusively (`excludePersonHolds`) before it looks at anything. So whatever
 * the caller then writes under a held person's id is either there before the merge looks (and
 * moved by it) or written after it committed, under the survivor's id (the person is read
 * again once held, in a statement of its own so that it sees the merge). Advisory locks, not
 * `FOR SHARE`: row share locks write each person row (and make MultiXacts when texts of one
 * sender arrive together), which cost the inbound SMS path a third of its throughput. Keys are
 * taken in one order on both sides, so holds and merges cannot deadlock. Ids that are no
 * person of the owner are left out.
 */
export async function holdPersons(tx: Sql, ownerId: string, ids: readonly string[]): Promise<Map<string, string>> {
  return followMerges(tx, ownerId, await lockPersons(tx, ownerId, [...new Set(ids)]));
}

/** Follows the held persons that were merged, each to its survivor, which is held too. */
async function followMerges(tx: Sql, ownerId: string, held: readonly HeldPerson[]): Promise<Map<string, string>> {
  const live = new Map(held.map((person) => [person.id, person.id]));
  let pending = held.filter((person) => person.mergedIntoId !== null);
  for (let step = 0; pending.length > 0; step++) {
    if (step === maxMergeSteps) throw new Error('A person merge chain did not end: the graph is inconsistent.');
    const next = await lockPersons(
      tx,
      ownerId,
      pending.map((person) => person.mergedIntoId!),
    );
    const byId = new Map(next.map((person) => [person.id, person]));
    const still: HeldPerson[] = [];
    for (const person of pending) {
      const target = byId.get(person.mergedIntoId!);
      // The survivor is gone (never, as merges keep it): the tombstone's own id stays.
      if (!target) continue;
      for (const [from, to] of live) if (to === person.id) live.set(from, target.id);
      if (target.mergedIntoId !== null) still.push(target);
    }
    pending = still;
  }
  return live;
}

/** The advisory lock key of a person's hold (collisions only make a writer wait for a merge). */
const holdKey = `pg_catalog.hashtextextended('made_open.person-hold:' || k.id::text, 0)`;

async function lockPersons(tx: Sql, ownerId: string, ids: readonly string[]): Promise<HeldPerson[]> {
  if (ids.length === 0) return [];
  await tx.query(
    `SELECT pg_catalog.pg_advisory_xact_lock_shared(s.key)
       FROM (SELECT DISTINCT ${holdKey} AS key FROM unnest($1::uuid[]) AS k(id) ORDER BY 1) s`,
    [ids],
  );
  const result = await tx.query<{ id: string; merged_into_id: string | null }>(
    `SELECT id, merged_into_id FROM public.entities WHERE owner_id = $1 AND id = ANY($2::uuid[]) AND type = 'person'`,
    [ownerId, ids],
  );
  return result.rows.map((row) => ({ id: row.id, mergedIntoId: row.merged_into_id }));
}

/**
 * For a merge or its undo, before it reads the persons: waits until no writer holds them
 * (`holdPersons`), and keeps new holds waiting until it commits.
 */
export async function excludePersonHolds(tx: Sql, ids: readonly string[]): Promise<void> {
  await tx.query(
    `SELECT pg_catalog.pg_advisory_xact_lock(s.key)
       FROM (SELECT DISTINCT ${holdKey} AS key FROM unnest($1::uuid[]) AS k(id) ORDER BY 1) s`,
    [ids],
  );
}
