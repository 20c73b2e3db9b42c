import { eventRegistry } from '@made-open/shared/event-registry';
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabaseKinds } from '../../../test/databases.ts';
import { createTestHub, type TestHub } from '../../../test/hub.ts';
import { bearer, signUpUser, type SignedUpUser } from '../../../test/users.ts';
import { contactItems, messageItem } from '../connectors/msgraph/msgraph.mapping.ts';
import { makePersons } from '../connectors/twilio/twilio.messages.ts';
import type { GraphModule } from './index.ts';

type OutboxRow = {
  type: string;
  owner_id: string;
  subject: string;
  data: Record<string, any>;
  v: number;
};

/** A hub on PGlite plus argon2 sign-ups can take minutes on a busy two-core machine. */
const hubStartTimeout = 180_000;

describe.each(testDatabaseKinds())('graph REST API on %s', (kind) => {
  let hub: TestHub;
  let alice: SignedUpUser;
  let bob: SignedUpUser;

  beforeAll(async () => {
    hub = await createTestHub(kind);
    alice = await signUpUser(hub);
    bob = await signUpUser(hub);
  }, hubStartTimeout);
  afterAll(() => hub?.close(), hubStartTimeout);

  const call = (user: SignedUpUser | null, options: InjectOptions) =>
    hub.app.inject({ ...options, headers: { ...(user ? bearer(user) : {}), ...options.headers } });
  const post = (user: SignedUpUser, url: string, payload: unknown) =>
    call(user, { method: 'POST', url, payload: payload as never });
  const get = (user: SignedUpUser, url: string) => call(user, { method: 'GET', url });
  const patch = (user: SignedUpUser, url: string, payload: unknown) =>
    call(user, { method: 'PATCH', url, payload: payload as never });
  const del = (user: SignedUpUser, url: string) => call(user, { method: 'DELETE', url });

  const outboxFor = async (subject: string) =>
    (
      await hub.db.asOwner((tx) =>
        tx.query<OutboxRow>(
          `SELECT type, owner_id, subject, data, v FROM made_open.outbox WHERE subject = $1 ORDER BY seq`,
          [subject],
        ),
      )
    ).rows;

  async function createNote(user: SignedUpUser, title: string, extra: Record<string, unknown> = {}) {
    const response = await post(user, '/api/v1/entities', { type: 'note', title, body: 'body', ...extra });
    expect(response.statusCode, response.body).toBe(201);
    return response.json();
  }

  /** The person as GET renders it (the create answer adds `duplicates`, checked where it matters). */
  async function createPerson(user: SignedUpUser, body: Record<string, unknown>) {
    const response = await post(user, '/api/v1/persons', body);
    expect(response.statusCode, response.body).toBe(201);
    const { duplicates, ...person } = response.json();
    expect(duplicates).toEqual(expect.any(Array));
    return person;
  }

  describe('entities', () => {
    it('creates, reads, updates and soft-deletes an entity, writing an event for each change', async () => {
      const created = await post(alice, '/api/v1/entities', {
        type: 'task',
        title: 'File taxes',
        properties: { dueAt: '2026-04-15T17:00:00Z', status: 'todo', priority: 'high' },
        occurredAt: '2026-01-02T03:04:05.123456+01:00',
      });
      expect(created.statusCode, created.body).toBe(201);
      expect(created.headers['content-type']).toMatch(/application\/json/);
      const entity = created.json();
      expect(entity).toMatchObject({
        type: 'task',
        title: 'File taxes',
        body: '',
        properties: { dueAt: '2026-04-15T17:00:00Z', status: 'todo', priority: 'high' },
        source: null,
        externalId: null,
        occurredAt: '2026-01-02T02:04:05.123456Z',
        deletedAt: null,
        version: 1,
        mergedIntoId: null,
      });
      expect(entity.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7/);
      expect(Date.parse(entity.createdAt)).not.toBeNaN();

      const read = await get(alice, `/api/v1/entities/${entity.id}`);
      expect(read.statusCode).toBe(200);
      expect(read.json()).toEqual(entity);

      const updated = await patch(alice, `/api/v1/entities/${entity.id}`, {
        version: 1,
        title: 'File taxes!',
        properties: { status: 'done' },
      });
      expect(updated.statusCode, updated.body).toBe(200);
      expect(updated.json()).toMatchObject({ title: 'File taxes!', properties: { status: 'done' }, version: 2 });
      expect(Date.parse(updated.json().updatedAt)).toBeGreaterThanOrEqual(Date.parse(entity.updatedAt));

      const stale = await patch(alice, `/api/v1/entities/${entity.id}`, { version: 1, title: 'Lost update' });
      expect(stale.statusCode).toBe(409);
      expect(stale.json().error).toMatchObject({ code: 'version_conflict', details: { currentVersion: 2 } });

      const unchanged = await patch(alice, `/api/v1/entities/${entity.id}`, { version: 2, title: 'File taxes!' });
      expect(unchanged.json().version).toBe(2);

      const deleted = await del(alice, `/api/v1/entities/${entity.id}`);
      expect(deleted.statusCode).toBe(204);
      expect(deleted.body).toBe('');
      expect((await get(alice, `/api/v1/entities/${entity.id}`)).statusCode).toBe(404);
      expect((await del(alice, `/api/v1/entities/${entity.id}`)).statusCode).toBe(404);
      expect((await patch(alice, `/api/v1/entities/${entity.id}`, { version: 3, title: 'x' })).statusCode).toBe(404);

      const events = await outboxFor(entity.id);
      expect(events.map((e) => e.type)).toEqual(['data.EntityCreated', 'data.EntityUpdated', 'data.EntityDeleted']);
      expect(events.every((e) => e.owner_id === alice.id && e.v === 1)).toBe(true);
      expect(events[0]!.data.entity).toEqual(entity);
      expect(events[1]!.data.changed.sort()).toEqual(['properties', 'title']);
      expect(events[1]!.data.entity.version).toBe(2);
      expect(events[2]!.data.entity.deletedAt).not.toBeNull();
      // The snapshots the hot path builds in SQL match the registered schemas.
      for (const event of events) {
        expect(() =>
          eventRegistry.validate({ ...event, ownerId: event.owner_id, actor: { kind: 'user', id: alice.id } }),
        ).not.toThrow();
      }
    });

    it('validates properties by type, on create and on update', async () => {
      const bad = await post(alice, '/api/v1/entities', {
        type: 'message',
        properties: { channel: 'fax', direction: 'inbound' },
      });
      expect(bad.statusCode).toBe(400);
      expect(bad.json().error.code).toBe('validation_failed');
      const unknownKey = await post(alice, '/api/v1/entities', {
        type: 'person',
        properties: { givenName: 'A', shoeSize: 44 },
      });
      expect(unknownKey.statusCode).toBe(400);
      const birthday = await post(alice, '/api/v1/entities', {
        type: 'person',
        title: 'P',
        properties: { birthday: '--02-30' },
      });
      expect(birthday.statusCode).toBe(400);
      const okBirthday = await post(alice, '/api/v1/entities', {
        type: 'person',
        title: 'P',
        properties: { birthday: '--02-29' },
      });
      expect(okBirthday.statusCode).toBe(201);
      const call = await post(alice, '/api/v1/entities', {
        type: 'call',
        properties: { direction: 'outbound', durationSeconds: 61, status: 'completed' },
      });
      expect(call.statusCode).toBe(201);
      const badUpdate = await patch(alice, `/api/v1/entities/${call.json().id}`, {
        version: 1,
        properties: { durationSeconds: -1, direction: 'inbound' },
      });
      expect(badUpdate.statusCode).toBe(400);
      expect(badUpdate.json().error.details[0].path).toBe('/properties/durationSeconds');
      const event = await post(alice, '/api/v1/entities', {
        type: 'calendar_event',
        properties: { startsAt: '2026-05-01T10:00:00Z', endsAt: '2026-05-01T09:00:00Z' },
      });
      expect(event.statusCode).toBe(400);
    });

    it('enforces source + externalId uniqueness per owner only', async () => {
      const body = {
        type: 'message',
        source: 'twilio',
        externalId: 'SM123',
        properties: { channel: 'sms', direction: 'inbound', from: '+441234' },
      };
      expect((await post(alice, '/api/v1/entities', body)).statusCode).toBe(201);
      const again = await post(alice, '/api/v1/entities', body);
      expect(again.statusCode).toBe(409);
      expect(again.json().error.code).toBe('already_exists');
      expect((await post(bob, '/api/v1/entities', body)).statusCode).toBe(201);
      expect((await post(alice, '/api/v1/entities', { type: 'note', externalId: 'x' })).statusCode).toBe(400);
    });

    it('says where a person came from: the hub, an address a mail sync or a text met, or an Outlook contact', async () => {
      const graph = hub.modules.find((m) => m.name === 'graph') as unknown as GraphModule;
      // What the Microsoft 365 sync ingests (its own mapping): a mail from an unknown sender, and a contact.
      const mail = messageItem(
        {
          id: 'AAMkMail-origin',
          subject: 'Hello',
          from: { emailAddress: { address: 'sender@mail.example', name: 'Sal Sender' } },
          toRecipients: [{ emailAddress: { address: 'alice@example.test' } }],
          body: { contentType: 'text', content: 'Hi' },
          receivedDateTime: '2026-01-05T10:00:00Z',
        },
        { folder: 'inbox', self: 'alice@example.test' },
      )!;
      const contact = contactItems(
        { id: 'AAMkContact-origin', displayName: 'Olly Outlook', emailAddresses: [{ address: 'olly@mail.example' }] },
        undefined,
      )!.person;
      await hub.db.asUser(alice.claims, async (tx) => {
        await graph.ingest(tx, {
          ownerId: alice.id,
          actor: { kind: 'connector', id: 'msgraph-test' },
          items: [mail, contact],
        });
        // What the Twilio connector makes for a text from an unknown number.
        await makePersons(
          (items) => graph.ingest(tx, { ownerId: alice.id, actor: { kind: 'connector', id: 'twilio-test' }, items }),
          new Map(),
          ['+14155550199'],
        );
      });
      const personBy = async (email: string) =>
        (await get(alice, `/api/v1/persons/lookup?email=${encodeURIComponent(email)}`)).json();
      const sender = await get(alice, `/api/v1/entities/${(await personBy('sender@mail.example')).id}`);
      expect(sender.json()).toMatchObject({
        source: 'msgraph',
        externalId: 'email:sender@mail.example',
        origin: 'address',
      });
      const texter = (await get(alice, '/api/v1/persons/lookup?phone=%2B14155550199')).json();
      expect((await get(alice, `/api/v1/entities/${texter.id}`)).json()).toMatchObject({
        source: 'twilio',
        externalId: 'person:+14155550199',
        origin: 'address',
      });
      const outlook = await get(alice, `/api/v1/entities/${(await personBy('olly@mail.example')).id}`);
      expect(outlook.json()).toMatchObject({ source: 'msgraph', externalId: 'AAMkContact-origin', origin: 'source' });
      const own = await createPerson(alice, { name: 'Hand Made' });
      expect((await get(alice, `/api/v1/entities/${own.id}`)).json()).toMatchObject({ source: null, origin: 'hub' });
      // The mail itself is the source's own record; lists say the same as GET.
      const listed = (await get(alice, '/api/v1/entities?type=person&limit=200')).json().items as {
        id: string;
        origin: string;
      }[];
      expect(listed.find((p) => p.id === sender.json().id)?.origin).toBe('address');
      expect(listed.find((p) => p.id === outlook.json().id)?.origin).toBe('source');
      // Another user's person is a 404 like any unknown id, origin or not.
      for (const id of [sender.json().id, outlook.json().id]) {
        const read = await get(bob, `/api/v1/entities/${id}`);
        expect(read.statusCode).toBe(404);
        expect(read.body).not.toContain('origin');
      }
    });

    it("hides other users' entities behind the same 404 as unknown ids", async () => {
      const note = await createNote(alice, 'secret');
      const unknown = '0190b6a0-0000-7000-8000-000000000000';
      for (const id of [note.id, unknown]) {
        const read = await get(bob, `/api/v1/entities/${id}`);
        expect(read.statusCode).toBe(404);
        expect(read.json().error.code).toBe('not_found');
        expect((await patch(bob, `/api/v1/entities/${id}`, { version: 1, title: 'pwned' })).statusCode).toBe(404);
        expect((await del(bob, `/api/v1/entities/${id}`)).statusCode).toBe(404);
        expect((await get(bob, `/api/v1/entities/${id}/links`)).statusCode).toBe(404);
      }
      expect((await get(alice, `/api/v1/entities/${note.id}`)).json().title).toBe('secret');
    });

    it('requires a signed-in user', async () => {
      expect((await call(null, { method: 'GET', url: '/api/v1/entities' })).statusCode).toBe(401);
      expect(
        (await call(null, { method: 'POST', url: '/api/v1/entities', payload: { type: 'note' } })).statusCode,
      ).toBe(401);
      const forged = await call(null, {
        method: 'GET',
        url: '/api/v1/entities',
        headers: { authorization: 'Bearer not.a.jwt' },
      });
      expect(forged.statusCode).toBe(401);
    });
  });

  describe('listing', () => {
    let carol: SignedUpUser;
    beforeAll(async () => {
      carol = await signUpUser(hub);
    });

    it('pages through a stable order with opaque cursors, filtered by type and title prefix', async () => {
      const titles = ['Alpha', 'alpine', 'Beta', 'ALPS', 'al_pha', 'al%'];
      const ids: string[] = [];
      for (const title of titles) ids.push((await createNote(carol, title)).id);
      await post(carol, '/api/v1/entities', { type: 'task', title: 'Alpha task' });

      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const response = await get(carol, `/api/v1/entities?type=note&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
        expect(response.statusCode, response.body).toBe(200);
        const page = response.json();
        expect(page.items.length).toBeLessThanOrEqual(2);
        seen.push(...page.items.map((item: { id: string }) => item.id));
        cursor = page.nextCursor;
      } while (cursor);
      // Newest first: the reverse of creation order (uuid v7 breaks ties in the same order).
      expect(seen).toEqual([...ids].reverse());

      const prefix = await get(carol, '/api/v1/entities?q=ALP');
      expect(
        prefix
          .json()
          .items.map((i: { title: string }) => i.title)
          .sort(),
      ).toEqual(['ALPS', 'Alpha', 'Alpha task', 'alpine']);
      const literalUnderscore = await get(carol, '/api/v1/entities?q=al_');
      expect(literalUnderscore.json().items.map((i: { title: string }) => i.title)).toEqual(['al_pha']);
      const literalPercent = await get(carol, `/api/v1/entities?q=${encodeURIComponent('al%')}`);
      expect(literalPercent.json().items.map((i: { title: string }) => i.title)).toEqual(['al%']);

      // Other users' entities never show.
      expect((await get(bob, '/api/v1/entities?q=ALP')).json().items).toEqual([]);
    });

    it('lists changes since an instant oldest first, with tombstones on request', async () => {
      const dave = await signUpUser(hub);
      const first = await createNote(dave, 'one');
      const second = await createNote(dave, 'two');
      await del(dave, `/api/v1/entities/${first.id}`);
      const since = encodeURIComponent(first.createdAt);
      const live = (await get(dave, `/api/v1/entities?updatedSince=${since}`)).json();
      expect(live.items.map((i: { id: string }) => i.id)).toEqual([second.id]);
      const all = (await get(dave, `/api/v1/entities?updatedSince=${since}&includeDeleted=true&limit=1`)).json();
      expect(all.items.map((i: { id: string }) => i.id)).toEqual([second.id]);
      const next = (
        await get(dave, `/api/v1/entities?updatedSince=${since}&includeDeleted=true&limit=1&cursor=${all.nextCursor}`)
      ).json();
      expect(next.items[0]).toMatchObject({ id: first.id, deletedAt: expect.any(String) });
      expect(next.nextCursor).toBeNull();
      // A descending cursor is refused by an ascending list (and vice versa).
      const page = (await get(dave, '/api/v1/entities?limit=1')).json();
      const mixed = await get(dave, `/api/v1/entities?updatedSince=${since}&cursor=${page.nextCursor}`);
      expect(mixed.statusCode).toBe(400);
      expect(mixed.json().error.code).toBe('invalid_cursor');
    });
  });

  describe('links', () => {
    it('links two own entities, lists both directions, refuses duplicates and foreign ends', async () => {
      const person = await createPerson(alice, { name: 'Linked Person' });
      const message = await post(alice, '/api/v1/entities', {
        type: 'message',
        title: 'Hi',
        properties: { channel: 'email', direction: 'inbound' },
      });
      const link = await post(alice, '/api/v1/links', { kind: 'from', fromId: message.json().id, toId: person.id });
      expect(link.statusCode, link.body).toBe(201);
      expect(link.json()).toMatchObject({ kind: 'from', fromId: message.json().id, toId: person.id });

      const duplicate = await post(alice, '/api/v1/links', {
        kind: 'from',
        fromId: message.json().id,
        toId: person.id,
      });
      expect(duplicate.statusCode).toBe(409);
      expect(duplicate.json().error).toMatchObject({ code: 'link_exists', details: { id: link.json().id } });

      const ofPerson = (await get(alice, `/api/v1/entities/${person.id}/links`)).json();
      expect(ofPerson.items).toHaveLength(1);
      expect(ofPerson.items[0]).toMatchObject({
        direction: 'in',
        kind: 'from',
        entity: { id: message.json().id, title: 'Hi' },
      });
      const ofMessage = (await get(alice, `/api/v1/entities/${message.json().id}/links`)).json();
      expect(ofMessage.items[0]).toMatchObject({ direction: 'out', entity: { id: person.id } });

      const bobsNote = await createNote(bob, 'bob');
      const foreign = await post(alice, '/api/v1/links', {
        kind: 'about',
        fromId: message.json().id,
        toId: bobsNote.id,
      });
      expect(foreign.statusCode).toBe(404);
      expect(
        (await post(bob, '/api/v1/links', { kind: 'about', fromId: bobsNote.id, toId: person.id })).statusCode,
      ).toBe(404);
      expect(
        (await post(alice, '/api/v1/links', { kind: 'self', fromId: person.id, toId: person.id })).statusCode,
      ).toBe(400);
      expect(
        (await post(alice, '/api/v1/links', { kind: 'Bad Kind', fromId: person.id, toId: message.json().id }))
          .statusCode,
      ).toBe(400);

      expect((await del(bob, `/api/v1/links/${link.json().id}`)).statusCode).toBe(404);
      expect((await del(alice, `/api/v1/links/${link.json().id}`)).statusCode).toBe(204);
      expect((await del(alice, `/api/v1/links/${link.json().id}`)).statusCode).toBe(404);
      expect((await outboxFor(link.json().id)).map((e) => e.type)).toEqual(['data.LinkCreated', 'data.LinkDeleted']);
    });
  });

  describe('persons and identifiers', () => {
    it('creates a person with normalised identifiers and finds it by any spelling', async () => {
      const person = await createPerson(alice, {
        name: 'Ada Lovelace',
        phones: ['020 7946 0958'],
        emails: ['  Ada@Example.ORG '],
        properties: { givenName: 'Ada', familyName: 'Lovelace', birthday: '1815-12-10' },
        defaultCountry: 'gb',
      });
      expect(person).toMatchObject({ type: 'person', title: 'Ada Lovelace', version: 1 });
      expect(person.identifiers.map((i: { kind: string; value: string }) => [i.kind, i.value])).toEqual([
        ['email', 'ada@example.org'],
        ['phone', '+442079460958'],
      ]);
      for (const query of [
        'phone=%2B44%2020%207946%200958',
        'phone=0044-20-7946-0958',
        'phone=02079460958&defaultCountry=GB',
        'email=ADA%40example.org',
      ]) {
        const found = await get(alice, `/api/v1/persons/lookup?${query}`);
        expect(found.statusCode, `${query}: ${found.body}`).toBe(200);
        expect(found.json().id).toBe(person.id);
      }
      expect((await get(alice, '/api/v1/persons/lookup?phone=02079460958')).statusCode).toBe(400);
      expect((await get(alice, '/api/v1/persons/lookup?phone=%2B442079460958&email=a%40b.co')).statusCode).toBe(400);
      expect((await get(bob, '/api/v1/persons/lookup?email=ada%40example.org')).statusCode).toBe(404);
      // GET of a person includes its identifiers, rendered exactly as the other routes render them.
      const read = (await get(alice, `/api/v1/entities/${person.id}`)).json();
      expect(read.identifiers).toHaveLength(2);
      expect(read).toEqual(person);
      // Listing carries them too, so a contacts list can show and search them.
      const listed = (await get(alice, '/api/v1/entities?type=person&q=Ada%20Love')).json().items;
      expect(listed.find((i: { id: string }) => i.id === person.id)).toEqual(person);
      expect((await get(alice, '/api/v1/persons/lookup?email=ada%40example.org')).json()).toEqual(read);

      const events = await outboxFor(person.id);
      expect(events[0]).toMatchObject({
        type: 'data.EntityCreated',
        data: { entity: { id: person.id }, identifiers: expect.any(Array) },
      });
    });

    it('creates a person whose email another has, keeping it there and naming that person as a duplicate', async () => {
      const first = await createPerson(alice, { name: 'First', emails: ['shared@example.com'] });
      const created = await post(alice, '/api/v1/persons', {
        name: 'Second',
        emails: ['new@example.com', 'SHARED@example.com'],
      });
      expect(created.statusCode, created.body).toBe(201);
      const second = created.json();
      expect(second.duplicates).toEqual([
        { personId: first.id, name: 'First', reasons: [{ code: 'same_email', value: 'shared@example.com' }] },
      ]);
      // The identifier stays with the first; the second keeps what was typed as a display copy.
      expect(second.identifiers.map((i: { value: string }) => i.value)).toEqual(['new@example.com']);
      expect(second.properties.emails).toEqual(['SHARED@example.com']);
      expect((await get(alice, '/api/v1/persons/lookup?email=shared%40example.com')).json().id).toBe(first.id);
      expect((await get(alice, '/api/v1/persons/lookup?email=new%40example.com')).json().id).toBe(second.id);
      // A person without duplicates says so.
      expect(
        (await post(alice, '/api/v1/persons', { name: 'Alone', emails: ['alone@example.com'] })).json().duplicates,
      ).toEqual([]);
      // Another owner may use the same address.
      expect(
        (await post(bob, '/api/v1/persons', { name: 'Bob copy', emails: ['shared@example.com'] })).statusCode,
      ).toBe(201);
      // Invalid identifiers are 400, naming the value.
      const invalid = await post(alice, '/api/v1/persons', { name: 'X', phones: ['12'] });
      expect(invalid.statusCode).toBe(400);
      expect(invalid.json().error.message).toContain('"12"');
    });

    it('adds and removes identifiers, bumping the person version', async () => {
      const person = await createPerson(alice, { name: 'Grace' });
      const added = await post(alice, `/api/v1/persons/${person.id}/identifiers`, {
        kind: 'phone',
        value: '+1 (415) 555-2671',
      });
      expect(added.statusCode, added.body).toBe(201);
      expect(added.json().identifiers.map((i: { value: string }) => i.value)).toEqual(['+14155552671']);
      expect(added.json().version).toBe(2);
      const again = await post(alice, `/api/v1/persons/${person.id}/identifiers`, {
        kind: 'phone',
        value: '+14155552671',
      });
      expect(again.statusCode).toBe(409);
      expect(again.json().error.code).toBe('identifier_exists');
      expect(
        (await post(bob, `/api/v1/persons/${person.id}/identifiers`, { kind: 'email', value: 'x@y.zz' })).statusCode,
      ).toBe(404);
      const note = await createNote(alice, 'not a person');
      expect(
        (await post(alice, `/api/v1/persons/${note.id}/identifiers`, { kind: 'email', value: 'x@y.zz' })).statusCode,
      ).toBe(404);

      const identifierId = added.json().identifiers[0].id;
      expect((await del(bob, `/api/v1/persons/${person.id}/identifiers/${identifierId}`)).statusCode).toBe(404);
      const removed = await del(alice, `/api/v1/persons/${person.id}/identifiers/${identifierId}`);
      expect(removed.statusCode).toBe(200);
      expect(removed.json()).toMatchObject({ identifiers: [], version: 3 });
      const events = await outboxFor(person.id);
      expect(events.slice(1).map((e) => [e.type, e.data.changed])).toEqual([
        ['data.EntityUpdated', ['identifiers']],
        ['data.EntityUpdated', ['identifiers']],
      ]);

      // Deleting a person releases its identifiers.
      const holder = await createPerson(alice, { name: 'Holder', emails: ['released@example.com'] });
      await del(alice, `/api/v1/entities/${holder.id}`);
      expect(
        (await post(alice, '/api/v1/persons', { name: 'Taker', emails: ['released@example.com'] })).statusCode,
      ).toBe(201);
    });

    it('merges two persons: links and identifiers move, the other becomes a tombstone', async () => {
      const survivor = await createPerson(alice, {
        name: 'Ann',
        phones: ['+447911123456'],
        properties: { givenName: 'Ann' },
      });
      const other = await createPerson(alice, {
        name: 'Ann B.',
        emails: ['ann@example.com'],
        properties: { givenName: 'Annie', jobTitle: 'CTO' },
      });
      const message = (
        await post(alice, '/api/v1/entities', { type: 'message', properties: { channel: 'sms', direction: 'inbound' } })
      ).json();
      const org = (await post(alice, '/api/v1/entities', { type: 'organization', title: 'Acme' })).json();
      const fromOther = (
        await post(alice, '/api/v1/links', { kind: 'from', fromId: message.id, toId: other.id })
      ).json();
      const worksAt = (await post(alice, '/api/v1/links', { kind: 'works_at', fromId: other.id, toId: org.id })).json();
      const duplicate = (
        await post(alice, '/api/v1/links', { kind: 'works_at', fromId: survivor.id, toId: org.id })
      ).json();
      const between = (
        await post(alice, '/api/v1/links', { kind: 'knows', fromId: survivor.id, toId: other.id })
      ).json();

      expect((await post(bob, `/api/v1/persons/${survivor.id}/merge`, { otherId: other.id })).statusCode).toBe(404);
      expect((await post(alice, `/api/v1/persons/${survivor.id}/merge`, { otherId: survivor.id })).statusCode).toBe(
        400,
      );
      expect((await post(alice, `/api/v1/persons/${survivor.id}/merge`, { otherId: message.id })).statusCode).toBe(404);

      const merged = await post(alice, `/api/v1/persons/${survivor.id}/merge`, { otherId: other.id });
      expect(merged.statusCode, merged.body).toBe(200);
      expect(merged.json()).toMatchObject({
        id: survivor.id,
        version: 2,
        properties: { givenName: 'Ann', jobTitle: 'CTO' },
      });
      expect(
        merged
          .json()
          .identifiers.map((i: { value: string }) => i.value)
          .sort(),
      ).toEqual(['+447911123456', 'ann@example.com']);

      const gone = await get(alice, `/api/v1/entities/${other.id}`);
      expect(gone.statusCode).toBe(404);
      expect(gone.json().error).toMatchObject({ code: 'merged', details: { mergedIntoId: survivor.id } });
      expect((await get(alice, '/api/v1/persons/lookup?email=ann%40example.com')).json().id).toBe(survivor.id);

      const links = (await get(alice, `/api/v1/entities/${survivor.id}/links`)).json().items;
      expect(links.map((l: { id: string }) => l.id).sort()).toEqual([fromOther.id, duplicate.id].sort());
      const tombstone = await hub.db.asOwner((tx) =>
        tx.query<{ deleted_at: Date | null; merged_into_id: string }>(
          'SELECT deleted_at, merged_into_id FROM public.entities WHERE id = $1',
          [other.id],
        ),
      );
      expect(tombstone.rows[0]).toMatchObject({ deleted_at: expect.any(Date), merged_into_id: survivor.id });

      const [event] = (await outboxFor(survivor.id)).filter((e) => e.type === 'data.PersonsMerged');
      expect(event!.data).toMatchObject({
        survivor: { id: survivor.id, version: 2 },
        merged: { id: other.id, mergedIntoId: survivor.id },
        movedLinkIds: [fromOther.id],
      });
      expect(event!.data.droppedLinkIds.sort()).toEqual([worksAt.id, between.id].sort());
      expect(event!.data.movedIdentifiers.map((i: { value: string }) => i.value)).toEqual(['ann@example.com']);

      // A second merge into a third person repoints the first tombstone.
      const third = await createPerson(alice, { name: 'Ann C.' });
      expect((await post(alice, `/api/v1/persons/${third.id}/merge`, { otherId: survivor.id })).statusCode).toBe(200);
      expect((await get(alice, `/api/v1/entities/${other.id}`)).json().error.details.mergedIntoId).toBe(third.id);
    });
  });

  it('documents every graph route in OpenAPI', async () => {
    const response = await hub.app.inject({ method: 'GET', url: '/docs/json' });
    expect(response.statusCode).toBe(200);
    const paths = Object.keys(response.json().paths);
    for (const path of [
      '/api/v1/entities',
      '/api/v1/entities/{id}',
      '/api/v1/entities/{id}/links',
      '/api/v1/links',
      '/api/v1/links/{id}',
      '/api/v1/persons',
      '/api/v1/persons/lookup',
      '/api/v1/persons/{id}/identifiers',
      '/api/v1/persons/{id}/identifiers/{identifierId}',
      '/api/v1/persons/{id}/merge',
    ]) {
      expect(paths).toContain(path);
    }
  });

  describe('hostile input', () => {
    const nul = 'a\u0000b';
    it.each([
      ['invalid uuid', 'GET', '/api/v1/entities/not-a-uuid', undefined],
      ['sql in id', 'GET', "/api/v1/entities/1'%20OR%201=1--", undefined],
      ['wrong type', 'POST', '/api/v1/entities', { type: 'spaceship' }],
      ['missing type', 'POST', '/api/v1/entities', { title: 'x' }],
      ['title not a string', 'POST', '/api/v1/entities', { type: 'note', title: 42 }],
      ['NUL in title', 'POST', '/api/v1/entities', { type: 'note', title: nul }],
      ['NUL in a property', 'POST', '/api/v1/entities', { type: 'note', properties: { tags: [nul] } }],
      ['NUL in a property key', 'POST', '/api/v1/entities', { type: 'note', properties: { [nul]: 1 } }],
      ['huge title', 'POST', '/api/v1/entities', { type: 'note', title: 'x'.repeat(100_000) }],
      ['unknown field', 'POST', '/api/v1/entities', { type: 'note', ownerId: '0190b6a0-0000-7000-8000-000000000000' }],
      ['array body', 'POST', '/api/v1/entities', [{ type: 'note' }]],
      ['bad occurredAt', 'POST', '/api/v1/entities', { type: 'note', occurredAt: '2026-13-45' }],
      ['deep JSON', 'POST', '/api/v1/entities', `${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}`],
      [
        'deep properties',
        'POST',
        '/api/v1/entities',
        `{"type":"note","properties":${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}}`,
      ],
      ['version as string', 'PATCH', '/api/v1/entities/0190b6a0-0000-7000-8000-000000000000', { version: '1' }],
      [
        'properties as array',
        'PATCH',
        '/api/v1/entities/0190b6a0-0000-7000-8000-000000000000',
        { version: 1, properties: [] },
      ],
      ['bad limit', 'GET', '/api/v1/entities?limit=100000', undefined],
      ['negative limit', 'GET', '/api/v1/entities?limit=-1', undefined],
      ['bad type filter', 'GET', '/api/v1/entities?type=robot', undefined],
      ['bad updatedSince', 'GET', '/api/v1/entities?updatedSince=yesterday', undefined],
      [
        'forged cursor',
        'GET',
        `/api/v1/entities?cursor=${Buffer.from("d.1.x' OR 1=1").toString('base64url')}`,
        undefined,
      ],
      ['garbage cursor', 'GET', '/api/v1/entities?cursor=%00%00', undefined],
      ['unknown query', 'GET', '/api/v1/entities?ownerId=x', undefined],
      ['NUL in q', 'GET', '/api/v1/entities?q=a%00b', undefined],
      ['huge q', 'GET', `/api/v1/entities?q=${'x'.repeat(5000)}`, undefined],
      ['bad link ids', 'POST', '/api/v1/links', { kind: 'from', fromId: 'x', toId: 'y' }],
      ['bad merge id', 'POST', '/api/v1/persons/0190b6a0-0000-7000-8000-000000000000/merge', { otherId: 42 }],
      ['bad person phones', 'POST', '/api/v1/persons', { name: 'X', phones: 'not-an-array' }],
      ['bad country', 'POST', '/api/v1/persons', { name: 'X', phones: ['020 7946 0958'], defaultCountry: 'XX' }],
      ['NUL phone', 'POST', '/api/v1/persons', { name: 'X', phones: [nul] }],
      ['lookup without a value', 'GET', '/api/v1/persons/lookup', undefined],
      ['lookup with a bad email', 'GET', '/api/v1/persons/lookup?email=nope', undefined],
      [
        'bad identifier kind',
        'POST',
        '/api/v1/persons/0190b6a0-0000-7000-8000-000000000000/identifiers',
        { kind: 'fax', value: '1' },
      ],
    ])('%s is a 400 with an error code', async (_name, method, url, payload) => {
      const body =
        payload === undefined
          ? {}
          : {
              payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
              headers: { 'content-type': 'application/json' },
            };
      const response = await call(alice, { method: method as 'GET', url, ...body });
      expect(response.statusCode, response.body).toBe(400);
      expect(response.json().error).toMatchObject({ code: expect.any(String), message: expect.any(String) });
    });

    it('validates hostile PATCH properties against the type of an existing entity', async () => {
      const note = await createNote(alice, 'target');
      for (const payload of [
        `{"version":1,"properties":${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}}`,
        JSON.stringify({ version: 1, properties: { tags: ['ok', 'a\u0000b'] } }),
        JSON.stringify({ version: 1, properties: { ['k\u0000']: 1 } }),
        JSON.stringify({ version: 1, properties: { tags: 'x'.repeat(200_000) } }),
      ]) {
        const response = await call(alice, {
          method: 'PATCH',
          url: `/api/v1/entities/${note.id}`,
          headers: { 'content-type': 'application/json' },
          payload,
        });
        expect(response.statusCode, response.body).toBe(400);
      }
      expect((await get(alice, `/api/v1/entities/${note.id}`)).json().version).toBe(1);
    });

    it('refuses a malformed JSON body and a body over the size limit without a 500', async () => {
      const malformed = await call(alice, {
        method: 'POST',
        url: '/api/v1/entities',
        headers: { 'content-type': 'application/json' },
        payload: '{"type":',
      });
      expect(malformed.statusCode).toBe(400);
      const deepArray = await call(alice, {
        method: 'POST',
        url: '/api/v1/entities',
        headers: { 'content-type': 'application/json' },
        payload: `{"type":"note","properties":{"tags":${'['.repeat(200_000)}${']'.repeat(200_000)}}}`,
      });
      expect(deepArray.statusCode).toBeLessThan(500);
      expect(deepArray.statusCode).toBeGreaterThanOrEqual(400);
      const huge = await call(alice, {
        method: 'POST',
        url: '/api/v1/entities',
        payload: { type: 'note', body: 'x'.repeat(2_000_000) },
      });
      expect(huge.statusCode).toBe(413);
    });
  });
});
