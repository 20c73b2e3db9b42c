import { describe, expect, it } from 'vitest';
import { durationMs, ICalError, parseICalendar, renderICalendar } from './dav.ical.ts';

const calendar = (...lines: string[]) =>
  ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//t//t//EN', ...lines, 'END:VCALENDAR', ''].join('\r\n');

const london = [
  'BEGIN:VTIMEZONE',
  'TZID:Europe/London',
  'BEGIN:STANDARD',
  'DTSTART:19701025T020000',
  'TZOFFSETFROM:+0100',
  'TZOFFSETTO:+0000',
  'END:STANDARD',
  'END:VTIMEZONE',
];

describe('VEVENT ⇄ calendar_event', () => {
  it('reads a zoned, repeating event with attendees, an alarm and an overridden instance', () => {
    const parsed = parseICalendar(
      calendar(
        ...london,
        'BEGIN:VEVENT',
        'UID:series-1',
        'DTSTAMP:20261201T000000Z',
        'DTSTART;TZID=Europe/London:20260701T090000',
        'DTEND;TZID=Europe/London:20260701T093000',
        'RRULE:FREQ=WEEKLY;BYDAY=WE',
        'SUMMARY:Standup\\, daily',
        'DESCRIPTION:Line 1\\nLine 2',
        'LOCATION:Room 4',
        'ORGANIZER;CN=Me:mailto:me@example.test',
        'ATTENDEE;CN=Ann;PARTSTAT=ACCEPTED:mailto:Ann@Example.test',
        'ATTENDEE;PARTSTAT=NEEDS-ACTION:mailto:bo@example.test',
        'EXDATE;TZID=Europe/London:20260708T090000',
        'BEGIN:VALARM',
        'ACTION:DISPLAY',
        'TRIGGER:-PT5M',
        'END:VALARM',
        'END:VEVENT',
        'BEGIN:VEVENT',
        'UID:series-1',
        'RECURRENCE-ID;TZID=Europe/London:20260715T090000',
        'DTSTART;TZID=Europe/London:20260715T100000',
        'SUMMARY:Standup (late)',
        'END:VEVENT',
      ),
    );
    expect(parsed.uid).toBe('series-1');
    expect(parsed.title).toBe('Standup, daily');
    expect(parsed.notes).toBe('Line 1\nLine 2');
    expect(parsed.properties).toEqual({
      startsAt: '2026-07-01T08:00:00Z',
      endsAt: '2026-07-01T08:30:00Z',
      allDay: false,
      timeZone: 'Europe/London',
      location: 'Room 4',
      recurrence: 'FREQ=WEEKLY;BYDAY=WE',
      kind: 'master',
      organizer: 'me@example.test',
      attendees: ['ann@example.test', 'bo@example.test'],
      responses: [
        { email: 'ann@example.test', name: 'Ann', response: 'accepted' },
        { email: 'bo@example.test', response: 'none' },
      ],
    });
    const extra = JSON.parse(parsed.extra);
    expect(extra.event).toContain('EXDATE;TZID=Europe/London:20260708T090000');
    expect(extra.event).toContain('TRIGGER:-PT5M');
    expect(extra.others).toContain('RECURRENCE-ID;TZID=Europe/London:20260715T090000');
    expect(extra.others).toContain('TZID:Europe/London');

    // Rendered back in the zone the phone defined, with the kept parts.
    const text = renderICalendar(
      {
        id: 'e1',
        title: parsed.title,
        body: parsed.notes,
        properties: parsed.properties,
        updatedAt: '2026-12-01T10:00:00Z',
      },
      parsed,
    );
    expect(text).toContain('DTSTART;TZID=Europe/London:20260701T090000\r\n');
    expect(text).toContain('RRULE:FREQ=WEEKLY;BYDAY=WE\r\n');
    expect(text).toContain('ATTENDEE;CN=Ann;PARTSTAT=ACCEPTED:mailto:ann@example.test\r\n');
    expect(text).toContain('BEGIN:VALARM\r\n');
    expect(parseICalendar(text).properties).toEqual(parsed.properties);
  });

  it('reads all-day events (DTEND exclusive, or one day when absent) and DURATION', () => {
    expect(
      parseICalendar(calendar('BEGIN:VEVENT', 'UID:a', 'DTSTART;VALUE=DATE:20261224', 'SUMMARY:Eve', 'END:VEVENT'))
        .properties,
    ).toMatchObject({
      startsAt: '2026-12-24',
      endsAt: '2026-12-25',
      allDay: true,
      kind: 'single',
    });
    expect(
      parseICalendar(calendar('BEGIN:VEVENT', 'UID:b', 'DTSTART:20261224T100000Z', 'DURATION:PT1H30M', 'END:VEVENT'))
        .properties.endsAt,
    ).toBe('2026-12-24T11:30:00Z');
    expect(durationMs('P1W2DT3H')).toBe((9 * 24 + 3) * 3_600_000);
    expect(durationMs('P')).toBeNull();
    const allDay = renderICalendar(
      {
        id: 'x',
        title: 'Eve',
        body: '',
        properties: { startsAt: '2026-12-24', endsAt: '2026-12-25', allDay: true },
        updatedAt: '2026-12-01T00:00:00Z',
      },
      null,
    );
    expect(allDay).toContain('DTSTART;VALUE=DATE:20261224\r\n');
    expect(allDay).toContain('UID:x\r\n');
  });

  it('refuses resources that are not one VEVENT object', () => {
    expect(() => parseICalendar(calendar('BEGIN:VTODO', 'UID:t', 'END:VTODO'))).toThrow(/VEVENT/);
    expect(() => parseICalendar(calendar('BEGIN:VEVENT', 'DTSTART:20261224T100000Z', 'END:VEVENT'))).toThrow(/UID/);
    expect(() => parseICalendar(calendar('BEGIN:VEVENT', 'UID:a', 'END:VEVENT'))).toThrow(/DTSTART/);
    expect(() =>
      parseICalendar(
        calendar('BEGIN:VEVENT', 'UID:a', 'DTSTART:20261224T100000Z', 'DTEND:20261224T090000Z', 'END:VEVENT'),
      ),
    ).toThrow(/before/);
    expect(() => parseICalendar(calendar('BEGIN:VEVENT', 'UID:a', 'DTSTART:tomorrow', 'END:VEVENT'))).toThrow(
      ICalError,
    );
    // Days that do not exist are refused, not rolled over (Date.UTC made 30 February 2 March).
    for (const start of ['DTSTART:20260230T100000Z', 'DTSTART;VALUE=DATE:20261340', 'DTSTART:20261224T250000Z'])
      expect(() => parseICalendar(calendar('BEGIN:VEVENT', 'UID:a', start, 'END:VEVENT'))).toThrow(/is not a/);
    const early = parseICalendar(calendar('BEGIN:VEVENT', 'UID:a', 'DTSTART:00500101T120000Z', 'END:VEVENT'));
    expect(early.properties.startsAt).toBe('0050-01-01T12:00:00Z');
    expect(() =>
      parseICalendar(
        calendar(
          'BEGIN:VEVENT',
          'UID:a',
          'DTSTART:20261224T100000Z',
          'END:VEVENT',
          'BEGIN:VEVENT',
          'UID:b',
          'DTSTART:20261224T100000Z',
          'END:VEVENT',
        ),
      ),
    ).toThrow(/share its UID/);
  });

  it("holds an event to the API's 400 days, by DTEND or DURATION", () => {
    const event = (...lines: string[]) =>
      calendar('BEGIN:VEVENT', 'UID:long', 'DTSTART:00010101T000000Z', ...lines, 'END:VEVENT');
    expect(() => parseICalendar(event('DTEND:99991231T000000Z'))).toThrow(/^DTEND: an event lasts at most 400 days/);
    expect(() => parseICalendar(event('DURATION:P401D'))).toThrow(/at most 400/);
    const allDay = (end: string) =>
      calendar('BEGIN:VEVENT', 'UID:d', 'DTSTART;VALUE=DATE:20260101', `DTEND;VALUE=DATE:${end}`, 'END:VEVENT');
    expect(() => parseICalendar(allDay('20270206'))).toThrow(/at most 400 days/);
    expect(parseICalendar(allDay('20270205')).properties.endsAt).toBe('2027-02-05');
  });

  it("holds an event to the API's years (1 to 9999) and its end after its start, as the API words them", () => {
    const event = (...lines: string[]) => calendar('BEGIN:VEVENT', 'UID:edge', ...lines, 'END:VEVENT');
    const outside = /an event lies between 0001-01-01 and 9999-12-31/;
    // Year 0 was a database error in the hub's JSON; a day ending past 9999 a graph error naming items[0].
    expect(() => parseICalendar(event('DTSTART:00000101T100000Z'))).toThrow(outside);
    expect(() => parseICalendar(event('DTSTART;VALUE=DATE:00001231'))).toThrow(/^DTSTART: an event lies/);
    expect(() => parseICalendar(event('DTSTART;VALUE=DATE:99991231'))).toThrow(/^DTSTART: an event lies/);
    expect(() => parseICalendar(event('DTSTART:99991231T230000Z', 'DURATION:PT2H'))).toThrow(/^DTEND: an event lies/);
    // Past what a Date holds: toISOString threw a RangeError, a 500.
    expect(() => parseICalendar(event('DTSTART:20260101T100000Z', 'DURATION:P99999999999W'))).toThrow(ICalError);
    // An all-day event ending (exclusive) on its first day, as some exporters write it: that one day.
    expect(parseICalendar(event('DTSTART;VALUE=DATE:20260101', 'DTEND;VALUE=DATE:20260101')).properties).toMatchObject({
      startsAt: '2026-01-01',
      endsAt: '2026-01-02',
    });
    expect(() => parseICalendar(event('DTSTART;VALUE=DATE:20260102', 'DTEND;VALUE=DATE:20260101'))).toThrow(
      /^DTEND: the end date \(exclusive\) must be after the start date/,
    );
    expect(() => parseICalendar(event('DTSTART:20260101T100000Z', 'DTEND:20260101T090000Z'))).toThrow(
      /^DTEND: the end must not be before the start/,
    );
    // A zoned time before the year 100 is itself (Date.UTC read 0050 as 1950: the year -1850).
    expect(parseICalendar(event('DTSTART;TZID=Europe/Berlin:00500101T120000')).properties.startsAt).toBe(
      '0050-01-01T11:06:32Z',
    );
    // The first and the last day of the span are fine.
    expect(parseICalendar(event('DTSTART;VALUE=DATE:00010101')).properties.endsAt).toBe('0001-01-02');
    expect(parseICalendar(event('DTSTART;VALUE=DATE:99991230')).properties.endsAt).toBe('9999-12-31');
    expect(parseICalendar(event('DTSTART:99991231T230000Z', 'DTEND:99991231T235959Z')).properties.endsAt).toBe(
      '9999-12-31T23:59:59Z',
    );
  });
});
