import type { IngestItem } from '../../graph/index.ts';
import {
  ConnectorConflict,
  ConnectorError,
  type CalendarCapability,
  type CalendarEventWrite,
  type CalendarWritten,
  type SeriesInstances,
} from '../connectors.contract.ts';
import { graphErrorOf } from './msgraph.errors.ts';
import { changeKeyOf, eventItem, isoInZone } from './msgraph.mapping.ts';
import { calendarWindowOf, type MsgraphOptions } from './msgraph.options.ts';
import { outlookRepeats, patternedRecurrenceOf, UnrepeatableInOutlook } from './msgraph.recurrence.ts';
import { ianaToWindows, windowsToIana } from './msgraph.timezones.ts';
import { dateOfFloating, floatingOf } from '../../calendar/calendar.time.ts';
import {
  ifMatchOf,
  isStaleVersion,
  preferImmutable,
  recordWrite,
  storedChangeKey,
  type MsgraphContext,
  type MsgraphWriteDeps,
  type Obj,
} from './msgraph.write.ts';

/** Answers in UTC (as delta does without the header), with the ids delta uses; the event's zone is in originalStartTimeZone. */
const prefer = `outlook.timezone="UTC", ${preferImmutable}`;
const eventPath = (id: string) => `/me/events/${encodeURIComponent(id)}`;
const isDate = (value: string) => /^\d{4}-\d{2}-\d{2}$/.test(value);
const dayMs = 86_400_000;
/**
 * A series' instances read back after a write: at most this many (a daily series over the
 * longest window is ~7,300); past it, the next sync brings the rest.
 */
const maxInstances = 5000;

/**
 * A hub time as Graph's dateTimeTimeZone. An event whose zone the hub knows (from Outlook's
 * originalStartTimeZone, or set in the hub) is written as the wall clock in that zone, named
 * as Outlook names it: Outlook records the zone a time is written in as the event's own
 * (originalStartTimeZone), so writing UTC would turn a Berlin meeting into a UTC one after a
 * hub edit, and the next sync would bring it back as UTC. Without a zone: the UTC instant.
 * All-day events are their dates at midnight in the event's zone (Graph wants start and end
 * at midnight in one zone; it answers them as midnights whatever the zone).
 */
function graphTime(value: string, allDay: boolean, zone: string | undefined) {
  const named = zone && zone !== 'UTC' ? ianaToWindows(zone) : 'UTC';
  if (allDay) return { dateTime: `${value.slice(0, 10)}T00:00:00`, timeZone: named };
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new ConnectorError('account', `"${value.slice(0, 40)}" is not a time Outlook can take.`);
  if (named === 'UTC') return { dateTime: new Date(ms).toISOString().slice(0, 23), timeZone: 'UTC' };
  return { dateTime: isoInZone(ms, zone).slice(0, 19), timeZone: named };
}

/** The Graph event body for a hub write: only the fields given (PATCH changes those alone). */
export function graphEventOf(write: Partial<CalendarEventWrite>): Obj {
  const body: Obj = {};
  if (write.title !== undefined) body.subject = write.title;
  if (write.notes !== undefined) body.body = { contentType: 'text', content: write.notes };
  if (write.startsAt !== undefined) {
    const allDay = write.allDay ?? isDate(write.startsAt);
    body.isAllDay = allDay;
    body.start = graphTime(write.startsAt, allDay, write.timeZone);
    // Graph needs an end: all-day ends the next midnight at the least, a timed event ends when it starts.
    let end = write.endsAt;
    if (allDay && (!end || Date.parse(end.slice(0, 10)) <= Date.parse(write.startsAt.slice(0, 10))))
      end = new Date(Date.parse(write.startsAt.slice(0, 10)) + dayMs).toISOString().slice(0, 10);
    body.end = graphTime(end ?? write.startsAt, allDay, write.timeZone);
  } else if (write.endsAt !== undefined) {
    body.end = graphTime(write.endsAt, write.allDay ?? isDate(write.endsAt), write.timeZone);
  }
  if (write.location !== undefined) body.location = { displayName: write.location };
  if (write.attendees !== undefined)
    body.attendees = write.attendees.map((a) => ({
      emailAddress: a.name ? { address: a.address, name: a.name } : { address: a.address },
      type: 'required',
    }));
  if (write.onlineMeeting !== undefined) body.isOnlineMeeting = write.onlineMeeting;
  if (write.recurrence !== undefined && write.startsAt !== undefined) {
    try {
      body.recurrence = patternedRecurrenceOf(write.recurrence, {
        startsAt: write.startsAt,
        allDay: write.allDay ?? isDate(write.startsAt),
        timeZone: write.timeZone,
      });
    } catch (error) {
      // The calendar service asks `repeats` first; a rule that still gets here is refused, never a 500.
      if (error instanceof UnrepeatableInOutlook) throw new ConnectorError('account', error.message);
      throw error;
    }
  }
  return body;
}

function itemOf(event: Obj): IngestItem {
  const item = eventItem(event);
  if (!item) throw new ConnectorError('provider', 'Microsoft Graph answered with an event the hub cannot read.');
  return item;
}

/**
 * Outlook keeps each occurrence of a series between the days of its neighbours (event-update.md:
 * 400 ErrorOccurrenceCrossingBoundary). A refusal of what was asked, not a passing failure: the
 * person is told what to do instead of "try again".
 */
function crossingBoundary(status: number, body: unknown): ConnectorError | undefined {
  if (
    status !== 400 ||
    (body as { error?: { code?: unknown } } | undefined)?.error?.code !== 'ErrorOccurrenceCrossingBoundary'
  )
    return undefined;
  return new ConnectorError(
    'account',
    'Outlook cannot move one occurrence of a series to or past the day of the occurrence before or after it: choose a day between them, or change the series in Outlook.',
  );
}

const responseActions = { accepted: 'accept', tentative: 'tentativelyAccept', declined: 'decline' } as const;

/**
 * Calendar write-back (issue 13 §5): create, update and delete events, answer invitations.
 * Updates and deletes send If-Match with the change key the hub saw; Graph's 412 becomes a
 * ConnectorConflict carrying the event as it is now (fetched), never an overwrite. Each write
 * records the new change key (properties.changeKey in the item, msgraph_items for the
 * connection), so the delta that brings our own write back is an unchanged upsert.
 */
export function createMsgraphCalendarWrite(deps: MsgraphWriteDeps): CalendarCapability<MsgraphOptions> {
  async function current(context: MsgraphContext, externalId: string): Promise<Obj> {
    return deps.clientFor(context).json<Obj>({ url: eventPath(externalId), headers: { prefer } });
  }

  async function stored(context: MsgraphContext, event: Obj): Promise<{ item: IngestItem }> {
    const item = itemOf(event);
    await recordWrite(deps, context, 'calendar', 'calendar_event', item.externalId!, changeKeyOf(event));
    return { item };
  }

  /**
   * A written event, and when it is (now) a series, its instances over the sync's window
   * (GET /events/{id}/instances, paged): Outlook made them, and the hub shows them at once
   * rather than after the next delta round.
   */
  async function written(context: MsgraphContext, event: Obj): Promise<CalendarWritten> {
    const { item } = await stored(context, event);
    if (event.type !== 'seriesMaster') return { item };
    try {
      return { item, instances: await instancesOf(context, event) };
    } catch {
      // The write is done in Outlook: a failed read must not make it look failed (a retry would
      // make a second series). The next sync brings the instances.
      return { item };
    }
  }

  async function instancesOf(context: MsgraphContext, event: Obj): Promise<SeriesInstances> {
    const window = calendarWindowOf(context.options);
    const items: IngestItem[] = [];
    let to = window.end;
    let link: string | undefined =
      `${eventPath(String(event.id))}/instances?startDateTime=${encodeURIComponent(window.start)}` +
      `&endDateTime=${encodeURIComponent(window.end)}&$top=100`;
    while (link) {
      const page: { value?: unknown; '@odata.nextLink'?: unknown } = await deps
        .clientFor(context)
        .json({ url: link, headers: { prefer } });
      for (const instance of Array.isArray(page.value) ? page.value : []) {
        const instanceItem = eventItem(instance as Obj, event);
        if (instanceItem) items.push(instanceItem);
      }
      const next = page['@odata.nextLink'];
      link = typeof next === 'string' && next ? next : undefined;
      if (link && items.length >= maxInstances) {
        // The rest of the window is the sync's: the hub's copies past here are left as they are.
        to = new Date(Date.parse(String(items.at(-1)!.occurredAt))).toISOString();
        link = undefined;
      }
    }
    return { from: window.start, to, items };
  }

  /**
   * Graph refused a stale If-Match: the event as it is now. `seen` (a refused delete, whose
   * newer copy the hub shows at once) records its change key; an update's does not, as the
   * hub keeps its own edit until the owner chooses.
   */
  async function conflict(context: MsgraphContext, externalId: string, seen = false): Promise<never> {
    const now = await current(context, externalId);
    const item = itemOf(now);
    if (seen) await recordWrite(deps, context, 'calendar', 'calendar_event', externalId, changeKeyOf(now));
    throw new ConnectorConflict('Outlook has a newer version of this event.', item);
  }

  return {
    repeats: outlookRepeats,

    async create(context, event) {
      const created = await deps.clientFor(context).json<Obj>({
        method: 'POST',
        url: '/me/events',
        headers: { prefer },
        json: graphEventOf(event),
      });
      return written(context, created);
    },

    async update(context, event, changes) {
      const version = event.version ?? (await storedChangeKey(deps, context, event.externalId)) ?? undefined;
      const answer = await deps.clientFor(context).send<Obj>({
        method: 'PATCH',
        url: eventPath(event.externalId),
        headers: { prefer, ...(version ? { 'if-match': ifMatchOf(version) } : {}) },
        json: graphEventOf(changes),
      });
      if (isStaleVersion(answer.status, answer.body)) return conflict(context, event.externalId);
      const refused = crossingBoundary(answer.status, answer.body);
      if (refused) throw refused;
      if (answer.status < 200 || answer.status >= 300 || !answer.body) throw graphErrorOf(answer.status, answer.body);
      return written(context, answer.body);
    },

    async delete(context, event) {
      const version = event.version ?? (await storedChangeKey(deps, context, event.externalId)) ?? undefined;
      const answer = await deps.clientFor(context).send({
        method: 'DELETE',
        url: eventPath(event.externalId),
        headers: version ? { 'if-match': ifMatchOf(version) } : {},
      });
      if (isStaleVersion(answer.status, answer.body)) return conflict(context, event.externalId, true);
      // Already gone there: the hub removes its copy all the same.
      if (answer.status === 404) return;
      if (answer.status < 200 || answer.status >= 300) throw graphErrorOf(answer.status, answer.body);
    },

    /**
     * Graph has no "this and following": the series' range is PATCHed to end the day before
     * the instance's original date in the series' zone (type endDate; a numbered range becomes
     * one), the pattern as Outlook holds it. The instance and the master are read first: the
     * instance's originalStart (an exception may have moved off its original day) and the
     * range as it is now.
     */
    async endSeriesBefore(context, series, instance) {
      const found = await current(context, instance.externalId);
      if (found.seriesMasterId !== series.externalId || typeof found.originalStart !== 'string')
        throw new ConnectorError('account', 'Outlook does not hold this occurrence in this series any more.');
      const masterEvent = await current(context, series.externalId);
      const recurrence = (masterEvent.recurrence ?? {}) as Obj;
      const range = (recurrence.range ?? {}) as Obj;
      if (!recurrence.pattern || typeof range.startDate !== 'string')
        throw new ConnectorError('account', 'Outlook does not hold this event as a repeating series.');
      const zone = windowsToIana(String(range.recurrenceTimeZone ?? '')) ?? 'UTC';
      const originalMs = Date.parse(found.originalStart);
      if (Number.isNaN(originalMs))
        throw new ConnectorError('provider', 'Microsoft Graph answered an occurrence without its original start.');
      const originalDate = dateOfFloating(floatingOf(originalMs, zone));
      if (originalDate <= range.startDate) return { first: true };
      const lastDate = new Date(Date.parse(`${originalDate}T00:00:00Z`) - dayMs).toISOString().slice(0, 10);
      const { numberOfOccurrences: _count, ...kept } = range;
      const version = series.version ?? (await storedChangeKey(deps, context, series.externalId)) ?? undefined;
      const answer = await deps.clientFor(context).send<Obj>({
        method: 'PATCH',
        url: eventPath(series.externalId),
        headers: { prefer, ...(version ? { 'if-match': ifMatchOf(version) } : {}) },
        json: { recurrence: { pattern: recurrence.pattern, range: { ...kept, type: 'endDate', endDate: lastDate } } },
      });
      if (isStaleVersion(answer.status, answer.body)) return conflict(context, series.externalId, true);
      if (answer.status < 200 || answer.status >= 300 || !answer.body) throw graphErrorOf(answer.status, answer.body);
      return {
        first: false,
        written: await written(context, answer.body),
        originalStart: new Date(originalMs).toISOString(),
        lastDate,
      };
    },

    async respond(context, event, response, comment) {
      const answer = await deps.clientFor(context).send({
        method: 'POST',
        url: `${eventPath(event.externalId)}/${responseActions[response]}`,
        headers: { prefer },
        json: { ...(comment ? { comment: comment.slice(0, 10_000) } : {}), sendResponse: true },
      });
      if (answer.status < 200 || answer.status >= 300) throw graphErrorOf(answer.status, answer.body);
      // Graph answers 202 without a body: the event as it is now carries the answer and its new change key.
      return stored(context, await current(context, event.externalId));
    },
  };
}
