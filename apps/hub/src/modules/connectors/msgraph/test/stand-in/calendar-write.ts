import { randomBytes } from 'node:crypto';
import { graphEvent, isMaster, removeSeries, utcDateTime } from './calendar.ts';
import { checkRecurrence } from './recurrence.ts';
import {
  expandSeries,
  instancesRoute,
  regenerateSeries,
  seriesInstances,
  spreadToInstances,
  storeSeries,
  timeOf,
  type SeriesShape,
} from './series.ts';
import type { Route, RouteAnswer } from './server.ts';
import { collectionOf, remove, type StandInAccount, type StandInState } from './state.ts';
import {
  badRequest,
  changedInstanceType,
  find,
  isObject,
  notFound,
  save,
  staleVersion,
  type Body,
} from './versions.ts';

const writable = ['subject', 'body', 'start', 'end', 'isAllDay', 'location', 'isOnlineMeeting', 'showAs'];
const responses = { accept: 'accepted', tentativelyAccept: 'tentativelyAccepted', decline: 'declined' } as const;

/** What each invitation answer carried (comment, sendResponse), per account: for tests to read. */
export const sentResponses = new WeakMap<
  StandInAccount,
  { eventId: string; action: string; comment?: string; sendResponse?: boolean }[]
>();

const isTime = (value: unknown) =>
  isObject(value) &&
  typeof value.dateTime === 'string' &&
  !Number.isNaN(Date.parse(`${value.dateTime.slice(0, 19)}Z`)) &&
  typeof value.timeZone === 'string';

function check(json: Record<string, unknown>) {
  for (const field of ['start', 'end'])
    if (json[field] !== undefined && !isTime(json[field]))
      return badRequest(`${field} must be a dateTimeTimeZone ({dateTime, timeZone}).`);
  if (json.subject !== undefined && typeof json.subject !== 'string') return badRequest('subject must be a string.');
  if (
    json.attendees !== undefined &&
    !(
      Array.isArray(json.attendees) &&
      json.attendees.every((a) => isObject(a) && isObject(a.emailAddress) && typeof a.emailAddress.address === 'string')
    )
  )
    return badRequest('attendees must be a list of attendees.');
  return undefined;
}

/** Outlook records the zone a time was written in as the event's original zone. */
function zonesOf(input: Record<string, unknown>) {
  const zone = (value: unknown) => (isObject(value) && typeof value.timeZone === 'string' ? value.timeZone : undefined);
  const start = zone(input.start);
  const end = zone(input.end) ?? start;
  return {
    ...(start ? { originalStartTimeZone: start } : {}),
    ...(end ? { originalEndTimeZone: end } : {}),
  };
}

function attendeesOf(input: unknown[], before: unknown[]) {
  const previous = new Map(
    before.filter(isObject).map((a) => [String((a.emailAddress as { address?: unknown })?.address), a]),
  );
  return input.filter(isObject).map((a) => {
    const address = String((a.emailAddress as { address?: unknown }).address);
    return {
      type: a.type ?? 'required',
      status: previous.get(address)?.status ?? { response: 'none', time: '0001-01-01T00:00:00Z' },
      emailAddress: a.emailAddress,
    };
  });
}

const isInstance = (body: Record<string, unknown>) =>
  ['occurrence', 'exception'].includes(String(body.type).toLowerCase());

const dayOf = (value: unknown) =>
  isObject(value) && typeof value.dateTime === 'string' ? value.dateTime.slice(0, 10) : undefined;

/**
 * Outlook's rule for exceptions (event-update.md): "an occurrence cannot be moved to or before
 * the day of the previous occurrence, and cannot be moved to or after the day of the following
 * occurrence" (400 ErrorOccurrenceCrossingBoundary). Days as written (a series' instances are
 * written in its zone); cancelled instances still hold their day.
 */
function crossesNeighbours(account: StandInAccount, event: Body, start: unknown): boolean {
  const own = dayOf(event.start);
  const wanted = dayOf(start);
  if (!own || !wanted || typeof event.seriesMasterId !== 'string') return false;
  const days = [...collectionOf(account, 'calendar').items.values()]
    .filter((item) => item.body.seriesMasterId === event.seriesMasterId && item.body.id !== event.id)
    .map((item) => dayOf(item.body.start))
    .filter((day): day is string => day !== undefined);
  const previous = days
    .filter((day) => day < own)
    .sort()
    .at(-1);
  const next = days.filter((day) => day > own).sort()[0];
  return (previous !== undefined && wanted <= previous) || (next !== undefined && wanted >= next);
}

/** Outlook's answer to a recurrence no date fits in its range (EWS ErrorRecurrenceHasNoOccurrence). */
const noOccurrence = (): RouteAnswer => ({
  status: 400,
  json: {
    error: {
      code: 'ErrorRecurrenceHasNoOccurrence',
      message: 'The recurrence pattern has no occurrences in its range.',
    },
  },
});

/** A series' shape from a client's recurrence and the event's start/end, or the 400 it gets. */
function shapeOf(recurrence: unknown, event: Body | Record<string, unknown>): SeriesShape | { error: RouteAnswer } {
  const start = timeOf(event.start);
  const end = timeOf(event.end);
  if (!start || !end) return { error: badRequest('start and end are required for a recurring event.') };
  const checked = checkRecurrence(recurrence, start.timeZone);
  if (checked.error !== undefined) return { error: badRequest(checked.error) };
  return { recurrence: checked.recurrence, start, end, isAllDay: event.isAllDay === true };
}

const instant = (value: unknown) => {
  const time = timeOf(value);
  return time ? utcDateTime(time.dateTime, time.timeZone) : undefined;
};

/**
 * PATCH of a series master (or of a single event given a recurrence: it becomes a series).
 * Its time (start, end, isAllDay) or recurrence changed: the series is regenerated (every
 * occurrence and exception goes, the new pattern's occurrences come). Otherwise its instances
 * take the changed fields (series.ts). `recurrence: null` makes the master a single event
 * again, its instances gone. Answers the master (200).
 */
function patchSeries(account: StandInAccount, before: Body, next: Body, recurrence: unknown): RouteAnswer {
  if (recurrence === null) {
    for (const instance of seriesInstances(account, before.id)) remove(account, 'calendar', instance.id);
    return {
      status: 200,
      json: graphEvent(save(account, 'calendar', { ...next, type: 'singleInstance', recurrence: null })),
    };
  }
  const shape = shapeOf(recurrence === undefined ? before.recurrence : recurrence, next);
  if ('error' in shape) return shape.error;
  // The held recurrence as Graph answers it (a putSeries master's may lack defaults).
  const held = checkRecurrence(before.recurrence, timeOf(before.start)?.timeZone ?? 'UTC');
  const unchanged =
    isMaster(before) &&
    held.error === undefined &&
    JSON.stringify(held.recurrence) === JSON.stringify(shape.recurrence) &&
    instant(before.start) === instant(next.start) &&
    instant(before.end) === instant(next.end) &&
    (before.isAllDay === true) === shape.isAllDay;
  if (unchanged) {
    const saved = save(account, 'calendar', next);
    spreadToInstances(account, before, saved);
    return { status: 200, json: graphEvent(saved) };
  }
  const series = expandSeries(next, shape);
  if (series.instances.length === 0) return noOccurrence();
  return { status: 200, json: graphEvent(regenerateSeries(account, series)) };
}

/**
 * STAND-IN calendar writes (Graph v1.0 event resource): GET/POST /me/events, PATCH and
 * DELETE /me/events/{id} honouring If-Match (412 ErrorIrresolvableConflict when the change
 * key is stale), POST /me/events/{id}/accept | tentativelyAccept | decline ({comment,
 * sendResponse}, 202; the organiser cannot answer). Each write is a new version with a new
 * changeKey that the next calendarView delta reports.
 *
 * Series, as Graph documents them: PATCH of an occurrence makes it an exception (same id,
 * same seriesMasterId); an instance has no recurrence of its own (a PATCH giving one is a
 * 400); DELETE of an occurrence or exception cancels that instance only (delta: @removed, the
 * series stays); DELETE of the series master deletes the whole series; an instance moved to or
 * past a neighbour's day is refused (ErrorOccurrenceCrossingBoundary). POST with a
 * recurrence creates a series (master + occurrences); PATCH of a master spreads its fields to
 * its instances, or regenerates the series when its time or recurrence changes; GET
 * /me/events/{id}/instances lists a master's instances in a window (series.ts). Each PATCH and
 * DELETE asked for is recorded in `state.eventWrites` (method, id, If-Match, body) for tests.
 */
export function calendarWriteRoutes(state: StandInState): Route[] {
  return [
    instancesRoute(state),
    {
      // The mailbox's single events and series masters (never occurrences or exceptions), as
      // Graph's list events documents; $top (default 10) and $skip.
      method: 'GET',
      pattern: /^\/me\/events$/,
      handle: ({ account, url }) => {
        const top = Math.min(Math.max(Number(url.searchParams.get('$top') ?? 10) || 10, 1), 1000);
        const skip = Math.max(Number(url.searchParams.get('$skip') ?? 0) || 0, 0);
        const events = [...collectionOf(account, 'calendar').items.values()]
          .filter((item) => !item.removed && (item.body.type === 'singleInstance' || isMaster(item.body)))
          .map((item) => graphEvent(item.body));
        return { status: 200, json: { value: events.slice(skip, skip + top) } };
      },
    },
    {
      method: 'GET',
      pattern: /^\/me\/events\/([^/]+)$/,
      handle: async ({ account, match }) => {
        const id = decodeURIComponent(match[1]!);
        state.eventReads.set(id, (state.eventReads.get(id) ?? 0) + 1);
        const failures = state.failEventReads.get(id) ?? 0;
        if (failures > 0) {
          state.failEventReads.set(id, failures - 1);
          return { status: 500, json: { error: { code: 'ErrorInternalServerError', message: 'Try again.' } } };
        }
        const event = find(account, 'calendar', id);
        // Graph's answer form: UTC times, the written zone in originalStartTimeZone (calendar.ts).
        const answer = event ? { status: 200, json: graphEvent(event) } : notFound();
        await state.afterEventRead?.(id);
        return answer;
      },
    },
    {
      method: 'POST',
      pattern: /^\/me\/events$/,
      handle: ({ account, json }) => {
        if (state.failEventCreates > 0) {
          state.failEventCreates -= 1;
          return { status: 500, json: { error: { code: 'ErrorInternalServerError', message: 'Try again.' } } };
        }
        const input = isObject(json) ? json : {};
        const invalid = check(input);
        if (invalid) return invalid;
        if (!input.start || !input.end) return badRequest('start and end are required.');
        const self = { emailAddress: { name: account.displayName, address: account.mail } };
        const event = {
          id: `AAMkAD-evt-new-${randomBytes(8).toString('hex')}`,
          subject: '',
          body: { contentType: 'text', content: '' },
          isAllDay: false,
          isCancelled: false,
          showAs: 'busy',
          type: 'singleInstance',
          location: { displayName: '' },
          ...Object.fromEntries(writable.filter((k) => input[k] !== undefined).map((k) => [k, input[k]])),
          organizer: self,
          attendees: attendeesOf(Array.isArray(input.attendees) ? input.attendees : [], []),
          responseStatus: { response: 'organizer', time: '0001-01-01T00:00:00Z' },
          onlineMeeting: input.isOnlineMeeting
            ? { joinUrl: `https://teams.microsoft.com/l/meetup-join/${randomBytes(6).toString('hex')}` }
            : null,
          seriesMasterId: null,
          ...zonesOf(input),
        };
        if (input.recurrence !== undefined && input.recurrence !== null) {
          // A series: its master and occurrences (series.ts), answered as the master.
          const shape = shapeOf(input.recurrence, event);
          if ('error' in shape) return shape.error;
          const series = expandSeries(event, shape);
          if (series.instances.length === 0) return noOccurrence();
          return { status: 201, json: graphEvent(storeSeries(account, series)) };
        }
        return { status: 201, json: graphEvent(save(account, 'calendar', event)) };
      },
    },
    {
      method: 'PATCH',
      pattern: /^\/me\/events\/([^/]+)$/,
      handle: ({ account, match, json, headers }) => {
        state.eventWrites.push({
          method: 'PATCH',
          id: decodeURIComponent(match[1]!),
          ifMatch: headers['if-match'],
          body: json,
        });
        const event = find(account, 'calendar', decodeURIComponent(match[1]!));
        if (!event) return notFound();
        const stale = staleVersion(headers, event);
        if (stale) return stale;
        const input = isObject(json) ? json : {};
        const invalid = check(input);
        if (invalid) return invalid;
        if (input.recurrence !== undefined && isInstance(event))
          return badRequest('An occurrence or exception of a series cannot have a recurrence of its own.');
        if (isInstance(event) && input.start !== undefined && crossesNeighbours(account, event, input.start))
          return {
            status: 400,
            json: {
              error: {
                code: 'ErrorOccurrenceCrossingBoundary',
                message: 'Modified occurrence is crossing or overlapping adjacent occurrence.',
              },
            },
          };
        const changes: Record<string, unknown> = Object.fromEntries(
          writable.filter((k) => input[k] !== undefined).map((k) => [k, input[k]]),
        );
        if (Array.isArray(input.attendees))
          changes.attendees = attendeesOf(input.attendees, (event.attendees as unknown[] | undefined) ?? []);
        if (isMaster(event) || (isObject(input.recurrence) && !isInstance(event)))
          return patchSeries(account, event, { ...event, ...changes, ...zonesOf(input) }, input.recurrence);
        return {
          status: 200,
          json: graphEvent(
            save(account, 'calendar', { ...event, ...changes, ...zonesOf(input), ...changedInstanceType(event) }),
          ),
        };
      },
    },
    {
      method: 'DELETE',
      pattern: /^\/me\/events\/([^/]+)$/,
      handle: ({ account, match, headers }) => {
        state.eventWrites.push({ method: 'DELETE', id: decodeURIComponent(match[1]!), ifMatch: headers['if-match'] });
        const event = find(account, 'calendar', decodeURIComponent(match[1]!));
        if (!event) return notFound();
        const stale = staleVersion(headers, event);
        if (stale) return stale;
        if (isMaster(event)) removeSeries(account, event.id);
        else remove(account, 'calendar', event.id);
        return { status: 204 };
      },
    },
    {
      method: 'POST',
      pattern: /^\/me\/events\/([^/]+)\/(accept|tentativelyAccept|decline)$/,
      handle: ({ account, match, json }) => {
        const event = find(account, 'calendar', decodeURIComponent(match[1]!));
        if (!event) return notFound();
        const address = (event.organizer as { emailAddress?: { address?: string } } | undefined)?.emailAddress?.address;
        if (address?.toLowerCase() === account.mail.toLowerCase())
          return badRequest("Your request can't be completed. You can't respond to a meeting you organized.");
        const input = isObject(json) ? json : {};
        if (input.comment !== undefined && typeof input.comment !== 'string')
          return badRequest('comment must be a string.');
        const action = match[2] as keyof typeof responses;
        const status = { response: responses[action], time: new Date().toISOString() };
        const list = sentResponses.get(account) ?? [];
        list.push({
          eventId: event.id,
          action,
          comment: input.comment as string | undefined,
          sendResponse: input.sendResponse as boolean | undefined,
        });
        sentResponses.set(account, list);
        const attendees = ((event.attendees as Record<string, unknown>[] | undefined) ?? []).map((a) =>
          (a.emailAddress as { address?: string } | undefined)?.address?.toLowerCase() === account.mail.toLowerCase()
            ? { ...a, status }
            : a,
        );
        save(account, 'calendar', { ...event, responseStatus: status, attendees });
        return { status: 202 };
      },
    },
  ];
}
