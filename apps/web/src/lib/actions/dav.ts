'use server';
import { revalidatePath } from 'next/cache';
import { z } from 'zod';
import { createAppPassword, revokeAppPassword } from '@/lib/dav';
import { attempt, type ActionResult } from '@/lib/hub';

const nameSchema = z.string().trim().min(1, 'Name the phone, like "Ann’s iPhone".').max(100, 'At most 100 characters.');

/** Makes an app password and answers it (shown once). */
export async function createAppPasswordAction(name: string): Promise<ActionResult<{ name: string; password: string }>> {
  const checked = nameSchema.safeParse(name);
  if (!checked.success) return { ok: false, error: checked.error.issues[0]!.message };
  const result = await attempt(async () => {
    const made = await createAppPassword(checked.data);
    return { name: made.appPassword.name, password: made.password };
  });
  revalidatePath('/settings/phone-sync');
  return result;
}

export async function revokeAppPasswordAction(id: string): Promise<ActionResult> {
  if (!z.string().uuid().safeParse(id).success) return { ok: false, error: 'Not an app password.' };
  const result = await attempt(async () => {
    await revokeAppPassword(id);
    return undefined;
  });
  revalidatePath('/settings/phone-sync');
  return result;
}
