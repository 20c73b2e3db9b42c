'use server';
import { revalidatePath } from 'next/cache';
import { z } from 'zod';
import { setClass, type ClassSetting } from '@/lib/ai-api';
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
