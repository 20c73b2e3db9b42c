'use server';
import { revalidatePath } from 'next/cache';
import { z } from 'zod';
import { updateAccountSettings } from '@/lib/account';
import { friendlyAuthError } from '@/lib/errors';
import { attempt, type ActionResult } from '@/lib/hub';
import { createSupabaseServerClient } from '@/lib/supabase/server';
import type { AccountSettings } from '@made-open/shared/settings-api';

export interface PasswordState {
  ok?: boolean;
  error?: string;
  fieldErrors?: { current?: string; password?: string; confirm?: string };
}

const PasswordChangeSchema = z
  .object({
    current: z.string().min(1, 'Enter your current password.').max(1000),
    password: z
      .string()
      .refine((v) => v.trim() !== '', 'A password cannot be blank or only spaces.')
      .refine((v) => [...v].length >= 8, 'Use at least 8 characters.')
      .refine((v) => [...v].length <= 72, 'Use at most 72 characters.'),
    confirm: z.string(),
  })
  .refine((v) => v.password === v.confirm, { path: ['confirm'], message: 'The two passwords are different.' });

export async function changePassword(_prev: PasswordState, form: FormData): Promise<PasswordState> {
  const parsed = PasswordChangeSchema.safeParse({
    current: form.get('current') ?? '',
    password: form.get('password') ?? '',
    confirm: form.get('confirm') ?? '',
  });
  if (!parsed.success) {
    const f = parsed.error.flatten().fieldErrors;
    return { fieldErrors: { current: f.current?.[0], password: f.password?.[0], confirm: f.confirm?.[0] } };
  }
  const supabase = await createSupabaseServerClient();
  const { error } = await supabase.auth.updateUser({
    password: parsed.data.password,
    current_password: parsed.data.current,
  });
  if (error) {
    const message = friendlyAuthError(error);
    if (error.code === 'current_password_mismatch' || error.code === 'current_password_required')
      return { fieldErrors: { current: message } };
    if (error.code === 'weak_password' || error.code === 'same_password') return { fieldErrors: { password: message } };
    return { error: message };
  }
  return { ok: true };
}

const RegionSchema = z.union([z.literal(''), z.string().regex(/^[A-Z]{2}$/, 'Choose a region from the list.')]);

/** '' clears the default region. */
export async function saveDefaultRegionAction(region: string): Promise<ActionResult<AccountSettings>> {
  const parsed = RegionSchema.safeParse(region);
  if (!parsed.success) return { ok: false, error: 'Choose a region from the list.' };
  const result = await attempt(() => updateAccountSettings({ defaultRegion: parsed.data || null }));
  if (result.ok) revalidatePath('/', 'layout');
  return result;
}

export async function setSignUpOpenAction(open: boolean): Promise<ActionResult<AccountSettings>> {
  if (typeof open !== 'boolean') return { ok: false, error: 'Reload the page and try again.' };
  const result = await attempt(() => updateAccountSettings({ signUpOpen: open }));
  if (result.ok) revalidatePath('/settings');
  return result;
}
