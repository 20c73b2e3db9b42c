import { isDate, isTimeZone, instantOf, floatingOf, floatingOfBasic } from '../calendar/calendar.time.ts';
import { parseRule } from '../calendar/calendar.recurrence.ts';
import { checkTimes } from '../calendar/calendar.events.ts';
import { escapeText, fold, unescapeText } from '../portability/formats/content-line.ts';
import { durationMs as icsDurationMs } from '../portability/formats/ics.ts';
import {
  ComponentError,
  componentLines,
  contentLine as line,
  parseComponents,
  type KeptProperty as ContentLine,
} from '../portability/formats/components.ts';

/**
 * calendar_event ⇄ iCalendar VEVENT (RFC 5545) for CalDAV. The hub maps the event's own
 * fields; everything else in the resource (VALARM, EXDATE, X- lines, overridden instances
 * with RECURRENCE-ID, VTIMEZONE) is kept verbatim in `extra` and written back.
 */

export interface EventFieldsFromIcal {
  uid: string;
  title: string;
  notes: string;
  properties: Record<string, unknown>;
  attendees: string[];
  /** JSON of { event: unmapped VEVENT lines and sub-components, others: other components }. */
  extra: string;
}

export class ICalError extends Error {}

const mappedEventLines = new Set([
  'UID',
  'SUMMARY',
  'DESCRIPTION',
  'DTSTART',
  'DTEND',
  'DURATION',
  'LOCATION',
  'STATUS',
  'RRULE',
  'ORGANIZER',
  'ATTENDEE',
  'TRANSP',
  'DTSTAMP',
  'LAST-MODIFIED',
]);

/** DTSTART/DTEND → an ISO date-time with offset, or YYYY-MM-DD for a date. */
function readTime(l: ContentLine): { value: string; allDay: boolean; timeZone?: string } {
  const raw = l.value.trim();
  const date = /^(\d{4})(\d{2})(\d{2})$/.exec(raw);
  if (date || l.params.VALUE?.[0]?.toUpperCase() === 'DATE') {
    if (!date || floatingOfBasic(raw) === null) throw new ICalError(`${l.name} "${raw.slice(0, 30)}" is not a date.`);
    return { value: `${date[1]}-${date[2]}-${date[3]}`, allDay: true };
  }
  const time = /^(\d{8})T(\d{6})(Z?)$/.exec(raw);
  if (!time) throw new ICalError(`${l.name} "${raw.slice(0, 30)}" is not a date-time.`);
  const [, day, clock, z] = time;
  const floating = floatingOfBasic(day!, clock);
  if (floating === null) throw new ICalError(`${l.name} "${raw.slice(0, 30)}" is not a real date and time.`);
  const tzid = l.params.TZID?.[0];
  if (z || !tzid || !isTimeZone(tzid)) {
    // UTC, a floating time, or a zone Intl does not know (a Windows name): read as UTC.
    return { value: new Date(floating).toISOString().replace('.000', ''), allDay: false };
  }
  const instant = instantOf(floating, tzid);
  return { value: new Date(instant).toISOString().replace('.000', ''), allDay: false, timeZone: tzid };
}

/** RFC 5545 DURATION (P1D, PT1H30M, P2W) in ms; null when unreadable (a bare P or a T with nothing after it too). */
export function durationMs(value: string): number | null {
  const v = value.trim();
  if (v === 'P' || v.endsWith('T')) return null;
  return icsDurationMs(v);
}

const mailto = (value: string) =>
  unescapeText(value)
    .replace(/^mailto:/i, '')
    .trim()
    .toLowerCase();
const partstat: Record<string, string> = {
  ACCEPTED: 'accepted',
  TENTATIVE: 'tentative',
  DECLINED: 'declined',
  'NEEDS-ACTION': 'none',
};

const icalNameOf = { startsAt: 'DTSTART', endsAt: 'DTEND' } as const;

/** Parses one CalDAV resource: a VCALENDAR with one event (and its overridden instances). */
export function parseICalendar(text: string): EventFieldsFromIcal {
  let roots;
  try {
    roots = parseComponents(text);
  } catch (error) {
    if (error instanceof ComponentError) throw new ICalError(`Not iCalendar: ${error.message}.`);
    throw error;
  }
  if (roots.length !== 1 || roots[0]!.name !== 'VCALENDAR')
    throw new ICalError('A CalDAV resource holds one VCALENDAR.');
  const calendar = roots[0]!;
  const events = calendar.components.filter((c) => c.name === 'VEVENT');
  if (events.length === 0) throw new ICalError('Only VEVENT resources are stored here (no VTODO or VJOURNAL).');
  if (calendar.components.some((c) => c.name === 'VTODO' || c.name === 'VJOURNAL'))
    throw new ICalError('A resource mixes VEVENT with VTODO or VJOURNAL.');
  const master = events.find((e) => !e.properties.some((p) => p.name === 'RECURRENCE-ID')) ?? events[0]!;
  const get = (name: string) => master.properties.find((p) => p.name === name);
  const uid = unescapeText(get('UID')?.value ?? '').trim();
  if (!uid) throw new ICalError('The VEVENT has no UID.');
  if (events.some((e) => unescapeText(e.properties.find((p) => p.name === 'UID')?.value ?? '').trim() !== uid))
    throw new ICalError('Every VEVENT in one resource must share its UID.');
  const dtstart = get('DTSTART');
  if (!dtstart) throw new ICalError('The VEVENT has no DTSTART.');
  const start = readTime(dtstart);
  const properties: Record<string, unknown> = { startsAt: start.value, allDay: start.allDay };
  if (start.timeZone) properties.timeZone = start.timeZone;
  const dtend = get('DTEND');
  const duration = get('DURATION');
  if (dtend) {
    const end = readTime(dtend);
    if (end.allDay !== start.allDay) throw new ICalError('DTSTART and DTEND must both be dates or both date-times.');
    properties.endsAt = end.value;
  } else if (duration) {
    const ms = durationMs(duration.value);
    if (ms === null || ms < 0) throw new ICalError('DURATION is not a positive duration.');
    const end = new Date(Date.parse(start.value) + ms);
    // Past what a Date holds (some 270,000 years), toISOString would throw.
    if (Number.isNaN(end.getTime())) throw new ICalError('DURATION is longer than any event may last.');
    properties.endsAt = start.allDay ? end.toISOString().slice(0, 10) : end.toISOString().replace('.000', '');
  }
  // The calendar API's own checks (years 1 to 9999, the end after the start, at most 400
  // days): a phone must not write what the web app would refuse to save, or could not edit.
  // An all-day event with neither DTEND nor DURATION lasts its day: they say till when.
  // An all-day DTEND on its own DTSTART (some exporters write one so) reads as that one day.
  const endsAt =
    properties.endsAt === start.value && start.allDay ? undefined : (properties.endsAt as string | undefined);
  const times = checkTimes({ startsAt: start.value, endsAt, allDay: start.allDay });
  if ('field' in times) throw new ICalError(`${icalNameOf[times.field]}: ${times.message}`);
  if (times.endsAt !== undefined) properties.endsAt = times.endsAt;
  const location = unescapeText(get('LOCATION')?.value ?? '').trim();
  if (location) properties.location = location.slice(0, 1000);
  const status = get('STATUS')?.value.trim().toUpperCase();
  if (status === 'CONFIRMED' || status === 'TENTATIVE' || status === 'CANCELLED')
    properties.status = status.toLowerCase();
  if (get('TRANSP')?.value.trim().toUpperCase() === 'TRANSPARENT') properties.showAs = 'free';
  const extraLines = master.properties.filter((p) => !mappedEventLines.has(p.name));
  const rrule = get('RRULE');
  if (rrule) {
    try {
      parseRule(rrule.value);
      properties.recurrence = rrule.value.trim();
    } catch {
      // A rule the hub cannot expand still goes back to the phone unchanged.
      extraLines.push(rrule);
    }
  }
  properties.kind = properties.recurrence ? 'master' : 'single';
  const organizer = get('ORGANIZER');
  if (organizer) properties.organizer = mailto(organizer.value).slice(0, 320);
  const attendeeLines = master.properties.filter((p) => p.name === 'ATTENDEE');
  const attendees = [
    ...new Set(attendeeLines.map((a) => mailto(a.value)).filter((a) => a.includes('@') && a.length <= 320)),
  ];
  if (attendees.length > 0) {
    properties.attendees = attendees.slice(0, 500);
    properties.responses = attendees.slice(0, 500).map((email) => {
      const attendee = attendeeLines.find((a) => mailto(a.value) === email)!;
      const name = attendee.params.CN?.[0];
      return {
        email,
        ...(name ? { name: name.slice(0, 320) } : {}),
        response: partstat[attendee.params.PARTSTAT?.[0]?.toUpperCase() ?? ''] ?? 'none',
      };
    });
  }
  const extra = {
    event: [...extraLines.map((p) => p.raw), ...master.components.flatMap(componentLines)].join('\n'),
    others: calendar.components
      .filter((c) => c !== master)
      .flatMap(componentLines)
      .join('\n'),
  };
  return {
    uid: uid.slice(0, 500),
    title: (unescapeText(get('SUMMARY')?.value ?? '').trim() || '(no title)').slice(0, 1000),
    notes: unescapeText(get('DESCRIPTION')?.value ?? '').slice(0, 1_000_000),
    properties,
    attendees: attendees.slice(0, 500),
    extra: JSON.stringify(extra),
  };
}

export interface EventForIcal {
  id: string;
  title: string;
  body: string;
  properties: Record<string, unknown>;
  updatedAt: string;
}

const utcStamp = (instant: number) =>
  new Date(instant)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
const dateStamp = (date: string) => date.replace(/-/g, '');

function readExtra(extra: string | undefined): { event: string; others: string } {
  if (!extra) return { event: '', others: '' };
  try {
    const parsed = JSON.parse(extra) as { event?: unknown; others?: unknown };
    return {
      event: typeof parsed.event === 'string' ? parsed.event : '',
      others: typeof parsed.others === 'string' ? parsed.others : '',
    };
  } catch {
    return { event: '', others: '' };
  }
}

/** Renders the event as a VCALENDAR; kept lines and components are written back. */
export function renderICalendar(event: EventForIcal, resource: { uid: string; extra: string } | null): string {
  const p = event.properties;
  const extra = readExtra(resource?.extra);
  const zone = typeof p.timeZone === 'string' ? p.timeZone : undefined;
  // A zone is named (TZID) only when the phone sent its VTIMEZONE: the iCalendar rules need one.
  const zoneDefined =
    zone !== undefined && isTimeZone(zone) && extra.others.split('\n').some((l) => l.trim() === `TZID:${zone}`);
  const time = (name: string, value: string) => {
    if (isDate(value)) return line(name, dateStamp(value), { VALUE: 'DATE' });
    const instant = Date.parse(value);
    if (zoneDefined) return line(name, utcStamp(floatingOf(instant, zone!)).replace(/Z$/, ''), { TZID: zone });
    return line(name, utcStamp(instant));
  };
  const out = ['BEGIN:VCALENDAR', 'VERSION:2.0', line('PRODID', '-//Made Open//DAV//EN'), 'CALSCALE:GREGORIAN'];
  out.push(...extra.others.split('\n').filter(Boolean).map(fold));
  out.push('BEGIN:VEVENT');
  out.push(line('UID', escapeText(resource?.uid ?? event.id)));
  out.push(line('DTSTAMP', utcStamp(Date.parse(event.updatedAt))));
  out.push(line('LAST-MODIFIED', utcStamp(Date.parse(event.updatedAt))));
  out.push(line('SUMMARY', escapeText(event.title)));
  if (event.body) out.push(line('DESCRIPTION', escapeText(event.body)));
  if (typeof p.startsAt === 'string') out.push(time('DTSTART', p.startsAt));
  if (typeof p.endsAt === 'string') out.push(time('DTEND', p.endsAt));
  if (typeof p.location === 'string') out.push(line('LOCATION', escapeText(p.location)));
  if (typeof p.status === 'string') out.push(line('STATUS', p.status.toUpperCase()));
  if (p.showAs === 'free') out.push('TRANSP:TRANSPARENT');
  if (typeof p.recurrence === 'string') out.push(line('RRULE', p.recurrence.replace(/^RRULE:/i, '')));
  if (typeof p.organizer === 'string') out.push(line('ORGANIZER', `mailto:${p.organizer}`));
  const responses = Array.isArray(p.responses)
    ? (p.responses as { email: string; name?: string; response: string }[])
    : [];
  const attendees = Array.isArray(p.attendees) ? (p.attendees as string[]) : [];
  for (const email of attendees) {
    const response = responses.find((r) => r.email === email);
    const stat = Object.entries(partstat).find(([, v]) => v === response?.response)?.[0] ?? 'NEEDS-ACTION';
    out.push(line('ATTENDEE', `mailto:${email}`, { CN: response?.name, PARTSTAT: stat }));
  }
  out.push(...extra.event.split('\n').filter(Boolean).map(fold));
  out.push('END:VEVENT', 'END:VCALENDAR');
  return `${out.join('\r\n')}\r\n`;
}
