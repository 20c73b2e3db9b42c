import { eventRegistry } from '@made-open/shared/event-registry';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabaseKinds } from '../../../test/databases.ts';
import { createTestHub, type TestHub } from '../../../test/hub.ts';
import { bearer, signUpUser, type SignedUpUser } from '../../../test/users.ts';
import type { Sql } from '../../platform/db/index.ts';
import type { GraphModule } from './index.ts';
import type { IngestItem, IngestRequest } from './graph.ingest.ts';

type OutboxRow = { id: string; type: string; subject: string; actor: Record<string, unknown>; data: any };

const hubStartTimeout = 180_000;

describe.each(testDatabaseKinds())('graph ingest on %s', (kind) => {
  let hub: TestHub;
  let graph: GraphModule;
  let alice: SignedUpUser;
  let bob: SignedUpUser;

  beforeAll(async () => {
    hub = await createTestHub(kind);
    graph = hub.modules.find((m) => m.name === 'graph') as GraphModule;
    alice = await signUpUser(hub);
    bob = await signUpUser(hub);
  }, hubStartTimeout);
  afterAll(() => hub?.close(), hubStartTimeout);

  const connector = { kind: 'connector' as const, id: 'twilio' };
  const ingestAs = (user: SignedUpUser, items: IngestItem[], extra: Partial<IngestRequest> = {}) =>
    hub.db.asUser(user.claims, (tx) => graph.ingest(tx, { ownerId: user.id, actor: connector, items, ...extra }));
  const sms = (externalId: string, from: string, body = 'hello', extra: Partial<IngestItem> = {}): IngestItem => ({
    type: 'message',
    source: 'twilio',
    externalId,
    title: body,
    body,
    occurredAt: '2026-01-02T03:04:05Z',
    properties: { channel: 'sms', direction: 'inbound', from },
    people: [{ role: 'from', phone: from }],
    ...extra,
  });
  const query = async <R extends Record<string, unknown>>(user: SignedUpUser, text: string, params: unknown[] = []) =>
    (await hub.db.asUser(user.claims, (tx) => tx.query<R>(text, params))).rows;
  const eventsOf = (user: SignedUpUser, subjects: string[]) =>
    query<OutboxRow>(
      user,
      `SELECT id, type, subject, actor, data FROM made_open.outbox WHERE subject = ANY($1) ORDER BY seq`,
      [subjects],
    );
  const linksFrom = (user: SignedUpUser, id: string) =>
    query<{ kind: string; to_id: string }>(user, `SELECT kind, to_id FROM public.entity_links WHERE from_id = $1`, [
      id,
    ]);
  const outboxCount = async (user: SignedUpUser) =>
    Number((await query<{ n: string }>(user, `SELECT count(*)::text AS n FROM made_open.outbox`))[0]!.n);

  it('upserts by source and externalId: the same item again changes nothing, a changed one is a new version', async () => {
    const first = await ingestAs(alice, [sms('SM-up-1', '+14155550101'), sms('SM-up-2', '+14155550101', 'second')]);
    expect(first.items.map((i) => i.status)).toEqual(['created', 'created']);
    const before = await outboxCount(alice);

    const again = await ingestAs(alice, [sms('SM-up-1', '+14155550101'), sms('SM-up-2', '+14155550101', 'second')]);
    expect(again.items).toEqual(first.items.map((i) => ({ ...i, status: 'unchanged', json: null })));
    expect(again).toMatchObject({ personsCreated: 0, linksCreated: 0, events: 0 });
    expect(await outboxCount(alice)).toBe(before);

    const changed = await ingestAs(
      alice,
      [sms('SM-up-1', '+14155550101', 'edited'), sms('SM-up-2', '+14155550101', 'second')],
      {
        returnJson: true,
      },
    );
    expect(changed.items.map((i) => i.status)).toEqual(['updated', 'unchanged']);
    expect(JSON.parse(changed.items[0]!.json!)).toMatchObject({ id: first.items[0]!.id, body: 'edited', version: 2 });
    const events = await eventsOf(alice, [first.items[0]!.id]);
    expect(events.map((e) => e.type)).toEqual(['data.EntityCreated', 'data.EntityUpdated']);
    expect(events[1]!.data.changed.sort()).toEqual(['body', 'title']);
    expect(events[1]!.data.entity).toMatchObject({ body: 'edited', version: 2 });
    // Omitted fields keep their value.
    const partial = await ingestAs(
      alice,
      [{ type: 'message', source: 'twilio', externalId: 'SM-up-1', title: 'only title' }],
      {
        returnJson: true,
      },
    );
    expect(JSON.parse(partial.items[0]!.json!)).toMatchObject({ title: 'only title', body: 'edited', version: 3 });
  });

  it("sets only the properties a source owns (ownedProperties) and keeps the owner's own", async () => {
    const contact = (properties: Record<string, unknown>): IngestItem => ({
      type: 'person',
      source: 'books',
      externalId: 'contact-owned-1',
      title: 'Ada',
      properties,
      ownedProperties: ['jobTitle', 'organization', 'notes'],
    });
    const made = await ingestAs(alice, [contact({ jobTitle: 'Engineer', organization: 'Acme' })]);
    const id = made.items[0]!.id;
    // The owner tags the person in the hub.
    await hub.db.asUser(alice.claims, (tx) =>
      tx.query(
        `UPDATE public.entities SET properties = properties || '{"tags": ["climbing"], "groups": ["Friends"]}'::jsonb
          WHERE id = $1`,
        [id],
      ),
    );
    const propertiesOf = async () =>
      (
        await query<{ properties: Record<string, unknown> }>(
          alice,
          'SELECT properties FROM public.entities WHERE id = $1',
          [id],
        )
      )[0]!.properties;
    // The source changes a field and clears another: its own keys follow it, the tags stay.
    const changed = await ingestAs(alice, [contact({ jobTitle: 'CTO', notes: 'Met at the meetup' })]);
    expect(changed.items[0]!.status).toBe('updated');
    expect(await propertiesOf()).toEqual({
      jobTitle: 'CTO',
      notes: 'Met at the meetup',
      tags: ['climbing'],
      groups: ['Friends'],
    });
    const events = await eventsOf(alice, [id]);
    expect(events.at(-1)!.data).toMatchObject({
      changed: ['properties'],
      entity: { properties: { tags: ['climbing'] } },
    });
    // The same copy again is no change (the kept keys do not make it one), and writes no event.
    const before = await outboxCount(alice);
    const again = await ingestAs(alice, [contact({ jobTitle: 'CTO', notes: 'Met at the meetup' })]);
    expect(again.items[0]!.status).toBe('unchanged');
    expect(await outboxCount(alice)).toBe(before);
    // Without ownedProperties an item's properties replace the entity's, as before.
    const { ownedProperties: _owned, ...whole } = contact({ jobTitle: 'CEO' });
    await ingestAs(alice, [whole]);
    expect(await propertiesOf()).toEqual({ jobTitle: 'CEO' });
  });

  it('resolves one phone in different spellings to one person, and a known person by its phone or its email', async () => {
    const result = await ingestAs(
      alice,
      [
        sms('SM-res-1', '+44 20 7946 0958'),
        sms('SM-res-2', '0044 20 7946 0958'),
        sms('SM-res-3', '+442079460958'),
        sms('SM-res-4', '020 7946 0958'),
      ],
      { defaultCountry: 'GB' },
    );
    expect(result.personsCreated).toBe(1);
    const targets = new Set<string>();
    for (const item of result.items) for (const link of await linksFrom(alice, item.id)) targets.add(link.to_id);
    expect(targets.size).toBe(1);

    const known = await hub.app.inject({
      method: 'POST',
      url: '/api/v1/persons',
      headers: bearer(alice),
      payload: { name: 'Grace Hopper', phones: ['+1 415 555 0199'], emails: ['grace@example.org'] },
    });
    expect(known.statusCode, known.body).toBe(201);
    const graceId = known.json().id as string;
    const email: IngestItem = {
      type: 'message',
      source: 'msgraph',
      externalId: 'AAMk-1',
      properties: { channel: 'email', direction: 'inbound', from: 'Grace@Example.org' },
      people: [
        { role: 'from', email: ' GRACE@example.org ' },
        { role: 'to', email: alice.email },
      ],
    };
    const mixed = await ingestAs(
      alice,
      [sms('SM-res-5', '(415) 555-0199', 'hi', { people: [{ role: 'from', phone: '(415) 555-0199' }] }), email],
      {
        defaultCountry: 'US',
      },
    );
    expect(mixed.personsCreated).toBe(1); // alice herself, as the recipient; Grace is known
    expect(await linksFrom(alice, mixed.items[0]!.id)).toEqual([{ kind: 'from', to_id: graceId }]);
    const emailLinks = await linksFrom(alice, mixed.items[1]!.id);
    expect(emailLinks.find((l) => l.kind === 'from')?.to_id).toBe(graceId);
    expect(emailLinks.find((l) => l.kind === 'to')?.to_id).not.toBe(graceId);
  });

  it('makes an unknown sender a person with provenance, with its identifier, events and links', async () => {
    const result = await ingestAs(alice, [
      sms('SM-new-1', '+14155550123', 'hi', { people: [{ role: 'from', phone: '+14155550123', name: 'Ada' }] }),
    ]);
    const [link] = await linksFrom(alice, result.items[0]!.id);
    const personId = link!.to_id;
    const [person] = await query<{ type: string; title: string; source: string; external_id: string }>(
      alice,
      `SELECT type, title, source, external_id FROM public.entities WHERE id = $1`,
      [personId],
    );
    expect(person).toEqual({ type: 'person', title: 'Ada', source: 'twilio', external_id: 'phone:+14155550123' });
    const lookup = await hub.app.inject({
      method: 'GET',
      url: '/api/v1/persons/lookup?phone=%2B14155550123',
      headers: bearer(alice),
    });
    expect(lookup.json().id).toBe(personId);

    const events = await eventsOf(alice, [personId, result.items[0]!.id]);
    expect(events.map((e) => e.type)).toEqual(['data.EntityCreated', 'data.EntityCreated']);
    expect(events[0]!.data.identifiers).toEqual([
      expect.objectContaining({ kind: 'phone', value: '+14155550123', entityId: personId }),
    ]);
    const linkEvents = await query<OutboxRow>(
      alice,
      `SELECT type, data, actor FROM made_open.outbox WHERE type = 'data.LinkCreated' AND data->'link'->>'fromId' = $1`,
      [result.items[0]!.id],
    );
    expect(linkEvents.map((e) => e.data.link)).toEqual([expect.objectContaining({ kind: 'from', toId: personId })]);
    for (const event of [...events, ...linkEvents]) {
      expect(event.actor).toEqual(connector);
      expect(() => eventRegistry.validate({ ...event, ownerId: alice.id, subject: 'x' } as never)).not.toThrow();
    }
    // A later message from the same number links to the same person and makes no other.
    const later = await ingestAs(alice, [sms('SM-new-2', '+1 415 555 0123')]);
    expect(later.personsCreated).toBe(0);
    expect(await linksFrom(alice, later.items[0]!.id)).toEqual([{ kind: 'from', to_id: personId }]);
  });

  it("writes in the caller's transaction: a rollback takes entities, persons, links and events with it", async () => {
    const before = await outboxCount(alice);
    await expect(
      hub.db.asUser(alice.claims, async (tx) => {
        const result = await graph.ingest(tx, {
          ownerId: alice.id,
          actor: connector,
          items: [sms('SM-rb-1', '+14155550777')],
        });
        expect(result.events).toBe(3);
        throw new Error('the connector failed later in its page');
      }),
    ).rejects.toThrow('later in its page');
    expect(
      await query(alice, `SELECT id FROM public.entities WHERE external_id IN ('SM-rb-1', 'phone:+14155550777')`),
    ).toEqual([]);
    expect(await query(alice, `SELECT id FROM public.identifiers WHERE value = '+14155550777'`)).toEqual([]);
    expect(await outboxCount(alice)).toBe(before);
  });

  it("never matches another owner's persons, and cannot write into another owner's graph", async () => {
    const bobs = await hub.app.inject({
      method: 'POST',
      url: '/api/v1/persons',
      headers: bearer(bob),
      payload: { name: 'Bob contact', phones: ['+14155550888'] },
    });
    expect(bobs.statusCode).toBe(201);
    const result = await ingestAs(alice, [sms('SM-rls-1', '+14155550888')]);
    expect(result.personsCreated).toBe(1);
    const [link] = await linksFrom(alice, result.items[0]!.id);
    expect(link!.to_id).not.toBe(bobs.json().id);
    const bobAfter = await hub.app.inject({
      method: 'GET',
      url: `/api/v1/entities/${bobs.json().id}`,
      headers: bearer(bob),
    });
    // (The create answer also names duplicates; a GET has no such field.)
    expect({ ...bobAfter.json(), duplicates: [] }).toEqual(bobs.json());
    // Alice's claims with Bob as the owner: RLS refuses the rows.
    await expect(
      hub.db.asUser(alice.claims, (tx) =>
        graph.ingest(tx, { ownerId: bob.id, actor: connector, items: [sms('SM-rls-2', '+14155550889')] }),
      ),
    ).rejects.toThrow(/row-level security/);
  });

  it('takes a page in a handful of statements, and a batch of 1,000 items with 100 senders', async () => {
    const items = Array.from({ length: 1000 }, (_, i) =>
      sms(`SM-bulk-${i}`, `+1415555${String(1000 + (i % 100)).padStart(4, '0')}`, `bulk ${i}`),
    );
    let statements = 0;
    const result = await hub.db.asUser(alice.claims, (tx) => {
      const counting: Sql = { query: (text, params) => (statements++, tx.query(text, params)) };
      return graph.ingest(counting, { ownerId: alice.id, actor: connector, items });
    });
    expect(statements).toBeLessThanOrEqual(4);
    expect(result.items.every((i) => i.status === 'created')).toBe(true);
    expect(result).toMatchObject({ personsCreated: 100, linksCreated: 1000, events: 2100 });
    const [counts] = await query<{ persons: string; links: string }>(
      alice,
      `SELECT (SELECT count(*) FROM public.entities WHERE type = 'person' AND external_id LIKE 'phone:+14155551%')::text AS persons,
              (SELECT count(*) FROM public.entity_links l JOIN public.entities m ON m.id = l.from_id WHERE m.external_id LIKE 'SM-bulk-%')::text AS links`,
    );
    expect(counts).toEqual({ persons: '100', links: '1000' });
    const again = await ingestAs(alice, items);
    expect(again.items.every((i) => i.status === 'unchanged')).toBe(true);
    expect(again.events).toBe(0);
  });

  it('links people refs to the knownPersons the caller resolved, in one statement, without a lookup or a new person', async () => {
    const made = await ingestAs(alice, [
      { type: 'person', source: 'twilio', externalId: 'person:+14155550777', title: 'Known', phones: ['+14155550777'] },
    ]);
    const personId = made.items[0]!.id;
    const known = [{ kind: 'phone' as const, value: '+14155550777', personId }];
    let statements = 0;
    const result = await hub.db.asUser(alice.claims, (tx) => {
      const counting: Sql = { query: (text, params) => (statements++, tx.query(text, params)) };
      return graph.ingest(counting, {
        ownerId: alice.id,
        actor: connector,
        items: [sms('SM-known-1', '+14155550777'), sms('SM-known-2', '(415) 555-0777', 'other spelling')],
        defaultCountry: 'US',
        knownPersons: known,
      });
    });
    // graph_ingest alone: no findPersons, no person lock.
    expect(statements).toBe(1);
    expect(result).toMatchObject({ personsCreated: 0, linksCreated: 2, events: 4 });
    for (const item of result.items)
      expect(await linksFrom(alice, item.id)).toEqual([{ kind: 'from', to_id: personId }]);
    // Each message once: one EntityCreated and one LinkCreated, nothing for the person.
    const events = await eventsOf(alice, [personId, ...result.items.map((i) => i.id)]);
    expect(events.filter((e) => e.subject !== personId).map((e) => e.type)).toEqual([
      'data.EntityCreated',
      'data.EntityCreated',
    ]);
    expect(events.filter((e) => e.subject === personId).map((e) => e.type)).toEqual(['data.EntityCreated']);
    // Again: deduped by source + externalId.
    const again = await ingestAs(alice, [sms('SM-known-1', '+14155550777')], { knownPersons: known });
    expect(again).toMatchObject({ items: [{ status: 'unchanged' }], linksCreated: 0, events: 0 });

    // A person item claiming that number is still looked up (its holder's provenance matters).
    const claim = await ingestAs(
      alice,
      [{ type: 'person', source: 'csv', externalId: 'c1', phones: ['+14155550777'] }],
      {
        knownPersons: known,
      },
    );
    expect(claim.identifierConflicts).toEqual([{ index: 0, kind: 'phone', value: '+14155550777', personId }]);

    // Another owner's person is never linked: the composite foreign key refuses it, nothing is written.
    await expect(ingestAs(bob, [sms('SM-known-bob', '+14155550777')], { knownPersons: known })).rejects.toThrow(
      /foreign key/,
    );
    expect(await query(bob, `SELECT 1 FROM public.entities WHERE external_id = 'SM-known-bob'`)).toEqual([]);
  });

  it('refuses a bad item with an error naming its index, and writes nothing of the batch', async () => {
    const before = await outboxCount(alice);
    const cases: [IngestItem[], RegExp][] = [
      [
        [
          sms('SM-bad-1', '+14155550301'),
          sms('SM-bad-2', '+14155550302', 'x', { properties: { channel: 'fax', direction: 'inbound' } }),
        ],
        /^items\[1\]\.properties\.channel/,
      ],
      [
        [sms('SM-bad-3', '+14155550303'), sms('SM-bad-4', '+14155550303'), sms('SM-bad-5', 'not a phone')],
        /^items\[2\]\.properties|^items\[2\]\.people\.0\.phone: "not a phone"/,
      ],
      [
        [sms('SM-bad-6', '+14155550304'), sms('SM-bad-6', '+14155550304')],
        /^items\[1\] has the same source and externalId as items\[0\]/,
      ],
      [[{ type: 'note', externalId: 'n-1' }], /^items\[0\]\.externalId: externalId needs a source/],
      [[{ type: 'note', phones: ['+14155550305'] } as IngestItem], /^items\[0\]\.phones: only persons/],
    ];
    for (const [items, message] of cases) {
      const error = await ingestAs(alice, items).catch((e: Error & { code?: string }) => e);
      expect(error).toBeInstanceOf(Error);
      expect((error as Error).message).toMatch(message);
      expect((error as { code?: string }).code).toBe('validation_failed');
    }
    // A type that does not match the existing entity of that external id.
    await ingestAs(alice, [sms('SM-type-1', '+14155550306')]);
    await expect(ingestAs(alice, [{ type: 'note', source: 'twilio', externalId: 'SM-type-1' }])).rejects.toThrow(
      /^items\[0\] has the source and externalId of an entity of another type/,
    );
    expect(await query(alice, `SELECT id FROM public.entities WHERE external_id LIKE 'SM-bad-%'`)).toEqual([]);
    expect(await outboxCount(alice)).toBe(before + 3); // SM-type-1, its sender, the link
  });

  it('keeps contacts: identifiers added to a person are a change; one taken by another person is reported', async () => {
    const contact: IngestItem = {
      type: 'person',
      source: 'msgraph',
      externalId: 'contact-1',
      title: 'Lin',
      emails: ['lin@example.com'],
    };
    const created = await ingestAs(alice, [contact], { returnJson: true });
    expect(JSON.parse(created.items[0]!.json!).identifiers.map((i: { value: string }) => i.value)).toEqual([
      'lin@example.com',
    ]);
    const other = await ingestAs(alice, [sms('SM-lin-1', '+14155550401')]);
    const [link] = await linksFrom(alice, other.items[0]!.id);
    const updated = await ingestAs(
      alice,
      [{ ...contact, emails: ['lin@example.com', 'lin@work.example'], phones: ['+14155550401'] }],
      {
        returnJson: true,
      },
    );
    expect(updated.items[0]!.status).toBe('updated');
    expect(updated.identifierConflicts).toEqual([
      { index: 0, kind: 'phone', value: '+14155550401', personId: link!.to_id },
    ]);
    const person = JSON.parse(updated.items[0]!.json!);
    expect(person.version).toBe(2);
    expect(person.identifiers.map((i: { value: string }) => i.value)).toEqual(['lin@example.com', 'lin@work.example']);
    const events = await eventsOf(alice, [created.items[0]!.id]);
    expect(events[1]!.data).toMatchObject({ changed: ['identifiers'], identifiers: person.identifiers });
    // The same contact again: nothing to do.
    const again = await ingestAs(alice, [{ ...contact, emails: ['lin@example.com', 'lin@work.example'] }]);
    expect(again.items[0]!.status).toBe('unchanged');
  });

  it('drops the links of complete roles an updated item no longer lists, and keeps every other link', async () => {
    const meeting = (title: string, attendees: string[]): IngestItem => ({
      type: 'calendar_event',
      source: 'calendar-test',
      externalId: 'EV-complete-1',
      title,
      properties: { startsAt: '2026-03-04T10:00:00Z', attendees },
      people: [
        { role: 'organizer', email: 'org@example.com' },
        ...attendees.map((email) => ({ role: 'attendee', email })),
      ],
      completeRoles: ['attendee'],
    });
    const created = await ingestAs(alice, [meeting('Plan', ['ann@example.com', 'ben@example.com'])]);
    const eventId = created.items[0]!.id;
    const personOf = async (email: string) =>
      (
        await query<{ entity_id: string }>(alice, `SELECT entity_id FROM public.identifiers WHERE value = $1`, [email])
      )[0]!.entity_id;
    const [ann, ben, org] = [
      await personOf('ann@example.com'),
      await personOf('ben@example.com'),
      await personOf('org@example.com'),
    ];
    // A link the user made by hand, of a kind the item does not list in full.
    const manual = await hub.app.inject({
      method: 'POST',
      url: '/api/v1/links',
      headers: bearer(alice),
      payload: { kind: 'with', fromId: eventId, toId: ben },
    });
    expect(manual.statusCode, manual.body).toBe(201);

    // Ben is taken off the invitation; the organizer is not a complete role here, so stays.
    const updated = await ingestAs(alice, [meeting('Plan', ['ann@example.com'])]);
    expect(updated.items[0]!.status).toBe('updated');
    const links = (await linksFrom(alice, eventId)).map((l) => `${l.kind}:${l.to_id}`).sort();
    expect(links).toEqual([`attendee:${ann}`, `organizer:${org}`, `with:${ben}`].sort());
    const deleted = await query<OutboxRow>(
      alice,
      `SELECT type, actor, data FROM made_open.outbox WHERE type = 'data.LinkDeleted' AND data->'link'->>'fromId' = $1`,
      [eventId],
    );
    expect(deleted.map((e) => e.data.link)).toEqual([expect.objectContaining({ kind: 'attendee', toId: ben })]);
    expect(updated.events).toBe(2); // EntityUpdated + LinkDeleted
    for (const event of deleted) {
      expect(event.actor).toEqual(connector);
      expect(() => eventRegistry.validate({ ...event, ownerId: alice.id, subject: 'x' } as never)).not.toThrow();
    }

    // A newcomer is linked and the rest kept; the same item again changes nothing.
    const grown = await ingestAs(alice, [meeting('Plan', ['ann@example.com', 'cy@example.com'])]);
    expect(grown).toMatchObject({ personsCreated: 1, linksCreated: 1 });
    const cy = await personOf('cy@example.com');
    expect(
      (await linksFrom(alice, eventId))
        .filter((l) => l.kind === 'attendee')
        .map((l) => l.to_id)
        .sort(),
    ).toEqual([ann, cy].sort());
    expect((await ingestAs(alice, [meeting('Plan', ['ann@example.com', 'cy@example.com'])])).events).toBe(0);

    // No attendees left: every attendee link goes, and a rollback takes the removal back.
    await expect(
      hub.db.asUser(alice.claims, async (tx) => {
        await graph.ingest(tx, { ownerId: alice.id, actor: connector, items: [meeting('Plan', [])] });
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    expect((await linksFrom(alice, eventId)).filter((l) => l.kind === 'attendee')).toHaveLength(2);
    await ingestAs(alice, [meeting('Plan', [])]);
    expect((await linksFrom(alice, eventId)).filter((l) => l.kind === 'attendee')).toEqual([]);

    // Roles are link kinds: anything else is refused, naming the item.
    await expect(ingestAs(alice, [{ ...meeting('Plan', []), completeRoles: ['not a kind!'] }])).rejects.toThrow(
      /items\[0\]\.completeRoles/,
    );
  });

  it('keeps only the incoming links a source still names for a person (completeIncoming), and refuses a bad one', async () => {
    const org = (externalId: string, email: string): IngestItem => ({
      type: 'organization',
      source: 'crm-test',
      externalId,
      title: externalId,
      people: [{ role: 'works_at', email }],
    });
    await ingestAs(alice, [org('org:a', 'dee@example.com'), org('org:b', 'dee@example.com')]);
    const employers = async () =>
      (
        await query<{ external_id: string }>(
          alice,
          `SELECT f.external_id FROM public.identifiers i
             JOIN public.entity_links l ON l.to_id = i.entity_id AND l.kind = 'works_at'
             JOIN public.entities f ON f.id = l.from_id
            WHERE i.value = 'dee@example.com' ORDER BY 1`,
        )
      ).map((r) => r.external_id);
    expect(await employers()).toEqual(['org:a', 'org:b']);
    // Another source's links are not this source's to remove.
    await ingestAs(alice, [{ ...org('org:c', 'dee@example.com'), source: 'other-test' }]);

    const result = await ingestAs(alice, [], {
      completeIncoming: {
        kind: 'works_at',
        source: 'crm-test',
        people: [{ email: 'DEE@example.com', keep: ['org:b'] }],
      },
    });
    expect(result.events).toBe(1);
    expect(await employers()).toEqual(['org:b', 'org:c']);

    for (const bad of [
      { kind: 'works_at', source: 'crm-test', people: [{ keep: [] }] },
      { kind: 'works_at', source: 'crm-test', people: [{ email: 'not an email', keep: [] }] },
      { kind: 'Not A Kind', source: 'crm-test', people: [] },
    ])
      await expect(ingestAs(alice, [], { completeIncoming: bad as never })).rejects.toThrow(/completeIncoming/);
    expect(await employers()).toEqual(['org:b', 'org:c']);
  });

  it('lets a contact take over the person made for its sender (adoptMadePerson), once, and never a person the user made', async () => {
    const made = await ingestAs(alice, [sms('SM-adopt-1', '+14155550601')]);
    const [link] = await linksFrom(alice, made.items[0]!.id);
    const contact = (externalId: string, extra: Partial<IngestItem> = {}): IngestItem => ({
      type: 'person',
      source: 'addressbook-test',
      externalId,
      title: 'Priya Raman',
      phones: ['+1 415 555 0601'],
      emails: ['priya@example.com'],
      adoptMadePerson: true,
      ...extra,
    });
    const adopted = await ingestAs(alice, [contact('C-1')], { returnJson: true });
    expect(adopted.items[0]).toMatchObject({ id: link!.to_id, status: 'updated' });
    expect(JSON.parse(adopted.items[0]!.json!)).toMatchObject({
      title: 'Priya Raman',
      source: 'addressbook-test',
      externalId: 'C-1',
    });
    expect(adopted).toMatchObject({ personsCreated: 0, identifierConflicts: [] });
    // The next text from the number still reaches her; the same contact again changes nothing.
    const later = await ingestAs(alice, [sms('SM-adopt-2', '+14155550601')]);
    expect(await linksFrom(alice, later.items[0]!.id)).toEqual([{ kind: 'from', to_id: link!.to_id }]);
    expect((await ingestAs(alice, [contact('C-1')])).items[0]!.status).toBe('unchanged');

    // A second contact with the same phone does not take her over: it is a person of its own.
    const second = await ingestAs(alice, [contact('C-2', { emails: [] })]);
    expect(second.items[0]!.id).not.toBe(link!.to_id);
    expect(second.identifierConflicts).toEqual([expect.objectContaining({ kind: 'phone', personId: link!.to_id })]);

    // A person the user made keeps its own key.
    const own = await hub.app.inject({
      method: 'POST',
      url: '/api/v1/entities',
      headers: bearer(alice),
      payload: { type: 'person', title: 'Sam' },
    });
    expect(own.statusCode, own.body).toBe(201);
    const email = await hub.app.inject({
      method: 'POST',
      url: `/api/v1/persons/${own.json().id}/identifiers`,
      headers: bearer(alice),
      payload: { kind: 'email', value: 'sam@example.com' },
    });
    expect(email.statusCode, email.body).toBe(201);
    const samContact = await ingestAs(alice, [contact('C-3', { phones: [], emails: ['sam@example.com'] })]);
    expect(samContact.items[0]!.id).not.toBe(own.json().id);

    await expect(ingestAs(alice, [{ ...sms('SM-adopt-3', '+14155550602'), adoptMadePerson: true }])).rejects.toThrow(
      /adoptMadePerson/,
    );
  });

  it('lets a contact take over the person the Twilio connector made for an unknown number (key person:<number>)', async () => {
    const texter = await ingestAs(alice, [
      {
        type: 'person',
        title: '+14155550611',
        source: 'twilio',
        externalId: 'person:+14155550611',
        phones: ['+14155550611'],
      },
    ]);
    const adopted = await ingestAs(alice, [
      {
        type: 'person',
        source: 'addressbook-test',
        externalId: 'C-twilio',
        title: 'Tomás Texter',
        phones: ['+1 415 555 0611'],
        adoptMadePerson: true,
      },
    ]);
    expect(adopted.items[0]).toMatchObject({ id: texter.items[0]!.id, status: 'updated' });
    expect(adopted.personsCreated).toBe(0);
  });

  it('carries the actor, with its causation, on every event', async () => {
    const actor = { kind: 'plugin' as const, id: 'inst-1', causedBy: '0190b6a0-0000-7000-8000-000000000001', depth: 2 };
    const result = await ingestAs(alice, [sms('SM-act-1', '+14155550501')], { actor });
    const events = await query<OutboxRow>(alice, `SELECT actor FROM made_open.outbox WHERE subject = $1`, [
      result.items[0]!.id,
    ]);
    expect(events.map((e) => e.actor)).toEqual([actor]);
    await expect(ingestAs(alice, [], { actor: { kind: 'robot', id: 'x' } as never })).rejects.toThrow(/actor/);
  });
});
