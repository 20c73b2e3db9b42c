import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../platform/errors.ts';
import { checkFields, sameForHub, type EventFields } from './calendar.events.ts';

/** checkFields holds every write (the API's and CalDAV's) to the times the hub can store. */
describe('checkFields', () => {
  const fields = (times: Partial<EventFields>): EventFields => ({
    title: 'x',
    notes: '',
    attendees: [],
    startsAt: '2026-05-01T10:00:00Z',
    allDay: false,
    ...times,
  });
  const refusal = (times: Partial<EventFields>) => {
    try {
      checkFields(fields(times));
    } catch (error) {
      expect(error).toBeInstanceOf(ValidationError);
      return (error as ValidationError).message;
    }
    return 'accepted';
  };

  it('keeps an event between the years 1 and 9999, naming the field past either end', () => {
    const outside = 'an event lies between 0001-01-01 and 9999-12-31.';
    // Year 0 reached PostgreSQL (no year 0: 22008); 9999-12-31 all-day made its end "+010000-01".
    expect(refusal({ startsAt: '0000-01-01T10:00:00Z' })).toBe(`startsAt: ${outside}`);
    expect(refusal({ startsAt: '0000-12-31', allDay: true })).toBe(`startsAt: ${outside}`);
    expect(refusal({ startsAt: '9999-12-31', allDay: true })).toBe(`startsAt: ${outside}`);
    expect(refusal({ startsAt: '0001-01-01T00:30:00+01:00' })).toBe(`startsAt: ${outside}`);
    expect(refusal({ startsAt: '9999-12-31T23:00:00Z', endsAt: '9999-12-31T23:00:00-05:00' })).toBe(
      `endsAt: ${outside}`,
    );
    expect(refusal({ startsAt: '9999-12-31T23:00:00Z', endsAt: '+010000-01-01T01:00:00Z' })).toBe(`endsAt: ${outside}`);
    expect(checkFields(fields({ startsAt: '0001-01-01', allDay: true })).endsAt).toBe('0001-01-02');
    expect(checkFields(fields({ startsAt: '9999-12-30', allDay: true })).endsAt).toBe('9999-12-31');
    expect(refusal({ startsAt: '9999-12-31T23:00:00Z', endsAt: '9999-12-31T23:59:59Z' })).toBe('accepted');
  });
});

/** sameForHub decides whether a write refused for a stale provider version goes again (calendar.service.ts). */
describe('sameForHub', () => {
  const base = {
    title: 'Team sync',
    body: 'Agenda',
    properties: {
      startsAt: '2027-03-22T09:00:00+01:00',
      endsAt: '2027-03-22T10:00:00+01:00',
      timeZone: 'Europe/Berlin',
      location: 'Room 1',
      attendees: ['a@example.org', 'b@example.org'],
      status: 'confirmed',
      changeKey: 'CK1',
    },
  };
  const variant = (properties: Record<string, unknown>, top: Partial<typeof base> = {}) => ({
    ...base,
    ...top,
    properties: { ...base.properties, ...properties },
  });

  it('ignores what the hub neither shows nor writes: the version, answers, the order of attendees', () => {
    expect(
      sameForHub(base, variant({ changeKey: 'CK2', responses: [{ email: 'a@example.org', response: 'accepted' }] })),
    ).toBe(true);
    expect(sameForHub(base, variant({ attendees: ['b@example.org', 'a@example.org'] }))).toBe(true);
  });

  it('sees a change to any field the hub shows, and a cancellation', () => {
    for (const changed of [
      variant({}, { title: 'Team sync (moved)' }),
      variant({}, { body: 'New agenda' }),
      variant({ startsAt: '2027-03-22T10:00:00+01:00' }),
      variant({ endsAt: undefined }),
      variant({ timeZone: 'Europe/London' }),
      variant({ location: 'Room 2' }),
      variant({ attendees: ['a@example.org'] }),
      variant({ attendees: ['a@example.org', 'c@example.org'] }),
      variant({ onlineMeetingUrl: 'https://teams.example/join' }),
      variant({ showAs: 'free' }),
      variant({ status: 'cancelled' }),
    ])
      expect(sameForHub(base, changed)).toBe(false);
  });
});
