'use server';
import { revalidatePath } from 'next/cache';
import { createContact, deleteEntity, getEntity, mergeContacts, updateContact } from '@/lib/graph';
import { attempt, type ActionResult } from '@/lib/hub';
import { ContactInputSchema, type Contact, type ContactInput } from '@/lib/model';

function invalid(input: unknown): ActionResult<never> | null {
  const parsed = ContactInputSchema.safeParse(input);
  if (parsed.success) return null;
  const fieldErrors: Record<string, string> = {};
  for (const issue of parsed.error.issues) fieldErrors[String(issue.path[0])] ??= issue.message;
  return { ok: false, error: 'Some fields need attention.', fieldErrors };
}

export async function createContactAction(input: ContactInput): Promise<ActionResult<Contact>> {
  const bad = invalid(input);
  if (bad) return bad;
  const result = await attempt(() => createContact(ContactInputSchema.parse(input)));
  if (result.ok) revalidatePath('/contacts');
  return result;
}

export async function updateContactAction(
  id: string,
  version: number,
  input: ContactInput,
): Promise<ActionResult<Contact>> {
  const bad = invalid(input);
  if (bad) return bad;
  const result = await attempt(async () => {
    // Read the stored properties so fields this form does not show are kept; the hub
    // still rejects the write with version_conflict if someone changed it in between.
    const current = await getEntity(id);
    return updateContact(id, version, ContactInputSchema.parse(input), current);
  });
  if (result.ok) revalidatePath('/contacts', 'layout');
  return result;
}

export async function deleteContactAction(id: string): Promise<ActionResult> {
  const result = await attempt(async () => {
    await deleteEntity(id);
    return undefined;
  });
  if (result.ok) revalidatePath('/contacts', 'layout');
  return result;
}

export async function mergeContactsAction(primaryId: string, otherId: string): Promise<ActionResult<Contact>> {
  if (primaryId === otherId) return { ok: false, error: 'Choose two different contacts to merge.' };
  const result = await attempt(() => mergeContacts(primaryId, otherId));
  if (result.ok) revalidatePath('/contacts', 'layout');
  return result;
}
