import { graphEvent, ianaOf, isMaster, utcDateTime, wallClock } from './calendar.ts';
import { occurrenceDates, type Recurrence } from './recurrence.ts';
import type { Route, RouteAnswer } from './server.ts';
import { collectionOf, remove, type StandInAccount, type StandInState } from './state.ts';
import { badRequest, find, isObject, notFound, save, type Body } from './versions.ts';

/**
 * STAND-IN series written by a client (test support, built from Graph's documented payloads:
 * the event resource's seriesMaster / occurrence / exception types, event-list-instances.md,
 * outlook-schedule-recurring-events.md; not the real service).
 *
 * - A series is a master (type "seriesMaster", its recurrence, start/end those of its first
 *   occurrence) and one stored instance per occurrence (type "occurrence", seriesMasterId,
 *   originalStart, its own id and changeKey), so calendarView delta lists them as it lists
 *   `putSeries` ones and `GET /me/events/{id}` reads each.
 * - Occurrences are expanded in the recurrence zone (range.recurrenceTimeZone, a Windows or IANA
 *   name): the dates from range.startDate and the pattern, the wall-clock time from the event's
 *   start, so 09:00 Berlin stays 09:00 Berlin across a DST change; each occurrence lasts the
 *   master's end − start on the wall clock.
 * - Instance ids: `${masterId}-occ-${YYYYMMDD}T${HHMM}` (the occurrence's original start, wall
 *   clock in the recurrence zone): opaque to a client, stable for that original start.
 */

/** Fields a series' instances take from the master when it changes (an exception keeps its own). */
const inherited = [
  'subject',
  'body',
  'location',
  'attendees',
  'isOnlineMeeting',
  'onlineMeeting',
  'showAs',
  'sensitivity',
  'importance',
  'categories',
  'isReminderOn',
  'reminderMinutesBeforeStart',
];

export type Time = { dateTime: string; timeZone: string };
export const timeOf = (value: unknown): Time | undefined =>
  isObject(value) && typeof value.dateTime === 'string' && typeof value.timeZone === 'string'
    ? { dateTime: value.dateTime, timeZone: value.timeZone }
    : undefined;

/** A written time as the wall clock in `zone` (unchanged when written in that zone). */
function wallIn(time: Time, zone: string): string {
  const written = time.dateTime.slice(0, 19);
  if (time.timeZone === zone || (ianaOf(time.timeZone) ?? 'UTC') === (ianaOf(zone) ?? 'UTC')) return written;
  return wallClock(Date.parse(`${utcDateTime(written, time.timeZone) ?? written}Z`), zone);
}

const compact = (wall: string) => wall.slice(0, 16).replace(/[-:]/g, '');
const wallPlus = (wall: string, ms: number) => new Date(Date.parse(`${wall}Z`) + ms).toISOString().slice(0, 19);
const graphForm = (wall: string) => `${wall}.0000000`;

export interface SeriesShape {
  recurrence: Recurrence;
  start: Time;
  end: Time;
  isAllDay: boolean;
}

/** The master and instance bodies of a series (not yet stored); none when no date fits the recurrence. */
export function expandSeries(master: Body, shape: SeriesShape): { master: Body; instances: Body[] } {
  const zone = shape.recurrence.range.recurrenceTimeZone;
  const startWall = shape.isAllDay ? `${shape.start.dateTime.slice(0, 10)}T00:00:00` : wallIn(shape.start, zone);
  const endWall = shape.isAllDay ? `${shape.end.dateTime.slice(0, 10)}T00:00:00` : wallIn(shape.end, zone);
  const length = Math.max(0, Date.parse(`${endWall}Z`) - Date.parse(`${startWall}Z`));
  const time = startWall.slice(11, 19);
  const dates = occurrenceDates(shape.recurrence);
  const common = Object.fromEntries(inherited.filter((k) => master[k] !== undefined).map((k) => [k, master[k]]));
  const instances = dates.map((date): Body => {
    const wall = `${date}T${time}`;
    const utc = utcDateTime(wall, zone);
    return {
      id: `${master.id}-occ-${compact(wall)}`,
      ...common,
      organizer: master.organizer,
      responseStatus: master.responseStatus,
      isAllDay: shape.isAllDay,
      isCancelled: false,
      type: 'occurrence',
      seriesMasterId: master.id,
      recurrence: null,
      originalStart: utc ? `${utc.slice(0, 19)}Z` : undefined,
      originalStartTimeZone: master.originalStartTimeZone,
      originalEndTimeZone: master.originalEndTimeZone,
      start: { dateTime: graphForm(wall), timeZone: zone },
      end: { dateTime: graphForm(wallPlus(wall, length)), timeZone: zone },
    };
  });
  const firstWall = dates[0] ? `${dates[0]}T${time}` : startWall;
  return {
    master: {
      ...master,
      type: 'seriesMaster',
      seriesMasterId: null,
      isAllDay: shape.isAllDay,
      recurrence: shape.recurrence,
      start: { dateTime: graphForm(firstWall), timeZone: zone },
      end: { dateTime: graphForm(wallPlus(firstWall, length)), timeZone: zone },
    },
    instances,
  };
}

/** A series' live instances (occurrences and exceptions), by original start: for tests to read. */
export function seriesInstances(account: StandInAccount, masterId: string): Body[] {
  return [...collectionOf(account, 'calendar').items.values()]
    .filter((item) => !item.removed && item.body.seriesMasterId === masterId)
    .map((item) => item.body as Body)
    .sort((a, b) => String(a.originalStart ?? '').localeCompare(String(b.originalStart ?? '')));
}

/** Stores a new series: the master, then each occurrence (each its own version and changeKey). */
export function storeSeries(account: StandInAccount, series: { master: Body; instances: Body[] }): Body {
  const master = save(account, 'calendar', series.master);
  for (const instance of series.instances) save(account, 'calendar', instance);
  return master;
}

/**
 * A series whose time or pattern changed: every instance goes, occurrences and exceptions alike
 * (Outlook drops a series' exceptions when its pattern or time changes; delta says @removed for
 * each, unless the new pattern has an occurrence at the same original start, whose id then comes
 * back as that new occurrence), and the new pattern's occurrences are stored.
 */
export function regenerateSeries(account: StandInAccount, series: { master: Body; instances: Body[] }): Body {
  for (const instance of seriesInstances(account, series.master.id)) remove(account, 'calendar', instance.id);
  return storeSeries(account, series);
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/**
 * A master's own fields changed (not its time or pattern): each instance takes them and gets a
 * new changeKey (delta lists it again); an exception keeps a field it changed itself (one whose
 * value is not the master's before the change).
 */
export function spreadToInstances(account: StandInAccount, before: Body, after: Body) {
  const changed = inherited.filter((k) => !same(before[k], after[k]));
  if (changed.length === 0) return;
  for (const instance of seriesInstances(account, before.id)) {
    const own = String(instance.type).toLowerCase() === 'exception';
    const taken = changed.filter((k) => !own || same(instance[k], before[k]));
    if (taken.length > 0)
      save(account, 'calendar', { ...instance, ...Object.fromEntries(taken.map((k) => [k, after[k]])) });
  }
}

const invalidWindow = (): RouteAnswer => ({
  status: 400,
  json: {
    error: {
      code: 'ErrorInvalidParameter',
      message:
        'This request requires a time window specified by the query string parameters StartDateTime and EndDateTime.',
    },
  },
});

/** An ISO date-time; one with no offset is UTC (as Graph reads a calendar window without Prefer). */
function instantOf(value: string | null): number {
  if (!value) return Number.NaN;
  return Date.parse(/[zZ]|[+-]\d{2}:?\d{2}$/.test(value) ? value : `${value}Z`);
}

/** Graph's default page for event lists (Microsoft Q&A 1488109: "by default event api return first 10 events"). */
export const instancesPageSize = 10;

/**
 * GET /me/events/{id}/instances?startDateTime&endDateTime (event-list-instances.md): a series
 * master's occurrences and exceptions overlapping the window (cancelled ones are gone), whole
 * events in Graph's answer form (UTC), by start; $top per page (default 10, at most 1,000),
 * @odata.nextLink with $skip. Both window parameters are required (400). An unknown id is a
 * 404; an id that is not a series master is a 400 ErrorInvalidRequest (not documented: the
 * stand-in's choice).
 */
export function instancesRoute(state: Pick<StandInState, 'afterInstancesAnswer'>): Route {
  return {
    method: 'GET',
    pattern: /^\/me\/events\/([^/]+)\/instances$/,
    handle: async ({ account, match, url, graphBase }) => {
      const master = find(account, 'calendar', decodeURIComponent(match[1]!));
      if (!master) return notFound();
      const from = instantOf(url.searchParams.get('startDateTime'));
      const to = instantOf(url.searchParams.get('endDateTime'));
      if (Number.isNaN(from) || Number.isNaN(to)) return invalidWindow();
      if (!isMaster(master)) return badRequest('The event is not the master of a recurring series.');
      const top = url.searchParams.get('$top');
      const skip = url.searchParams.get('$skip');
      if ((top !== null && !/^\d{1,4}$/.test(top)) || (skip !== null && !/^\d{1,6}$/.test(skip)))
        return badRequest('$top and $skip must be whole numbers.');
      const size = Math.min(Math.max(top === null ? instancesPageSize : Number(top), 1), 1000);
      const offset = skip === null ? 0 : Number(skip);
      const at = (event: Record<string, unknown>, field: 'start' | 'end') =>
        Date.parse(`${String((event[field] as { dateTime?: unknown } | undefined)?.dateTime ?? '').slice(0, 19)}Z`);
      const overlapping = seriesInstances(account, master.id)
        .map(graphEvent)
        .filter((event) => at(event, 'start') < to && at(event, 'end') > from)
        .sort((a, b) => at(a, 'start') - at(b, 'start'));
      const json: Record<string, unknown> = {
        '@odata.context': `${graphBase}/$metadata#users('${account.id}')/events('${master.id}')/instances`,
        value: overlapping.slice(offset, offset + size),
      };
      if (offset + size < overlapping.length) {
        const next = new URL(`${graphBase}/me/events/${encodeURIComponent(master.id)}/instances`);
        for (const [key, value] of url.searchParams)
          if (key !== '$skip' && key !== '$top') next.searchParams.set(key, value);
        next.searchParams.set('$top', String(size));
        next.searchParams.set('$skip', String(offset + size));
        json['@odata.nextLink'] = next.toString();
      }
      const instead = await state.afterInstancesAnswer?.(master.id);
      return instead ?? { status: 200, json };
    },
  };
}
