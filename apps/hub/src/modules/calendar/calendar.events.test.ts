import { describe, expect, it } from 'vitest';
import { sameForHub } from './calendar.events.ts';

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
