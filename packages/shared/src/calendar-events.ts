import { z } from 'zod';
import { defineEvent } from './events.ts';

/**
 * Calendar events (stream platform-events), made by the hub's calendar module
 * (`calendar.starting.ts`): a calendar event starts in `minutesBefore` minutes. One event per
 * (calendar event, occurrence start, minutesBefore), emitted only for lead times the owner's
 * enabled rules ask for. Subject: `eventId`.
 */
export const calendarEventStarting = defineEvent(
  'calendar.EventStarting',
  1,
  z.object({
    /** The calendar_event entity: the event itself, or the series (master) an occurrence of a hub series comes from. */
    eventId: z.string().uuid(),
    /** The calendar API's id of this occurrence (GET /api/v1/calendar/events/{id}): the entity id, or `<series id>_<original start>`. */
    occurrenceId: z.string().min(1).max(100),
    /** The series' entity id when this is an occurrence (or a moved occurrence) of a hub series. */
    seriesId: z.string().uuid().nullable(),
    title: z.string().max(1000),
    /** The occurrence's start with the event's offset (2026-12-07T09:00:00+01:00); an all-day one: its date's midnight in the event's zone (UTC without one). */
    startsAt: z.string().datetime({ offset: true }),
    endsAt: z.string().datetime({ offset: true }).nullable(),
    /** The IANA zone the event was written in. */
    timeZone: z.string().max(100).nullable(),
    allDay: z.boolean(),
    location: z.string().max(1000).nullable(),
    /** An online meeting's join link (Teams, Zoom, ...). */
    onlineMeetingUrl: z.string().max(2000).nullable(),
    /** The persons linked to the event as attendees. */
    attendeePersonIds: z.array(z.string().uuid()).max(500),
    /** The owner's answer to an invitation (organizer for their own events). */
    myResponse: z.enum(['none', 'organizer', 'accepted', 'tentative', 'declined']).nullable(),
    /** Where the event lives: calendar (the hub's own) or a connector (msgraph, ...). */
    source: z.string().max(64),
    /** How many minutes before the start this is (the rule trigger's `minutesBefore`). */
    minutesBefore: z.number().int().min(0).max(10_080),
  }),
);

export const calendarEvents = [calendarEventStarting] as const;

/** Event types whose rule triggers take `minutesBefore` (the lead time), and its bounds: 0 to 7 days. */
export const leadTimeEventTypes: readonly string[] = [calendarEventStarting.type];
export const maxMinutesBefore = 10_080;
