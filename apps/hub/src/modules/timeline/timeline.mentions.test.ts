import { mentionToken } from '@made-open/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabaseKinds } from '../../../test/databases.ts';
import { createTestHub, type TestHub } from '../../../test/hub.ts';
import { bearer, signUpUser, type SignedUpUser } from '../../../test/users.ts';

/**
 * Notes link to people: mention tokens in a note's body become note -mentions-> person
 * links through the plain entities API, follow edits (removed mentions unlink), survive a
 * rename (the link is by id), and never reach another user's person.
 */
describe.each(testDatabaseKinds())('note mentions on %s', (kind) => {
  let hub: TestHub;
  let alice: SignedUpUser;
  let bob: SignedUpUser;
  const request = (user: SignedUpUser, method: 'GET' | 'POST' | 'PATCH', url: string, payload?: unknown) =>
    hub.app.inject({
      method,
      url,
      headers: bearer(user),
      ...(payload === undefined ? {} : { payload: payload as object }),
    });
  const person = async (user: SignedUpUser, name: string) =>
    (await request(user, 'POST', '/api/v1/persons', { name })).json() as { id: string; version: number };
  const mentioned = async (noteId: string) => {
    const links = (await request(alice, 'GET', `/api/v1/entities/${noteId}/links`)).json();
    return links.items
      .filter((l: { kind: string }) => l.kind === 'mentions')
      .map((l: { entity: { id: string; title: string }; direction: string }) => ({
        id: l.entity.id,
        title: l.entity.title,
        direction: l.direction,
      }));
  };

  beforeAll(async () => {
    hub = await createTestHub(kind, { AUTH_RATE_LIMIT_SIGNUP_PER_HOUR: '1000' });
    alice = await signUpUser(hub);
    bob = await signUpUser(hub);
  }, 180_000);
  afterAll(() => hub?.close());

  it('links on create, keeps the link through a rename, and follows edits', async () => {
    const ada = await person(alice, 'Ada Lovelace');
    const charles = await person(alice, 'Charles Babbage');
    const created = await request(alice, 'POST', '/api/v1/entities', {
      type: 'note',
      title: 'Engine',
      body: `Talked to ${mentionToken('Ada Lovelace', ada.id)} about the engine. ${mentionToken('Ada', ada.id)} again.`,
    });
    expect(created.statusCode, created.body).toBe(201);
    const note = created.json();
    expect(await mentioned(note.id)).toEqual([{ id: ada.id, title: 'Ada Lovelace', direction: 'out' }]);

    // Renamed: the link is by id, so it stays, and reads her new name.
    const renamed = await request(alice, 'PATCH', `/api/v1/entities/${ada.id}`, {
      version: ada.version,
      title: 'Ada King',
    });
    expect(renamed.statusCode).toBe(200);
    expect(await mentioned(note.id)).toEqual([{ id: ada.id, title: 'Ada King', direction: 'out' }]);
    const timeline = (await request(alice, 'GET', `/api/v1/persons/${ada.id}/timeline`)).json();
    expect(timeline.items.map((i: { id: string }) => i.id)).toEqual([note.id]);

    // Edited: Ada's mention removed, Charles added.
    const edited = await request(alice, 'PATCH', `/api/v1/entities/${note.id}`, {
      version: note.version,
      body: `Now ${mentionToken('Charles', charles.id)} only.`,
    });
    expect(edited.statusCode, edited.body).toBe(200);
    expect(await mentioned(note.id)).toEqual([{ id: charles.id, title: 'Charles Babbage', direction: 'out' }]);
    expect((await request(alice, 'GET', `/api/v1/persons/${ada.id}/timeline`)).json().items).toEqual([]);

    // A title-only edit leaves the links alone; a body without mentions removes them all.
    const titled = await request(alice, 'PATCH', `/api/v1/entities/${note.id}`, { version: 2, title: 'Engine notes' });
    expect(titled.statusCode).toBe(200);
    expect(await mentioned(note.id)).toHaveLength(1);
    await request(alice, 'PATCH', `/api/v1/entities/${note.id}`, { version: 3, body: 'Nobody.' });
    expect(await mentioned(note.id)).toEqual([]);
  });

  it('writes LinkCreated and LinkDeleted events for mentions', async () => {
    const grace = await person(alice, 'Grace Hopper');
    const note = (
      await request(alice, 'POST', '/api/v1/entities', {
        type: 'note',
        title: 'G',
        body: mentionToken('Grace', grace.id),
      })
    ).json();
    await request(alice, 'PATCH', `/api/v1/entities/${note.id}`, { version: 1, body: '' });
    const rows = await hub.db.asSystem((tx) =>
      tx.query<{ type: string }>(
        `SELECT type FROM made_open.outbox WHERE owner_id = $1 AND type LIKE 'data.Link%' AND data -> 'link' ->> 'fromId' = $2 ORDER BY seq`,
        [alice.id, note.id],
      ),
    );
    expect(rows.rows.map((r) => r.type)).toEqual(['data.LinkCreated', 'data.LinkDeleted']);
  });

  it('never links another users person, or one that is not a person', async () => {
    const theirs = await person(bob, 'Bob Secret');
    const mine = await person(alice, 'Mine');
    const other = (await request(alice, 'POST', '/api/v1/entities', { type: 'note', title: 'x' })).json();
    const response = await request(alice, 'POST', '/api/v1/entities', {
      type: 'note',
      title: 'Sneaky',
      body: `${mentionToken('Bob', theirs.id)} ${mentionToken('Note', other.id)} ${mentionToken('Mine', mine.id)}`,
    });
    expect(response.statusCode).toBe(201);
    expect((await mentioned(response.json().id)).map((m: { id: string }) => m.id)).toEqual([mine.id]);
    const bobsTimeline = (await request(bob, 'GET', `/api/v1/persons/${theirs.id}/timeline`)).json();
    expect(bobsTimeline.items).toEqual([]);
  });

  it('a mention of a person merged into another links the survivor', async () => {
    const survivor = await person(alice, 'Survivor');
    const merged = await person(alice, 'Merged');
    await request(alice, 'POST', `/api/v1/persons/${survivor.id}/merge`, { otherId: merged.id });
    const note = (
      await request(alice, 'POST', '/api/v1/entities', {
        type: 'note',
        title: 'M',
        body: mentionToken('Merged', merged.id),
      })
    ).json();
    expect((await mentioned(note.id)).map((m: { id: string }) => m.id)).toEqual([survivor.id]);
  });
});
