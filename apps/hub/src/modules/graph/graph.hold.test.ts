import { uuidv7 } from 'uuidv7';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabaseKinds } from '../../../test/databases.ts';
import { createTestHub, type TestHub } from '../../../test/hub.ts';
import { bearer, signUpUser, type SignedUpUser } from '../../../test/users.ts';
import type { Sql } from '../../platform/db/index.ts';
import { excludePersonHolds, holdPersons } from './graph.hold.ts';

/**
 * holdPersons (public.graph_hold_persons): which live person each asked id stands for, as the
 * writers that hold persons against merges see it (Twilio's inbound texts and callbacks, sends).
 * That a merge waits for a hold is proven end to end by messages.merges.race.test.ts; here,
 * that both sides lock the one key public.graph_person_hold_key gives (migrations/0011).
 */
describe.each(testDatabaseKinds())('person holds on %s', (kind) => {
  let hub: TestHub;
  let alice: SignedUpUser;
  let bob: SignedUpUser;

  const person = async (user: SignedUpUser, name: string) => {
    const response = await hub.app.inject({
      method: 'POST',
      url: '/api/v1/persons',
      headers: bearer(user),
      payload: { name },
    });
    expect(response.statusCode, response.body).toBe(201);
    return response.json().id as string;
  };
  const merge = async (survivor: string, other: string) => {
    const response = await hub.app.inject({
      method: 'POST',
      url: `/api/v1/persons/${survivor}/merge`,
      headers: bearer(alice),
      payload: { otherId: other },
    });
    expect(response.statusCode, response.body).toBe(200);
  };
  const hold = (ids: string[]) => hub.db.asUser(alice.claims, (tx) => holdPersons(tx, alice.id, ids));

  beforeAll(async () => {
    hub = await createTestHub(kind);
    alice = await signUpUser(hub);
    bob = await signUpUser(hub);
  }, 180_000);
  afterAll(() => hub?.close(), 180_000);

  it('maps a live person to itself and a merged one to its survivor, and leaves out what is no person of the owner', async () => {
    const [ann, annToo, carl] = [
      await person(alice, 'Ann'),
      await person(alice, 'Ann Too'),
      await person(alice, 'Carl'),
    ];
    await merge(ann, annToo);
    const bobs = await person(bob, 'Bob');
    const note = uuidv7();
    await hub.db.asUser(alice.claims, (tx) =>
      tx.query(`INSERT INTO public.entities (id, type, title) VALUES ($1, 'note', 'n')`, [note]),
    );

    const held = await hold([ann, annToo, carl, carl, note, bobs, uuidv7()]);
    expect(Object.fromEntries(held)).toEqual({ [ann]: ann, [annToo]: ann, [carl]: carl });
    expect(await hold([])).toEqual(new Map());
  });

  it('follows a chain of merges (merges racing) to the live person, and refuses a cycle', async () => {
    const [a, b, c] = [await person(alice, 'A'), await person(alice, 'B'), await person(alice, 'C')];
    // Merges repoint earlier tombstones, so a chain exists only while merges race: made by hand here.
    const tombstone = (id: string, into: string) =>
      hub.db.asOwner((tx) =>
        tx.query(`UPDATE public.entities SET merged_into_id = $2, deleted_at = now() WHERE id = $1`, [id, into]),
      );
    await tombstone(c, b);
    await tombstone(b, a);
    expect(Object.fromEntries(await hold([c, b]))).toEqual({ [c]: a, [b]: a });

    await tombstone(a, c);
    await expect(hold([c])).rejects.toThrow(/merge chain did not end/);
  });

  it("locks, shared, the very keys a merge locks exclusively: each person's graph_person_hold_key", async () => {
    const ids = [await person(alice, 'Dora'), await person(alice, 'Ed')];
    // A bigint advisory key is in pg_locks as its high (classid) and low (objid) 32 bits.
    const locked = (mode: 'ShareLock' | 'ExclusiveLock') =>
      `SELECT ((l.classid::bigint << 32) | l.objid::bigint)::text AS key FROM pg_catalog.pg_locks l
        WHERE l.locktype = 'advisory' AND l.objsubid = 1 AND l.pid = pg_catalog.pg_backend_pid() AND l.mode = '${mode}'
        ORDER BY (l.classid::bigint << 32) | l.objid::bigint`;
    const keysOf =
      (sql: string, params: unknown[] = []) =>
      (tx: Sql) =>
        tx.query<{ key: string }>(sql, params).then((result) => result.rows.map((row) => row.key));
    const expected = await hub.db.asUser(
      alice.claims,
      keysOf(`SELECT public.graph_person_hold_key(k)::text AS key FROM unnest($1::uuid[]) AS k`, [ids]),
    );
    const shared = await hub.db.asUser(alice.claims, async (tx) => {
      await holdPersons(tx, alice.id, ids);
      return keysOf(locked('ShareLock'))(tx);
    });
    const exclusive = await hub.db.asUser(alice.claims, async (tx) => {
      await excludePersonHolds(tx, ids);
      return keysOf(locked('ExclusiveLock'))(tx);
    });
    expect(shared).toHaveLength(2);
    expect(new Set(shared)).toEqual(new Set(expected));
    expect(exclusive).toEqual(shared);
  });
});
