'use server';
import { revalidatePath } from 'next/cache';
import { z } from 'zod';
import { getEmbeddingStatus, reembed, setClass, type ClassSetting, type EmbeddingStatus } from '@/lib/ai-api';
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
