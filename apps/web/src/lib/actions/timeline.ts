'use server';
import { revalidatePath } from 'next/cache';
import { z } from 'zod';
import { attempt, type ActionResult } from '@/lib/hub';
import { completeTask, setStayInTouch } from '@/lib/timeline';

const id = z.uuid();

export async function completeTaskAction(taskId: string, version: number): Promise<ActionResult> {
  if (!id.safeParse(taskId).success || !Number.isInteger(version) || version < 1)
    return { ok: false, error: 'That task cannot be found: reload the page.' };
  const result = await attempt(async () => {
    await completeTask(taskId, version);
    return undefined;
  });
  if (result.ok) revalidatePath('/');
  return result;
}

const weeksSchema = z.number().int().min(1, 'Choose at least 1 week.').max(104, 'Choose at most 104 weeks.').nullable();

export async function setStayInTouchAction(
  personId: string,
  weeks: number | null,
): Promise<ActionResult<number | null>> {
  if (!id.safeParse(personId).success) return { ok: false, error: 'That contact cannot be found: reload the page.' };
  const parsed = weeksSchema.safeParse(weeks);
  if (!parsed.success) return { ok: false, error: parsed.error.issues[0]?.message ?? 'Choose a number of weeks.' };
  const result = await attempt(() => setStayInTouch(personId, parsed.data));
  if (result.ok) revalidatePath(`/contacts/${personId}`);
  return result;
}
