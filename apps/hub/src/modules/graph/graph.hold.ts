import type { Sql } from '../../platform/db/index.ts';

/** A person as a locking read returned it: its newest version, merged or not. */
export interface HeldPerson {
  id: string;
  mergedIntoId: string | null;
}

/** Merges repoint earlier tombstones, so one step reaches the live person; more only while merges race. */
const maxMergeSteps = 8;

/**
 * Holds the owner's persons against merges and undos until the caller's transaction ends, and
 * says which live person each one is now: a merged one maps to its survivor (held too).
 *
 * A merge locks both persons FOR NO KEY UPDATE before it moves anything, and FOR SHARE waits
 * for it (or makes it wait), so whatever the caller then writes under a held person's id is
 * either there before the merge looks (and moved by it) or written after it committed, under
 * the survivor's id. Locks are taken in id order, as the merge takes them, so they cannot
 * deadlock with it. Take them after making persons: ingest makes persons under a per-owner
 * lock that contact syncs take before they update person rows. Ids that are no person of the
 * owner are left out.
 */
export async function holdPersons(tx: Sql, ownerId: string, ids: readonly string[]): Promise<Map<string, string>> {
  const live = new Map<string, string>();
  const held = await lockPersons(tx, ownerId, [...new Set(ids)]);
  for (const person of held) live.set(person.id, person.id);
  return followMerges(tx, ownerId, held, live);
}

/**
 * `holdPersons` for persons the caller's own query already locked FOR SHARE (a status callback
 * finds its thread's person that way): only the merged ones are followed, each to its
 * survivor, which is held too.
 */
export async function followMerges(
  tx: Sql,
  ownerId: string,
  held: readonly HeldPerson[],
  live: Map<string, string> = new Map(held.map((person) => [person.id, person.id])),
): Promise<Map<string, string>> {
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
      if (target.mergedIntoId !== null) still.push({ id: target.id, mergedIntoId: target.mergedIntoId });
    }
    pending = still;
  }
  return live;
}

async function lockPersons(tx: Sql, ownerId: string, ids: readonly string[]): Promise<HeldPerson[]> {
  if (ids.length === 0) return [];
  const result = await tx.query<{ id: string; merged_into_id: string | null }>(
    `SELECT id, merged_into_id FROM public.entities
      WHERE owner_id = $1 AND id = ANY($2::uuid[]) AND type = 'person'
      ORDER BY id FOR SHARE`,
    [ownerId, ids],
  );
  return result.rows.map((row) => ({ id: row.id, mergedIntoId: row.merged_into_id }));
}
