'use server';
import { z } from 'zod';
import { friendlyAuthError } from '@/lib/errors';
import { createSupabaseServerClient } from '@/lib/supabase/server';

export interface PasswordState {
  ok?: boolean;
  error?: string;
  fieldErrors?: { password?: string; confirm?: string };
}

export async function changePassword(_prev: PasswordState, form: FormData): Promise<PasswordState> {
  const parsed = z
    .object({
      password: z.string().min(8, 'Use at least 8 characters.').max(72, 'Use at most 72 characters.'),
      confirm: z.string(),
    })
    .refine((v) => v.password === v.confirm, { path: ['confirm'], message: 'The two passwords are different.' })
    .safeParse({ password: form.get('password'), confirm: form.get('confirm') });
  if (!parsed.success) {
    const f = parsed.error.flatten().fieldErrors;
    return { fieldErrors: { password: f.password?.[0], confirm: f.confirm?.[0] } };
  }
  const supabase = await createSupabaseServerClient();
  const { error } = await supabase.auth.updateUser({ password: parsed.data.password });
  if (error) return { error: friendlyAuthError(error) };
  return { ok: true };
}
