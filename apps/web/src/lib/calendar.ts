import 'server-only';
import { z } from 'zod';
import { hubFetch } from '@/lib/hub';
import { fetchConnections } from '@/lib/connections/api';
import { ConnectionSchema } from '@/lib/connections/model';
import type { CalendarEvent, CalendarWindow, EventDraft } from '@/components/calendar/model';

/** The hub's calendar API (modules/calendar), as the /calendar screen reads and writes it. */

const id = (value: string) => encodeURIComponent(value);

export async function listCalendarWindow(from: string, to: string, timeZone: string): Promise<CalendarWindow> {
  return hubFetch<CalendarWindow>('/calendar/events', { query: { from, to, timeZone } });
}

export async function getCalendarEvent(eventId: string): Promise<CalendarEvent> {
  return hubFetch<CalendarEvent>(`/calendar/events/${id(eventId)}`);
}

export async function createCalendarEvent(draft: EventDraft): Promise<CalendarEvent> {
  return hubFetch<CalendarEvent>('/calendar/events', { method: 'POST', body: draft });
}

/** `following`: this occurrence of a series and every later one (the hub splits or ends the series). */
export async function updateCalendarEvent(
  eventId: string,
  changes: Record<string, unknown>,
  scope?: 'following',
): Promise<CalendarEvent> {
  return hubFetch<CalendarEvent>(`/calendar/events/${id(eventId)}`, {
    method: 'PATCH',
    body: changes,
    query: { scope },
  });
}

export async function deleteCalendarEvent(eventId: string, scope?: 'following'): Promise<void> {
  await hubFetch(`/calendar/events/${id(eventId)}`, { method: 'DELETE', query: { scope } });
}

export async function respondToEvent(eventId: string, response: 'accepted' | 'tentative' | 'declined') {
  return hubFetch<CalendarEvent>(`/calendar/events/${id(eventId)}/respond`, { method: 'POST', body: { response } });
}

export async function resolveConflict(conflictId: string, keep: 'local' | 'remote') {
  return hubFetch<{ result: CalendarEvent }>(`/conflicts/${id(conflictId)}/resolve`, {
    method: 'POST',
    body: { keep },
  });
}

/** The live connections that can write calendars (the "which calendar" choice). */
export async function listCalendarConnections(): Promise<{ id: string; label: string; provider: string }[]> {
  const { connections } = z.object({ connections: z.array(ConnectionSchema) }).parse(await fetchConnections());
  return connections
    .filter((c) => c.status === 'active' && c.capabilities.includes('calendar'))
    .map((c) => ({ id: c.id, label: c.label, provider: c.provider }));
}
