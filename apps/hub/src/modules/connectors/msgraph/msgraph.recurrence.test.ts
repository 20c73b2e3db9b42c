import { describe, expect, it } from 'vitest';
import { expandSeries } from '../../calendar/calendar.recurrence.ts';
import { patternedRecurrenceOf, rruleOf, UnrepeatableInOutlook, type SeriesStart } from './msgraph.recurrence.ts';

/** The series' occurrence starts over two years, as the hub expands a rule. */
function startsOf(rule: string, start: SeriesStart) {
  const from = Date.parse(start.allDay ? `${start.startsAt}T00:00:00Z` : start.startsAt) - 86_400_000;
  return expandSeries({ ...start, recurrence: rule }, from, from + 730 * 86_400_000).map((o) => o.start);
}

const berlinMonday: SeriesStart = {
  startsAt: '2027-03-01T10:00:00+01:00',
  allDay: false,
  timeZone: 'Europe/Berlin',
};

describe('microsoft 365 recurrence: RRULE ↔ patternedRecurrence (pure)', () => {
  // Each rule, written to Outlook and read back as Outlook answers it, repeats on the same days.
  const cases: [string, SeriesStart][] = [
    ['FREQ=DAILY', berlinMonday],
    ['FREQ=DAILY;INTERVAL=3;COUNT=40', berlinMonday],
    ['FREQ=DAILY;BYDAY=MO,WE,FR;COUNT=30', berlinMonday],
    ['FREQ=WEEKLY', berlinMonday],
    ['FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR', berlinMonday],
    ['FREQ=WEEKLY;INTERVAL=2;BYDAY=SU,MO;WKST=SU;COUNT=20', berlinMonday],
    ['FREQ=WEEKLY;INTERVAL=2;BYDAY=SU,MO;COUNT=20', berlinMonday],
    ['FREQ=WEEKLY;BYDAY=TU;UNTIL=20270601', berlinMonday],
    ['FREQ=WEEKLY;BYDAY=MO;UNTIL=20270531T220000Z', berlinMonday],
    ['FREQ=MONTHLY', berlinMonday],
    ['FREQ=MONTHLY;BYMONTHDAY=15;INTERVAL=2', berlinMonday],
    ['FREQ=MONTHLY;BYDAY=2TU', berlinMonday],
    ['FREQ=MONTHLY;BYDAY=-1FR', berlinMonday],
    ['FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1', berlinMonday],
    ['FREQ=YEARLY', berlinMonday],
    ['FREQ=YEARLY;BYMONTH=11;BYDAY=4TH', berlinMonday],
    ['FREQ=YEARLY;BYMONTH=6;BYMONTHDAY=21', berlinMonday],
    ['FREQ=WEEKLY;BYDAY=SA;COUNT=8', { startsAt: '2027-03-06', allDay: true, timeZone: 'Europe/Berlin' }],
    ['FREQ=MONTHLY;COUNT=6', { startsAt: '2027-01-31', allDay: true }],
    // 23:30 in Auckland on a Sunday is still Sunday there: the day comes from the event's zone.
    ['FREQ=WEEKLY;COUNT=10', { startsAt: '2027-03-07T10:30:00Z', allDay: false, timeZone: 'Pacific/Auckland' }],
  ];
  it.each(cases)('%s repeats on the same days after the round trip', (rule, start) => {
    const graph = patternedRecurrenceOf(rule, start);
    const back = rruleOf(graph);
    expect(back, JSON.stringify(graph)).toBeDefined();
    expect(startsOf(back!, start)).toEqual(startsOf(rule, start));
    // Outlook's answer, written again, is the same pattern: a second round trip changes nothing.
    expect(patternedRecurrenceOf(back!, start)).toEqual(graph);
  });

  it('writes what Graph documents: the first day and zone in the range, the start’s weekday when none is named', () => {
    expect(patternedRecurrenceOf('FREQ=WEEKLY;COUNT=5', berlinMonday)).toEqual({
      pattern: { type: 'weekly', interval: 1, daysOfWeek: ['monday'], firstDayOfWeek: 'monday' },
      range: {
        type: 'numbered',
        numberOfOccurrences: 5,
        startDate: '2027-03-01',
        recurrenceTimeZone: 'W. Europe Standard Time',
      },
    });
    expect(
      patternedRecurrenceOf('FREQ=MONTHLY;BYDAY=-1FR;UNTIL=20271231T225959Z', {
        startsAt: '2027-02-26T09:00:00Z',
        allDay: false,
      }),
    ).toEqual({
      pattern: { type: 'relativeMonthly', interval: 1, index: 'last', daysOfWeek: ['friday'] },
      range: { type: 'endDate', endDate: '2027-12-31', startDate: '2027-02-26', recurrenceTimeZone: 'UTC' },
    });
    // UNTIL in UTC is the date it falls on in the series' zone (Berlin: already 1 January).
    const until = patternedRecurrenceOf('FREQ=DAILY;UNTIL=20271231T233000Z', berlinMonday).range as { endDate: string };
    expect(until.endDate).toBe('2028-01-01');
    expect(patternedRecurrenceOf('FREQ=WEEKLY;BYDAY=MO,TU,MO', berlinMonday).pattern).toMatchObject({
      daysOfWeek: ['monday', 'tuesday'],
    });
    expect(patternedRecurrenceOf('FREQ=YEARLY', berlinMonday).pattern).toEqual({
      type: 'absoluteYearly',
      interval: 1,
      month: 3,
      dayOfMonth: 1,
    });
  });

  it('refuses what Outlook cannot hold, saying what it can', () => {
    for (const rule of [
      'FREQ=YEARLY;BYYEARDAY=100',
      'FREQ=YEARLY;BYWEEKNO=20;BYDAY=MO',
      'FREQ=MONTHLY;BYDAY=TU',
      'FREQ=MONTHLY;BYMONTHDAY=1,15',
      'FREQ=MONTHLY;BYDAY=5MO',
      'FREQ=MONTHLY;BYDAY=MO;BYSETPOS=2,3',
      'FREQ=MONTHLY;BYMONTHDAY=-1',
      'FREQ=MONTHLY;BYMONTHDAY=3;BYDAY=MO;BYSETPOS=1',
      'FREQ=DAILY;INTERVAL=2;BYDAY=MO',
      'FREQ=WEEKLY;BYDAY=2MO',
      'FREQ=WEEKLY;BYMONTH=3',
      'FREQ=YEARLY;BYMONTHDAY=3',
      'FREQ=DAILY;COUNT=5000',
    ])
      expect(() => patternedRecurrenceOf(rule, berlinMonday), rule).toThrow(UnrepeatableInOutlook);
    expect(() => patternedRecurrenceOf('FREQ=MONTHLY;BYDAY=TU', berlinMonday)).toThrow(
      /first, second, third, fourth or last weekday/,
    );
  });
});
