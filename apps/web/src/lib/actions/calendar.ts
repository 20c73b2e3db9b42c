'use server';
import { z } from 'zod';
import type { CalendarEvent, CalendarWindow, EventDraft } from '@/components/calendar/model';
import {
  createCalendarEvent,
  deleteCalendarEvent,
  getCalendarEvent,
  listCalendarWindow,
  resolveConflict,
  respondToEvent,
  updateCalendarEvent,
} from '@/lib/calendar';
import { attempt, type ActionResult } from '@/lib/hub';

// The hub validates every field again; these checks only keep obvious junk from a round trip.
const eventId = z.string().regex(/^[0-9a-f-]{36}(_\d{8}(T\d{6})?)?$/i);
const instant = z.string().datetime({ offset: true });
const zone = z.string().regex(/^[A-Za-z0-9_+\-/]{1,64}$/);

export async function loadCalendarAction(
  from: string,
  to: string,
  timeZone: string,
): Promise<ActionResult<CalendarWindow>> {
  if (!instant.safeParse(from).success || !instant.safeParse(to).success || !zone.safeParse(timeZone).success)
    return { ok: false, error: 'That is not a range of dates the calendar can show.' };
  return attempt(() => listCalendarWindow(from, to, timeZone));
}

/** One event (a series' master, to edit the whole series from one of its occurrences). */
export async function getEventAction(id: string): Promise<ActionResult<CalendarEvent>> {
  if (!eventId.safeParse(id).success) return { ok: false, error: 'Not an event.' };
  return attempt(() => getCalendarEvent(id));
}

/** `following`: the occurrence and every later one of its series. */
const scopeOf = (scope: unknown): 'following' | undefined | false =>
  scope === undefined ? undefined : scope === 'following' ? 'following' : false;

export async function saveEventAction(
  existing: { id: string; version: number } | null,
  draft: EventDraft,
  scope?: 'following',
): Promise<ActionResult<CalendarEvent>> {
  if (existing) {
    if (!eventId.safeParse(existing.id).success) return { ok: false, error: 'Not an event.' };
    const which = scopeOf(scope);
    if (which === false) return { ok: false, error: 'Not a choice of events.' };
    const { connectionId: _ignored, ...changes } = draft;
    return attempt(() =>
      updateCalendarEvent(
        existing.id,
        {
          ...changes,
          version: existing.version,
          // Cleared fields are sent as null: the hub removes them.
          location: draft.location ?? null,
          notes: draft.notes ?? null,
          onlineMeetingUrl: draft.onlineMeetingUrl ?? null,
          endsAt: draft.endsAt ?? null,
          ...(draft.recurrence === undefined ? {} : { recurrence: draft.recurrence }),
        },
        which,
      ),
    );
  }
  return attempt(() => createCalendarEvent(draft));
}

export async function deleteEventAction(id: string, scope?: 'following'): Promise<ActionResult> {
  if (!eventId.safeParse(id).success) return { ok: false, error: 'Not an event.' };
  const which = scopeOf(scope);
  if (which === false) return { ok: false, error: 'Not a choice of events.' };
  return attempt(async () => {
    await deleteCalendarEvent(id, which);
    return undefined;
  });
}

export async function respondEventAction(
  id: string,
  response: 'accepted' | 'tentative' | 'declined',
): Promise<ActionResult<CalendarEvent>> {
  if (!eventId.safeParse(id).success) return { ok: false, error: 'Not an event.' };
  if (!['accepted', 'tentative', 'declined'].includes(response)) return { ok: false, error: 'Not an answer.' };
  return attempt(() => respondToEvent(id, response));
}

export async function resolveConflictAction(
  id: string,
  keep: 'local' | 'remote',
): Promise<ActionResult<CalendarEvent>> {
  if (!z.string().uuid().safeParse(id).success || (keep !== 'local' && keep !== 'remote'))
    return { ok: false, error: 'Not a conflict.' };
  return attempt(async () => (await resolveConflict(id, keep)).result);
}
