import { ValidationError } from '../../platform/errors.ts';
import type { CalendarEventWrite } from '../connectors/index.ts';
import type { AttendeeRow, EventRow } from './calendar.repository.ts';
import { parseRule } from './calendar.recurrence.ts';
import type { EventCreateInput, EventUpdateInput, EventView } from './calendar.schemas.ts';
import { dayMs, isDate } from './calendar.time.ts';

/** Pure helpers: an event's fields as the API takes them, as properties, and as a view. */

/** The source of events that live in the hub only (not on a connected account). */
export const localSource = 'calendar';

/** The longest event the hub writes, through the API and CalDAV alike. */
const maxEventDays = 400;
const maxDurationMs = maxEventDays * dayMs;

export interface EventFields {
  title: string;
  notes: string;
  startsAt: string;
  endsAt?: string;
  allDay: boolean;
  timeZone?: string;
  location?: string;
  attendees: string[];
  onlineMeetingUrl?: string;
  recurrence?: string;
  showAs?: string;
}

/**
 * The span of time an event may lie in: the years 1 to 9999 (a date as UTC midnight, an
 * all-day event's end exclusive). A date has four-digit years, and PostgreSQL has no year 0:
 * past either end a write failed deep in the graph or the database, naming neither field.
 */
const earliestMs = Date.parse('0001-01-01T00:00:00Z');
const endOfTimeMs = Date.parse('+010000-01-01T00:00:00Z');
const withinYears = (ms: number) => ms >= earliestMs && ms < endOfTimeMs;
const outsideYears = 'an event lies between 0001-01-01 and 9999-12-31.';

const refuse = (path: string, message: string): never => {
  throw new ValidationError(`${path}: ${message}`, [{ path: `/${path}`, message }]);
};

/**
 * Checks what no schema can: the times lie in the years 1 to 9999 and agree with all-day,
 * the end is after the start and at most 400 days later, the rule parses. The API and CalDAV
 * (dav.ical.ts) both write through it.
 */
export function checkFields(fields: EventFields): EventFields {
  const { startsAt, allDay } = fields;
  const startMs = Date.parse(startsAt);
  if (!withinYears(startMs)) refuse('startsAt', outsideYears);
  if (fields.endsAt !== undefined && !withinYears(Date.parse(fields.endsAt))) refuse('endsAt', outsideYears);
  if (allDay !== isDate(startsAt))
    refuse('startsAt', allDay ? 'an all-day event starts on a date (YYYY-MM-DD).' : 'a timed event needs a date-time.');
  let endsAt = fields.endsAt;
  if (endsAt !== undefined && isDate(endsAt) !== allDay)
    refuse('endsAt', allDay ? 'an all-day event ends on a date (YYYY-MM-DD).' : 'a timed event ends at a date-time.');
  if (allDay && endsAt === undefined) {
    // Its one day ends (exclusive) at the next midnight, which 9999-12-31 has none of.
    if (!withinYears(startMs + dayMs)) refuse('startsAt', outsideYears);
    endsAt = new Date(startMs + dayMs).toISOString().slice(0, 10);
  }
  if (endsAt !== undefined) {
    const length = Date.parse(endsAt) - Date.parse(startsAt);
    if (length < 0 || (allDay && length === 0))
      refuse(
        'endsAt',
        allDay ? 'the end date (exclusive) must be after the start date.' : 'the end must not be before the start.',
      );
    if (length > maxDurationMs)
      refuse('endsAt', `an event lasts at most ${maxEventDays} days: shorten it, or make it a repeating event.`);
  }
  if (fields.recurrence !== undefined) parseRule(fields.recurrence);
  const attendees = [...new Set(fields.attendees.map((a) => a.trim().toLowerCase()))];
  return { ...fields, endsAt, attendees };
}

/**
 * checkFields' verdict on an event's times alone, for the writers that are not the API
 * (CalDAV, an .ics import), each to word in its own terms: the end they come to (an all-day
 * event without one lasts its day), or the field refused and why.
 */
export function checkTimes(
  times: Pick<EventFields, 'startsAt' | 'endsAt' | 'allDay'>,
): { endsAt?: string } | { field: 'startsAt' | 'endsAt'; message: string } {
  try {
    return { endsAt: checkFields({ ...times, title: '', notes: '', attendees: [] }).endsAt };
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    const [detail] = error.details as { path: string; message: string }[];
    return { field: detail!.path === '/startsAt' ? 'startsAt' : 'endsAt', message: detail!.message };
  }
}

export function fieldsOfCreate(input: EventCreateInput): EventFields {
  return checkFields({
    title: input.title,
    notes: input.notes ?? '',
    startsAt: input.startsAt,
    endsAt: input.endsAt,
    allDay: input.allDay ?? isDate(input.startsAt),
    timeZone: input.timeZone,
    location: input.location,
    attendees: input.attendees ?? [],
    onlineMeetingUrl: input.onlineMeetingUrl,
    recurrence: input.recurrence,
    showAs: input.showAs,
  });
}

/** The stored event's fields (or a provider item's, which has the same title, body and properties). */
export function fieldsOfRow(row: Pick<EventRow, 'title' | 'body' | 'properties'>): EventFields {
  const p = row.properties;
  const str = (key: string) => (typeof p[key] === 'string' ? (p[key] as string) : undefined);
  return {
    title: row.title,
    notes: row.body,
    startsAt: str('startsAt')!,
    endsAt: str('endsAt'),
    allDay: p.allDay === true || isDate(str('startsAt') ?? ''),
    timeZone: str('timeZone'),
    location: str('location'),
    attendees: Array.isArray(p.attendees) ? (p.attendees as string[]) : [],
    onlineMeetingUrl: str('onlineMeetingUrl'),
    recurrence: str('recurrence'),
    showAs: str('showAs'),
  };
}

/**
 * Whether two copies of an event are the same for the hub: every field it shows and writes,
 * and whether it is cancelled. A provider's version (Outlook's change key) also moves for what
 * the hub neither shows nor writes: a reminder, a category, an attendee's answer, and on
 * Exchange, by all accounts, every occurrence of a series when one of them is changed (they
 * carry the master's key). A write refused for such a version is not a conflict.
 */
export function sameForHub(
  a: Pick<EventRow, 'title' | 'body' | 'properties'>,
  b: Pick<EventRow, 'title' | 'body' | 'properties'>,
): boolean {
  const [x, y] = [fieldsOfRow(a), fieldsOfRow(b)];
  const keys = Object.keys({ ...x, ...y }) as (keyof EventFields)[];
  return (
    keys.every((key) =>
      key === 'attendees'
        ? x.attendees.length === y.attendees.length && x.attendees.every((email) => y.attendees.includes(email))
        : x[key] === y[key],
    ) && a.properties.status === b.properties.status
  );
}

/** `current` with an update applied (null clears a field); checked again as a whole. */
export function applyUpdate(current: EventFields, input: EventUpdateInput): EventFields {
  const pick = <K extends keyof EventFields>(key: K, value: EventFields[K] | null | undefined) =>
    value === undefined ? current[key] : value === null ? undefined : value;
  const startsAt = input.startsAt ?? current.startsAt;
  return checkFields({
    title: input.title ?? current.title,
    notes: input.notes === undefined ? current.notes : (input.notes ?? ''),
    startsAt,
    // A new start without a new end keeps the length.
    endsAt:
      input.endsAt !== undefined
        ? (input.endsAt ?? undefined)
        : input.startsAt !== undefined && current.endsAt !== undefined
          ? shiftEnd(current, startsAt, input.allDay ?? isDate(startsAt))
          : current.endsAt,
    allDay: input.allDay ?? (input.startsAt !== undefined ? isDate(input.startsAt) : current.allDay),
    timeZone: pick('timeZone', input.timeZone),
    location: pick('location', input.location),
    attendees: input.attendees ?? current.attendees,
    onlineMeetingUrl: pick('onlineMeetingUrl', input.onlineMeetingUrl),
    recurrence: pick('recurrence', input.recurrence),
    showAs: input.showAs ?? current.showAs,
  });
}

function shiftEnd(current: EventFields, startsAt: string, allDay: boolean): string | undefined {
  if (allDay !== current.allDay) return undefined;
  const length = Date.parse(current.endsAt!) - Date.parse(current.startsAt);
  const end = Date.parse(startsAt) + length;
  if (allDay) return new Date(end).toISOString().slice(0, 10);
  // Keep the start's offset: 2026-03-29T10:00:00+02:00.
  const offset = /([+-]\d{2}:\d{2}|Z)$/.exec(startsAt)?.[1] ?? 'Z';
  if (offset === 'Z') return new Date(end).toISOString();
  const sign = offset.startsWith('-') ? -1 : 1;
  const minutes = sign * (Number(offset.slice(1, 3)) * 60 + Number(offset.slice(4, 6)));
  return `${new Date(end + minutes * 60_000).toISOString().slice(0, 19)}${offset}`;
}

/** Calendar_event properties for a hub event (its kind by whether it repeats). */
export function localProperties(
  fields: EventFields,
  extra: {
    kind?: 'single' | 'master' | 'exception';
    seriesId?: string;
    status?: 'cancelled';
    previous?: Record<string, unknown>;
  } = {},
): Record<string, unknown> {
  const previousResponses = Array.isArray(extra.previous?.responses)
    ? (extra.previous!.responses as { email: string; response: string }[])
    : [];
  const properties: Record<string, unknown> = {
    startsAt: fields.startsAt,
    allDay: fields.allDay,
    kind: extra.kind ?? (fields.recurrence ? 'master' : 'single'),
    myResponse: 'organizer',
  };
  const optional = {
    endsAt: fields.endsAt,
    timeZone: fields.timeZone,
    location: fields.location,
    onlineMeetingUrl: fields.onlineMeetingUrl,
    recurrence: extra.kind === 'exception' ? undefined : fields.recurrence,
    showAs: fields.showAs,
    seriesId: extra.seriesId,
    status: extra.status,
  };
  for (const [key, value] of Object.entries(optional)) if (value !== undefined) properties[key] = value;
  if (fields.attendees.length > 0) {
    properties.attendees = fields.attendees;
    properties.responses = fields.attendees.map((email) => ({
      email,
      response: previousResponses.find((r) => r.email === email)?.response ?? 'none',
    }));
  }
  return properties;
}

/** What a connector's calendar capability is asked to write. */
export function writeOf(fields: EventFields): CalendarEventWrite {
  return {
    title: fields.title,
    notes: fields.notes || undefined,
    startsAt: fields.startsAt,
    endsAt: fields.endsAt,
    allDay: fields.allDay,
    timeZone: fields.timeZone,
    location: fields.location,
    attendees: fields.attendees.map((address) => ({ address })),
  };
}

/** The same instant (or date) written either way: 10:00+01:00 is 09:00Z. */
function sameTime(a: string | undefined, b: string | undefined): boolean {
  if (a === undefined || b === undefined || isDate(a) || isDate(b)) return a === b;
  return Date.parse(a) === Date.parse(b);
}

/**
 * Whether an edit leaves an event's timing alone: its start and end as instants (a browser
 * in another zone writes the same time with its own offset), all-day and its zone. Moving a
 * series' timing makes the provider rebuild it, so a rewording must not count as a move.
 */
export function sameTiming(before: EventFields, after: EventFields): boolean {
  return (
    sameTime(before.startsAt, after.startsAt) &&
    sameTime(before.endsAt, after.endsAt) &&
    before.allDay === after.allDay &&
    before.timeZone === after.timeZone
  );
}

/**
 * What an edit changes, for a provider's PATCH: the fields that differ and nothing else, so
 * what the hub does not model (an HTML body with a Teams block, attendee types, the event's
 * own zone) stays as the provider has it. The timing goes together when any part of it moved.
 * (A rule the provider cannot hold never gets here: the calendar service asks it first.)
 */
export function changesOf(before: EventFields, after: EventFields): Partial<CalendarEventWrite> {
  const changes: Partial<CalendarEventWrite> = {};
  if (after.title !== before.title) changes.title = after.title;
  if (after.notes !== before.notes) changes.notes = after.notes;
  if (!sameTiming(before, after))
    Object.assign(changes, {
      startsAt: after.startsAt,
      endsAt: after.endsAt,
      allDay: after.allDay,
      timeZone: after.timeZone,
    });
  if (after.location !== before.location) changes.location = after.location ?? '';
  const sameAttendees =
    after.attendees.length === before.attendees.length && after.attendees.every((a) => before.attendees.includes(a));
  if (!sameAttendees) changes.attendees = after.attendees.map((address) => ({ address }));
  // A series is rebuilt from its timing and its rule together: either moving sends both.
  if (after.recurrence && (after.recurrence !== before.recurrence || changes.startsAt !== undefined))
    Object.assign(changes, {
      startsAt: after.startsAt,
      endsAt: after.endsAt,
      allDay: after.allDay,
      timeZone: after.timeZone,
      recurrence: after.recurrence,
    });
  return changes;
}

/** The instant an event starts (all-day: its date at UTC midnight), for entities.occurred_at. */
export const occurredAtOf = (startsAt: string) => new Date(Date.parse(startsAt)).toISOString();

const stringOr = (value: unknown) => (typeof value === 'string' ? value : null);

export function viewOf(
  row: EventRow,
  people: AttendeeRow[],
  /** seriesEntityId: the entity id of the series' master, when the hub holds it. */
  context: { connectionId: string | null; editable: boolean; seriesEntityId?: string | null },
  override?: { id: string; startsAt: string; endsAt: string | null; kind: 'occurrence' },
): Omit<EventView, 'conflict'> {
  const p = row.properties;
  const kind = (override?.kind ?? stringOr(p.kind) ?? 'single') as EventView['kind'];
  const responses = Array.isArray(p.responses)
    ? (p.responses as { email: string; name?: string; type?: string; response: string }[])
    : [];
  const local = row.source === localSource;
  const emails = Array.isArray(p.attendees) ? (p.attendees as string[]) : responses.map((r) => r.email);
  const byEmail = new Map(people.filter((a) => a.email).map((a) => [a.email!, a]));
  const attendees = emails.map((email) => {
    const lower = email.toLowerCase();
    const response = responses.find((r) => r.email.toLowerCase() === lower);
    const person = byEmail.get(lower);
    return {
      email,
      name: response?.name ?? person?.name ?? null,
      type: response?.type ?? null,
      response: response?.response ?? 'none',
      personId: person?.person_id ?? null,
    };
  });
  const myResponse = stringOr(p.myResponse);
  return {
    id: override?.id ?? row.id,
    entityId: override ? null : row.id,
    seriesId: (local ? context.seriesEntityId : null) ?? stringOr(p.seriesId) ?? (kind === 'master' ? row.id : null),
    seriesEntityId: context.seriesEntityId ?? (kind === 'master' ? row.id : null),
    kind,
    title: row.title,
    notes: row.body,
    startsAt: override?.startsAt ?? String(p.startsAt),
    endsAt: override ? override.endsAt : stringOr(p.endsAt),
    allDay: p.allDay === true || isDate(String(p.startsAt)),
    timeZone: stringOr(p.timeZone),
    location: stringOr(p.location),
    onlineMeetingUrl: stringOr(p.onlineMeetingUrl),
    status: stringOr(p.status),
    showAs: stringOr(p.showAs),
    recurrence: stringOr(p.recurrence),
    organizer: stringOr(p.organizer),
    myResponse,
    attendees,
    source: row.source ?? localSource,
    connectionId: local ? null : context.connectionId,
    editable: local || context.editable,
    canRespond: !local && context.editable && myResponse !== 'organizer' && p.status !== 'cancelled',
    version: row.version,
  };
}
