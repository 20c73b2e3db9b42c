'use server';
import { revalidatePath } from 'next/cache';
import {
  addRelationship,
  createContact,
  deleteEntity,
  getEntity,
  mergeContacts,
  removeLink,
  updateContact,
  type SavedContact,
} from '@/lib/graph';
import { attempt, type ActionResult } from '@/lib/hub';
import { getDefaultRegion } from '@/lib/account';
import { contactInputSchema, type Contact, type ContactInput } from '@/lib/model';
import { relationshipKinds, type CountryCode, type RelationshipKind } from '@made-open/shared/entities';

/** Validated here too (a Server Action is a public endpoint), with the account's region. */
async function validate(
  input: unknown,
): Promise<{ ok: true; data: ContactInput; region?: CountryCode } | { ok: false; result: ActionResult<never> }> {
  const region = (await getDefaultRegion()) as CountryCode | undefined;
  const parsed = contactInputSchema(region).safeParse(input);
  if (parsed.success) return { ok: true, data: parsed.data, region };
  const fieldErrors: Record<string, string> = {};
  for (const issue of parsed.error.issues) fieldErrors[String(issue.path[0])] ??= issue.message;
  return { ok: false, result: { ok: false, error: 'Some fields need attention.', fieldErrors } };
}

export async function createContactAction(input: ContactInput): Promise<ActionResult<SavedContact>> {
  const checked = await validate(input);
  if (!checked.ok) return checked.result;
  const result = await attempt(() => createContact(checked.data));
  if (result.ok) revalidatePath('/contacts');
  return result;
}

export async function updateContactAction(
  id: string,
  version: number,
  input: ContactInput,
): Promise<ActionResult<SavedContact>> {
  const checked = await validate(input);
  if (!checked.ok) return checked.result;
  const result = await attempt(async () => {
    // Read the stored properties so fields this form does not show are kept; the hub
    // still rejects the write with version_conflict if someone changed it in between.
    const current = await getEntity(id);
    return updateContact(id, version, checked.data, current, checked.region);
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

export async function mergeContactsAction(
  primaryId: string,
  otherId: string,
): Promise<ActionResult<Contact & { mergeId?: string }>> {
  if (primaryId === otherId) return { ok: false, error: 'Choose two different contacts to merge.' };
  const result = await attempt(() => mergeContacts(primaryId, otherId));
  if (result.ok) revalidatePath('/contacts', 'layout');
  return result;
}

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export async function addRelationshipAction(
  personId: string,
  kind: RelationshipKind,
  otherId: string,
): Promise<ActionResult> {
  if (!uuid.test(personId) || !uuid.test(otherId)) return { ok: false, error: 'Choose a contact from the list.' };
  if (personId === otherId)
    return { ok: false, error: 'Choose someone else: a person cannot be related to themselves.' };
  if (!(relationshipKinds as readonly string[]).includes(kind))
    return { ok: false, error: 'Choose a relationship from the list.' };
  const result = await attempt(async () => {
    await addRelationship(personId, kind, otherId);
    return undefined;
  });
  if (!result.ok && result.code === 'link_exists')
    return { ok: false, error: 'These two are already linked that way.', code: result.code };
  if (result.ok) revalidatePath('/contacts', 'layout');
  return result;
}

export async function removeRelationshipAction(linkId: string): Promise<ActionResult> {
  if (!uuid.test(linkId)) return { ok: false, error: 'Reload the page and try again.' };
  const result = await attempt(async () => {
    await removeLink(linkId);
    return undefined;
  });
  if (result.ok) revalidatePath('/contacts', 'layout');
  return result;
}
