import 'server-only';
import { hubFetch } from '@/lib/hub';
import {
  ConflictListSchema,
  contactConflictOf,
  contactConflictsQuery,
  conflictOutcomeOf,
  type ConflictOutcome,
  type ContactConflict,
} from './contact-conflict-model';

export type { ConflictOutcome, ContactConflict };

/**
 * The owner's open contact conflicts (edits and deletions Outlook's newer copy stopped), newest
 * first: everyone's, or one person's when `personId` is given (the hub filters them).
 */
export async function listContactConflicts(personId?: string): Promise<ContactConflict[]> {
  const { conflicts } = ConflictListSchema.parse(
    await hubFetch('/conflicts', { query: contactConflictsQuery(personId) }),
  );
  return conflicts.flatMap((raw) => contactConflictOf(raw) ?? []);
}

/** Settles one; says whether Outlook had deleted the contact meanwhile (see conflictOutcomeOf). */
export async function resolveContactConflict(conflictId: string, keep: 'local' | 'remote'): Promise<ConflictOutcome> {
  return conflictOutcomeOf(
    await hubFetch(`/conflicts/${encodeURIComponent(conflictId)}/resolve`, { method: 'POST', body: { keep } }),
  );
}
