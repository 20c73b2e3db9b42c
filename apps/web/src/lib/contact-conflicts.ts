import 'server-only';
import { hubFetch } from '@/lib/hub';
import { ConflictListSchema, contactConflictOf, type ContactConflict } from './contact-conflict-model';

export type { ContactConflict };

/** The owner's open contact conflicts (edits and deletions Outlook's newer copy stopped), oldest first. */
export async function listContactConflicts(): Promise<ContactConflict[]> {
  const { conflicts } = ConflictListSchema.parse(await hubFetch('/conflicts', { query: { limit: 200 } }));
  return conflicts.flatMap((raw) => contactConflictOf(raw) ?? []);
}

export async function resolveContactConflict(conflictId: string, keep: 'local' | 'remote') {
  await hubFetch(`/conflicts/${encodeURIComponent(conflictId)}/resolve`, { method: 'POST', body: { keep } });
}
