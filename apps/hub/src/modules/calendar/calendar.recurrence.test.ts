import rrule from 'rrule';
import { describe, expect, it } from 'vitest';
import {
  countOf,
  expandSeries,
  maxOccurrencesPerSeries,
  occurrencesBefore,
  parseRule,
  withEnd,
} from './calendar.recurrence.ts';
import { instantOf, isoInZone, isTimeZone } from './calendar.time.ts';

const at = (iso: string) => Date.parse(iso);

describe('time zones', () => {
  it('names wall clocks across DST, moving a skipped one forward and taking the first of a repeated one', () => {
    expect(isoInZone(at('2026-03-08T14:00:00Z'), 'America/New_York')).toBe('2026-03-08T10:00:00-04:00');
    // 02:30 does not exist on 8 March 2026 in New York: 03:30 EDT.
    expect(new Date(instantOf(at('2026-03-08T02:30:00Z'), 'America/New_York')).toISOString()).toBe(
      '2026-03-08T07:30:00.000Z',
    );
    // 01:30 happens twice on 1 November 2026: the first (EDT).
    expect(new Date(instantOf(at('2026-11-01T01:30:00Z'), 'America/New_York')).toISOString()).toBe(
      '2026-11-01T05:30:00.000Z',
    );
    expect(isoInZone(at('2026-06-01T00:00:00Z'), 'Asia/Kolkata')).toBe('2026-06-01T05:30:00+05:30');
  });

  it('knows real zones only', () => {
    expect(isTimeZone('Europe/London')).toBe(true);
    expect(isTimeZone('Mars/Olympus')).toBe(false);
    expect(isTimeZone('../etc/passwd')).toBe(false);
  });
});

describe('series expansion', () => {
  it('ends a timed series on the last day a date-only UNTIL names, that day included', () => {
    const keys = (until: string) =>
      expandSeries(
        {
          startsAt: '2027-03-29T10:00:00+02:00',
          timeZone: 'Europe/Berlin',
          recurrence: `FREQ=DAILY;UNTIL=${until}`,
        },
        at('2027-03-01T00:00:00Z'),
        at('2027-05-01T00:00:00Z'),
      ).map((o) => o.key);
    expect(keys('20270331')).toEqual(['20270329T100000', '20270330T100000', '20270331T100000']);
    // In UTC it stays an instant: 08:00Z on the 31st is 10:00 Berlin, the last one.
    expect(keys('20270331T080000Z')).toEqual(['20270329T100000', '20270330T100000', '20270331T100000']);
    expect(keys('20270331T075959Z')).toEqual(['20270329T100000', '20270330T100000']);
  });

  it('keeps a weekly meeting at 10:00 New York time across the autumn change', () => {
    const found = expandSeries(
      {
        startsAt: '2026-10-19T10:00:00-04:00',
        endsAt: '2026-10-19T11:00:00-04:00',
        timeZone: 'America/New_York',
        recurrence: 'RRULE:FREQ=WEEKLY',
      },
      at('2026-10-25T00:00:00Z'),
      at('2026-11-10T00:00:00Z'),
    );
    const inWindow = found.filter((o) => o.start >= at('2026-10-25T00:00:00Z') && o.start < at('2026-11-10T00:00:00Z'));
    expect(inWindow.map((o) => isoInZone(o.start, 'America/New_York'))).toEqual([
      '2026-10-26T10:00:00-04:00',
      '2026-11-02T10:00:00-05:00',
      '2026-11-09T10:00:00-05:00',
    ]);
    expect(inWindow.map((o) => o.key)).toEqual(['20261026T100000', '20261102T100000', '20261109T100000']);
    expect(inWindow.every((o) => o.end - o.start === 3_600_000)).toBe(true);
  });

  it('reads UNTIL in UTC as an instant, and runs all-day series on dates', () => {
    const until = expandSeries(
      {
        startsAt: '2026-01-05T23:30:00+01:00',
        timeZone: 'Europe/Paris',
        recurrence: 'FREQ=DAILY;UNTIL=20260107T223000Z',
      },
      at('2026-01-01T00:00:00Z'),
      at('2026-02-01T00:00:00Z'),
    );
    expect(until.map((o) => o.key)).toEqual(['20260105T233000', '20260106T233000', '20260107T233000']);
    const birthdays = expandSeries(
      { startsAt: '2024-02-29', allDay: true, recurrence: 'FREQ=YEARLY' },
      at('2026-01-01T00:00:00Z'),
      at('2029-01-01T00:00:00Z'),
    );
    // RFC 5545: a yearly 29 February only happens in leap years.
    expect(birthdays.map((o) => o.key)).toEqual(['20280229']);
  });

  it('caps a series in one window', () => {
    const found = expandSeries(
      { startsAt: '2026-01-01T00:00:00Z', recurrence: 'FREQ=DAILY' },
      at('2026-01-01T00:00:00Z'),
      at('2027-12-31T00:00:00Z'),
    );
    expect(found).toHaveLength(maxOccurrencesPerSeries);
  });

  it('refuses rules it does not understand', () => {
    for (const rule of [
      '',
      'FREQ=SECONDLY',
      'FREQ=BOGUS',
      'INTERVAL=2',
      'FREQ=DAILY;COUNT=2;UNTIL=20260101',
      'FREQ=DAILY;X-EVIL=1',
      'FREQ=DAILY;FREQ=WEEKLY',
      'FREQ=DAILY;INTERVAL=0',
      'FREQ=WEEKLY;BYDAY=XX',
    ])
      expect(() => parseRule(rule), rule).toThrow(/recurrence/);
    expect(parseRule('FREQ=MONTHLY;BYDAY=-1FR').options.freq).toBe(1);
  });

  // rrule stops only at a date it produces (or after 9999): each of these once blocked the
  // event loop for seconds on every write and every read of its series.
  const neverMatching = [
    'FREQ=DAILY;BYMONTH=2;BYMONTHDAY=31',
    'FREQ=DAILY;BYMONTH=2;BYMONTHDAY=31;BYDAY=MO',
    'FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30',
    'FREQ=WEEKLY;BYMONTH=4;BYMONTHDAY=31;BYDAY=MO,TU',
    'FREQ=DAILY;BYWEEKNO=53;BYMONTH=1;BYDAY=MO;BYSETPOS=1',
  ];

  it('refuses a rule that no date matches, naming the parts to check', () => {
    for (const rule of neverMatching) expect(() => parseRule(rule), rule).toThrow(/no date ever matches/);
    // Rare is not never: 29 February, and 29 February on a Monday (2044, 2072, 2112: 40 years apart).
    expect(parseRule('FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29').options.bymonthday).toBe(29);
    expect(parseRule('FREQ=DAILY;BYMONTH=2;BYMONTHDAY=29;BYDAY=MO').options.bymonth).toBe(2);
    expect(
      expandSeries(
        { startsAt: '2026-01-01T00:00:00Z', recurrence: 'FREQ=DAILY;BYMONTH=2;BYMONTHDAY=29;BYDAY=MO' },
        at('2044-01-01T00:00:00Z'),
        at('2044-12-31T00:00:00Z'),
      ).map((o) => new Date(o.start).toISOString()),
    ).toEqual(['2044-02-29T00:00:00.000Z']);
  });

  it('expands a series that started centuries ago exactly as from its real start', () => {
    const from = at('2026-01-01T00:00:00Z');
    const to = at('2026-03-01T00:00:00Z');
    // The reference: rrule walked from the real start (slow, so only here).
    const walked = (startsAt: string, recurrence: string) =>
      new rrule.RRule({ ...rrule.RRule.parseString(recurrence), dtstart: new Date(startsAt), tzid: null })
        .between(new Date(from - 2 * 86_400_000), new Date(to + 2 * 86_400_000), true)
        .map((d) => d.toISOString().slice(0, 19).replace(/[-:]/g, ''));
    // rrule itself reads the years 0 to 99 as 1900 to 1999 (so did the hub's own wall clocks,
    // until calendar.time.ts stopped using Date.UTC): starts in the year 1 are checked by
    // counting days. 0001-01-01 is a Monday; 2026-01-05 is 105,660 weeks later.
    const every = (startsAt: string, days: number) => {
      const [start, step] = [at(startsAt), days * 86_400_000];
      const keys: string[] = [];
      const first = start + Math.ceil((from - 2 * 86_400_000 - start) / step) * step;
      for (let t = first; t <= to + 2 * 86_400_000; t += step)
        keys.push(new Date(t).toISOString().slice(0, 19).replace(/[-:]/g, ''));
      return keys;
    };
    for (const [startsAt, recurrence, days] of [
      ['0001-01-01T09:00:00Z', 'FREQ=WEEKLY;INTERVAL=2;BYDAY=MO', 14],
      ['0001-01-03T09:00:00Z', 'FREQ=DAILY;INTERVAL=3', 3],
    ] as const) {
      expect(
        expandSeries({ startsAt, recurrence }, from, to).map((o) => o.key),
        recurrence,
      ).toEqual(every(startsAt, days));
    }
    expect(every('0001-01-01T09:00:00Z', 14)[0]).toBe('20260105T090000');
    for (const [startsAt, recurrence] of [
      ['1026-05-29T18:00:00Z', 'FREQ=MONTHLY;BYDAY=-1FR'],
      ['1204-02-28T07:30:00Z', 'FREQ=YEARLY;INTERVAL=2'],
      ['1600-02-01T00:00:00Z', 'FREQ=MONTHLY;INTERVAL=5;BYMONTHDAY=-1'],
    ] as const) {
      const expected = walked(startsAt, recurrence);
      expect(expected.length, recurrence).toBeGreaterThan(0);
      expect(
        expandSeries({ startsAt, recurrence }, from, to).map((o) => o.key),
        recurrence,
      ).toEqual(expected);
    }
    // With COUNT the series counts from its real start: long over.
    expect(expandSeries({ startsAt: '1600-02-01', recurrence: 'FREQ=YEARLY;COUNT=100' }, from, to)).toEqual([]);
    expect(expandSeries({ startsAt: '1600-02-01', recurrence: 'FREQ=YEARLY' }, from, to).map((o) => o.key)).toEqual([
      '20260201',
    ]);
  });

  it('expands a daily or weekly series held for years exactly as rrule does from its real start', () => {
    // expandSeries starts such a rule a whole number of its periods later (closerStart); the
    // reference walks every period from the real start, in UTC (the series' zone is UTC here).
    const walked = (startsAt: string, recurrence: string, from: number, to: number) =>
      new rrule.RRule({ ...rrule.RRule.parseString(recurrence), dtstart: new Date(startsAt), tzid: null })
        .between(new Date(from - 2 * 86_400_000), new Date(to + 2 * 86_400_000), true)
        .map((d) => d.toISOString().slice(0, 19).replace(/[-:]/g, ''));
    const rules = [
      'FREQ=DAILY',
      'FREQ=DAILY;INTERVAL=3',
      'FREQ=DAILY;INTERVAL=2;BYMONTH=2,3',
      'FREQ=DAILY;BYDAY=MO,WE,FR',
      'FREQ=DAILY;INTERVAL=5;BYMONTHDAY=1,15,31',
      'FREQ=WEEKLY',
      'FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,TH',
      'FREQ=WEEKLY;INTERVAL=3;BYDAY=SU,SA;WKST=SU',
      'FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=1,-1',
      'FREQ=WEEKLY;INTERVAL=4;BYDAY=MO;BYMONTH=1,6,12',
      'FREQ=WEEKLY;INTERVAL=2;BYDAY=WE;UNTIL=20260218T235959Z',
    ];
    // Starts on several weekdays and times, years before the windows (one window meets UNTIL).
    const starts = ['2019-03-07T08:15:00Z', '2021-12-31T23:30:00Z', '2024-02-29T12:00:00Z', '2025-11-02T00:00:00Z'];
    const windows = [
      [at('2026-01-01T00:00:00Z'), at('2026-03-01T00:00:00Z')],
      [at('2026-02-17T10:00:00Z'), at('2026-02-19T10:00:00Z')],
      [at('2027-12-20T00:00:00Z'), at('2028-01-10T00:00:00Z')],
    ] as const;
    let compared = 0;
    for (const recurrence of rules)
      for (const startsAt of starts)
        for (const [from, to] of windows) {
          const expected = walked(startsAt, recurrence, from, to);
          compared += expected.length;
          expect(
            expandSeries({ startsAt, recurrence }, from, to).map((o) => o.key),
            `${recurrence} from ${startsAt}, ${new Date(from).toISOString()}`,
          ).toEqual(expected);
        }
    expect(compared).toBeGreaterThan(900);
  });

  it('expands such a rule, stored before it was refused, to no occurrences', () => {
    for (const recurrence of neverMatching) {
      const window = [at('2026-01-01T00:00:00Z'), at('2027-01-01T00:00:00Z')] as const;
      expect(expandSeries({ startsAt: '2026-01-01T00:00:00Z', recurrence }, ...window), recurrence).toEqual([]);
    }
  });
});

describe('ending a rule part way (this and following)', () => {
  const berlin = { startsAt: '2026-03-02T09:00:00+01:00', timeZone: 'Europe/Berlin' };
  it('counts the occurrences before a wall clock, on the series own clock across DST', () => {
    const series = { ...berlin, recurrence: 'FREQ=WEEKLY;COUNT=6' };
    expect(occurrencesBefore(series, at('2026-03-02T09:00:00Z'))).toBe(0);
    expect(occurrencesBefore(series, at('2026-03-30T09:00:00Z'))).toBe(4);
    // Past the count: all six, and never more.
    expect(occurrencesBefore(series, at('2027-01-01T00:00:00Z'))).toBe(6);
    expect(occurrencesBefore({ ...berlin, recurrence: 'FREQ=DAILY' }, at('2026-04-01T00:00:00Z'), 1)).toBe(1);
    expect(
      occurrencesBefore(
        { startsAt: '2026-03-04', allDay: true, recurrence: 'FREQ=WEEKLY' },
        at('2026-03-18T00:00:00Z'),
      ),
    ).toBe(2);
  });

  it('replaces a rule end, whatever it had', () => {
    expect(withEnd('FREQ=WEEKLY;COUNT=6;BYDAY=MO', { count: 2 })).toBe('FREQ=WEEKLY;BYDAY=MO;COUNT=2');
    expect(withEnd('RRULE:FREQ=DAILY;UNTIL=20261231', { until: '20260330T065959Z' })).toBe(
      'FREQ=DAILY;UNTIL=20260330T065959Z',
    );
    expect(withEnd('FREQ=DAILY;COUNT=3', null)).toBe('FREQ=DAILY');
    expect(countOf('FREQ=DAILY;COUNT=12')).toBe(12);
    expect(countOf('FREQ=DAILY;UNTIL=20261231')).toBeUndefined();
  });
});
