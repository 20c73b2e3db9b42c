import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabaseKinds } from '../../../test/databases.ts';
import { createTestHub, type TestHub } from '../../../test/hub.ts';
import { bearer, signUpUser, type SignedUpUser } from '../../../test/users.ts';
import {
  acmeCalendarConnector,
  itemOfRemote,
  registerAcmeCalendar,
  startAcmeCalendarStandIn,
  type AcmeCalendarStandIn,
} from '../connectors/test/acme-calendar.ts';
import type { Ingest } from '../graph/index.ts';
import type { EventView } from './calendar.schemas.ts';

/**
 * The calendar end to end on a real hub and database. The connected calendar is Acme
 * Calendar, a made-up provider whose API is a STAND-IN server (connectors/test/acme-calendar.ts)
 * that keeps a changeKey per event and refuses a stale one with 412, as Graph does.
 */
registerAcmeCalendar();

describe.each(testDatabaseKinds())('calendar on %s', (kind) => {
  let hub: TestHub;
  let standIn: AcmeCalendarStandIn;
  let alice: SignedUpUser;
  let bob: SignedUpUser;
  let connectionId: string;

  const api = (user: SignedUpUser, method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: unknown) =>
    hub.app.inject({
      method,
      url,
      headers: bearer(user),
      ...(payload === undefined ? {} : { payload: payload as object }),
    });
  const window = async (user: SignedUpUser, from: string, to: string, timeZone?: string) => {
    const query = new URLSearchParams({ from, to, ...(timeZone ? { timeZone } : {}) });
    const response = await api(user, 'GET', `/api/v1/calendar/events?${query}`);
    expect(response.statusCode, response.body).toBe(200);
    return response.json() as { events: EventView[]; truncated: boolean };
  };
  const create = async (user: SignedUpUser, payload: Record<string, unknown>) => {
    const response = await api(user, 'POST', '/api/v1/calendar/events', payload);
    expect(response.statusCode, response.body).toBe(201);
    return response.json() as EventView;
  };

  beforeAll(async () => {
    standIn = await startAcmeCalendarStandIn();
    hub = await createTestHub(
      kind,
      { ACME_CALENDAR_API_URL: standIn.url, PUBLIC_URL: 'https://hub.example.test' },
      { connectors: [acmeCalendarConnector] },
    );
    alice = await signUpUser(hub);
    bob = await signUpUser(hub);
    const credential = await api(alice, 'POST', '/api/v1/credentials', {
      type: 'acme-calendar',
      name: 'Acme',
      secret: { apiKey: standIn.apiKey },
    });
    expect(credential.statusCode, credential.body).toBe(201);
    const tested = await api(alice, 'POST', `/api/v1/credentials/${credential.json().id}/test`);
    expect(tested.json().ok, tested.body).toBe(true);
    const connected = await api(alice, 'POST', '/api/v1/connections', {
      provider: 'acme-calendar',
      credentialId: credential.json().id,
      options: {},
    });
    expect(connected.statusCode, connected.body).toBe(201);
    connectionId = connected.json().id;
  }, 180_000);
  afterAll(async () => {
    await hub?.close();
    await standIn?.close();
  });

  it('creates a hub event with attendees linked to persons, and finds it in its window only', async () => {
    const event = await create(alice, {
      title: 'Planning',
      startsAt: '2026-05-04T09:00:00+02:00',
      endsAt: '2026-05-04T10:00:00+02:00',
      timeZone: 'Europe/Berlin',
      location: 'Room 4',
      attendees: ['Ann@Example.org', 'ben@example.org'],
      onlineMeetingUrl: 'https://meet.example.org/abc',
    });
    expect(event).toMatchObject({ source: 'calendar', kind: 'single', editable: true, canRespond: false, version: 1 });
    expect(event.attendees.map((a) => a.email)).toEqual(['ann@example.org', 'ben@example.org']);
    expect(event.attendees.every((a) => a.personId !== null)).toBe(true);

    const inside = await window(alice, '2026-05-04T00:00:00Z', '2026-05-05T00:00:00Z');
    expect(inside.events.map((e) => e.id)).toContain(event.id);
    // Ends exactly where the next window starts: not in it.
    const after = await window(alice, '2026-05-04T08:00:00Z', '2026-05-04T09:00:00Z');
    expect(after.events.map((e) => e.id)).not.toContain(event.id);
    // Starts exactly where a window ends: not in it either; a window inside it is.
    const before = await window(alice, '2026-05-04T06:00:00Z', '2026-05-04T07:00:00Z');
    expect(before.events.map((e) => e.id)).not.toContain(event.id);
    const during = await window(alice, '2026-05-04T07:30:00Z', '2026-05-04T07:45:00Z');
    expect(during.events.map((e) => e.id)).toContain(event.id);

    // Ben is taken off: the event leaves his links (so his timeline and reminders), Ann keeps it.
    const [ann, ben] = event.attendees.map((a) => a.personId!);
    const linkedEvents = async (personId: string) => {
      const links = await api(alice, 'GET', `/api/v1/entities/${personId}/links`);
      expect(links.statusCode, links.body).toBe(200);
      return (links.json().items as { kind: string; entity: { id: string } }[])
        .filter((l) => l.kind === 'attendee')
        .map((l) => l.entity.id);
    };
    expect(await linkedEvents(ben!)).toContain(event.id);
    const edited = await api(alice, 'PATCH', `/api/v1/calendar/events/${event.id}`, {
      version: event.version,
      attendees: ['ann@example.org'],
    });
    expect(edited.statusCode, edited.body).toBe(200);
    expect(edited.json().attendees.map((a: { email: string }) => a.email)).toEqual(['ann@example.org']);
    expect(await linkedEvents(ben!)).not.toContain(event.id);
    expect(await linkedEvents(ann!)).toContain(event.id);
  });

  it('finds an event where it was moved to, and no longer once deleted (the stored start and end follow)', async () => {
    const ids = async (from: string, to: string) => (await window(alice, from, to)).events.map((e) => e.id);
    const event = await create(alice, {
      title: 'Dentist',
      startsAt: '2026-06-10T15:00:00Z',
      endsAt: '2026-06-10T16:00:00Z',
    });
    expect(await ids('2026-06-10T00:00:00Z', '2026-06-11T00:00:00Z')).toContain(event.id);

    const moved = await api(alice, 'PATCH', `/api/v1/calendar/events/${event.id}`, {
      version: event.version,
      startsAt: '2026-06-12T08:00:00Z',
      endsAt: '2026-06-12T20:00:00Z',
    });
    expect(moved.statusCode, moved.body).toBe(200);
    expect(await ids('2026-06-10T00:00:00Z', '2026-06-11T00:00:00Z')).not.toContain(event.id);
    // A window inside it and one meeting only its last minute both find it by its new end.
    expect(await ids('2026-06-12T12:00:00Z', '2026-06-12T13:00:00Z')).toContain(event.id);
    expect(await ids('2026-06-12T19:59:00Z', '2026-06-13T00:00:00Z')).toContain(event.id);

    // An event written through the graph's own API is a calendar event like any other.
    const raw = await api(alice, 'POST', '/api/v1/entities', {
      type: 'calendar_event',
      title: 'Imported',
      properties: { startsAt: '2026-06-12T09:00:00Z', endsAt: '2026-06-12T09:30:00Z' },
    });
    expect(raw.statusCode, raw.body).toBe(201);
    expect(await ids('2026-06-12T09:00:00Z', '2026-06-12T09:15:00Z')).toContain(raw.json().id);
    // Starts the database could not read as an instant are refused before they are stored.
    for (const startsAt of [
      'soon',
      '2026-02-30T10:00:00Z',
      '2026-06-12T25:00:00Z',
      '10000-01-01T00:00:00Z',
      '2026-06-12',
    ])
      for (const [url, payload] of [
        ['/api/v1/entities', { type: 'calendar_event', title: 'Hostile', properties: { startsAt } }],
        ['/api/v1/calendar/events', { title: 'Hostile', startsAt }],
      ] as const) {
        const refused = await api(alice, 'POST', url, payload);
        expect([400, 201], `${url} ${startsAt}: ${refused.body}`).toContain(refused.statusCode);
        if (startsAt !== '2026-06-12') expect(refused.statusCode, `${url} ${startsAt}`).toBe(400);
      }

    const deleted = await api(alice, 'DELETE', `/api/v1/calendar/events/${event.id}`);
    expect(deleted.statusCode, deleted.body).toBe(204);
    expect(await ids('2026-06-12T00:00:00Z', '2026-06-13T00:00:00Z')).not.toContain(event.id);
  });

  it("places all-day events by date in the reader's zone", async () => {
    const event = await create(alice, { title: 'Holiday', startsAt: '2026-06-10', endsAt: '2026-06-12', allDay: true });
    expect(event).toMatchObject({ allDay: true, startsAt: '2026-06-10', endsAt: '2026-06-12' });
    // Tokyo's 11 June is 2026-06-10T15:00Z .. 2026-06-11T15:00Z.
    const tokyo = await window(alice, '2026-06-10T15:00:00Z', '2026-06-11T15:00:00Z', 'Asia/Tokyo');
    expect(tokyo.events.map((e) => e.id)).toContain(event.id);
    // Tokyo's 12 June: the end date is exclusive.
    const after = await window(alice, '2026-06-11T15:00:00Z', '2026-06-12T15:00:00Z', 'Asia/Tokyo');
    expect(after.events.map((e) => e.id)).not.toContain(event.id);
    // Los Angeles' 9 June ends at 2026-06-10T07:00Z, which overlaps the UTC date: still not the 10th there.
    const la = await window(alice, '2026-06-09T07:00:00Z', '2026-06-10T07:00:00Z', 'America/Los_Angeles');
    expect(la.events.map((e) => e.id)).not.toContain(event.id);
  });

  it('expands a hub series across DST at the same wall clock, with an exception and a cancelled occurrence', async () => {
    const series = await create(alice, {
      title: 'Standup',
      startsAt: '2026-03-26T09:00:00+01:00',
      endsAt: '2026-03-26T09:15:00+01:00',
      timeZone: 'Europe/Berlin',
      recurrence: 'FREQ=DAILY;COUNT=6',
    });
    expect(series.kind).toBe('master');
    const days = await window(alice, '2026-03-25T00:00:00Z', '2026-04-05T00:00:00Z');
    const standups = days.events.filter((e) => e.seriesId === series.id);
    expect(standups.map((e) => e.startsAt)).toEqual([
      '2026-03-26T09:00:00+01:00',
      '2026-03-27T09:00:00+01:00',
      '2026-03-28T09:00:00+01:00',
      // Berlin moves to summer time on 29 March: still 09:00 there, an hour earlier in UTC.
      '2026-03-29T09:00:00+02:00',
      '2026-03-30T09:00:00+02:00',
      '2026-03-31T09:00:00+02:00',
    ]);
    expect(standups[3]!.endsAt).toBe('2026-03-29T09:15:00+02:00');
    expect(standups.every((e) => e.kind === 'occurrence' && e.editable)).toBe(true);

    // Move one occurrence: it becomes an exception replacing it.
    const moved = await api(alice, 'PATCH', `/api/v1/calendar/events/${standups[1]!.id}`, {
      version: standups[1]!.version,
      startsAt: '2026-03-27T11:00:00+01:00',
    });
    expect(moved.statusCode, moved.body).toBe(200);
    expect(moved.json()).toMatchObject({
      kind: 'exception',
      startsAt: '2026-03-27T11:00:00+01:00',
      endsAt: '2026-03-27T11:15:00+01:00',
    });
    // Cancel another.
    const cancelled = await api(alice, 'DELETE', `/api/v1/calendar/events/${standups[2]!.id}`);
    expect(cancelled.statusCode, cancelled.body).toBe(204);

    const again = (await window(alice, '2026-03-25T00:00:00Z', '2026-04-05T00:00:00Z')).events.filter(
      (e) => e.seriesId === series.id,
    );
    expect(again.map((e) => `${e.kind} ${e.startsAt}`)).toEqual([
      'occurrence 2026-03-26T09:00:00+01:00',
      'exception 2026-03-27T11:00:00+01:00',
      'occurrence 2026-03-29T09:00:00+02:00',
      'occurrence 2026-03-30T09:00:00+02:00',
      'occurrence 2026-03-31T09:00:00+02:00',
    ]);
    // Occurrences and the exception name the series' entity, which the web opens to edit it whole.
    expect(again.every((e) => (e as { seriesEntityId?: string }).seriesEntityId === series.id)).toBe(true);

    // Deleting the series takes its exceptions with it.
    const gone = await api(alice, 'DELETE', `/api/v1/calendar/events/${series.id}`);
    expect(gone.statusCode, gone.body).toBe(204);
    const none = (await window(alice, '2026-03-25T00:00:00Z', '2026-04-05T00:00:00Z')).events.filter(
      (e) => e.seriesId === series.id,
    );
    expect(none).toEqual([]);
  });

  it('answers 409 for a stale version and changes nothing', async () => {
    const event = await create(alice, {
      title: 'Lunch',
      startsAt: '2026-05-06T12:00:00Z',
      endsAt: '2026-05-06T13:00:00Z',
    });
    const first = await api(alice, 'PATCH', `/api/v1/calendar/events/${event.id}`, {
      version: 1,
      title: 'Long lunch',
      attendees: ['cat@example.org'],
    });
    expect(first.statusCode, first.body).toBe(200);
    expect(first.json()).toMatchObject({ title: 'Long lunch', version: 2 });
    expect(first.json().attendees[0]).toMatchObject({ email: 'cat@example.org' });
    const stale = await api(alice, 'PATCH', `/api/v1/calendar/events/${event.id}`, { version: 1, title: 'Brunch' });
    expect(stale.statusCode, stale.body).toBe(409);
    expect(stale.json().error.code).toBe('version_conflict');
    const now = await api(alice, 'GET', `/api/v1/calendar/events/${event.id}`);
    expect(now.json().title).toBe('Long lunch');
  });

  it("hides other users' events: 404 on read, edit, delete and answer", async () => {
    const event = await create(alice, { title: 'Private', startsAt: '2026-05-07T12:00:00Z' });
    for (const [method, url, payload] of [
      ['GET', `/api/v1/calendar/events/${event.id}`, undefined],
      ['PATCH', `/api/v1/calendar/events/${event.id}`, { version: 1, title: 'Mine now' }],
      ['DELETE', `/api/v1/calendar/events/${event.id}`, undefined],
      ['POST', `/api/v1/calendar/events/${event.id}/respond`, { response: 'accepted' }],
    ] as const) {
      const response = await api(bob, method, url, payload);
      expect(response.statusCode, `${method} ${response.body}`).toBe(404);
    }
    const bobs = await window(bob, '2026-05-01T00:00:00Z', '2026-06-01T00:00:00Z');
    expect(bobs.events).toEqual([]);
    expect((await api(alice, 'GET', `/api/v1/calendar/events/${event.id}`)).json().title).toBe('Private');
  });

  it('refuses hostile input with a 4xx', async () => {
    const bad = [
      ['GET', '/api/v1/calendar/events?from=yesterday&to=2026-01-01T00:00:00Z'],
      ['GET', '/api/v1/calendar/events?from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z'],
      ['GET', '/api/v1/calendar/events?from=2020-01-01T00:00:00Z&to=2030-01-01T00:00:00Z'],
      ['GET', '/api/v1/calendar/events?from=2026-01-01T00:00:00Z&to=2026-02-01T00:00:00Z&timeZone=Mars/Olympus'],
      ['GET', '/api/v1/calendar/events/not-an-id'],
    ] as const;
    for (const [method, url] of bad) {
      const response = await api(alice, method, url);
      expect(response.statusCode, `${url} ${response.body}`).toBe(400);
    }
    const payloads = [
      { title: 'x', startsAt: '2026-13-45T99:00:00Z' },
      { title: 'x', startsAt: '2026-05-01T10:00:00Z', endsAt: '2026-05-01T09:00:00Z' },
      { title: 'x', startsAt: '2026-05-01', endsAt: '2026-05-01', allDay: true },
      { title: 'x', startsAt: '2026-05-01T10:00:00Z', allDay: true },
      { title: 'x', startsAt: '2026-05-01T10:00:00Z', recurrence: 'FREQ=SECONDLY' },
      { title: 'x', startsAt: '2026-05-01T10:00:00Z', recurrence: 'FREQ=BOGUS' },
      { title: 'x', startsAt: '2026-05-01T10:00:00Z', recurrence: 'garbage' },
      { title: 'x', startsAt: '2026-05-01T10:00:00Z', recurrence: 'FREQ=DAILY;COUNT=2\nRRULE:FREQ=HOURLY' },
      { title: 'x', startsAt: '2026-05-01T10:00:00Z', timeZone: 'Not/AZone' },
      { title: 'x', startsAt: '2026-05-01T10:00:00Z', attendees: ['not an email'] },
      { title: 'x', startsAt: '2026-05-01T10:00:00Z', onlineMeetingUrl: 'javascript:alert(1)' },
      // Was a 500: z.url() lets a NUL through and jsonb refuses it (22P05) after the route accepted it.
      { title: 'x', startsAt: '2026-05-01T10:00:00Z', onlineMeetingUrl: 'https://meet.example.test/a\u0000b' },
      { title: '', startsAt: '2026-05-01T10:00:00Z' },
      { title: 'x', startsAt: '2026-05-01T10:00:00Z', endsAt: '2028-05-01T10:00:00Z' },
      { title: 'x', startsAt: '2026-05-01T10:00:00Z', surprise: true },
    ];
    for (const payload of payloads) {
      const response = await api(alice, 'POST', '/api/v1/calendar/events', payload);
      expect(response.statusCode, `${JSON.stringify(payload)} ${response.body}`).toBe(400);
    }
    // Past the years 1 to 9999: the field is named. Year 0 was the database's "A date or time
    // is out of range"; 9999-12-31 all-day a graph error about items[0].properties.endsAt.
    for (const payload of [
      { title: 'x', startsAt: '0000-06-01T10:00:00Z' },
      { title: 'x', startsAt: '0000-06-01' },
      { title: 'x', startsAt: '9999-12-31' },
    ]) {
      const response = await api(alice, 'POST', '/api/v1/calendar/events', payload);
      expect(response.statusCode, response.body).toBe(400);
      expect(response.json().error).toMatchObject({
        code: 'validation_failed',
        message: 'startsAt: an event lies between 0001-01-01 and 9999-12-31.',
        details: [{ path: '/startsAt' }],
      });
    }
    const empty = await window(alice, '2026-04-30T00:00:00Z', '2026-05-02T00:00:00Z');
    expect(empty.events.filter((e) => e.title === 'x')).toEqual([]);
    // An occurrence id that is not one of the series' own.
    const series = await create(alice, {
      title: 'Weekly',
      startsAt: '2026-07-06T10:00:00Z',
      recurrence: 'FREQ=WEEKLY',
    });
    const wrong = await api(alice, 'PATCH', `/api/v1/calendar/events/${series.id}_20260707T100000`, {
      version: 1,
      title: 'y',
    });
    expect(wrong.statusCode, wrong.body).toBe(404);
  });

  it('writes a connected calendar through its connector, and answers invitations', async () => {
    const event = await create(alice, {
      title: 'Client call',
      startsAt: '2026-05-11T15:00:00+01:00',
      endsAt: '2026-05-11T16:00:00+01:00',
      timeZone: 'Europe/London',
      attendees: ['client@example.com'],
      connectionId,
    });
    expect(event).toMatchObject({ source: 'acme-calendar', connectionId, editable: true });
    const remote = [...standIn.events.values()].find((e) => e.subject === 'Client call')!;
    expect(remote.attendees.map((a) => a.email)).toEqual(['client@example.com']);

    const moved = await api(alice, 'PATCH', `/api/v1/calendar/events/${event.id}`, {
      version: event.version,
      startsAt: '2026-05-11T16:00:00+01:00',
    });
    expect(moved.statusCode, moved.body).toBe(200);
    expect(standIn.events.get(remote.id)!.start).toBe('2026-05-11T16:00:00+01:00');
    expect(standIn.events.get(remote.id)!.end).toBe('2026-05-11T17:00:00+01:00');
    const patch = standIn.requests.filter((r) => r.method === 'PATCH').at(-1)!;
    expect(patch.headers['if-match']).toMatch(/^ck-/);

    // An invitation synced in from the provider (as a connector's sync would ingest it).
    const invitation = standIn.invite({
      subject: 'Board meeting',
      start: '2026-05-12T10:00:00Z',
      end: '2026-05-12T11:00:00Z',
    });
    const graph = hub.modules.find((m) => m.name === 'graph') as unknown as {
      ingest: Ingest;
    };
    await hub.database.db.asUser(alice.claims, (tx) =>
      graph.ingest(tx, {
        ownerId: alice.id,
        actor: { kind: 'connector', id: connectionId },
        items: [itemOfRemote(invitation)],
      }),
    );
    const listed = await window(alice, '2026-05-12T00:00:00Z', '2026-05-13T00:00:00Z');
    const invite = listed.events.find((e) => e.title === 'Board meeting')!;
    expect(invite).toMatchObject({ canRespond: true, myResponse: 'none', organizer: 'boss@example.org' });
    const answered = await api(alice, 'POST', `/api/v1/calendar/events/${invite.id}/respond`, {
      response: 'tentative',
    });
    expect(answered.statusCode, answered.body).toBe(200);
    expect(answered.json().myResponse).toBe('tentative');
    expect(standIn.events.get(invitation.id)!.myResponse).toBe('tentative');
    // A hub event is no invitation.
    const own = await api(alice, 'POST', `/api/v1/calendar/events/${event.id}/respond`, { response: 'accepted' });
    expect(own.statusCode, own.body).toBe(409);

    const deleted = await api(alice, 'DELETE', `/api/v1/calendar/events/${event.id}`);
    expect(deleted.statusCode, deleted.body).toBe(204);
    expect(standIn.events.has(remote.id)).toBe(false);
    expect((await api(alice, 'GET', `/api/v1/calendar/events/${event.id}`)).statusCode).toBe(404);
  });

  it('records a conflict instead of overwriting an edit made on the provider, and resolves it both ways', async () => {
    for (const keep of ['remote', 'local'] as const) {
      const event = await create(alice, {
        title: `Review (${keep})`,
        startsAt: '2026-05-13T09:00:00Z',
        endsAt: '2026-05-13T10:00:00Z',
        connectionId,
      });
      const remote = [...standIn.events.values()].find((e) => e.subject === `Review (${keep})`)!;
      standIn.editRemotely(remote.id, { subject: `Review (${keep}) moved by them`, location: 'Their room' });

      const edit = await api(alice, 'PATCH', `/api/v1/calendar/events/${event.id}`, {
        version: event.version,
        title: `Review (${keep}) mine`,
      });
      expect(edit.statusCode, edit.body).toBe(409);
      expect(edit.json().error.code).toBe('write_conflict');
      const conflict = edit.json().error.details.conflict as { id: string };
      // Neither side was overwritten.
      expect(standIn.events.get(remote.id)!.subject).toBe(`Review (${keep}) moved by them`);
      const shown = (await api(alice, 'GET', `/api/v1/calendar/events/${event.id}`)).json() as EventView;
      expect(shown.title).toBe(`Review (${keep})`);
      expect(shown.conflict?.id).toBe(conflict.id);
      const open = await api(alice, 'GET', '/api/v1/conflicts');
      expect(open.json().conflicts.map((c: { id: string }) => c.id)).toContain(conflict.id);
      // Bob cannot see or resolve it.
      expect((await api(bob, 'GET', '/api/v1/conflicts')).json().conflicts).toEqual([]);
      expect((await api(bob, 'POST', `/api/v1/conflicts/${conflict.id}/resolve`, { keep })).statusCode).toBe(404);

      const resolved = await api(alice, 'POST', `/api/v1/conflicts/${conflict.id}/resolve`, { keep });
      expect(resolved.statusCode, resolved.body).toBe(200);
      const result = resolved.json().result as EventView;
      if (keep === 'remote') {
        expect(result).toMatchObject({
          title: 'Review (remote) moved by them',
          location: 'Their room',
          conflict: null,
        });
        expect(standIn.events.get(remote.id)!.subject).toBe('Review (remote) moved by them');
      } else {
        expect(result).toMatchObject({ title: 'Review (local) mine', conflict: null });
        expect(standIn.events.get(remote.id)!.subject).toBe('Review (local) mine');
      }
      const twice = await api(alice, 'POST', `/api/v1/conflicts/${conflict.id}/resolve`, { keep });
      expect(twice.statusCode, twice.body).toBe(409);
    }
    expect((await api(alice, 'GET', '/api/v1/conflicts')).json().conflicts).toEqual([]);
    expect((await api(alice, 'GET', '/api/v1/conflicts?all=true')).json().conflicts).toHaveLength(2);
  });
});
