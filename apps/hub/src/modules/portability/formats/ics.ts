import { calendarEventPropertiesSchema } from '@made-open/shared';
import type { Readable } from 'node:stream';
import type { z } from 'zod';
import { checkTimes } from '../../calendar/calendar.events.ts';
import { floatingOfBasic, instantOf, isTimeZone, isoInZone } from '../../calendar/calendar.time.ts';
import { escapeText, fold, parseContentLine, renderParams, unescapeText, type Property } from './content-line.ts';
import { readLines, unfold, unfoldText, type ContentLine } from './lines.ts';

type EventProperties = z.infer<typeof calendarEventPropertiesSchema>;

/** One VEVENT mapped onto the hub's calendar_event model. */
export interface CalendarEvent {
  uid: string;
  /** An exception to a series: RECURRENCE-ID, as the ISO instant or date it replaces. */
  recurrenceId: string | null;
  title: string;
  description: string | null;
  properties: EventProperties;
  attendees: { email: string; name?: string }[];
  warnings: { line: number; message: string }[];
}

export interface EventError {
  line: number;
  message: string;
}

export const maxIcsLineBytes = 1024 * 1024;
const maxLinesPerEvent = 5000;

export interface IcsOptions {
  /** Zone for floating times (no TZID, no Z); default UTC. */
  defaultTimeZone?: string;
}

/** Every VEVENT of an iCalendar text (the form CalDAV bodies come in). Errors are thrown with a line. */
export function icsToEvents(text: string, options: IcsOptions = {}): CalendarEvent[] {
  const out: CalendarEvent[] = [];
  const tz = new Map<string, string>();
  const lines = unfoldText(text);
  collectTimeZones(lines, tz);
  for (const result of eventsOf(lines, tz, options)) {
    if ('error' in result) throw new IcsError(result.error.message, result.error.line);
    out.push(result.event);
  }
  return out;
}

export class IcsError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(message);
  }
}

/**
 * Streams VEVENTs one at a time. VTIMEZONE blocks seen so far map their TZID to an IANA
 * zone (X-LIC-LOCATION or the TZID itself); clients put them before the events.
 */
export async function* parseIcsStream(
  input: Readable | AsyncIterable<Buffer | string>,
  options: IcsOptions = {},
): AsyncGenerator<{ event: CalendarEvent; line: number } | { error: EventError }> {
  const tz = new Map<string, string>();
  let block: ContentLine[] | null = null;
  let kind: 'VEVENT' | 'VTIMEZONE' | null = null;
  let sawCalendar = false;
  for await (const cl of unfold(readLines(input, maxIcsLineBytes), maxIcsLineBytes)) {
    if (cl.tooLong) {
      yield { error: { line: cl.line, message: `Line ${cl.line} is longer than ${maxIcsLineBytes} bytes: skipped.` } };
      continue;
    }
    const upper = cl.text.trim().toUpperCase();
    if (upper === 'BEGIN:VCALENDAR') sawCalendar = true;
    if (!block && (upper === 'BEGIN:VEVENT' || upper === 'BEGIN:VTIMEZONE')) {
      block = [cl];
      kind = upper.slice(6) as 'VEVENT' | 'VTIMEZONE';
      continue;
    }
    if (!block) {
      if (!sawCalendar)
        yield {
          error: {
            line: cl.line,
            message: `Line ${cl.line} comes before BEGIN:VCALENDAR: this is not an iCalendar file.`,
          },
        };
      if (!sawCalendar) return;
      continue;
    }
    block.push(cl);
    if (upper === `END:${kind}`) {
      if (kind === 'VTIMEZONE') collectTimeZones(block, tz);
      else yield* eventsOf(block, tz, options);
      block = null;
    } else if (block.length > maxLinesPerEvent) {
      yield {
        error: {
          line: block[0]!.line,
          message: `The ${kind} at line ${block[0]!.line} has over ${maxLinesPerEvent} lines: skipped.`,
        },
      };
      block = null;
    }
  }
  if (block)
    yield { error: { line: block[0]!.line, message: `The ${kind} at line ${block[0]!.line} has no END: skipped.` } };
}

function collectTimeZones(lines: ContentLine[], tz: Map<string, string>) {
  let tzid: string | null = null;
  let location: string | null = null;
  for (const cl of lines) {
    const prop = parseContentLine(cl.text);
    if (!prop) continue;
    if (prop.name === 'TZID') tzid = prop.value.trim();
    if (prop.name === 'X-LIC-LOCATION') location = prop.value.trim();
    if (prop.name === 'END' && prop.value.toUpperCase() === 'VTIMEZONE' && tzid) {
      const zone = ianaOf(location ?? tzid);
      if (zone) tz.set(tzid, zone);
      tzid = null;
      location = null;
    }
  }
}

/** `Europe/London`, `/mozilla.org/20070129_1/Europe/London` → an IANA zone Intl knows, else null. */
function ianaOf(tzid: string): string | null {
  if (isTimeZone(tzid)) return tzid;
  const tail = /([A-Za-z_]+\/[A-Za-z_+-]+(?:\/[A-Za-z_+-]+)?)$/.exec(tzid)?.[1];
  return tail && isTimeZone(tail) ? tail : null;
}

function* eventsOf(
  lines: ContentLine[],
  tz: Map<string, string>,
  options: IcsOptions,
): Generator<{ event: CalendarEvent; line: number } | { error: EventError }> {
  let depth = 0;
  let eventDepth = -1;
  let current: { prop: Property; line: number }[] | null = null;
  let start = 0;
  for (const cl of lines) {
    const prop = parseContentLine(cl.text);
    if (prop?.name === 'BEGIN') {
      depth += 1;
      if (prop.value.trim().toUpperCase() === 'VEVENT' && !current) {
        current = [];
        start = cl.line;
        eventDepth = depth;
      }
      continue;
    }
    if (prop?.name === 'END') {
      if (prop.value.trim().toUpperCase() === 'VEVENT' && depth === eventDepth && current) {
        try {
          yield { event: toEvent(current, start, tz, options), line: start };
        } catch (error) {
          if (error instanceof IcsError) yield { error: { line: error.line, message: error.message } };
          else throw error;
        }
        current = null;
      }
      depth -= 1;
      continue;
    }
    // Properties of nested components (VALARM) are not the event's.
    if (current && depth === eventDepth) {
      if (prop) current.push({ prop, line: cl.line });
      else
        yield {
          error: { line: cl.line, message: `Line ${cl.line} is not an iCalendar property (NAME:value): skipped.` },
        };
    }
  }
}

interface Time {
  value: string;
  allDay: boolean;
  timeZone: string | null;
}

function timeOf(prop: Property, line: number, tz: Map<string, string>, options: IcsOptions): Time {
  const v = prop.value.trim();
  const date = /^(\d{4})(\d{2})(\d{2})$/.exec(v);
  if (date || prop.params.VALUE?.[0]?.toUpperCase() === 'DATE') {
    if (!date || floatingOfBasic(v) === null)
      throw new IcsError(`Line ${line}: "${v.slice(0, 40)}" is not a date (YYYYMMDD).`, line);
    return { value: `${date[1]}-${date[2]}-${date[3]}`, allDay: true, timeZone: null };
  }
  const m = /^(\d{8})T(\d{6})(Z?)$/.exec(v);
  if (!m) throw new IcsError(`Line ${line}: "${v.slice(0, 40)}" is not a date-time (YYYYMMDDTHHMMSS[Z]).`, line);
  const floating = floatingOfBasic(m[1]!, m[2]);
  if (floating === null) throw new IcsError(`Line ${line}: "${v}" is not a real date-time.`, line);
  if (m[3] === 'Z')
    return { value: new Date(floating).toISOString().replace('.000', ''), allDay: false, timeZone: null };
  const tzid = prop.params.TZID?.[0];
  const zone = tzid ? (tz.get(tzid) ?? ianaOf(tzid)) : (options.defaultTimeZone ?? 'UTC');
  if (!zone) throw new IcsError(`Line ${line}: the time zone "${tzid!.slice(0, 64)}" is not one this hub knows.`, line);
  return { value: isoInZone(instantOf(floating, zone), zone), allDay: false, timeZone: zone };
}

/** PT1H30M, P1D, -PT15M → ms. */
export function durationMs(value: string): number | null {
  const m = /^([+-])?P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/.exec(value.trim());
  if (!m) return null;
  const [, sign, w, d, h, min, s] = m;
  const ms = ((+(w ?? 0) * 7 + +(d ?? 0)) * 86400 + +(h ?? 0) * 3600 + +(min ?? 0) * 60 + +(s ?? 0)) * 1000;
  return sign === '-' ? -ms : ms;
}

/** `time` moved by `ms`; null past what a Date holds (some 270,000 years), where toISOString throws. */
function addMs(time: Time, ms: number): string | null {
  const instant = Date.parse(time.allDay ? `${time.value}T00:00:00Z` : time.value) + ms;
  if (Number.isNaN(new Date(instant).getTime())) return null;
  if (time.allDay) return new Date(instant).toISOString().slice(0, 10);
  return time.timeZone ? isoInZone(instant, time.timeZone) : new Date(instant).toISOString().replace('.000', '');
}

const icsNameOf = { startsAt: 'DTSTART', endsAt: 'DTEND' } as const;

const partstat: Record<string, 'accepted' | 'tentative' | 'declined' | 'none'> = {
  ACCEPTED: 'accepted',
  TENTATIVE: 'tentative',
  DECLINED: 'declined',
  'NEEDS-ACTION': 'none',
};

function toEvent(
  props: { prop: Property; line: number }[],
  start: number,
  tz: Map<string, string>,
  options: IcsOptions,
): CalendarEvent {
  const warnings: CalendarEvent['warnings'] = [];
  const get = (name: string) => props.find((p) => p.prop.name === name);
  const uid = get('UID')?.prop.value.trim();
  if (!uid) throw new IcsError(`The event at line ${start} has no UID: skipped.`, start);
  const dtstart = get('DTSTART');
  if (!dtstart) throw new IcsError(`The event at line ${start} has no DTSTART: skipped.`, start);
  const begin = timeOf(dtstart.prop, dtstart.line, tz, options);
  const p: Record<string, unknown> = { startsAt: begin.value };
  if (begin.allDay) p.allDay = true;
  if (begin.timeZone) p.timeZone = begin.timeZone;
  const dtend = get('DTEND');
  const duration = get('DURATION');
  if (dtend) p.endsAt = timeOf(dtend.prop, dtend.line, tz, options).value;
  else if (duration) {
    const ms = durationMs(duration.prop.value);
    if (ms === null)
      warnings.push({ line: duration.line, message: `Line ${duration.line}: DURATION is not valid; left out.` });
    else {
      const end = addMs(begin, ms);
      if (end === null)
        throw new IcsError(`The event at line ${start}: DURATION is longer than any event may last.`, start);
      p.endsAt = end;
    }
  }
  // The calendar API's own checks (years 1 to 9999, the end after the start, at most 400
  // days): an imported event is one the web app can show and edit. Year 0 failed the whole
  // import in PostgreSQL; a DURATION past what a Date holds was a 500.
  // An all-day DTEND on its own DTSTART (some exporters write one so) reads as that one day.
  const endsAt = p.endsAt === begin.value && begin.allDay ? undefined : (p.endsAt as string | undefined);
  const times = checkTimes({ startsAt: begin.value, endsAt, allDay: begin.allDay });
  if ('field' in times)
    throw new IcsError(`The event at line ${start}: ${icsNameOf[times.field]}: ${times.message} Skipped.`, start);
  if (endsAt === undefined && p.endsAt !== undefined) p.endsAt = times.endsAt;
  const text = (name: string) => {
    const found = get(name);
    return found ? unescapeText(found.prop.value).trim() : undefined;
  };
  const location = text('LOCATION');
  if (location) p.location = location.slice(0, 1000);
  const status = text('STATUS')?.toLowerCase();
  if (status === 'confirmed' || status === 'tentative' || status === 'cancelled') p.status = status;
  const rrule = get('RRULE');
  const recurrenceIdProp = get('RECURRENCE-ID');
  let recurrenceId: string | null = null;
  if (rrule) {
    p.kind = 'master';
    p.recurrence = rrule.prop.value.trim();
  } else if (recurrenceIdProp) {
    recurrenceId = timeOf(recurrenceIdProp.prop, recurrenceIdProp.line, tz, options).value;
    p.kind = 'exception';
    p.seriesId = uid;
  }
  if (props.some((x) => x.prop.name === 'EXDATE'))
    warnings.push({
      line: get('EXDATE')!.line,
      message: 'EXDATE (skipped occurrences) is not kept: those occurrences will show.',
    });
  const organizer = get('ORGANIZER')
    ?.prop.value.replace(/^mailto:/i, '')
    .trim();
  if (organizer) p.organizer = organizer;
  const attendees: CalendarEvent['attendees'] = [];
  const responses: NonNullable<EventProperties['responses']> = [];
  for (const { prop } of props.filter((x) => x.prop.name === 'ATTENDEE')) {
    const email = prop.value.replace(/^mailto:/i, '').trim();
    if (!email.includes('@')) continue;
    const name = prop.params.CN?.[0];
    attendees.push({ email, ...(name ? { name } : {}) });
    const role = prop.params.ROLE?.[0]?.toUpperCase();
    responses.push({
      email,
      ...(name ? { name: name.slice(0, 320) } : {}),
      ...(role === 'OPT-PARTICIPANT'
        ? { type: 'optional' as const }
        : role === 'NON-PARTICIPANT'
          ? { type: 'resource' as const }
          : {}),
      response: partstat[prop.params.PARTSTAT?.[0]?.toUpperCase() ?? ''] ?? 'none',
    });
  }
  if (attendees.length) {
    p.attendees = attendees.map((a) => a.email).slice(0, 500);
    p.responses = responses.slice(0, 500);
  }
  const url = text('URL');
  if (url && /^https?:\/\//.test(url)) p.onlineMeetingUrl = url;
  const checked = calendarEventPropertiesSchema.safeParse(p);
  let properties: EventProperties;
  if (checked.success) properties = checked.data;
  else {
    const issue = checked.error.issues[0]!;
    const key = String(issue.path[0]);
    if (key === 'startsAt' || key === 'endsAt')
      throw new IcsError(`The event at line ${start}: ${key} ${issue.message}`, start);
    delete p[key];
    warnings.push({ line: start, message: `The event at line ${start}: ${key}: ${issue.message} Left out.` });
    properties = calendarEventPropertiesSchema.parse(p);
  }
  return {
    uid: uid.slice(0, 400),
    recurrenceId,
    title: (text('SUMMARY') ?? '').slice(0, 1000),
    description: text('DESCRIPTION')?.slice(0, 1_000_000) ?? null,
    properties,
    attendees: attendees.slice(0, 500),
    warnings,
  };
}

/** An event as the hub keeps it, for rendering. */
export interface EventForIcs {
  id: string;
  title: string;
  body: string | null;
  properties: Partial<EventProperties> & Record<string, unknown>;
  updatedAt?: string;
  /** The UID to write (the source's own, else the entity id). */
  uid?: string;
}

const icsDateTime = (iso: string) =>
  new Date(iso)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
const icsDate = (date: string) => date.replace(/-/g, '');

/** Events as one iCalendar object (RFC 5545): times in UTC, all-day ones as dates, RRULE kept. */
export function eventsToIcs(events: Iterable<EventForIcs>, prodId = '-//Made Open//Hub//EN'): string {
  const lines: string[] = ['BEGIN:VCALENDAR', 'VERSION:2.0', `PRODID:${prodId}`, 'CALSCALE:GREGORIAN'];
  for (const event of events) lines.push(...veventLines(event));
  lines.push('END:VCALENDAR');
  return lines.map(fold).join('\r\n') + '\r\n';
}

/** One VEVENT's lines (for streaming many events out without building one string). */
export function veventLines(event: EventForIcs): string[] {
  const p = event.properties;
  const lines = ['BEGIN:VEVENT', `UID:${escapeText(event.uid ?? `${event.id}@made-open`)}`];
  lines.push(`DTSTAMP:${icsDateTime(event.updatedAt ?? new Date().toISOString())}`);
  const allDay = p.allDay === true || (typeof p.startsAt === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(p.startsAt));
  const when = (name: string, value: string) =>
    allDay && /^\d{4}-\d{2}-\d{2}$/.test(value)
      ? `${name};VALUE=DATE:${icsDate(value)}`
      : `${name}:${icsDateTime(value)}`;
  if (typeof p.startsAt === 'string') lines.push(when('DTSTART', p.startsAt));
  if (typeof p.endsAt === 'string') lines.push(when('DTEND', p.endsAt));
  lines.push(`SUMMARY:${escapeText(event.title)}`);
  if (event.body) lines.push(`DESCRIPTION:${escapeText(event.body)}`);
  if (p.location) lines.push(`LOCATION:${escapeText(p.location)}`);
  if (p.status) lines.push(`STATUS:${p.status.toUpperCase()}`);
  if (p.recurrence && p.kind === 'master') lines.push(`RRULE:${p.recurrence}`);
  if (p.organizer) lines.push(`ORGANIZER:mailto:${p.organizer}`);
  const responses = new Map((p.responses ?? []).map((r) => [r.email.toLowerCase(), r]));
  for (const email of p.attendees ?? []) {
    const r = responses.get(email.toLowerCase());
    const stat =
      r?.response === 'accepted'
        ? 'ACCEPTED'
        : r?.response === 'declined'
          ? 'DECLINED'
          : r?.response === 'tentative'
            ? 'TENTATIVE'
            : 'NEEDS-ACTION';
    lines.push(`ATTENDEE${renderParams({ CN: r?.name, PARTSTAT: stat })}:mailto:${email}`);
  }
  if (p.onlineMeetingUrl) lines.push(`URL:${p.onlineMeetingUrl}`);
  lines.push('END:VEVENT');
  return lines;
}
