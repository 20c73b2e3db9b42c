import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createDAVClient } from 'tsdav';
import { testDatabaseKinds } from '../../../test/databases.ts';
import type { TestHub } from '../../../test/hub.ts';
import { bearer, type SignedUpUser } from '../../../test/users.ts';
import { davUser, listeningDavHub } from './test/support.ts';

/**
 * CardDAV and CalDAV with a real client library (tsdav 2.3.4) against a listening hub:
 * discovery from /.well-known, collections, create, ETag-guarded update and delete, a
 * stale ETag refused (412), and sync-collection with tokens. Every write must show up in
 * the graph with its data.* events.
 */
// HTTP round trips through PGlite on a shared 2-core machine: generous per-test time.
vi.setConfig({ testTimeout: 120_000 });

describe.each(testDatabaseKinds())('CardDAV and CalDAV with tsdav on %s', (kind) => {
  let hub: TestHub;
  let url: string;
  let alice: SignedUpUser & { appPassword: string };

  const client = (accountType: 'carddav' | 'caldav') =>
    createDAVClient({
      serverUrl: url,
      credentials: { username: alice.email, password: alice.appPassword },
      authMethod: 'Basic',
      defaultAccountType: accountType,
    });
  const outboxTypes = async (subject: string) =>
    (
      await hub.db.asOwner((tx) =>
        tx.query<{ type: string; actor: { kind: string; id: string } }>(
          `SELECT type, actor FROM made_open.outbox WHERE subject = $1 ORDER BY seq`,
          [subject],
        ),
      )
    ).rows;

  beforeAll(async () => {
    ({ hub, url } = await listeningDavHub(kind));
    alice = await davUser(hub, 'iPhone');
  }, 180_000);
  afterAll(() => hub?.close());

  it('discovers the address book, creates, updates with ETags, refuses a stale one, syncs and deletes', async () => {
    // A person made in the web app is in the address book too.
    const made = await hub.app.inject({
      method: 'POST',
      url: '/api/v1/persons',
      headers: bearer(alice),
      payload: { name: 'Web Person', emails: ['web@example.test'] },
    });
    expect(made.statusCode, made.body).toBe(201);

    const dav = await client('carddav');
    const books = await dav.fetchAddressBooks();
    expect(books).toHaveLength(1);
    expect(books[0]!.displayName).toBe('Made Open contacts');
    const book = books[0]!;

    const first = await dav.fetchVCards({ addressBook: book });
    expect(first.map((card) => card.data)).toEqual([expect.stringContaining('FN:Web Person')]);

    const vcard = [
      'BEGIN:VCARD',
      'VERSION:3.0',
      'UID:ann-1',
      'FN:Ann Lee',
      'N:Lee;Ann;;;',
      'EMAIL;TYPE=INTERNET:ann@example.test',
      'item1.TEL:+44 20 7946 0958',
      'item1.X-ABLabel:Boat',
      'X-CUSTOM-THING:kept verbatim',
      'END:VCARD',
      '',
    ].join('\r\n');
    const created = await dav.createVCard({ addressBook: book, vCardString: vcard, filename: 'ann-1.vcf' });
    expect(created.status).toBe(201);

    // In the graph, through ingest: a person with the identifiers and a data.EntityCreated by the user.
    const persons = await hub.app.inject({
      method: 'GET',
      url: '/api/v1/entities?type=person&q=Ann',
      headers: bearer(alice),
    });
    const ann = persons.json().items[0];
    expect(ann).toMatchObject({ title: 'Ann Lee', properties: { givenName: 'Ann', familyName: 'Lee' } });
    expect(ann.identifiers.map((i: { value: string }) => i.value).sort()).toEqual([
      '+442079460958',
      'ann@example.test',
    ]);
    expect((await outboxTypes(ann.id)).map((e) => [e.type, e.actor.kind, e.actor.id])).toEqual([
      ['data.EntityCreated', 'user', alice.id],
    ]);

    let cards = await dav.fetchVCards({ addressBook: book });
    const annCard = cards.find((card) => card.url.endsWith('/ann-1.vcf'))!;
    expect(annCard.data).toContain('UID:ann-1');
    expect(annCard.data).toContain('item1.X-ABLabel:Boat');
    expect(annCard.data).toContain('X-CUSTOM-THING:kept verbatim');
    expect(annCard.etag).toMatch(/^"/);

    // The token before the edit, for sync-collection.
    const before = await dav.syncCollection({
      url: book.url,
      props: { 'd:getetag': {} },
      syncLevel: 1,
      syncToken: undefined,
    });
    const token = (before as unknown as { raw?: { multistatus?: { syncToken?: string } } }[])[0]?.raw?.multistatus
      ?.syncToken;

    const updated = await dav.updateVCard({
      vCard: { ...annCard, data: annCard.data!.replace('FN:Ann Lee', 'FN:Ann Lee-Smith') },
    });
    expect(updated.status).toBe(204);
    const stale = await dav.updateVCard({
      vCard: { ...annCard, data: annCard.data!.replace('FN:Ann Lee', 'FN:Nope') },
    });
    expect(stale.status).toBe(412);
    expect((await outboxTypes(ann.id)).map((e) => e.type)).toEqual(['data.EntityCreated', 'data.EntityUpdated']);

    cards = await dav.fetchVCards({ addressBook: book });
    const edited = cards.find((card) => card.url.endsWith('/ann-1.vcf'))!;
    expect(edited.data).toContain('FN:Ann Lee-Smith');
    expect(edited.etag).not.toBe(annCard.etag);

    // The address book's sync token moved; a sync from the old one names the edited card.
    const dirty = await dav.isCollectionDirty({ collection: book });
    expect(dirty.isDirty).toBe(true);
    expect(token).toBeTruthy();

    const deleted = await dav.deleteVCard({ vCard: edited });
    expect(deleted.status).toBe(204);
    expect((await outboxTypes(ann.id)).map((e) => e.type).at(-1)).toBe('data.EntityDeleted');
    const changes = await dav.syncCollection({
      url: book.url,
      props: { 'd:getetag': {} },
      syncLevel: 1,
      syncToken: token,
    });
    const removed = changes.find((r) => r.href?.endsWith('/ann-1.vcf'));
    expect(removed?.status).toBe(404);
    cards = await dav.fetchVCards({ addressBook: book });
    expect(cards.map((c) => c.url.split('/').at(-1))).not.toContain('ann-1.vcf');
  });

  it('discovers the calendar, creates an event the hub calendar shows, and finds it by time range', async () => {
    const dav = await client('caldav');
    const calendars = await dav.fetchCalendars();
    expect(calendars).toHaveLength(1);
    const calendar = calendars[0]!;
    expect(calendar.components).toEqual(['VEVENT']);
    const ics = [
      'BEGIN:VCALENDAR',
      'VERSION:2.0',
      'PRODID:-//test//tsdav//EN',
      'BEGIN:VEVENT',
      'UID:standup-1',
      'DTSTAMP:20261201T090000Z',
      'DTSTART:20261210T090000Z',
      'DTEND:20261210T093000Z',
      'SUMMARY:Standup',
      'ATTENDEE;CN=Ann:mailto:ann@standup.test',
      'ATTENDEE;CN=Bo:mailto:bo@standup.test',
      'BEGIN:VALARM',
      'ACTION:DISPLAY',
      'TRIGGER:-PT10M',
      'DESCRIPTION:Standup',
      'END:VALARM',
      'END:VEVENT',
      'END:VCALENDAR',
      '',
    ].join('\r\n');
    const created = await dav.createCalendarObject({ calendar, filename: 'standup-1.ics', iCalString: ics });
    expect(created.status).toBe(201);

    const window = await hub.app.inject({
      method: 'GET',
      url: '/api/v1/calendar/events?from=2026-12-10T00:00:00Z&to=2026-12-11T00:00:00Z',
      headers: bearer(alice),
    });
    expect(window.statusCode, window.body).toBe(200);
    expect(JSON.stringify(window.json())).toContain('Standup');

    const inRange = await dav.fetchCalendarObjects({
      calendar,
      timeRange: { start: '2026-12-10T00:00:00Z', end: '2026-12-11T00:00:00Z' },
    });
    expect(inRange).toHaveLength(1);
    expect(inRange[0]!.data).toContain('TRIGGER:-PT10M');
    const outOfRange = await dav.fetchCalendarObjects({
      calendar,
      timeRange: { start: '2027-01-01T00:00:00Z', end: '2027-01-02T00:00:00Z' },
    });
    expect(outOfRange).toHaveLength(0);

    const attendeeOf = async (email: string) => {
      const person = await hub.app.inject({
        method: 'GET',
        url: `/api/v1/persons/lookup?email=${encodeURIComponent(email)}`,
        headers: bearer(alice),
      });
      expect(person.statusCode, person.body).toBe(200);
      const links = await hub.app.inject({
        method: 'GET',
        url: `/api/v1/entities/${person.json().id}/links`,
        headers: bearer(alice),
      });
      return (links.json().items as { kind: string; entity: { title: string } }[])
        .filter((l) => l.kind === 'attendee')
        .map((l) => l.entity.title);
    };
    expect(await attendeeOf('bo@standup.test')).toEqual(['Standup']);

    // Renamed and Bo taken off: the event leaves Bo's links, Ann keeps it.
    const edited = inRange[0]!.data
      .replace('SUMMARY:Standup', 'SUMMARY:Standup (moved)')
      .replace(/ATTENDEE[^\r\n]*bo@standup\.test\r\n/i, '');
    expect(edited).not.toContain('bo@standup.test');
    const moved = await dav.updateCalendarObject({ calendarObject: { ...inRange[0]!, data: edited } });
    expect(moved.status).toBe(204);
    expect(await attendeeOf('bo@standup.test')).toEqual([]);
    expect(await attendeeOf('ann@standup.test')).toEqual(['Standup (moved)']);
    const gone = await dav.deleteCalendarObject({ calendarObject: inRange[0]! });
    expect(gone.status).toBe(412);
  });
});
