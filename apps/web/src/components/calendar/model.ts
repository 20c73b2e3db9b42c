/**
 * The calendar's data and date arithmetic in the browser. Times show in the browser's own
 * time zone (the hub has no per-user zone setting yet): Date's local methods are that zone.
 */

import { MONTHS } from '@/lib/model';

export interface CalendarAttendee {
  email: string;
  name: string | null;
  type: string | null;
  response: string;
  personId: string | null;
}

export interface CalendarConflict {
  id: string;
  message: string;
  local: Record<string, unknown>;
  remote: Record<string, unknown>;
  createdAt: string;
}

export interface CalendarEvent {
  id: string;
  entityId: string | null;
  seriesId: string | null;
  /** The whole series' entity (its master), when the hub holds it: opened to change every occurrence. */
  seriesEntityId: string | null;
  kind: 'single' | 'master' | 'occurrence' | 'exception';
  title: string;
  notes: string;
  startsAt: string;
  endsAt: string | null;
  allDay: boolean;
  timeZone: string | null;
  location: string | null;
  onlineMeetingUrl: string | null;
  status: string | null;
  showAs: string | null;
  recurrence: string | null;
  organizer: string | null;
  myResponse: string | null;
  attendees: CalendarAttendee[];
  source: string;
  connectionId: string | null;
  editable: boolean;
  canRespond: boolean;
  version: number;
  conflict: CalendarConflict | null;
}

export interface CalendarWindow {
  events: CalendarEvent[];
  truncated: boolean;
}

/** What the dialog sends (POST /calendar/events; PATCH takes the same fields). */
export interface EventDraft {
  title: string;
  notes?: string;
  startsAt: string;
  endsAt?: string;
  allDay: boolean;
  timeZone?: string;
  location?: string;
  attendees: string[];
  onlineMeetingUrl?: string;
  recurrence?: string | null;
  connectionId?: string;
}

export type CalendarViewKind = 'agenda' | 'day' | 'week' | 'month';
export const VIEWS: CalendarViewKind[] = ['agenda', 'day', 'week', 'month'];

export const DAY_MS = 86_400_000;
/** Days the agenda lists from its first day. */
export const AGENDA_DAYS = 30;

export function startOfDay(date: Date): Date {
  return new Date(date.getFullYear(), date.getMonth(), date.getDate());
}

export function addDays(date: Date, days: number): Date {
  return new Date(date.getFullYear(), date.getMonth(), date.getDate() + days, date.getHours(), date.getMinutes());
}

/** Weeks start on Monday (ISO 8601). */
export function startOfWeek(date: Date): Date {
  const day = startOfDay(date);
  return addDays(day, -((day.getDay() + 6) % 7));
}

export function startOfMonth(date: Date): Date {
  return new Date(date.getFullYear(), date.getMonth(), 1);
}

export function addMonths(date: Date, months: number): Date {
  return new Date(date.getFullYear(), date.getMonth() + months, 1);
}

/** The days a view shows: [first, after last), local midnights. */
export function rangeOf(view: CalendarViewKind, anchor: Date): { start: Date; end: Date } {
  switch (view) {
    case 'day':
      return { start: startOfDay(anchor), end: addDays(startOfDay(anchor), 1) };
    case 'week':
      return { start: startOfWeek(anchor), end: addDays(startOfWeek(anchor), 7) };
    case 'month': {
      const start = startOfWeek(startOfMonth(anchor));
      return { start, end: addDays(start, 42) };
    }
    case 'agenda':
      return { start: startOfDay(anchor), end: addDays(startOfDay(anchor), AGENDA_DAYS) };
  }
}

/** The anchor one step back or on. */
export function step(view: CalendarViewKind, anchor: Date, direction: 1 | -1): Date {
  if (view === 'month') return addMonths(anchor, direction);
  return addDays(anchor, direction * (view === 'day' ? 1 : view === 'week' ? 7 : AGENDA_DAYS));
}

const pad = (n: number) => String(n).padStart(2, '0');

/** YYYY-MM-DD of a local date. */
export function dateKey(date: Date): string {
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/** A local date-time as ISO with the browser's offset: 2026-03-29T09:00:00+02:00. */
export function isoLocal(date: Date): string {
  const offset = -date.getTimezoneOffset();
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  return `${dateKey(date)}T${pad(date.getHours())}:${pad(date.getMinutes())}:00${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

/** The value of a datetime-local input for an instant. */
export function inputValue(date: Date): string {
  return `${dateKey(date)}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/** A date (YYYY-MM-DD) as a local midnight. */
export function localDate(value: string): Date {
  const [y, m, d] = value.slice(0, 10).split('-').map(Number);
  return new Date(y!, m! - 1, d!);
}

/** When an event starts and ends in the browser's zone (all-day: local midnights, end exclusive). */
export function spanOf(event: CalendarEvent): { start: Date; end: Date } {
  if (event.allDay) {
    const start = localDate(event.startsAt);
    const end = event.endsAt ? localDate(event.endsAt) : addDays(start, 1);
    return { start, end: end > start ? end : addDays(start, 1) };
  }
  const start = new Date(event.startsAt);
  const end = event.endsAt ? new Date(event.endsAt) : start;
  return { start, end };
}

/** Events touching the day [day, day + 1). */
export function eventsOn(events: CalendarEvent[], day: Date): CalendarEvent[] {
  const start = startOfDay(day);
  const end = addDays(start, 1);
  return events.filter((event) => {
    const span = spanOf(event);
    return span.end.getTime() === span.start.getTime()
      ? span.start >= start && span.start < end
      : span.start < end && span.end > start;
  });
}

export interface Placed {
  event: CalendarEvent;
  /** Minutes from the day's midnight. */
  top: number;
  height: number;
  column: number;
  columns: number;
}

/**
 * Lays out one day's timed events: overlapping ones share the width side by side. Events
 * are grouped into clusters of mutual overlap; each gets the first free column of its cluster.
 */
export function layoutDay(events: CalendarEvent[], day: Date): Placed[] {
  const dayStart = startOfDay(day).getTime();
  const dayEnd = addDays(startOfDay(day), 1).getTime();
  const items = events
    .map((event) => {
      const span = spanOf(event);
      const start = Math.max(span.start.getTime(), dayStart);
      const end = Math.min(Math.max(span.end.getTime(), span.start.getTime() + 15 * 60_000), dayEnd);
      return { event, start, end };
    })
    .sort((a, b) => a.start - b.start || b.end - a.end);
  const placed: Placed[] = [];
  let cluster: { item: (typeof items)[number]; column: number }[] = [];
  let clusterEnd = -Infinity;
  const flush = () => {
    const columns = Math.max(1, ...cluster.map((c) => c.column + 1));
    for (const { item, column } of cluster)
      placed.push({
        event: item.event,
        top: (item.start - dayStart) / 60_000,
        height: Math.max(15, (item.end - item.start) / 60_000),
        column,
        columns,
      });
    cluster = [];
  };
  for (const item of items) {
    if (item.start >= clusterEnd) {
      flush();
      clusterEnd = -Infinity;
    }
    const taken = new Set(cluster.filter((c) => c.item.end > item.start).map((c) => c.column));
    let column = 0;
    while (taken.has(column)) column += 1;
    cluster.push({ item, column });
    clusterEnd = Math.max(clusterEnd, item.end);
  }
  flush();
  return placed;
}

/** RRULE for the dialog's "Repeats" choice. */
export const REPEATS = {
  none: null,
  daily: 'FREQ=DAILY',
  weekdays: 'FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR',
  weekly: 'FREQ=WEEKLY',
  monthly: 'FREQ=MONTHLY',
  yearly: 'FREQ=YEARLY',
} as const;
export type Repeat = keyof typeof REPEATS;

const WEEKDAYS = ['SU', 'MO', 'TU', 'WE', 'TH', 'FR', 'SA'];

/**
 * The dialog's choice for a rule. `startsAt` (with the event's own offset, or a date) reads a
 * connected calendar's wording: Outlook names the day a plain weekly, monthly or yearly rule
 * leaves to the start (FREQ=WEEKLY;BYDAY=MO for a series starting on a Monday).
 */
export function repeatOf(recurrence: string | null, startsAt?: string): Repeat | 'custom' {
  if (!recurrence) return 'none';
  let rule = recurrence.replace(/^RRULE:/i, '').toUpperCase();
  if (startsAt && /^\d{4}-\d{2}-\d{2}/.test(startsAt)) {
    const [year, month, day] = startsAt.slice(0, 10).split('-').map(Number) as [number, number, number];
    const weekday = WEEKDAYS[new Date(Date.UTC(year, month - 1, day)).getUTCDay()];
    const implied: Record<string, string> = {
      [`FREQ=WEEKLY;BYDAY=${weekday}`]: 'FREQ=WEEKLY',
      [`FREQ=MONTHLY;BYMONTHDAY=${day}`]: 'FREQ=MONTHLY',
      [`FREQ=YEARLY;BYMONTH=${month};BYMONTHDAY=${day}`]: 'FREQ=YEARLY',
    };
    rule = implied[rule] ?? rule;
  }
  const found = (Object.entries(REPEATS) as [Repeat, string | null][]).find(([, r]) => r === rule);
  return found ? found[0] : 'custom';
}

const DAY_NAMES: Record<string, string> = {
  MO: 'Monday',
  TU: 'Tuesday',
  WE: 'Wednesday',
  TH: 'Thursday',
  FR: 'Friday',
  SA: 'Saturday',
  SU: 'Sunday',
};
const ORDINALS: Record<string, string> = { '1': 'first', '2': 'second', '3': 'third', '4': 'fourth', '-1': 'last' };
const UNITS: Record<string, string> = { DAILY: 'day', WEEKLY: 'week', MONTHLY: 'month', YEARLY: 'year' };

/**
 * A rule in words for the dialog ("Every 2 weeks on Monday and Thursday, 6 times"), for the
 * rules the hub and Outlook write; anything else is shown as written.
 */
export function describeRule(recurrence: string): string {
  const parts = new Map(
    recurrence
      .replace(/^RRULE:/i, '')
      .toUpperCase()
      .split(';')
      .map((p) => p.split('=') as [string, string]),
  );
  const unit = UNITS[parts.get('FREQ') ?? ''];
  const known = ['FREQ', 'INTERVAL', 'BYDAY', 'BYMONTHDAY', 'BYMONTH', 'BYSETPOS', 'COUNT', 'UNTIL', 'WKST'];
  if (!unit || [...parts.keys()].some((k) => !known.includes(k))) return recurrence;
  const interval = Number(parts.get('INTERVAL') ?? '1');
  const list = (names: string[]) =>
    names.length <= 1 ? (names[0] ?? '') : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
  const byDay = (parts.get('BYDAY') ?? '').split(',').filter(Boolean);
  const days: string[] = [];
  let ordinal = parts.get('BYSETPOS');
  for (const token of byDay) {
    const match = /^([+-]?\d)?([A-Z]{2})$/.exec(token);
    if (!match || !DAY_NAMES[match[2]!]) return recurrence;
    if (match[1]) ordinal = match[1].replace('+', '');
    days.push(DAY_NAMES[match[2]!]!);
  }
  const month = parts.has('BYMONTH') ? MONTHS[Number(parts.get('BYMONTH')) - 1] : undefined;
  let text = interval === 1 ? `Every ${unit}` : `Every ${interval} ${unit}s`;
  if (
    parts.get('FREQ') === 'WEEKLY' &&
    list(days) === 'Monday, Tuesday, Wednesday, Thursday and Friday' &&
    interval === 1
  )
    text = 'Every weekday';
  else if (ordinal !== undefined && days.length) {
    const which = ORDINALS[ordinal];
    if (!which) return recurrence;
    text += ` on the ${which} ${list(days)}${month ? ` of ${month}` : ''}`;
  } else if (days.length) text += ` on ${list(days)}`;
  else if (parts.has('BYMONTHDAY'))
    text += month ? ` on ${parts.get('BYMONTHDAY')} ${month}` : ` on day ${parts.get('BYMONTHDAY')}`;
  else if (month) text += ` in ${month}`;
  const count = parts.get('COUNT');
  const until = /^(\d{4})(\d{2})(\d{2})/.exec(parts.get('UNTIL') ?? '');
  if (count) text += count === '1' ? ', once' : `, ${count} times`;
  else if (until) text += `, until ${Number(until[3])} ${MONTHS[Number(until[2]) - 1]} ${until[1]}`;
  return text;
}

/**
 * How an event belongs to a series, for the dialog: `hub` (a series of this hub) or
 * `provider` (a connected calendar's series, written there), or null (not part of a series).
 * Either way one occurrence is edited on its own, the whole series through its master.
 */
export function seriesOf(event: CalendarEvent): 'hub' | 'provider' | null {
  if ((event.kind !== 'occurrence' && event.kind !== 'exception') || !event.seriesId) return null;
  return event.source === 'calendar' ? 'hub' : 'provider';
}

/** Which events of a series a change or delete of one occurrence applies to. */
export type SeriesScope = 'this' | 'following' | 'all';

export const SCOPE_LABELS: Record<SeriesScope, string> = {
  this: 'This event',
  following: 'This and following events',
  all: 'All events',
};

/**
 * The choices the dialog offers for an event: none for a lone event or a whole series; for an
 * occurrence, "this" always, "all" when the hub holds the series' master, and "following"
 * where the hub builds it (its own series, and Microsoft 365's, which it ends and remakes).
 */
export function scopesOf(event: CalendarEvent): SeriesScope[] {
  const series = seriesOf(event);
  if (!series || !event.editable) return [];
  if (!event.seriesEntityId) return ['this'];
  return series === 'hub' || event.source === 'msgraph' ? ['this', 'following', 'all'] : ['this', 'all'];
}

/**
 * An occurrence's edit applied to its whole series: the fields the edit changed replace the
 * series' own, the others stay the series'; a moved time moves the series' start by as much
 * (the length as edited). A switch between all-day and timed is the whole series' own edit: a
 * message saying so.
 */
export function seriesDraftOf(
  master: CalendarEvent,
  occurrence: CalendarEvent,
  draft: EventDraft,
): EventDraft | string {
  if (draft.allDay !== occurrence.allDay || master.allDay !== occurrence.allDay)
    return 'To switch a whole series between all-day and timed, edit the whole series.';
  const was = spanOf(occurrence);
  const series = spanOf(master);
  let startsAt = master.startsAt;
  let endsAt = master.endsAt ?? undefined;
  if (draft.allDay) {
    const moved = Math.round((localDate(draft.startsAt).getTime() - was.start.getTime()) / DAY_MS);
    const days = Math.round(
      (localDate(draft.endsAt ?? draft.startsAt).getTime() - localDate(draft.startsAt).getTime()) / DAY_MS,
    );
    const start = addDays(series.start, moved);
    if (moved !== 0 || draft.endsAt !== dateKey(was.end)) {
      startsAt = dateKey(start);
      endsAt = dateKey(addDays(start, Math.max(1, days)));
    }
  } else {
    const start = new Date(draft.startsAt).getTime();
    const end = new Date(draft.endsAt ?? draft.startsAt).getTime();
    if (start !== was.start.getTime() || end !== was.end.getTime()) {
      const next = series.start.getTime() + (start - was.start.getTime());
      startsAt = isoLocal(new Date(next));
      endsAt = isoLocal(new Date(next + (end - start)));
    }
  }
  const changed = <T>(mine: T, theirs: T, before: T) =>
    JSON.stringify(mine) === JSON.stringify(before) ? theirs : mine;
  return {
    title: changed(draft.title, master.title, occurrence.title),
    notes: changed(draft.notes ?? '', master.notes, occurrence.notes) || undefined,
    startsAt,
    endsAt,
    allDay: master.allDay,
    timeZone: changed(draft.timeZone, master.timeZone ?? undefined, occurrence.timeZone ?? undefined),
    location: changed(draft.location, master.location ?? undefined, occurrence.location ?? undefined),
    attendees: changed(
      [...draft.attendees].sort(),
      master.attendees.map((a) => a.email),
      occurrence.attendees.map((a) => a.email).sort(),
    ),
    onlineMeetingUrl: changed(
      draft.onlineMeetingUrl,
      master.onlineMeetingUrl ?? undefined,
      occurrence.onlineMeetingUrl ?? undefined,
    ),
  };
}
