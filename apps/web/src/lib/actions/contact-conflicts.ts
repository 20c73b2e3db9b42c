'use server';
import { revalidatePath } from 'next/cache';
import { resolveContactConflict, type ConflictOutcome } from '@/lib/contact-conflicts';
import { attempt, type ActionResult } from '@/lib/hub';

/**
 * Settles a contact conflict: `local` writes the hub's side to Outlook (the edit, or the
 * deletion), `remote` keeps Outlook's copy (the contact here becomes it, or comes back).
 */
export async function resolveContactConflictAction(
  conflictId: string,
  keep: 'local' | 'remote',
): Promise<ActionResult<ConflictOutcome>> {
  if (typeof conflictId !== 'string' || !/^[0-9a-f-]{36}$/i.test(conflictId) || (keep !== 'local' && keep !== 'remote'))
    return { ok: false, error: 'That choice cannot be made here: reload the page.' };
  const result = await attempt(() => resolveContactConflict(conflictId, keep));
  if (result.ok) revalidatePath('/contacts', 'layout');
  return result;
}
