import { windowsToIana } from '../../msgraph.timezones.ts';
import { deltaPage } from './delta.ts';
import type { Route } from './server.ts';
import { collectionOf, put, remove, type StandInAccount, type StandInState } from './state.ts';

/**
 * STAND-IN calendar reads, shaped as real Graph answers them (not as they were written):
 *
 * - Times come back in UTC (`{dateTime, timeZone: "UTC"}`), whatever zone the event was
 *   written in; the event's own zone is only in `originalStartTimeZone` /
 *   `originalEndTimeZone` (the event resource; Microsoft Q&A 1685138). The hub asks delta
 *   with no `Prefer: outlook.timezone`, and UTC is what Graph assumes then (event-delta.md).
 * - All-day events keep their midnights whatever the zone: "All day events always return
 *   midnight-to-midnight regardless of time zone" (microsoftgraph/microsoft-graph-docs#1802,
 *   #6003, #16798; jasonjoh/php-calendar#9), labelled UTC.
 * - `calendarView/delta` expands series: occurrences and exceptions, never the seriesMaster
 *   ("by design … you get the occurrences, not the master", microsoft-graph-docs#2182). An
 *   occurrence carries only `@odata.type`, `@odata.etag`, `id`, `type`, `seriesMasterId`,
 *   `start`, `end` (microsoft-graph-docs#7632; keeper.sh#409, openwhispr#1835 hydrate them
 *   from `GET /me/events/{seriesMasterId}`). Exceptions are whole events.
 *
 * The collection stores events as written (start/end in their zone); `graphEvent()` is the
 * answer form. Zones the stand-in cannot read (a custom one) are taken as UTC wall clocks.
 */
export function calendarRoutes(state: StandInState): Route[] {
  return [
    {
      // Its count only (the sync's progress estimate): the instances held, whatever the window.
      method: 'GET',
      pattern: /^\/me\/calendarView$/,
      handle: ({ account, url }) => {
        const json: Record<string, unknown> = { value: [] };
        if (url.searchParams.get('$count') === 'true')
          json['@odata.count'] = [...collectionOf(account, 'calendar').items.values()].filter(
            (item) => !item.removed && !isMaster(item.body),
          ).length;
        return { status: 200, json };
      },
    },
    {
      method: 'GET',
      pattern: /^\/me\/calendarView\/delta$/,
      handle: (context) => {
        const start = Date.parse(context.url.searchParams.get('startDateTime') ?? '');
        const end = Date.parse(context.url.searchParams.get('endDateTime') ?? '');
        if (
          !context.url.searchParams.get('$deltatoken') &&
          !context.url.searchParams.get('$skiptoken') &&
          (Number.isNaN(start) || Number.isNaN(end))
        )
          return {
            status: 400,
            json: { error: { code: 'ErrorInvalidParameter', message: 'startDateTime and endDateTime are required.' } },
          };
        return deltaPage(state, context, 'calendar', {
          path: '/me/calendarView/delta',
          // Series masters never appear in a calendar view, not even as @removed.
          omit: isMaster,
          filter: (body) => {
            const at = Date.parse(`${String((graphEvent(body).start as { dateTime?: string }).dateTime ?? '')}Z`);
            return Number.isNaN(start) || Number.isNaN(at) || (at >= start && at < end);
          },
          project: (body) => instanceOf(graphEvent(body)),
        });
      },
    },
  ];
}

export const isMaster = (body: Record<string, unknown>) => String(body.type).toLowerCase() === 'seriesmaster';

/** What calendarView delta says of an occurrence: its id, times and master, nothing else. */
function instanceOf(event: Record<string, unknown>): Record<string, unknown> {
  if (String(event.type).toLowerCase() !== 'occurrence') return event;
  const { id, type, seriesMasterId, start, end } = event;
  return {
    '@odata.type': '#microsoft.graph.event',
    '@odata.etag': event['@odata.etag'] ?? (event.changeKey ? `W/"${String(event.changeKey)}"` : undefined),
    id,
    type,
    seriesMasterId,
    start,
    end,
  };
}

// Windows names (Outlook's) and IANA names, through the hub's table; known per zone once.
const zones = new Map<string, string | undefined>();

/** The IANA zone of a Windows or IANA name; undefined for one the stand-in cannot read (a custom zone). */
export function ianaOf(zone: string): string | undefined {
  if (zones.has(zone)) return zones.get(zone);
  const iana = windowsToIana(zone);
  zones.set(zone, iana);
  return iana;
}

// One per zone: the benchmark's raw paging maps thousands of events through here.
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterOf(iana: string): Intl.DateTimeFormat {
  let format = formatters.get(iana);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: iana,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(iana, format);
  }
  return format;
}

/** How far a zone's wall clock is ahead of UTC at an instant (ms). */
function offsetAt(iana: string, instant: number): number {
  if (iana === 'UTC') return 0;
  const parts = formatterOf(iana).formatToParts(new Date(instant));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  return Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second')) - instant;
}

/** An instant as the wall clock in a zone ("2027-03-29T09:00:00"); unreadable zones as UTC. */
export function wallClock(instant: number, zone: string): string {
  const iana = ianaOf(zone) ?? 'UTC';
  return new Date(instant + offsetAt(iana, instant)).toISOString().slice(0, 19);
}

/** A wall clock in a zone → Graph's UTC form ("2026-03-30T07:00:00.0000000"). */
export function utcDateTime(wall: string, zone: string): string | undefined {
  const at = Date.parse(`${wall.slice(0, 19)}Z`);
  if (Number.isNaN(at)) return undefined;
  const iana = ianaOf(zone) ?? 'UTC';
  if (iana === 'UTC') return `${new Date(at).toISOString().slice(0, 19)}.0000000`;
  const offset = (instant: number) => offsetAt(iana, instant);
  let guess = at;
  for (let i = 0; i < 2; i += 1) guess = at - offset(guess);
  return `${new Date(guess).toISOString().slice(0, 19)}.0000000`;
}

type Time = { dateTime?: unknown; timeZone?: unknown } | undefined;

/** An event as Graph answers it with no Prefer zone: start/end in UTC, the written zones in original*TimeZone. */
export function graphEvent(body: Record<string, unknown>): Record<string, unknown> {
  const allDay = body.isAllDay === true;
  const convert = (value: Time) => {
    if (!value || typeof value.dateTime !== 'string') return value;
    const zone = typeof value.timeZone === 'string' ? value.timeZone : 'UTC';
    if (allDay) return { dateTime: `${value.dateTime.slice(0, 10)}T00:00:00.0000000`, timeZone: 'UTC' };
    const utc = utcDateTime(value.dateTime, zone);
    // Garbage stays garbage (the hub must drop it), as a broken item would.
    return utc ? { dateTime: utc, timeZone: 'UTC' } : value;
  };
  const zoneOf = (value: Time) => (typeof value?.timeZone === 'string' ? value.timeZone : undefined);
  const start = body.start as Time;
  const end = body.end as Time;
  return {
    ...body,
    ...(start ? { start: convert(start) } : {}),
    ...(end ? { end: convert(end) } : {}),
    originalStartTimeZone: body.originalStartTimeZone ?? zoneOf(start) ?? 'UTC',
    originalEndTimeZone: body.originalEndTimeZone ?? zoneOf(end) ?? zoneOf(start) ?? 'UTC',
  };
}

/**
 * A series as Outlook holds it: the master (type seriesMaster, with its recurrence) and its
 * instances (occurrences and exceptions, each with seriesMasterId). Putting it again (a
 * change to the series) gives every instance a new version, so delta reports them again, as
 * Graph does when the master changes.
 */
export function putSeries(
  account: StandInAccount,
  master: Record<string, unknown> & { id: string },
  instances: (Record<string, unknown> & { id: string })[],
) {
  put(account, 'calendar', { ...master, type: 'seriesMaster' });
  for (const instance of instances) put(account, 'calendar', { ...instance, seriesMasterId: master.id });
}

/** A series deleted in Outlook: the master and every instance (delta says @removed for the instances only). */
export function removeSeries(account: StandInAccount, masterId: string) {
  for (const item of [...collectionOf(account, 'calendar').items.values()])
    if (!item.removed && item.body.seriesMasterId === masterId) remove(account, 'calendar', String(item.body.id));
  remove(account, 'calendar', masterId);
}
