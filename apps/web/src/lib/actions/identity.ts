'use server';
import { revalidatePath } from 'next/cache';
import { mergeContacts } from '@/lib/graph';
import { attempt, type ActionResult } from '@/lib/hub';
import { acceptSuggestion, dismissSuggestion, listSuggestions, undoMerge, type SuggestionPage } from '@/lib/identity';

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const stale: ActionResult<never> = { ok: false, error: 'Reload the page and try again.' };

export async function acceptSuggestionAction(
  id: string,
  keepId: string,
): Promise<ActionResult<{ mergeId: string; personId: string }>> {
  if (!uuid.test(id) || !uuid.test(keepId)) return stale;
  const result = await attempt(() => acceptSuggestion(id, keepId));
  if (result.ok) revalidatePath('/contacts', 'layout');
  return result;
}

export async function dismissSuggestionAction(id: string): Promise<ActionResult> {
  if (!uuid.test(id)) return stale;
  const result = await attempt(async () => {
    await dismissSuggestion(id);
    return undefined;
  });
  if (result.ok) revalidatePath('/contacts', 'layout');
  return result;
}

export async function undoMergeAction(
  mergeId: string,
): Promise<ActionResult<{ survivorId: string; restoredId: string }>> {
  if (!uuid.test(mergeId)) return stale;
  const result = await attempt(() => undoMerge(mergeId));
  if (result.ok) revalidatePath('/contacts', 'layout');
  return result;
}

/** The inline "this looks like X" notice: folds `otherId` into `keepId`, answering the merge to undo. */
export async function mergeDuplicateAction(
  keepId: string,
  otherId: string,
): Promise<ActionResult<{ mergeId: string; personId: string; name: string }>> {
  if (!uuid.test(keepId) || !uuid.test(otherId) || keepId === otherId) return stale;
  const result = await attempt(() => mergeContacts(keepId, otherId));
  if (!result.ok) return result;
  revalidatePath('/contacts', 'layout');
  if (!result.data.mergeId) return { ok: false, error: 'The hub did not say how to undo this merge.' };
  return { ok: true, data: { mergeId: result.data.mergeId, personId: result.data.id, name: result.data.name } };
}

/** The next page of the review queue ("Show more"). */
export async function listSuggestionsAction(cursor: string): Promise<ActionResult<SuggestionPage>> {
  if (cursor.length > 200) return stale;
  return attempt(() => listSuggestions(20, cursor));
}
