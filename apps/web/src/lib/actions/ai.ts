'use server';
import { revalidatePath } from 'next/cache';
import { z } from 'zod';
import {
  deleteConversation,
  getEmbeddingStatus,
  reembed,
  setClass,
  setContactClass,
  type ClassSetting,
  type ContactClass,
  type EmbeddingStatus,
} from '@/lib/ai-api';
import { attempt, type ActionResult } from '@/lib/hub';

const RuleSchema = z.object({
  entityType: z.string().regex(/^[a-z_]{1,40}$/),
  rule: z.object({ dataClass: z.enum(['normal', 'sensitive']), cloudRedacted: z.boolean() }).nullable(),
});

/** Sets one entity type's data class (null: back to the default). */
export async function saveDataClassAction(
  entityType: string,
  rule: { dataClass: 'normal' | 'sensitive'; cloudRedacted: boolean } | null,
): Promise<ActionResult<ClassSetting[]>> {
  const parsed = RuleSchema.safeParse({ entityType, rule });
  if (!parsed.success) return { ok: false, error: 'That is not a data class this hub knows.' };
  const result = await attempt(() => setClass(parsed.data.entityType, parsed.data.rule));
  if (result.ok) revalidatePath('/settings/ai');
  return result;
}

const ProfileSchema = z.string().regex(/^(use-lite-512|ollama:[A-Za-z0-9][A-Za-z0-9._:/-]{0,120})$/);

/** Chooses the embedding model and embeds everything again; the status comes back for the progress bar. */
export async function reembedAction(profile: string): Promise<ActionResult<EmbeddingStatus>> {
  const parsed = ProfileSchema.safeParse(profile);
  if (!parsed.success) return { ok: false, error: 'That is not an embedding model this hub knows.' };
  return attempt(() => reembed(parsed.data));
}

/** The embedding progress, polled while a re-embed runs. */
export async function embeddingStatusAction(): Promise<ActionResult<EmbeddingStatus>> {
  return attempt(getEmbeddingStatus);
}

const IdSchema = z.string().uuid();

const ContactRuleSchema = z.object({ personId: IdSchema, rule: RuleSchema.shape.rule });

/** Sets one contact's class for everything about them (null: their items follow their kinds' classes). */
export async function saveContactClassAction(
  personId: string,
  rule: { dataClass: 'normal' | 'sensitive'; cloudRedacted: boolean } | null,
): Promise<ActionResult<ContactClass[]>> {
  const parsed = ContactRuleSchema.safeParse({ personId, rule });
  if (!parsed.success) return { ok: false, error: 'That is not a data class this hub knows.' };
  const result = await attempt(() => setContactClass(parsed.data.personId, parsed.data.rule));
  if (result.ok) {
    revalidatePath('/settings/ai');
    revalidatePath(`/contacts/${parsed.data.personId}`);
  }
  return result;
}

/** Deletes a stored conversation with the assistant. */
export async function deleteConversationAction(id: string): Promise<ActionResult> {
  if (!IdSchema.safeParse(id).success) return { ok: false, error: 'Not a conversation.' };
  const result = await attempt(async () => {
    await deleteConversation(id);
    return undefined;
  });
  if (result.ok) revalidatePath('/ai');
  return result;
}
