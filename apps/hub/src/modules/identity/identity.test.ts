import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabaseKinds } from '../../../test/databases.ts';
import { createTestHub, type TestHub } from '../../../test/hub.ts';
import { bearer, signUpUser, type SignedUpUser } from '../../../test/users.ts';
import type { GraphModule } from '../graph/index.ts';

/** A hub on PGlite plus argon2 sign-ups can take minutes on a busy two-core machine. */
const hubStartTimeout = 180_000;

type Json = Record<string, any>;

/**
 * Identity resolution end to end: persons typed through the API and ingested by a
 * connector are matched by the identity consumer; the queue lists, accepts and dismisses;
 * every merge can be undone, field by field.
 */
describe.each(testDatabaseKinds())('identity resolution on %s', { timeout: 120_000 }, (kind) => {
  let hub: TestHub;
  let alice: SignedUpUser;
  let bob: SignedUpUser;

  beforeAll(async () => {
    hub = await createTestHub(kind);
    alice = await signUpUser(hub);
    bob = await signUpUser(hub);
  }, hubStartTimeout);
  afterAll(() => hub?.close(), hubStartTimeout);

  const call = (user: SignedUpUser, options: InjectOptions) =>
    hub.app.inject({ ...options, headers: { ...bearer(user), ...options.headers } });
  const post = (user: SignedUpUser, url: string, payload?: unknown) =>
    call(user, { method: 'POST', url, ...(payload === undefined ? {} : { payload: payload as never }) });
  const get = (user: SignedUpUser, url: string) => call(user, { method: 'GET', url });
  async function ok(response: Awaited<ReturnType<typeof get>>, status = 200): Promise<Json> {
    expect(response.statusCode, response.body).toBe(status);
    return status === 204 ? {} : response.json();
  }
  const person = async (user: SignedUpUser, body: Json) => ok(await post(user, '/api/v1/persons', body), 201);
  const entity = async (id: string) => ok(await get(alice, `/api/v1/entities/${id}`));
  const links = async (id: string) => (await ok(await get(alice, `/api/v1/entities/${id}/links`))).items as Json[];
  const suggestions = async (user = alice, query = 'limit=100') =>
    ok(await get(user, `/api/v1/persons/suggestions?${query}`));

  /** Persons as a CardDAV sync brings them: one ingest, one transaction. */
  const ingestCards = (prefix: string, titles: string[]) => {
    const graph = hub.modules.find((m) => m.name === 'graph') as GraphModule;
    return hub.db.asUser(alice.claims, (tx) =>
      graph.ingest(tx, {
        ownerId: alice.id,
        actor: { kind: 'connector', id: 'carddav' },
        items: titles.map((title, i) => ({
          type: 'person' as const,
          source: 'carddav',
          externalId: `${prefix}-${i}`,
          title,
        })),
      }),
    );
  };

  /** The consumer runs asynchronously: waits until the pair is suggested. */
  async function suggestionFor(x: string, y: string, ms = 60_000): Promise<Json> {
    const until = Date.now() + ms;
    for (;;) {
      const page = await suggestions();
      const found = page.items.find((s: Json) => [s.a.id, s.b.id].sort().join() === [x, y].sort().join());
      if (found) return found;
      if (Date.now() > until) {
        // Say what the database holds for the pair, and any failed event, to tell why.
        const failures = await hub.db.asOwner((tx) =>
          tx.query(
            `SELECT to_jsonb(s) AS r FROM public.person_suggestions s WHERE $1 IN (s.person_a_id, s.person_b_id) OR $2 IN (s.person_a_id, s.person_b_id)
             UNION ALL SELECT to_jsonb(k) FROM public.person_match_keys k WHERE k.person_id IN ($1, $2)
             UNION ALL SELECT jsonb_build_object('id', e.id, 'p', e.properties, 'del', e.deleted_at) FROM public.entities e WHERE e.id IN ($1, $2)
             UNION ALL SELECT to_jsonb(f) FROM made_open.event_failures f UNION ALL SELECT to_jsonb(d) FROM made_open.event_dead_letters d`,
            [x, y],
          ),
        );
        throw new Error(`no suggestion for ${x} and ${y}: ${JSON.stringify(failures.rows).slice(0, 3000)}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  it('creates a typed duplicate, names the other person in the answer and queues the pair', async () => {
    const ann = await person(alice, { name: 'Ann Lovelace', emails: ['ann@example.org'], phones: ['+447700900111'] });
    const copy = await person(alice, {
      name: 'Ann L.',
      emails: ['ANN@example.org'],
      defaultCountry: 'GB',
      phones: ['07700 900111'],
    });
    expect(copy.duplicates).toEqual([
      {
        personId: ann.id,
        name: 'Ann Lovelace',
        reasons: expect.arrayContaining([
          { code: 'same_email', value: 'ann@example.org' },
          { code: 'same_phone', value: '+447700900111' },
        ]),
      },
    ]);
    const suggestion = await suggestionFor(ann.id, copy.id);
    expect(suggestion.score).toBeGreaterThanOrEqual(0.95);
    expect(suggestion.reasons.map((r: Json) => r.code)).toEqual(expect.arrayContaining(['same_email', 'same_phone']));
    // Both summaries: the copy shows the address it typed as a display copy.
    const copySide = suggestion.a.id === copy.id ? suggestion.a : suggestion.b;
    expect(copySide).toMatchObject({ name: 'Ann L.', emails: ['ANN@example.org'], phones: ['+447700900111'] });

    // Another user sees none of it, and cannot act on it.
    expect((await suggestions(bob)).items).toEqual([]);
    expect((await post(bob, `/api/v1/persons/suggestions/${suggestion.id}/accept`, {})).statusCode).toBe(404);
    expect((await post(bob, `/api/v1/persons/suggestions/${suggestion.id}/dismiss`)).statusCode).toBe(404);
  });

  it('suggests by name from what a connector ingests (nickname, typo, swapped names, diacritics)', async () => {
    const typed = await Promise.all(
      ['Robert Fernsby', 'Katherine Ashworth', 'Wei Zhang', 'Zoë Müller'].map((name) => person(alice, { name })),
    );
    const synced = await ingestCards('card', ['Bob Fernsby', 'Katherine Ashwroth', 'Zhang Wei', 'Zoe Muller']);
    const reasons = ['nickname', 'similar_name', 'swapped_names', 'same_name'];
    for (const [i, item] of synced.items.entries()) {
      const found = await suggestionFor(typed[i]!.id, item.id);
      expect(found.reasons.map((r: Json) => r.code)).toContain(reasons[i]);
    }
    // Different people with a similar name are not suggested.
    const other = await person(alice, { name: 'Roberta Fernside', phones: ['+15005550006'] });
    const probe = await person(alice, { name: 'Probe Person', emails: ['probe@example.org'] });
    await person(alice, { name: 'Probe Copy', emails: ['probe@example.org'] }).then((c) =>
      suggestionFor(probe.id, c.id),
    );
    expect(JSON.stringify((await suggestions()).items)).not.toContain(other.id);
  });

  it('matches the first and last of 60 persons ingested together (rescored in several short transactions)', async () => {
    const { items } = await ingestCards(
      'batch',
      Array.from({ length: 60 }, (_, i) =>
        i === 0 || i === 59 ? 'Quentin Zephyrford' : `${['Quill', 'Rook', 'Sable'][i % 3]} Batchperson${i}`,
      ),
    );
    const found = await suggestionFor(items[0]!.id, items[59]!.id);
    expect(found.reasons.map((r: Json) => r.code)).toContain('same_name');
  });

  it('still matches by email among a family name held by more than 200 persons', async () => {
    // 205 Hartwells whose given names share an initial: one name key held by all of them,
    // too common to block on (MAX_BLOCK), so the matcher reads none of its holders.
    await ingestCards(
      'hartwell',
      Array.from({ length: 205 }, (_, i) => `M${i.toString(36)}x Hartwell`),
    );
    const first = await person(alice, { name: 'Marion Hartwell', emails: ['marion.hartwell@example.org'] });
    const copy = await person(alice, { name: 'Mo Hartwell', emails: ['Marion.Hartwell@example.org'] });
    const found = await suggestionFor(first.id, copy.id);
    expect(found.reasons.map((r: Json) => r.code)).toContain('same_email');
  });

  it('pages best first; a dismissed pair stays dismissed when the persons change', async () => {
    const first = await suggestions(alice, 'limit=1');
    expect(first.items).toHaveLength(1);
    expect(first.total).toBeGreaterThan(1);
    const second = await suggestions(alice, `limit=1&cursor=${first.nextCursor}`);
    expect(second.items[0].id).not.toBe(first.items[0].id);
    expect(second.items[0].score).toBeLessThanOrEqual(first.items[0].score);
    expect((await get(alice, '/api/v1/persons/suggestions?cursor=nope')).statusCode).toBe(400);
    expect((await get(alice, '/api/v1/persons/suggestions?limit=0')).statusCode).toBe(400);

    const a = await person(alice, { name: 'Dismissed Dupont', phones: ['+33612345678'] });
    const b = await person(alice, { name: 'Dismissed Dupond', phones: ['+33612345678'] });
    const s = await suggestionFor(a.id, b.id);
    await ok(await post(alice, `/api/v1/persons/suggestions/${s.id}/dismiss`), 204);
    await ok(await post(alice, `/api/v1/persons/suggestions/${s.id}/dismiss`), 204);
    // Both change (the matcher rescores them); a later probe pair proves the consumer got that far.
    await ok(
      await call(alice, {
        method: 'PATCH',
        url: `/api/v1/entities/${b.id}`,
        payload: { version: b.version, title: 'Dismissed Dupont' },
      }),
    );
    const p1 = await person(alice, { name: 'Later Probe', emails: ['later@example.org'] });
    const p2 = await person(alice, { name: 'Later Probe', emails: ['later@example.org'] });
    await suggestionFor(p1.id, p2.id);
    expect((await suggestions()).items.map((x: Json) => x.id)).not.toContain(s.id);
    expect((await post(alice, `/api/v1/persons/suggestions/${s.id}/accept`, {})).statusCode).toBe(409);
  });

  it('accepts a suggestion, and its undo restores both persons, identifiers and links exactly', async () => {
    const kept = await person(alice, {
      name: 'Grace Hopper',
      phones: ['+14155550100'],
      properties: { givenName: 'Grace', familyName: 'Hopper', jobTitle: 'Rear Admiral' },
    });
    const dup = await person(alice, {
      name: 'Grace M. Hopper',
      emails: ['grace@navy.example', 'gmh@example.org'],
      phones: ['+14155550100'],
      body: 'Met at the conference.',
      properties: { givenName: 'Grace', familyName: 'Hopper', organization: 'US Navy', birthday: '1906-12-09' },
    });
    // History made by others: a message from the duplicate, a note about both (a link the
    // merge drops as a duplicate), a relationship between the two (dropped) and a tombstone.
    const message = await ok(
      await post(alice, '/api/v1/entities', {
        type: 'message',
        title: 'hi',
        properties: { channel: 'sms', direction: 'inbound' },
      }),
      201,
    );
    const note = await ok(await post(alice, '/api/v1/entities', { type: 'note', title: 'About Grace' }), 201);
    const org = await ok(await post(alice, '/api/v1/entities', { type: 'organization', title: 'Navy' }), 201);
    for (const [k, from, to] of [
      ['from', message.id, dup.id],
      ['mentions', note.id, dup.id],
      ['mentions', note.id, kept.id],
      ['colleague', kept.id, dup.id],
      ['works_at', dup.id, org.id],
    ]) {
      await ok(await post(alice, '/api/v1/links', { kind: k, fromId: from, toId: to }), 201);
    }
    const older = await person(alice, { name: 'G. Hopper (old)' });
    await ok(await post(alice, `/api/v1/persons/${dup.id}/merge`, { otherId: older.id }));

    const before = {
      kept: await entity(kept.id),
      dup: await entity(dup.id),
      keptLinks: await links(kept.id),
      dupLinks: await links(dup.id),
      messageLinks: await links(message.id),
    };
    const s = await suggestionFor(kept.id, dup.id);
    expect((await post(alice, `/api/v1/persons/suggestions/${s.id}/accept`, { keepId: message.id })).statusCode).toBe(
      400,
    );
    const accepted = await ok(await post(alice, `/api/v1/persons/suggestions/${s.id}/accept`, { keepId: kept.id }));
    expect(accepted.person.identifiers.map((i: Json) => i.value).sort()).toEqual([
      '+14155550100',
      'gmh@example.org',
      'grace@navy.example',
    ]);
    expect(accepted.person.properties).toMatchObject({ jobTitle: 'Rear Admiral', organization: 'US Navy' });
    expect((await get(alice, `/api/v1/entities/${dup.id}`)).json().error.code).toBe('merged');
    expect((await get(alice, `/api/v1/entities/${older.id}`)).json().error.details.mergedIntoId).toBe(kept.id);
    expect((await suggestions()).items.map((x: Json) => x.id)).not.toContain(s.id);

    // Another user cannot undo it; a malformed id is a 400.
    expect((await post(bob, `/api/v1/persons/merges/${accepted.mergeId}/undo`)).statusCode).toBe(404);
    expect((await post(alice, `/api/v1/persons/merges/not-a-uuid/undo`)).statusCode).toBe(400);

    const undone = await ok(await post(alice, `/api/v1/persons/merges/${accepted.mergeId}/undo`));
    expect(undone.restored.id).toBe(dup.id);
    const after = {
      kept: await entity(kept.id),
      dup: await entity(dup.id),
      keptLinks: await links(kept.id),
      dupLinks: await links(dup.id),
      messageLinks: await links(message.id),
    };
    // Field by field: everything but the version and updatedAt, which move forward for sync.
    for (const side of ['kept', 'dup'] as const) {
      const { version: v0, updatedAt: u0, ...was } = before[side];
      const { version: v1, updatedAt: u1, ...now } = after[side];
      expect(now).toEqual(was);
      expect(v1).toBeGreaterThan(v0);
      expect(u1 > u0).toBe(true);
    }
    const byId = (items: Json[]) =>
      [...items].sort((x, y) => x.id.localeCompare(y.id)).map(({ entity: e, ...l }) => ({ ...l, other: e.id }));
    expect(byId(after.keptLinks)).toEqual(byId(before.keptLinks));
    expect(byId(after.dupLinks)).toEqual(byId(before.dupLinks));
    expect(byId(after.messageLinks)).toEqual(byId(before.messageLinks));
    // The tombstone points at the restored person again, and the suggestion is back in the queue.
    expect((await get(alice, `/api/v1/entities/${older.id}`)).json().error.details.mergedIntoId).toBe(dup.id);
    expect((await suggestionFor(kept.id, dup.id)).id).toBe(s.id);
    expect((await post(alice, `/api/v1/persons/merges/${accepted.mergeId}/undo`)).json().error.code).toBe(
      'already_undone',
    );
  });

  it('journals POST /persons/:id/merge too; a later merge of the survivor must be undone first', async () => {
    const a = await person(alice, {
      name: 'Alan Turing',
      emails: ['alan@example.org'],
      properties: { nickname: 'Al' },
    });
    const b = await person(alice, { name: 'A. Turing', phones: ['+442071234567'], body: 'Bletchley' });
    const c = await person(alice, { name: 'Alan M Turing' });
    const merged = await ok(await post(alice, `/api/v1/persons/${a.id}/merge`, { otherId: b.id }));
    expect(merged.mergeId).toEqual(expect.any(String));
    expect(merged.body).toBe('Bletchley');
    const later = await ok(await post(alice, `/api/v1/persons/${c.id}/merge`, { otherId: a.id }));
    const blocked = await post(alice, `/api/v1/persons/merges/${merged.mergeId}/undo`);
    expect(blocked.statusCode).toBe(409);
    expect(blocked.json().error).toMatchObject({ code: 'undo_later_merge_first', details: { mergeId: later.mergeId } });
    await ok(await post(alice, `/api/v1/persons/merges/${later.mergeId}/undo`));
    // The survivor was edited since: the edit stays, what the merge brought goes.
    const current = await entity(a.id);
    await ok(
      await call(alice, {
        method: 'PATCH',
        url: `/api/v1/entities/${a.id}`,
        payload: { version: current.version, properties: { ...current.properties, jobTitle: 'Mathematician' } },
      }),
    );
    const undone = await ok(await post(alice, `/api/v1/persons/merges/${merged.mergeId}/undo`));
    expect(undone.survivor).toMatchObject({ body: '', properties: { nickname: 'Al', jobTitle: 'Mathematician' } });
    expect(undone.survivor.identifiers.map((i: Json) => i.value)).toEqual(['alan@example.org']);
    expect(undone.restored).toMatchObject({ id: b.id, title: 'A. Turing', body: 'Bletchley', deletedAt: null });
    expect(undone.restored.identifiers.map((i: Json) => i.value)).toEqual(['+442071234567']);
  });

  it('documents its routes in OpenAPI, with the duplicates of POST /persons', async () => {
    const doc = (await hub.app.inject({ method: 'GET', url: '/docs/json' })).json();
    for (const path of [
      '/api/v1/persons/suggestions',
      '/api/v1/persons/suggestions/{id}/accept',
      '/api/v1/persons/suggestions/{id}/dismiss',
      '/api/v1/persons/merges/{mergeId}/undo',
    ]) {
      expect(Object.keys(doc.paths)).toContain(path);
    }
    expect(JSON.stringify(doc.paths['/api/v1/persons'].post.responses['201'])).toContain('duplicates');
  });

  it('refuses bad input with a 400, and unknown ids with a 404', async () => {
    expect((await post(alice, '/api/v1/persons/suggestions/not-a-uuid/accept', {})).statusCode).toBe(400);
    const unknown = '01900000-0000-7000-8000-000000000000';
    expect((await post(alice, `/api/v1/persons/suggestions/${unknown}/accept`, {})).statusCode).toBe(404);
    expect((await post(alice, `/api/v1/persons/suggestions/${unknown}/accept`, { keepId: 'x' })).statusCode).toBe(400);
    expect((await post(alice, `/api/v1/persons/suggestions/${unknown}/accept`, { extra: 1 })).statusCode).toBe(400);
    expect((await post(alice, `/api/v1/persons/merges/${unknown}/undo`)).statusCode).toBe(404);
    expect((await get(alice, '/api/v1/persons/suggestions?limit=101')).statusCode).toBe(400);
  });
});
