import { eventUpdateInput, type EventUpdateInput } from '../calendar/calendar.schemas.ts';
import type { EventFieldsFromIcal } from './dav.ical.ts';
import { DavError } from './dav.errors.ts';
import { ns } from './dav.xml.ts';

const text = (value: unknown) => (typeof value === 'string' && value !== '' ? value : null);

/**
 * A phone's PUT of an event from a connected calendar, as the calendar API's update of it
 * (`version` the hub's, the phone's If-Match already checked): every field a calendar writes,
 * an absent one cleared, as the phone sent the whole event. The calendar then sends Outlook
 * only what differs from the hub's copy. What the API would refuse is a 400 with its reason.
 */
export function eventUpdateOf(parsed: EventFieldsFromIcal, version: number): EventUpdateInput {
  const p = parsed.properties;
  const input = eventUpdateInput.safeParse({
    version,
    title: parsed.title,
    notes: parsed.notes,
    startsAt: p.startsAt,
    endsAt: text(p.endsAt),
    allDay: p.allDay === true,
    // Times without a TZID keep the event's zone: the hub serves UTC times unless the phone sent
    // the zone's VTIMEZONE, so UTC coming back says nothing (clearing it would move an Outlook
    // event, and rebuild a series, in UTC).
    ...(text(p.timeZone) ? { timeZone: text(p.timeZone) } : {}),
    location: text(p.location),
    attendees: parsed.attendees,
    // A series' rule goes to the connected calendar as well (a rule it cannot hold: the calendar's 400).
    recurrence: text(p.recurrence),
    // Only TRANSP:TRANSPARENT says anything (free); without it the event keeps what it shows as.
    ...(p.showAs === 'free' ? { showAs: 'free' } : {}),
  });
  if (input.success) return input.data;
  const issue = input.error.issues[0]!;
  throw new DavError(400, `${issue.path.join('.') || 'event'}: ${issue.message}`, {
    precondition: 'valid-calendar-data',
    ns: ns.cal,
  });
}
