import 'server-only';
import { timelinePageSchema, todaySchema, type TimelinePage, type Today } from '@made-open/shared/timeline';
import { z } from 'zod';
import { hubFetch } from '@/lib/hub';
import { EntitySchema } from '@/lib/model';
import { getEntity } from '@/lib/graph';

/** A page of a person's timeline (GET /persons/:id/timeline), newest first. */
export async function getPersonTimeline(id: string, cursor?: string, limit = 20): Promise<TimelinePage> {
  return timelinePageSchema.parse(
    await hubFetch(`/persons/${encodeURIComponent(id)}/timeline`, { query: { cursor, limit } }),
  );
}

/** What needs attention today, in the reader's time zone. */
export async function getToday(timeZone?: string): Promise<Today> {
  return todaySchema.parse(await hubFetch('/today', { query: { timeZone, recent: 8 } }));
}

export async function completeTask(id: string, version: number): Promise<void> {
  EntitySchema.parse(
    await hubFetch(`/tasks/${encodeURIComponent(id)}/complete`, { method: 'POST', body: { version } }),
  );
}

/**
 * Sets (or clears, with null) a person's "stay in touch every N weeks". Read fresh first, so
 * an edit of the contact in another tab is kept and only this one property changes.
 */
export async function setStayInTouch(id: string, weeks: number | null): Promise<number | null> {
  const person = await getEntity(id);
  const properties: Record<string, unknown> = { ...(person.properties ?? {}) };
  if (weeks === null) delete properties.stayInTouchWeeks;
  else properties.stayInTouchWeeks = weeks;
  await hubFetch(`/entities/${encodeURIComponent(id)}`, {
    method: 'PATCH',
    body: { version: person.version, properties },
  });
  return weeks;
}

const LinksSchema = z.object({
  items: z.array(
    z
      .object({
        kind: z.string(),
        direction: z.string(),
        entity: z.object({ id: z.string(), type: z.string(), title: z.string() }).passthrough(),
      })
      .passthrough(),
  ),
});

/** The people a note mentions (its `mentions` links), with their names as they are now. */
export async function getMentionedPeople(noteId: string): Promise<{ id: string; name: string }[]> {
  const links = LinksSchema.parse(await hubFetch(`/entities/${encodeURIComponent(noteId)}/links`));
  return links.items
    .filter((l) => l.kind === 'mentions' && l.direction === 'out' && l.entity.type === 'person')
    .map((l) => ({ id: l.entity.id, name: l.entity.title.trim() || 'Unnamed contact' }))
    .sort((a, b) => a.name.localeCompare(b.name));
}
