import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { checkRecurrence, occurrenceDates } from './recurrence.ts';
import { seriesInstances } from './series.ts';
import { startMsgraphStandIn, type MsgraphStandIn } from './server.ts';
import { addAccount, collectionOf, type StandInAccount } from './state.ts';

/**
 * The STAND-IN Microsoft Graph (not the real service) answering series a client writes, as
 * Graph documents them: POST /me/events with a recurrence, GET …/instances, PATCH and DELETE
 * of the master. Talks to the stand-in over HTTP as the hub does; no hub, no database.
 */
describe('stand-in Graph: series written by a client', () => {
  let standIn: MsgraphStandIn;
  let account: StandInAccount;
  const token = `token-${randomUUID()}`;
  const berlin = 'W. Europe Standard Time';
  const at = (date: string, time: string, timeZone = berlin) => ({
    dateTime: `${date}T${time}:00.0000000`,
    timeZone,
  });

  type Json = Record<string, any>;
  async function graph(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
    const url = path.startsWith('http') ? path : `${standIn.graphUrl}${path}`;
    const response = await fetch(url, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, json: (text ? JSON.parse(text) : undefined) as Json };
  }

  const weekly = (extra: Json = {}) => ({
    subject: 'Team sync',
    body: { contentType: 'text', content: 'Agenda' },
    location: { displayName: 'Room 1' },
    attendees: [{ emailAddress: { address: 'bob@contoso.example', name: 'Bob' } }],
    start: at('2027-03-15', '09:00'),
    end: at('2027-03-15', '10:00'),
    recurrence: {
      pattern: { type: 'weekly', interval: 1, daysOfWeek: ['monday'] },
      range: { type: 'endDate', startDate: '2027-03-15', endDate: '2027-04-19' },
    },
    ...extra,
  });
  const window = 'startDateTime=2027-01-01T00:00:00&endDateTime=2028-01-01T00:00:00';
  const allInstances = async (id: string, query = window) => {
    const seen: Json[] = [];
    let next: string | undefined = `/me/events/${id}/instances?${query}`;
    while (next) {
      const page = await graph('GET', next);
      expect(page.status, JSON.stringify(page.json)).toBe(200);
      seen.push(...(page.json.value as Json[]));
      next = page.json['@odata.nextLink'] as string | undefined;
    }
    return seen;
  };
  async function delta(link?: string) {
    const items: Json[] = [];
    let next: string | undefined =
      link ?? `/me/calendarView/delta?startDateTime=2027-01-01T00:00:00Z&endDateTime=2028-01-01T00:00:00Z`;
    for (;;) {
      const page = await graph('GET', next!);
      expect(page.status).toBe(200);
      items.push(...(page.json.value as Json[]));
      if (page.json['@odata.deltaLink']) return { items, deltaLink: page.json['@odata.deltaLink'] as string };
      next = page.json['@odata.nextLink'] as string;
    }
  }
  const times = (events: Json[]) =>
    events.map((e) => `${e.start.dateTime.slice(0, 16)}/${e.end.dateTime.slice(11, 16)}`);

  beforeAll(async () => {
    standIn = await startMsgraphStandIn();
  });
  afterAll(() => standIn.close());
  beforeEach(() => {
    account = addAccount(standIn.state, { id: randomUUID(), mail: 'alice@contoso.example', displayName: 'Alice' });
    standIn.state.accessTokens.set(token, { accountId: account.id, expiresAt: Date.now() + 3_600_000 });
  });

  it('creates a seriesMaster with its recurrence as Graph echoes it, and occurrences fixed to Berlin wall clocks across DST', async () => {
    const created = await graph('POST', '/me/events', weekly());
    expect(created.status).toBe(201);
    const master = created.json;
    expect(master.type).toBe('seriesMaster');
    expect(master.recurrence).toEqual({
      pattern: {
        type: 'weekly',
        interval: 1,
        month: 0,
        dayOfMonth: 0,
        daysOfWeek: ['monday'],
        firstDayOfWeek: 'sunday',
        index: 'first',
      },
      range: {
        type: 'endDate',
        startDate: '2027-03-15',
        endDate: '2027-04-19',
        recurrenceTimeZone: berlin,
        numberOfOccurrences: 0,
      },
    });
    // 09:00 Berlin is 08:00 UTC before 28 March 2027, 07:00 UTC after.
    expect(master.start).toEqual({ dateTime: '2027-03-15T08:00:00.0000000', timeZone: 'UTC' });
    expect(master.originalStartTimeZone).toBe(berlin);

    const instances = await allInstances(master.id);
    expect(times(instances)).toEqual([
      '2027-03-15T08:00/09:00',
      '2027-03-22T08:00/09:00',
      '2027-03-29T07:00/08:00',
      '2027-04-05T07:00/08:00',
      '2027-04-12T07:00/08:00',
      '2027-04-19T07:00/08:00',
    ]);
    expect(instances.map((i) => i.id)).toEqual(
      ['20270315', '20270322', '20270329', '20270405', '20270412', '20270419'].map((d) => `${master.id}-occ-${d}T0900`),
    );
    for (const instance of instances) {
      expect(instance).toMatchObject({
        type: 'occurrence',
        seriesMasterId: master.id,
        subject: 'Team sync',
        body: { contentType: 'text', content: 'Agenda' },
        location: { displayName: 'Room 1' },
        isAllDay: false,
        organizer: { emailAddress: { address: 'alice@contoso.example' } },
      });
      expect(instance.attendees[0].emailAddress.address).toBe('bob@contoso.example');
      expect(instance.changeKey).toEqual(expect.any(String));
    }
    expect(new Set(instances.map((i) => i.changeKey)).size).toBe(6);
    // Each instance reads on its own as well.
    const one = await graph('GET', `/me/events/${instances[2]!.id}`);
    expect(one.json.start).toEqual({ dateTime: '2027-03-29T07:00:00.0000000', timeZone: 'UTC' });

    // calendarView delta lists the occurrences as it lists putSeries ones, never the master.
    const { items } = await delta();
    expect(items.map((i) => i.id).sort()).toEqual(instances.map((i) => i.id).sort());
    for (const item of items)
      expect(Object.keys(item).sort()).toEqual(
        ['@odata.etag', '@odata.type', 'end', 'id', 'seriesMasterId', 'start', 'type'].sort(),
      );
  });

  it('keeps the wall clock of the recurrence zone when the start is written in another zone', async () => {
    const created = await graph(
      'POST',
      '/me/events',
      weekly({
        start: at('2027-03-22', '08:00', 'UTC'),
        end: at('2027-03-22', '08:30', 'UTC'),
        recurrence: {
          pattern: { type: 'weekly', interval: 1, daysOfWeek: ['Monday'] },
          range: {
            type: 'numbered',
            startDate: '2027-03-22',
            numberOfOccurrences: 2,
            recurrenceTimeZone: 'Europe/Berlin',
          },
        },
      }),
    );
    expect(created.status).toBe(201);
    expect(times(await allInstances(created.json.id))).toEqual(['2027-03-22T08:00/08:30', '2027-03-29T07:00/07:30']);
  });

  it('expands numbered, endDate and noEnd ranges of each pattern type', async () => {
    const expand = (pattern: Json, range: Json) => {
      const checked = checkRecurrence({ pattern, range }, 'UTC');
      if (checked.error !== undefined) throw new Error(checked.error);
      return occurrenceDates(checked.recurrence);
    };
    expect(
      expand({ type: 'daily', interval: 2 }, { type: 'numbered', startDate: '2027-01-01', numberOfOccurrences: 4 }),
    ).toEqual(['2027-01-01', '2027-01-03', '2027-01-05', '2027-01-07']);
    // The first occurrence is the first day on or after startDate that fits the pattern.
    expect(
      expand(
        { type: 'weekly', interval: 2, daysOfWeek: ['monday', 'wednesday'] },
        { type: 'endDate', startDate: '2027-03-17', endDate: '2027-04-12' },
      ),
    ).toEqual(['2027-03-17', '2027-03-29', '2027-03-31', '2027-04-12']);
    // Day 31 falls on a shorter month's last day.
    expect(
      expand(
        { type: 'absoluteMonthly', interval: 1, dayOfMonth: 31 },
        { type: 'numbered', startDate: '2027-01-01', numberOfOccurrences: 4 },
      ),
    ).toEqual(['2027-01-31', '2027-02-28', '2027-03-31', '2027-04-30']);
    expect(
      expand(
        { type: 'relativeMonthly', interval: 1, daysOfWeek: ['friday'], index: 'last' },
        { type: 'numbered', startDate: '2027-01-01', numberOfOccurrences: 3 },
      ),
    ).toEqual(['2027-01-29', '2027-02-26', '2027-03-26']);
    // Several days: the index counts the days of the month that fit any of them.
    expect(
      expand(
        { type: 'relativeMonthly', interval: 2, daysOfWeek: ['thursday', 'friday'], index: 'second' },
        { type: 'numbered', startDate: '2027-01-01', numberOfOccurrences: 2 },
      ),
    ).toEqual(['2027-01-07', '2027-03-05']);
    expect(
      expand(
        { type: 'absoluteYearly', interval: 1, month: 2, dayOfMonth: 29 },
        { type: 'numbered', startDate: '2027-01-01', numberOfOccurrences: 2 },
      ),
    ).toEqual(['2027-02-28', '2028-02-29']);
    expect(
      expand(
        { type: 'relativeYearly', interval: 1, month: 11, daysOfWeek: ['wednesday'], index: 'last' },
        { type: 'endDate', startDate: '2027-01-01', endDate: '2028-12-31' },
      ),
    ).toEqual(['2027-11-24', '2028-11-29']);
    // noEnd: two years of it (the stand-in's bound), at most 1,000 instances.
    const endless = expand(
      { type: 'weekly', interval: 1, daysOfWeek: ['monday'] },
      { type: 'noEnd', startDate: '2027-01-04' },
    );
    expect(endless.length).toBe(105);
    expect(endless.at(-1)).toBe('2029-01-01');
    expect(
      expand({ type: 'daily', interval: 1 }, { type: 'numbered', startDate: '2027-01-01', numberOfOccurrences: 5000 }),
    ).toHaveLength(1000);
    // A pattern no date fits ends (by date), with no dates.
    expect(
      expand(
        { type: 'absoluteMonthly', interval: 12, dayOfMonth: 5 },
        { type: 'endDate', startDate: '2027-01-06', endDate: '2027-12-31' },
      ),
    ).toEqual([]);
  });

  it('creates a numbered daily series and moves its master to the first occurrence', async () => {
    const created = await graph(
      'POST',
      '/me/events',
      weekly({
        start: at('2027-05-03', '14:00'),
        end: at('2027-05-03', '14:30'),
        recurrence: {
          pattern: { type: 'weekly', interval: 1, daysOfWeek: ['wednesday'] },
          range: { type: 'numbered', startDate: '2027-05-03', numberOfOccurrences: 3 },
        },
      }),
    );
    expect(created.status).toBe(201);
    expect(created.json.start.dateTime).toBe('2027-05-05T12:00:00.0000000');
    expect(created.json.recurrence.range).toMatchObject({
      type: 'numbered',
      numberOfOccurrences: 3,
      endDate: '0001-01-01',
    });
    expect(times(await allInstances(created.json.id))).toEqual([
      '2027-05-05T12:00/12:30',
      '2027-05-12T12:00/12:30',
      '2027-05-19T12:00/12:30',
    ]);
  });

  it('repeats an all-day event on its dates, midnight to midnight', async () => {
    const created = await graph(
      'POST',
      '/me/events',
      weekly({
        isAllDay: true,
        start: at('2027-03-26', '00:00'),
        end: at('2027-03-27', '00:00'),
        recurrence: {
          pattern: { type: 'weekly', interval: 1, daysOfWeek: ['friday'] },
          range: { type: 'numbered', startDate: '2027-03-26', numberOfOccurrences: 2 },
        },
      }),
    );
    expect(created.status).toBe(201);
    const instances = await allInstances(created.json.id);
    expect(times(instances)).toEqual(['2027-03-26T00:00/00:00', '2027-04-02T00:00/00:00']);
    expect(instances.map((e) => [e.isAllDay, e.end.dateTime.slice(0, 10)])).toEqual([
      [true, '2027-03-27'],
      [true, '2027-04-03'],
    ]);
  });

  it('pages /instances with $top and a working @odata.nextLink, within the window, and refuses bad requests', async () => {
    const created = await graph(
      'POST',
      '/me/events',
      weekly({
        start: at('2027-06-01', '09:00', 'UTC'),
        end: at('2027-06-01', '09:15', 'UTC'),
        recurrence: {
          pattern: { type: 'daily', interval: 1 },
          range: { type: 'numbered', startDate: '2027-06-01', numberOfOccurrences: 25 },
        },
      }),
    );
    const id = created.json.id as string;
    const first = await graph('GET', `/me/events/${id}/instances?${window}`);
    expect(first.json.value).toHaveLength(10);
    expect(first.json['@odata.nextLink']).toContain('%24skip=10');
    const all = await allInstances(id);
    expect(all).toHaveLength(25);
    expect(new Set(all.map((e) => e.id)).size).toBe(25);
    expect(all.map((e) => e.start.dateTime)).toEqual([...all.map((e) => e.start.dateTime)].sort());
    expect(await allInstances(id, `${window}&$top=7`)).toHaveLength(25);
    // The window: instances overlapping it only.
    const june = await allInstances(id, 'startDateTime=2027-06-10T09:10:00Z&endDateTime=2027-06-12T09:00:00Z');
    expect(june.map((e) => e.start.dateTime.slice(0, 10))).toEqual(['2027-06-10', '2027-06-11']);

    expect((await graph('GET', `/me/events/${id}/instances?startDateTime=2027-06-01T00:00:00`)).status).toBe(400);
    expect((await graph('GET', `/me/events/${id}/instances?${window}&$top=x`)).status).toBe(400);
    expect((await graph('GET', `/me/events/AAMkAD-nothing/instances?${window}`)).status).toBe(404);
    const single = await graph('POST', '/me/events', { ...weekly(), recurrence: undefined });
    expect(single.json.type).toBe('singleInstance');
    const notMaster = await graph('GET', `/me/events/${single.json.id}/instances?${window}`);
    expect(notMaster.status).toBe(400);
    expect(notMaster.json.error.code).toBe('ErrorInvalidRequest');
  });

  it('PATCH of the master’s subject and location reaches every occurrence; an exception keeps what it changed itself', async () => {
    const master = (await graph('POST', '/me/events', weekly())).json;
    const before = await allInstances(master.id);
    const { deltaLink } = await delta();
    // One occurrence moved to another room in Outlook: an exception.
    const moved = await graph('PATCH', `/me/events/${before[1]!.id}`, { location: { displayName: 'Room 9' } });
    expect(moved.json.type).toBe('exception');

    const stale = await graph('PATCH', `/me/events/${master.id}`, { subject: 'Nope' }, { 'if-match': 'W/"old"' });
    expect(stale.status).toBe(412);
    const patched = await graph(
      'PATCH',
      `/me/events/${master.id}`,
      { subject: 'Team sync (new)', location: { displayName: 'Room 2' } },
      { 'if-match': master['@odata.etag'] },
    );
    expect(patched.status).toBe(200);
    expect(patched.json).toMatchObject({ type: 'seriesMaster', subject: 'Team sync (new)' });
    expect(patched.json.changeKey).not.toBe(master.changeKey);

    const after = await allInstances(master.id);
    expect(after.map((e) => e.id)).toEqual(before.map((e) => e.id));
    expect(after.map((e) => e.subject)).toEqual(Array(6).fill('Team sync (new)'));
    expect(after.map((e) => e.location.displayName)).toEqual([
      'Room 2',
      'Room 9',
      'Room 2',
      'Room 2',
      'Room 2',
      'Room 2',
    ]);
    expect(after.map((e) => e.type)).toEqual(['occurrence', 'exception', ...Array(4).fill('occurrence')]);
    expect(times(after)).toEqual(times(before));
    for (const [n, event] of after.entries()) expect(event.changeKey).not.toBe(before[n]!.changeKey);
    // Delta lists every instance again (changed), none removed.
    const { items } = await delta(deltaLink);
    expect(items.filter((i) => i['@removed'])).toEqual([]);
    expect(items.map((i) => i.id).sort()).toEqual(before.map((e) => e.id).sort());
  });

  it('PATCH of the master’s time regenerates the series: old occurrences and exceptions removed, new ones created', async () => {
    const master = (await graph('POST', '/me/events', weekly())).json;
    const before = await allInstances(master.id);
    await graph('PATCH', `/me/events/${before[0]!.id}`, { subject: 'Special' });
    const { deltaLink } = await delta();

    const patched = await graph('PATCH', `/me/events/${master.id}`, {
      start: at('2027-03-15', '10:30'),
      end: at('2027-03-15', '11:00'),
    });
    expect(patched.status).toBe(200);
    expect(patched.json.start.dateTime).toBe('2027-03-15T09:30:00.0000000');
    const after = await allInstances(master.id);
    expect(times(after)).toEqual([
      '2027-03-15T09:30/10:00',
      '2027-03-22T09:30/10:00',
      '2027-03-29T08:30/09:00',
      '2027-04-05T08:30/09:00',
      '2027-04-12T08:30/09:00',
      '2027-04-19T08:30/09:00',
    ]);
    expect(after.every((e) => e.type === 'occurrence' && e.subject === 'Team sync')).toBe(true);
    const { items } = await delta(deltaLink);
    expect(
      items
        .filter((i) => i['@removed'])
        .map((i) => i.id)
        .sort(),
    ).toEqual(before.map((e) => e.id).sort());
    expect(
      items
        .filter((i) => !i['@removed'])
        .map((i) => i.id)
        .sort(),
    ).toEqual(after.map((e) => e.id).sort());

    // A new pattern alone (fewer occurrences) regenerates it too.
    const shorter = await graph('PATCH', `/me/events/${master.id}`, {
      recurrence: {
        pattern: { type: 'weekly', interval: 1, daysOfWeek: ['monday'] },
        range: { type: 'numbered', startDate: '2027-03-15', numberOfOccurrences: 2 },
      },
    });
    expect(shorter.status).toBe(200);
    expect(shorter.json.recurrence.range).toMatchObject({ type: 'numbered', numberOfOccurrences: 2 });
    expect(times(await allInstances(master.id))).toEqual(['2027-03-15T09:30/10:00', '2027-03-22T09:30/10:00']);
    expect(seriesInstances(account, master.id)).toHaveLength(2);
  });

  it('DELETE of the master deletes the series: 412 when stale, then 204, and delta says @removed for each instance', async () => {
    const master = (await graph('POST', '/me/events', weekly())).json;
    const instances = await allInstances(master.id);
    const { deltaLink } = await delta();
    expect((await graph('DELETE', `/me/events/${master.id}`, undefined, { 'if-match': 'W/"old"' })).status).toBe(412);
    expect(await allInstances(master.id)).toHaveLength(6);
    expect(
      (await graph('DELETE', `/me/events/${master.id}`, undefined, { 'if-match': master['@odata.etag'] })).status,
    ).toBe(204);
    expect((await graph('GET', `/me/events/${master.id}`)).status).toBe(404);
    expect((await graph('GET', `/me/events/${instances[0]!.id}`)).status).toBe(404);
    expect((await graph('GET', `/me/events/${master.id}/instances?${window}`)).status).toBe(404);
    const { items } = await delta(deltaLink);
    expect(items.map((i) => i.id).sort()).toEqual(instances.map((e) => e.id).sort());
    expect(items.every((i) => i['@removed'])).toBe(true);
  });

  it('refuses a bad recurrence with 400 and stores nothing', async () => {
    const range = { type: 'numbered', startDate: '2027-03-15', numberOfOccurrences: 3 };
    const weeklyPattern = { type: 'weekly', interval: 1, daysOfWeek: ['monday'] };
    const bad: unknown[] = [
      { pattern: { interval: 1 }, range },
      { pattern: { type: 'hourly', interval: 1 }, range },
      { pattern: { type: 'weekly', interval: 1 }, range },
      { pattern: { type: 'weekly', interval: 0, daysOfWeek: ['monday'] }, range },
      { pattern: { type: 'weekly', interval: 1, daysOfWeek: ['moonday'] }, range },
      { pattern: { type: 'absoluteMonthly', interval: 1 }, range },
      { pattern: { type: 'relativeMonthly', interval: 1, index: 'first' }, range },
      { pattern: { type: 'relativeYearly', interval: 1, month: 11 }, range },
      { pattern: { type: 'absoluteYearly', interval: 1, dayOfMonth: 4 }, range },
      { pattern: { ...weeklyPattern, index: 'fifth' }, range },
      { pattern: weeklyPattern, range: { type: 'numbered', numberOfOccurrences: 3 } },
      { pattern: weeklyPattern, range: { ...range, startDate: '2027-02-30' } },
      { pattern: weeklyPattern, range: { type: 'endDate', startDate: '2027-03-15' } },
      { pattern: weeklyPattern, range: { type: 'endDate', startDate: '2027-03-15', endDate: '2027-03-01' } },
      { pattern: weeklyPattern, range: { type: 'numbered', startDate: '2027-03-15' } },
      { pattern: weeklyPattern, range: { ...range, numberOfOccurrences: 0 } },
      { pattern: weeklyPattern, range: { ...range, type: 'forever' } },
      { pattern: weeklyPattern },
      'weekly',
    ];
    for (const recurrence of bad) {
      const answer = await graph('POST', '/me/events', weekly({ recurrence }));
      expect(answer.status, JSON.stringify(recurrence)).toBe(400);
      expect(answer.json.error.message).toEqual(expect.any(String));
    }
    // A range no date of the pattern falls in.
    const none = await graph(
      'POST',
      '/me/events',
      weekly({
        recurrence: {
          pattern: weeklyPattern,
          range: { type: 'endDate', startDate: '2027-03-16', endDate: '2027-03-20' },
        },
      }),
    );
    expect(none.status).toBe(400);
    expect(none.json.error.code).toBe('ErrorRecurrenceHasNoOccurrence');
    expect(collectionOf(account, 'calendar').items.size).toBe(0);

    // The same on PATCH of a master: refused, the series as it was.
    const master = (await graph('POST', '/me/events', weekly())).json;
    const version = account.version;
    expect((await graph('PATCH', `/me/events/${master.id}`, { recurrence: bad[2] })).status).toBe(400);
    expect(account.version).toBe(version);
  });

  it('turns a single event into a series when a PATCH gives it a recurrence, and back with recurrence null', async () => {
    const single = (await graph('POST', '/me/events', { ...weekly(), recurrence: undefined })).json;
    const series = await graph('PATCH', `/me/events/${single.id}`, {
      recurrence: weekly().recurrence,
    });
    expect(series.json.type).toBe('seriesMaster');
    expect(await allInstances(single.id)).toHaveLength(6);
    const back = await graph('PATCH', `/me/events/${single.id}`, { recurrence: null });
    expect(back.json).toMatchObject({ type: 'singleInstance', recurrence: null });
    expect(seriesInstances(account, single.id)).toEqual([]);
  });
});
