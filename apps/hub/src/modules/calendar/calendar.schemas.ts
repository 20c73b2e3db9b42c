import { text } from '@made-open/shared';
import { z } from 'zod';
import { conflictViewSchema } from '../connectors/index.ts';
import { isTimeZone } from './calendar.time.ts';

const instant = z
  .string()
  .datetime({ offset: true, message: 'Must be an ISO date-time with an offset (2026-03-29T09:00:00+02:00).' });
const date = z.string().date('Must be a date (YYYY-MM-DD).');
const zone = z.string().max(64).refine(isTimeZone, 'Must be an IANA time zone such as Europe/London.');

/** The longest window one read may ask for. */
export const maxWindowDays = 400;

export const windowQuery = z
  .strictObject({
    from: instant,
    to: instant,
    /** The reader's zone: which dates an all-day event's window covers (default UTC). */
    timeZone: zone.optional(),
  })
  .refine((q) => Date.parse(q.to) > Date.parse(q.from), { message: 'to must be after from.', path: ['to'] })
  .refine((q) => Date.parse(q.to) - Date.parse(q.from) <= maxWindowDays * 86_400_000, {
    message: `A window is at most ${maxWindowDays} days.`,
    path: ['to'],
  });
export type WindowQuery = z.infer<typeof windowQuery>;

const email = z.string().trim().max(320).email('Must be an email address.');

const eventFields = {
  title: text(1000).min(1, 'Give the event a title.'),
  notes: text(100_000).optional(),
  /** A date-time with an offset, or a date (YYYY-MM-DD) for an all-day event. */
  startsAt: z.union([instant, date]),
  endsAt: z.union([instant, date]).optional(),
  allDay: z.boolean().optional(),
  timeZone: zone.optional(),
  location: text(1000).optional(),
  attendees: z.array(email).max(200).optional(),
  onlineMeetingUrl: z
    .url({ protocol: /^https?$/, message: 'Must be an http(s) link.' })
    .max(2000)
    .optional(),
  /**
   * An RFC 5545 RRULE: FREQ=WEEKLY;BYDAY=MO. On a connected calendar, only what it can hold
   * (Outlook: daily, weekly on days, monthly or yearly on a date or the first … last weekday,
   * ending on a date, after a count or never); it answers the rule in its own words.
   */
  recurrence: text(500).optional(),
  showAs: z.enum(['free', 'tentative', 'busy', 'oof', 'workingElsewhere', 'unknown']).optional(),
};

export const eventCreateInput = z.strictObject({
  ...eventFields,
  /** Write it to this connected account's calendar; without it the event lives in the hub only. */
  connectionId: z.string().uuid().optional(),
});
export type EventCreateInput = z.infer<typeof eventCreateInput>;

export const eventUpdateInput = z.strictObject({
  /** The event's version as read (GET /calendar/events): a newer one answers 409. */
  version: z.number().int().positive(),
  title: eventFields.title.optional(),
  notes: eventFields.notes.nullable(),
  startsAt: eventFields.startsAt.optional(),
  endsAt: eventFields.endsAt.nullable(),
  allDay: eventFields.allDay,
  timeZone: eventFields.timeZone.nullable(),
  location: eventFields.location.nullable(),
  attendees: eventFields.attendees,
  onlineMeetingUrl: eventFields.onlineMeetingUrl.nullable(),
  recurrence: eventFields.recurrence.nullable(),
  showAs: eventFields.showAs,
});
export type EventUpdateInput = z.infer<typeof eventUpdateInput>;

/**
 * Which occurrences of a series a PATCH or DELETE of one occurrence changes: `this` (the
 * default) or `following` (it and every later one). The whole series is its master's id.
 */
export const scopeQuery = z.strictObject({
  scope: z.enum(['this', 'following']).optional(),
});
export type EventScope = z.infer<typeof scopeQuery>['scope'];

export const respondInput = z.strictObject({
  response: z.enum(['accepted', 'tentative', 'declined']),
  comment: text(2000).optional(),
});

/** An event id, or an occurrence of a hub series: <series id>_<original start, 20260329T090000 or 20260329>. */
export const eventIdParams = z.object({
  id: z
    .string()
    .regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(_\d{8}(T\d{6})?)?$/i, 'Must be an event id.'),
});

export const attendeeView = z.object({
  email: z.string(),
  name: z.string().nullable(),
  type: z.string().nullable(),
  response: z.string(),
  personId: z.string().nullable(),
});

export const eventView = z.object({
  /** The entity's id; an occurrence of a hub series: <series id>_<original start>. */
  id: z.string(),
  entityId: z.string().nullable(),
  /** The series this is part of: the master's entity id for hub series, the provider's series id otherwise. */
  seriesId: z.string().nullable(),
  /**
   * The entity id of the whole series (its master) when the hub holds it, for hub and
   * connected series alike: GET, PATCH or DELETE it to change every occurrence.
   */
  seriesEntityId: z.string().nullable(),
  kind: z.enum(['single', 'master', 'occurrence', 'exception']),
  title: z.string(),
  notes: z.string(),
  startsAt: z.string(),
  endsAt: z.string().nullable(),
  allDay: z.boolean(),
  timeZone: z.string().nullable(),
  location: z.string().nullable(),
  onlineMeetingUrl: z.string().nullable(),
  status: z.string().nullable(),
  showAs: z.string().nullable(),
  recurrence: z.string().nullable(),
  organizer: z.string().nullable(),
  myResponse: z.string().nullable(),
  attendees: z.array(attendeeView),
  /** "calendar" for the hub's own events, the provider otherwise (msgraph). */
  source: z.string(),
  connectionId: z.string().nullable(),
  /** Whether this hub can change it now (a provider event needs its live connection). */
  editable: z.boolean(),
  /** An invitation from someone else that can be answered. */
  canRespond: z.boolean(),
  version: z.number().int(),
  conflict: conflictViewSchema.nullable(),
});
export type EventView = z.infer<typeof eventView>;

export const eventWindowView = z.object({
  events: z.array(eventView),
  /** More events overlap the window than one answer holds: ask for a smaller one. */
  truncated: z.boolean(),
});
