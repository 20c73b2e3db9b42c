import { describe, expect, it } from 'vitest';
import {
  describeRule,
  eventsOn,
  layoutDay,
  rangeOf,
  repeatOf,
  scopesOf,
  seriesDraftOf,
  seriesOf,
  step,
  type CalendarEvent,
} from './model';

const event = (id: string, startsAt: string, endsAt: string | null, allDay = false) =>
  ({ id, startsAt, endsAt, allDay, title: id }) as CalendarEvent;

describe('calendar model', () => {
  it('lays overlapping events side by side and lone ones full width', () => {
    const day = new Date(2026, 11, 8);
    const at = (h: number, m = 0) => new Date(2026, 11, 8, h, m).toISOString();
    const placed = layoutDay(
      [
        event('a', at(10), at(11, 30)),
        event('b', at(10, 30), at(11)),
        event('c', at(11), at(12)),
        event('d', at(14), at(15)),
      ],
      day,
    );
    const by = Object.fromEntries(placed.map((p) => [p.event.id, p]));
    expect([by.a!.column, by.b!.column, by.c!.column]).toEqual([0, 1, 1]);
    expect(by.a!.columns).toBe(2);
    expect(by.d).toMatchObject({ column: 0, columns: 1, top: 14 * 60, height: 60 });
  });

  it('clips an event running past midnight to the day, and gives a zero-length one a height', () => {
    const day = new Date(2026, 11, 8);
    const [late] = layoutDay(
      [event('late', new Date(2026, 11, 8, 23).toISOString(), new Date(2026, 11, 9, 2).toISOString())],
      day,
    );
    expect(late).toMatchObject({ top: 23 * 60, height: 60 });
    const [instant] = layoutDay([event('now', new Date(2026, 11, 8, 9).toISOString(), null)], day);
    expect(instant!.height).toBe(15);
  });

  it('puts all-day events on their dates, the end exclusive', () => {
    const conference = event('conf', '2026-12-10', '2026-12-12', true);
    expect(eventsOn([conference], new Date(2026, 11, 9))).toEqual([]);
    expect(eventsOn([conference], new Date(2026, 11, 10))).toEqual([conference]);
    expect(eventsOn([conference], new Date(2026, 11, 11))).toEqual([conference]);
    expect(eventsOn([conference], new Date(2026, 11, 12))).toEqual([]);
  });

  it('gives each view its days and steps', () => {
    const anchor = new Date(2026, 11, 9, 15);
    expect(rangeOf('week', anchor).start).toEqual(new Date(2026, 11, 7));
    expect(rangeOf('week', anchor).end).toEqual(new Date(2026, 11, 14));
    expect(rangeOf('month', anchor).start).toEqual(new Date(2026, 10, 30));
    expect(step('month', new Date(2026, 0, 31), 1)).toEqual(new Date(2026, 1, 1));
    expect(rangeOf('day', step('day', anchor, -1)).start).toEqual(new Date(2026, 11, 8));
  });

  it("tells a hub series' occurrences from a connected calendar's, and a lone event from both", () => {
    const of = (kind: CalendarEvent['kind'], source: string, seriesId: string | null) =>
      seriesOf({ kind, source, seriesId } as CalendarEvent);
    expect(of('occurrence', 'calendar', '0190a1b2-0000-7000-8000-000000000001')).toBe('hub');
    expect(of('exception', 'calendar', '0190a1b2-0000-7000-8000-000000000001')).toBe('hub');
    expect(of('occurrence', 'msgraph', 'AAMkAD-series')).toBe('provider');
    expect(of('exception', 'msgraph', 'AAMkAD-series')).toBe('provider');
    expect(of('single', 'msgraph', null)).toBeNull();
    expect(of('master', 'calendar', '0190a1b2-0000-7000-8000-000000000001')).toBeNull();
    expect(of('occurrence', 'msgraph', null)).toBeNull();
  });

  it("reads a connected calendar's wording of a plain rule as the dialog's choice, by the series' first day", () => {
    // 2027-03-01 is a Monday.
    expect(repeatOf('FREQ=WEEKLY;BYDAY=MO', '2027-03-01T10:00:00+01:00')).toBe('weekly');
    expect(repeatOf('FREQ=WEEKLY;BYDAY=TU', '2027-03-01T10:00:00+01:00')).toBe('custom');
    expect(repeatOf('FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR', '2027-03-01T10:00:00+01:00')).toBe('weekdays');
    expect(repeatOf('FREQ=MONTHLY;BYMONTHDAY=1', '2027-03-01')).toBe('monthly');
    expect(repeatOf('FREQ=YEARLY;BYMONTH=3;BYMONTHDAY=1', '2027-03-01T10:00:00Z')).toBe('yearly');
    expect(repeatOf('FREQ=YEARLY;BYMONTH=4;BYMONTHDAY=1', '2027-03-01T10:00:00Z')).toBe('custom');
    expect(repeatOf('FREQ=DAILY', '2027-03-01T10:00:00Z')).toBe('daily');
    expect(repeatOf('FREQ=WEEKLY')).toBe('weekly');
    expect(repeatOf(null, '2027-03-01')).toBe('none');
  });

  it('says a rule in words, and shows one it cannot read as written', () => {
    expect(describeRule('FREQ=WEEKLY;BYDAY=MO;COUNT=3')).toBe('Every week on Monday, 3 times');
    expect(describeRule('FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH;WKST=SU')).toBe('Every 2 weeks on Monday and Thursday');
    expect(describeRule('FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;UNTIL=20271231')).toBe(
      'Every weekday, until 31 December 2027',
    );
    expect(describeRule('FREQ=MONTHLY;BYDAY=FR;BYSETPOS=-1')).toBe('Every month on the last Friday');
    expect(describeRule('FREQ=MONTHLY;BYDAY=2TU')).toBe('Every month on the second Tuesday');
    expect(describeRule('FREQ=MONTHLY;BYMONTHDAY=15;INTERVAL=3')).toBe('Every 3 months on day 15');
    expect(describeRule('FREQ=YEARLY;BYMONTH=11;BYDAY=TH;BYSETPOS=4')).toBe(
      'Every year on the fourth Thursday of November',
    );
    expect(describeRule('FREQ=YEARLY;BYMONTH=6;BYMONTHDAY=21;COUNT=1')).toBe('Every year on 21 June, once');
    expect(describeRule('FREQ=DAILY;INTERVAL=3')).toBe('Every 3 days');
    expect(describeRule('FREQ=YEARLY;BYYEARDAY=100')).toBe('FREQ=YEARLY;BYYEARDAY=100');
    expect(describeRule('FREQ=MONTHLY;BYDAY=9XX')).toBe('FREQ=MONTHLY;BYDAY=9XX');
  });

  it('offers this and following only where the hub builds it, and all events only with the series held', () => {
    const of = (over: Partial<CalendarEvent>) =>
      scopesOf({
        kind: 'occurrence',
        source: 'calendar',
        seriesId: 's',
        seriesEntityId: 'm',
        editable: true,
        ...over,
      } as CalendarEvent);
    expect(of({})).toEqual(['this', 'following', 'all']);
    expect(of({ source: 'msgraph', kind: 'exception' })).toEqual(['this', 'following', 'all']);
    expect(of({ source: 'acme-calendar' })).toEqual(['this', 'all']);
    expect(of({ source: 'msgraph', seriesEntityId: null })).toEqual(['this']);
    expect(of({ editable: false })).toEqual([]);
    expect(of({ kind: 'master' })).toEqual([]);
    expect(of({ kind: 'single', seriesId: null })).toEqual([]);
  });

  it("applies an occurrence's edit to the whole series: changed fields, the time moved by as much", () => {
    const base = { attendees: [], notes: '', location: null, onlineMeetingUrl: null, timeZone: 'Europe/Berlin' };
    const master = {
      ...event('m', new Date(2026, 2, 2, 9).toISOString(), new Date(2026, 2, 2, 10).toISOString()),
      ...base,
      title: 'Standup',
      location: 'Room 1',
    } as CalendarEvent;
    const occurrence = {
      ...master,
      id: 'm_20260316T090000',
      startsAt: new Date(2026, 2, 16, 9).toISOString(),
      endsAt: new Date(2026, 2, 16, 10).toISOString(),
    } as CalendarEvent;
    const draft = {
      title: 'Standup',
      startsAt: new Date(2026, 2, 16, 9, 30).toISOString(),
      endsAt: new Date(2026, 2, 16, 10, 0).toISOString(),
      allDay: false,
      timeZone: 'Europe/Berlin',
      location: 'Room 2',
      attendees: [],
    };
    const whole = seriesDraftOf(master, occurrence, draft);
    expect(whole).toMatchObject({ title: 'Standup', location: 'Room 2', timeZone: 'Europe/Berlin' });
    if (typeof whole === 'string') throw new Error(whole);
    expect(new Date(whole.startsAt)).toEqual(new Date(2026, 2, 2, 9, 30));
    expect(new Date(whole.endsAt!)).toEqual(new Date(2026, 2, 2, 10, 0));
    // Nothing but the title changed: the series' times stay exactly as written.
    const renamed = seriesDraftOf(master, occurrence, {
      ...draft,
      title: 'Daily',
      startsAt: occurrence.startsAt,
      endsAt: occurrence.endsAt!,
      location: 'Room 1',
    });
    expect(renamed).toMatchObject({ title: 'Daily', startsAt: master.startsAt, endsAt: master.endsAt });
    expect(seriesDraftOf(master, occurrence, { ...draft, allDay: true })).toMatch(/edit the whole series/);
  });
});
