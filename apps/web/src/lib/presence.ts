import 'server-only';
import { z } from 'zod';
import { hubFetch } from '@/lib/hub';

/** GET /api/v1/persons/:id/presence (connectors/msgraph): the latest Teams presence, words and a tone. */
export const PersonPresenceSchema = z.object({
  availability: z.string(),
  activity: z.string(),
  label: z.string(),
  tone: z.enum(['available', 'busy', 'away', 'offline']),
  changedAt: z.string().nullable(),
});
export type PersonPresence = z.infer<typeof PersonPresenceSchema>;

/** The person's presence, or null when no work account reports one (404) or the hub cannot say. */
export async function getPersonPresence(personId: string): Promise<PersonPresence | null> {
  try {
    const parsed = PersonPresenceSchema.safeParse(await hubFetch(`/persons/${encodeURIComponent(personId)}/presence`));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}
