import { uuidv7 } from 'uuidv7';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RequestClaims, Sql } from '../../platform/db/index.ts';
import { testDatabaseKinds } from '../../../test/databases.ts';
import { createTestHub, type TestHub } from '../../../test/hub.ts';
import { signUpUser } from '../../../test/users.ts';

/**
 * The RLS matrix Supabase recommends, for each graph table: {select, insert, update,
 * delete} x {owner, other user, anon}, asserting affected-row counts under the real
 * request roles (db.asUser), plus the same-owner rule for links and identifiers.
 */
/** A hub on PGlite plus argon2 sign-ups can take minutes on a busy two-core machine. */
const hubStartTimeout = 180_000;

describe.each(testDatabaseKinds())('graph RLS on %s', (kind) => {
  let hub: TestHub;
  let owner: { id: string; claims: RequestClaims };
  let other: { id: string; claims: RequestClaims };
  const anon: RequestClaims = { role: 'anon' };
  // Alice's rows, made once.
  const ids = { note: uuidv7(), person: uuidv7(), message: uuidv7(), link: uuidv7(), identifier: uuidv7() };

  beforeAll(async () => {
    hub = await createTestHub(kind);
    const [a, b] = [await signUpUser(hub), await signUpUser(hub)];
    owner = { id: a.id, claims: a.claims };
    other = { id: b.id, claims: b.claims };
    await hub.db.asUser(owner.claims, async (tx) => {
      await tx.query(
        `INSERT INTO public.entities (id, type, title) VALUES ($1, 'note', 'n'), ($2, 'person', 'p'), ($3, 'message', 'm')`,
        [ids.note, ids.person, ids.message],
      );
      await tx.query(`INSERT INTO public.entity_links (id, kind, from_id, to_id) VALUES ($1, 'from', $2, $3)`, [
        ids.link,
        ids.message,
        ids.person,
      ]);
      await tx.query(
        `INSERT INTO public.identifiers (id, kind, value, entity_id) VALUES ($1, 'email', 'a@example.com', $2)`,
        [ids.identifier, ids.person],
      );
    });
  }, hubStartTimeout);
  afterAll(() => hub?.close(), hubStartTimeout);

  const as = <T>(claims: RequestClaims, work: (tx: Sql) => Promise<T>) => hub.db.asUser(claims, work);
  /** Rows seen (SELECT) or changed (INSERT/UPDATE/DELETE). PGlite reports rowCount 0 for a SELECT. */
  const count = async (claims: RequestClaims, text: string, params: unknown[]) => {
    const result = await as(claims, (tx) => tx.query(text, params));
    return text.trimStart().startsWith('SELECT') ? result.rows.length : result.rowCount;
  };
  const rejected = (claims: RequestClaims, text: string, params: unknown[]) =>
    expect(as(claims, (tx) => tx.query(text, params))).rejects.toMatchObject({ code: '42501' });

  interface TableCase {
    table: string;
    id: () => string;
    /** An insert of a fresh row (its id is $1), owned by whoever runs it unless owner_id is given as $2. */
    insert: (withOwner: boolean) => { text: string; params: (id: string, ownerId: string) => unknown[] };
    update: string;
  }

  const tables: TableCase[] = [
    {
      table: 'entities',
      id: () => ids.note,
      insert: (withOwner) => ({
        text: withOwner
          ? `INSERT INTO public.entities (id, owner_id, type, title) VALUES ($1, $2, 'note', 'x')`
          : `INSERT INTO public.entities (id, type, title) VALUES ($1, 'note', 'x')`,
        params: (id, ownerId) => (withOwner ? [id, ownerId] : [id]),
      }),
      update: `UPDATE public.entities SET title = 'changed' WHERE id = $1`,
    },
    {
      table: 'entity_links',
      id: () => ids.link,
      insert: (withOwner) => ({
        text: withOwner
          ? `INSERT INTO public.entity_links (id, owner_id, kind, from_id, to_id) VALUES ($1, $2, 'about', $3, $4)`
          : `INSERT INTO public.entity_links (id, kind, from_id, to_id) VALUES ($1, 'about', $2, $3)`,
        params: (id, ownerId) => (withOwner ? [id, ownerId, ids.note, ids.person] : [id, ids.note, ids.person]),
      }),
      update: `UPDATE public.entity_links SET kind = 'changed' WHERE id = $1`,
    },
    {
      table: 'identifiers',
      id: () => ids.identifier,
      insert: (withOwner) => ({
        text: withOwner
          ? `INSERT INTO public.identifiers (id, owner_id, kind, value, entity_id) VALUES ($1, $2, 'phone', '+442079460958', $3)`
          : `INSERT INTO public.identifiers (id, kind, value, entity_id) VALUES ($1, 'phone', '+442079460001', $2)`,
        params: (id, ownerId) => (withOwner ? [id, ownerId, ids.person] : [id, ids.person]),
      }),
      update: `UPDATE public.identifiers SET value = 'b@example.com' WHERE id = $1`,
    },
  ];

  describe.each(tables)('$table', (t) => {
    it('select: the owner sees the row, another user sees nothing, anon is refused', async () => {
      const text = `SELECT 1 FROM public.${t.table} WHERE id = $1`;
      expect(await count(owner.claims, text, [t.id()])).toBe(1);
      expect(await count(other.claims, text, [t.id()])).toBe(0);
      expect(await count(other.claims, `SELECT 1 FROM public.${t.table}`, [])).toBe(0);
      await rejected(anon, text, [t.id()]);
    });

    it('insert: the owner may; nobody may insert a row owned by someone else; anon is refused', async () => {
      const own = t.insert(false);
      expect(await count(owner.claims, own.text, own.params(uuidv7(), owner.id))).toBe(1);
      const foreign = t.insert(true);
      await rejected(other.claims, foreign.text, foreign.params(uuidv7(), owner.id));
      await rejected(anon, foreign.text, foreign.params(uuidv7(), owner.id));
      await rejected(anon, own.text, own.params(uuidv7(), owner.id));
    });

    it('update: the owner changes the row, another user changes nothing, anon is refused, owner_id cannot be handed over', async () => {
      expect(await count(other.claims, t.update, [t.id()])).toBe(0);
      await rejected(anon, t.update, [t.id()]);
      await rejected(owner.claims, `UPDATE public.${t.table} SET owner_id = $2 WHERE id = $1`, [t.id(), other.id]);
      expect(await count(owner.claims, t.update, [t.id()])).toBe(1);
    });

    it('delete: another user deletes nothing, anon is refused, the owner deletes the row', async () => {
      const text = `DELETE FROM public.${t.table} WHERE id = $1`;
      // Delete a fresh row of the owner's, so the other cases keep theirs.
      const fresh = uuidv7();
      const own = t.insert(false);
      const params = own.params(fresh, owner.id);
      await as(owner.claims, (tx) =>
        tx.query(
          t.table === 'identifiers'
            ? own.text.replace('+442079460001', '+442079460002')
            : own.text.replace("'about'", "'cites'"),
          params,
        ),
      );
      expect(await count(other.claims, text, [fresh])).toBe(0);
      await rejected(anon, text, [fresh]);
      expect(await count(owner.claims, text, [fresh])).toBe(1);
    });
  });

  it("links and identifiers can only point at the owner's own entities (composite foreign keys)", async () => {
    const bobsNote = uuidv7();
    await as(other.claims, (tx) => tx.query(`INSERT INTO public.entities (id, type) VALUES ($1, 'note')`, [bobsNote]));
    // Bob owns the link row but names Alice's entity: no such (owner, id) pair.
    await expect(
      as(other.claims, (tx) =>
        tx.query(`INSERT INTO public.entity_links (id, kind, from_id, to_id) VALUES ($1, 'about', $2, $3)`, [
          uuidv7(),
          bobsNote,
          ids.person,
        ]),
      ),
    ).rejects.toMatchObject({ code: '23503' });
    await expect(
      as(other.claims, (tx) =>
        tx.query(
          `INSERT INTO public.identifiers (id, kind, value, entity_id) VALUES ($1, 'email', 'x@example.com', $2)`,
          [uuidv7(), ids.person],
        ),
      ),
    ).rejects.toMatchObject({ code: '23503' });
    // Identifiers resolve to persons only.
    await expect(
      as(owner.claims, (tx) =>
        tx.query(
          `INSERT INTO public.identifiers (id, kind, value, entity_id) VALUES ($1, 'email', 'n@example.com', $2)`,
          [uuidv7(), ids.note],
        ),
      ),
    ).rejects.toMatchObject({ code: '23503' });
    // Unnormalised values are refused by the table itself.
    await expect(
      as(owner.claims, (tx) =>
        tx.query(
          `INSERT INTO public.identifiers (id, kind, value, entity_id) VALUES ($1, 'phone', '020 7946 0958', $2)`,
          [uuidv7(), ids.person],
        ),
      ),
    ).rejects.toMatchObject({ code: '23514' });
  });

  it('has RLS enabled and forced, and no grant for anon, on every graph table', async () => {
    const rows = await hub.db.asOwner((tx) =>
      tx.query<{ relname: string; on: boolean; forced: boolean; anon: boolean }>(
        `SELECT c.relname, c.relrowsecurity AS on, c.relforcerowsecurity AS forced,
                has_table_privilege('anon', c.oid, 'SELECT') AS anon
         FROM pg_class c WHERE c.oid IN ('public.entities'::regclass, 'public.entity_links'::regclass, 'public.identifiers'::regclass)
         ORDER BY 1`,
      ),
    );
    expect(rows.rows).toEqual([
      { relname: 'entities', on: true, forced: true, anon: false },
      { relname: 'entity_links', on: true, forced: true, anon: false },
      { relname: 'identifiers', on: true, forced: true, anon: false },
    ]);
  });
});
