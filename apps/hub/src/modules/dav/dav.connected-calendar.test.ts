import { describe, expect, it } from 'vitest';
import { eventUpdateOf } from './dav.connected-calendar.ts';
import { DavError } from './dav.errors.ts';
import { parseICalendar } from './dav.ical.ts';

const ics = (...lines: string[]) =>
  ['BEGIN:VCALENDAR', 'VERSION:2.0', 'BEGIN:VEVENT', 'UID:e1', ...lines, 'END:VEVENT', 'END:VCALENDAR', ''].join(
    '\r\n',
  );

describe("a phone's event as the calendar API's update of a connected calendar's event", () => {
  it('carries every field the calendar writes, clearing what the phone left out', () => {
    const update = eventUpdateOf(
      parseICalendar(
        ics(
          'SUMMARY:Boat trip',
          'DTSTART;TZID=Europe/London:20261215T150000',
          'DTEND;TZID=Europe/London:20261215T160000',
          'ATTENDEE:mailto:ada@example.org',
        ),
      ),
      7,
    );
    expect(update).toEqual({
      version: 7,
      title: 'Boat trip',
      notes: '',
      startsAt: '2026-12-15T15:00:00Z',
      endsAt: '2026-12-15T16:00:00Z',
      allDay: false,
      timeZone: 'Europe/London',
      location: null,
      attendees: ['ada@example.org'],
      recurrence: null,
    });
  });

  it("keeps the event's zone when the phone's times name none (the UTC the hub served it)", () => {
    const update = eventUpdateOf(
      parseICalendar(ics('SUMMARY:Team sync', 'DTSTART:20270316T080000Z', 'DTEND:20270316T090000Z')),
      3,
    );
    expect(update).toMatchObject({ startsAt: '2027-03-16T08:00:00Z', endsAt: '2027-03-16T09:00:00Z' });
    expect(update).not.toHaveProperty('timeZone');
  });

  it('says free only for TRANSP:TRANSPARENT, and keeps a whole day a date', () => {
    const update = eventUpdateOf(
      parseICalendar(ics('SUMMARY:Off', 'DTSTART;VALUE=DATE:20261224', 'TRANSP:TRANSPARENT')),
      1,
    );
    expect(update).toMatchObject({ startsAt: '2026-12-24', endsAt: '2026-12-25', allDay: true, showAs: 'free' });
    expect(eventUpdateOf(parseICalendar(ics('DTSTART:20261224T100000Z', 'TRANSP:OPAQUE')), 1)).not.toHaveProperty(
      'showAs',
    );
  });

  it('refuses with a 400 and the reason what the calendar API would refuse', () => {
    const refused = (ical: string) => {
      try {
        eventUpdateOf(parseICalendar(ical), 1);
      } catch (error) {
        return error as DavError;
      }
      throw new Error('accepted');
    };
    // A phone may send 500 attendees (what the DAV mapping keeps); the calendar API takes 200.
    const crowd = Array.from({ length: 201 }, (_, n) => `ATTENDEE:mailto:guest${n}@example.org`);
    const refusal = refused(ics('DTSTART:20261224T100000Z', ...crowd));
    expect(refusal).toBeInstanceOf(DavError);
    expect(refusal).toMatchObject({ status: 400, detail: { precondition: 'valid-calendar-data' } });
    expect(refusal.message).toMatch(/^attendees: /);
  });
});
