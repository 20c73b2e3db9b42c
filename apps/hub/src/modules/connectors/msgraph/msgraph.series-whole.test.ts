import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabaseKinds } from '../../../../test/databases.ts';
import { createTestHub, type TestHub } from '../../../../test/hub.ts';
import { bearer, signUpUser, type SignedUpUser } from '../../../../test/users.ts';
import { msgraphStandIn, registerApp, signIn, syncAndWait } from './test/support.ts';
import type { MsgraphStandIn } from './test/stand-in/server.ts';
import { collectionOf, put, type StandInAccount } from './test/stand-in/state.ts';
import { editRemotely } from './test/stand-in/versions.ts';

/**
 * A whole Outlook series made, changed and deleted from the hub, against the STAND-IN Graph
 * (test/stand-in: it expands a POSTed series as Outlook does, rebuilds it when its time or
 * rule changes, answers /instances, and deletes every instance with the master). The series is
 * a Tuesday 09:00 Berlin meeting across the 2027 DST change (28 March).
 */
describe.each(testDatabaseKinds())('microsoft 365 whole series from the hub on %s', (kind) => {
  let hub: TestHub;
  let standIn: MsgraphStandIn;
  let alice: SignedUpUser;
  let bob: SignedUpUser;
  let account: StandInAccount;
  let connectionId: string;
  let masterEntity: string;
  let masterExternal: string;
  const berlin = 'W. Europe Standard Time';
  const window = '/api/v1/calendar/events?from=2027-03-01T00:00:00Z&to=2027-06-01T00:00:00Z';

  const syncNow = () => syncAndWait(hub, alice, connectionId);
  const writesSince = (count: number) => standIn.state.eventWrites.slice(count);
  const outlookItem = (id: string) => collectionOf(account, 'calendar').items.get(id);
  /** Outlook's live instances of the series, by start. */
  const outlookInstances = () =>
    [...collectionOf(account, 'calendar').items.values()]
      .filter((item) => !item.removed && item.body.seriesMasterId === masterExternal)
      .map((item) => item.body as { id: string; start: { dateTime: string }; subject?: string; type: string })
      .sort((a, b) => a.start.dateTime.localeCompare(b.start.dateTime));

  const api = (method: 'GET' | 'PATCH' | 'DELETE' | 'POST', url: string, payload?: unknown, as = alice) =>
    hub.app.inject({
      method,
      url,
      headers: bearer(as),
      ...(payload === undefined ? {} : { payload: payload as object }),
    });
  type View = { id: string; kind: string; title: string; startsAt: string; seriesEntityId: string | null };
  async function shown(): Promise<View[]> {
    const answer = await api('GET', window);
    expect(answer.statusCode, answer.body).toBe(200);
    return (answer.json().events as View[]).filter((e) => e.seriesEntityId === masterEntity && e.kind !== 'master');
  }
  async function master() {
    const answer = await api('GET', `/api/v1/calendar/events/${masterEntity}`);
    expect(answer.statusCode, answer.body).toBe(200);
    return answer.json() as View & { version: number; recurrence: string; editable: boolean };
  }

  beforeAll(async () => {
    const started = await msgraphStandIn();
    standIn = started.standIn;
    hub = await createTestHub(kind, started.env);
    alice = await signUpUser(hub);
    bob = await signUpUser(hub);
    const app = await registerApp(hub, standIn, alice, { mail: 'alice@contoso.example', secret: false });
    account = app.account;
    const trip = await signIn(hub, standIn, alice, { credentialId: app.credentialId, account });
    connectionId = trip.connectionId!;
    await syncNow();
  }, 180_000);

  afterAll(async () => {
    await hub?.close();
    await standIn?.close();
  });

  it('refuses a rule Outlook cannot hold before anything reaches Outlook', async () => {
    const before = collectionOf(account, 'calendar').items.size;
    for (const recurrence of ['FREQ=MONTHLY;BYDAY=TU', 'FREQ=YEARLY;BYYEARDAY=100', 'FREQ=MONTHLY;BYMONTHDAY=1,15']) {
      const refused = await api('POST', '/api/v1/calendar/events', {
        title: 'Odd rule',
        startsAt: '2027-03-16T09:00:00+01:00',
        endsAt: '2027-03-16T10:00:00+01:00',
        timeZone: 'Europe/Berlin',
        recurrence,
        connectionId,
      });
      expect(refused.statusCode, refused.body).toBe(400);
      expect(refused.json().error.details).toEqual([
        { path: '/recurrence', message: expect.stringMatching(/^Outlook cannot repeat an event this way/) },
      ]);
    }
    expect(collectionOf(account, 'calendar').items.size).toBe(before);
  });

  it('creates a weekly series in Outlook and shows its occurrences in Berlin time across the DST change', async () => {
    const created = await api('POST', '/api/v1/calendar/events', {
      title: 'Planning',
      startsAt: '2027-03-16T09:00:00+01:00',
      endsAt: '2027-03-16T10:00:00+01:00',
      timeZone: 'Europe/Berlin',
      recurrence: 'FREQ=WEEKLY;COUNT=6',
      connectionId,
    });
    expect(created.statusCode, created.body).toBe(201);
    const view = created.json();
    // Outlook's wording of the rule: the weekday a plain weekly rule leaves to the start, named.
    expect(view).toMatchObject({ kind: 'master', editable: true, recurrence: 'FREQ=WEEKLY;BYDAY=TU;COUNT=6' });
    masterEntity = view.id;
    masterExternal = [...collectionOf(account, 'calendar').items.values()].find(
      (item) => item.body.type === 'seriesMaster' && item.body.subject === 'Planning',
    )!.body.id as string;
    expect(outlookItem(masterExternal)!.body).toMatchObject({
      recurrence: {
        pattern: { type: 'weekly', interval: 1, daysOfWeek: ['tuesday'] },
        range: { type: 'numbered', numberOfOccurrences: 6, startDate: '2027-03-16', recurrenceTimeZone: berlin },
      },
    });
    expect(outlookInstances()).toHaveLength(6);

    // At once, before any sync: Outlook's six occurrences, each naming the series.
    const occurrences = await shown();
    expect(occurrences.map((o) => o.startsAt)).toEqual([
      '2027-03-16T09:00:00+01:00',
      '2027-03-23T09:00:00+01:00',
      '2027-03-30T09:00:00+02:00',
      '2027-04-06T09:00:00+02:00',
      '2027-04-13T09:00:00+02:00',
      '2027-04-20T09:00:00+02:00',
    ]);
    expect(occurrences.every((o) => o.kind === 'occurrence' && o.title === 'Planning')).toBe(true);

    // The sync that brings them back from Outlook makes no second copy.
    await syncNow();
    expect(await shown()).toHaveLength(6);
  });

  it('creates a series even when Outlook cannot list its instances at once: the next sync brings them', async () => {
    let asked = 0;
    standIn.state.afterInstancesAnswer = async () => {
      asked += 1;
      return { status: 500, json: { error: { code: 'ErrorInternalServerError', message: 'Try again.' } } };
    };
    const created = await api('POST', '/api/v1/calendar/events', {
      title: 'Retro',
      startsAt: '2027-03-19T15:00:00+01:00',
      endsAt: '2027-03-19T16:00:00+01:00',
      timeZone: 'Europe/Berlin',
      recurrence: 'FREQ=WEEKLY;COUNT=3',
      connectionId,
    });
    standIn.state.afterInstancesAnswer = undefined;
    // Made in Outlook: answered as made (a 502 here would invite a retry, and a second series).
    expect(created.statusCode, created.body).toBe(201);
    expect(asked).toBeGreaterThan(0);
    const retros = async () =>
      ((await api('GET', window)).json().events as View[]).filter((e) => e.title === 'Retro').map((e) => e.startsAt);
    expect(await retros()).toEqual([]);
    await syncNow();
    expect(await retros()).toEqual([
      '2027-03-19T15:00:00+01:00',
      '2027-03-26T15:00:00+01:00',
      '2027-04-02T15:00:00+02:00',
    ]);
    expect((await api('DELETE', `/api/v1/calendar/events/${created.json().id}`)).statusCode).toBe(204);
  });

  it('renames the whole series with a PATCH of the master alone: no rule, no times, exceptions kept', async () => {
    // One occurrence moved in Outlook first (an exception, with its own title).
    const [, second] = outlookInstances();
    editRemotely(account, 'calendar', second!.id, { subject: 'Planning (offsite)' });
    await syncNow();
    const before = await master();
    const seen = standIn.state.eventWrites.length;
    // The dialog sends the whole form: the same times written with another offset, the rule in its own words.
    const renamed = await api('PATCH', `/api/v1/calendar/events/${masterEntity}`, {
      version: before.version,
      title: 'Planning (everyone)',
      startsAt: '2027-03-16T08:00:00Z',
      endsAt: '2027-03-16T09:00:00Z',
      timeZone: 'Europe/Berlin',
      recurrence: 'FREQ=WEEKLY;COUNT=6',
    });
    expect(renamed.statusCode, renamed.body).toBe(200);
    expect(writesSince(seen)).toEqual([
      expect.objectContaining({ method: 'PATCH', id: masterExternal, body: { subject: 'Planning (everyone)' } }),
    ]);
    const titles = (await shown()).map((o) => o.title);
    expect(titles).toHaveLength(6);
    expect(titles.filter((t) => t === 'Planning (everyone)')).toHaveLength(5);
    expect(titles).toContain('Planning (offsite)');
    await syncNow();
    expect((await shown()).map((o) => o.title)).toEqual(titles);
  });

  it('a new rule or time rebuilds the series: the hub shows exactly what Outlook now holds', async () => {
    const before = await master();
    const shorter = await api('PATCH', `/api/v1/calendar/events/${masterEntity}`, {
      version: before.version,
      recurrence: 'FREQ=WEEKLY;BYDAY=TU,TH;COUNT=4',
      startsAt: '2027-03-16T10:30:00+01:00',
      endsAt: '2027-03-16T11:00:00+01:00',
    });
    expect(shorter.statusCode, shorter.body).toBe(200);
    expect(shorter.json()).toMatchObject({ recurrence: 'FREQ=WEEKLY;BYDAY=TU,TH;COUNT=4' });
    const occurrences = await shown();
    expect(occurrences.map((o) => o.startsAt)).toEqual([
      '2027-03-16T10:30:00+01:00',
      '2027-03-18T10:30:00+01:00',
      '2027-03-23T10:30:00+01:00',
      '2027-03-25T10:30:00+01:00',
    ]);
    // Outlook dropped the exception with the old pattern; so did the hub.
    expect(occurrences.map((o) => o.title)).toEqual(Array(4).fill('Planning (everyone)'));
    expect(outlookInstances()).toHaveLength(4);
    await syncNow();
    expect((await shown()).map((o) => o.startsAt)).toEqual(occurrences.map((o) => o.startsAt));
  });

  it('keeps an instance a sync brought in while the hub was writing the series', async () => {
    const before = await master();
    const extraId = `${masterExternal}-added-meanwhile`;
    standIn.state.afterInstancesAnswer = async () => {
      standIn.state.afterInstancesAnswer = undefined;
      // After Outlook answered the hub's read of the instances: one more added there, and synced.
      const [first] = outlookInstances();
      put(account, 'calendar', {
        ...(first as unknown as Record<string, unknown>),
        id: extraId,
        start: { dateTime: '2027-04-01T08:30:00.0000000', timeZone: 'UTC' },
        end: { dateTime: '2027-04-01T09:00:00.0000000', timeZone: 'UTC' },
      });
      await syncNow();
    };
    const renamed = await api('PATCH', `/api/v1/calendar/events/${masterEntity}`, {
      version: before.version,
      title: 'Planning (all hands)',
    });
    expect(renamed.statusCode, renamed.body).toBe(200);
    expect(standIn.state.afterInstancesAnswer).toBeUndefined();
    // Newer than the answer the hub stored: kept, not taken for one the write replaced.
    expect((await shown()).map((o) => o.startsAt)).toContain('2027-04-01T10:30:00+02:00');
  });

  it("takes a phone's CalDAV rename of the whole series as a rename, not a rebuild", async () => {
    const password = await api('POST', '/api/v1/dav/app-passwords', { name: 'Phone calendar' });
    const authorization = `Basic ${Buffer.from(`${alice.email}:${password.json().password}`).toString('base64')}`;
    const url = `/dav/calendars/${alice.id}/calendar/${masterEntity}.ics`;
    const card = await hub.app.inject({ method: 'GET', url, headers: { authorization } });
    expect(card.statusCode, card.body).toBe(200);
    expect(card.body).toMatch(/RRULE:FREQ=WEEKLY;BYDAY=TU,TH;COUNT=4/);
    const before = outlookInstances().map((i) => i.id);
    const seen = standIn.state.eventWrites.length;
    const put = await hub.app.inject({
      method: 'PUT',
      url,
      headers: { authorization, 'content-type': 'text/calendar', 'if-match': String(card.headers.etag) },
      payload: card.body.replace(/SUMMARY:[^\r\n]*/, 'SUMMARY:Planning (from the phone)'),
    });
    expect(put.statusCode, put.body).toBe(204);
    // The phone wrote back the times and the rule as it read them: Outlook is asked for the name alone.
    expect(writesSince(seen)).toEqual([
      expect.objectContaining({ method: 'PATCH', id: masterExternal, body: { subject: 'Planning (from the phone)' } }),
    ]);
    expect(outlookInstances().map((i) => i.id)).toEqual(before);
    expect((await shown()).map((o) => o.title)).toContain('Planning (from the phone)');
  });

  it('keeps a series a series, and an occurrence without a rule of its own', async () => {
    const before = await master();
    const seen = standIn.state.eventWrites.length;
    const cleared = await api('PATCH', `/api/v1/calendar/events/${masterEntity}`, {
      version: before.version,
      recurrence: null,
    });
    expect(cleared.statusCode, cleared.body).toBe(400);
    expect(cleared.json().error.details[0].path).toBe('/recurrence');
    const unsupported = await api('PATCH', `/api/v1/calendar/events/${masterEntity}`, {
      version: before.version,
      recurrence: 'FREQ=MONTHLY;BYDAY=TU',
    });
    expect(unsupported.statusCode, unsupported.body).toBe(400);
    const [occurrence] = await shown();
    const ruled = await api('PATCH', `/api/v1/calendar/events/${occurrence!.id}`, {
      version: 1,
      recurrence: 'FREQ=DAILY',
    });
    expect([400, 409]).toContain(ruled.statusCode);
    expect(writesSince(seen)).toEqual([]);
  });

  it('records a conflict instead of overwriting a series changed in Outlook since', async () => {
    const before = await master();
    editRemotely(account, 'calendar', masterExternal, { subject: 'Planning (renamed in Outlook)' });
    const edited = await api('PATCH', `/api/v1/calendar/events/${masterEntity}`, {
      version: before.version,
      title: 'Planning (renamed here)',
    });
    expect(edited.statusCode, edited.body).toBe(409);
    expect(edited.json().error.code).toBe('write_conflict');
    expect(outlookItem(masterExternal)!.body.subject).toBe('Planning (renamed in Outlook)');
    const settled = await api('POST', `/api/v1/conflicts/${edited.json().error.details.conflict.id}/resolve`, {
      keep: 'remote',
    });
    expect(settled.statusCode, settled.body).toBe(200);
    expect((await master()).title).toBe('Planning (renamed in Outlook)');
  });

  it('makes a single Outlook event a series when it is given a rule', async () => {
    const single = await api('POST', '/api/v1/calendar/events', {
      title: 'Standup',
      startsAt: '2027-05-03T08:30:00+02:00',
      endsAt: '2027-05-03T08:45:00+02:00',
      timeZone: 'Europe/Berlin',
      connectionId,
    });
    expect(single.statusCode, single.body).toBe(201);
    expect(single.json()).toMatchObject({ kind: 'single' });
    const ruled = await api('PATCH', `/api/v1/calendar/events/${single.json().id}`, {
      version: single.json().version,
      recurrence: 'FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR;COUNT=5',
    });
    expect(ruled.statusCode, ruled.body).toBe(200);
    // Outlook's wording: every weekday is its weekly pattern on five days.
    expect(ruled.json()).toMatchObject({
      id: single.json().id,
      kind: 'master',
      recurrence: 'FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;COUNT=5',
    });
    const days = ((await api('GET', window)).json().events as View[])
      .filter((e) => e.seriesEntityId === single.json().id && e.kind === 'occurrence')
      .map((e) => e.startsAt);
    expect(days).toEqual([
      '2027-05-03T08:30:00+02:00',
      '2027-05-04T08:30:00+02:00',
      '2027-05-05T08:30:00+02:00',
      '2027-05-06T08:30:00+02:00',
      '2027-05-07T08:30:00+02:00',
    ]);
    expect((await api('DELETE', `/api/v1/calendar/events/${single.json().id}`)).statusCode).toBe(204);
  });

  it("is another user's to neither see nor change", async () => {
    const seen = standIn.state.eventWrites.length;
    expect((await api('GET', `/api/v1/calendar/events/${masterEntity}`, undefined, bob)).statusCode).toBe(404);
    const patched = await api('PATCH', `/api/v1/calendar/events/${masterEntity}`, { version: 1, title: 'x' }, bob);
    expect(patched.statusCode).toBe(404);
    expect((await api('DELETE', `/api/v1/calendar/events/${masterEntity}`, undefined, bob)).statusCode).toBe(404);
    expect(writesSince(seen)).toEqual([]);
  });

  it('deletes the whole series in Outlook and every occurrence here; a sync brings nothing back', async () => {
    const seen = standIn.state.eventWrites.length;
    const deleted = await api('DELETE', `/api/v1/calendar/events/${masterEntity}`);
    expect(deleted.statusCode, deleted.body).toBe(204);
    // (Twice when the change key the hub last recorded is older than the copy it kept from the
    // conflict above: Graph's 412, the same content, then with Outlook's key.)
    const writes = writesSince(seen);
    expect(writes.length).toBeGreaterThan(0);
    expect(writes.every((w) => w.method === 'DELETE' && w.id === masterExternal)).toBe(true);
    expect(outlookInstances()).toEqual([]);
    // Whatever named the series: no occurrence is left behind without its master either.
    const planning = async () =>
      ((await api('GET', window)).json().events as View[]).filter((e) => e.title.startsWith('Planning'));
    expect(await planning()).toEqual([]);
    expect((await api('GET', `/api/v1/calendar/events/${masterEntity}`)).statusCode).toBe(404);
    await syncNow();
    expect(await planning()).toEqual([]);
  });
});
