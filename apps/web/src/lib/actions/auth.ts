'use server';
import { redirect } from 'next/navigation';
import { z } from 'zod';
import { friendlyAuthError } from '@/lib/errors';
import { createSupabaseServerClient } from '@/lib/supabase/server';

export interface AuthFormState {
  error?: string;
  fieldErrors?: { email?: string; password?: string; confirm?: string };
  email?: string;
}

const email = z
  .string()
  .trim()
  .min(1, 'Enter your email address.')
  .email('Enter an email address like name@example.com.');

/** Only same-site paths: never redirect somewhere else after sign-in. */
function safeNext(value: FormDataEntryValue | null): string {
  const s = typeof value === 'string' ? value : '';
  return s.startsWith('/') && !s.startsWith('//') && !s.startsWith('/\\') ? s : '/';
}

export async function signIn(_prev: AuthFormState, form: FormData): Promise<AuthFormState> {
  const parsed = z
    .object({ email, password: z.string().min(1, 'Enter your password.') })
    .safeParse({ email: form.get('email'), password: form.get('password') });
  const typedEmail = String(form.get('email') ?? '');
  if (!parsed.success) {
    const f = parsed.error.flatten().fieldErrors;
    return { email: typedEmail, fieldErrors: { email: f.email?.[0], password: f.password?.[0] } };
  }
  const supabase = await createSupabaseServerClient();
  const { error } = await supabase.auth.signInWithPassword(parsed.data);
  if (error) return { email: typedEmail, error: friendlyAuthError(error) };
  // With two-step sign-in on, the password alone is aal1: ask for the code next.
  const level = await supabase.auth.mfa.getAuthenticatorAssuranceLevel();
  if (level.data?.nextLevel === 'aal2' && level.data.currentLevel !== 'aal2') {
    redirect(`/sign-in/code?next=${encodeURIComponent(safeNext(form.get('next')))}`);
  }
  redirect(safeNext(form.get('next')));
}

export async function signUp(_prev: AuthFormState, form: FormData): Promise<AuthFormState> {
  const typedEmail = String(form.get('email') ?? '');
  const parsed = z
    .object({
      email,
      password: z.string().min(8, 'Use at least 8 characters.').max(72, 'Use at most 72 characters.'),
      confirm: z.string(),
    })
    .refine((v) => v.password === v.confirm, { path: ['confirm'], message: 'The two passwords are different.' })
    .safeParse({ email: form.get('email'), password: form.get('password'), confirm: form.get('confirm') });
  if (!parsed.success) {
    const f = parsed.error.flatten().fieldErrors;
    return {
      email: typedEmail,
      fieldErrors: { email: f.email?.[0], password: f.password?.[0], confirm: f.confirm?.[0] },
    };
  }
  const supabase = await createSupabaseServerClient();
  const { data, error } = await supabase.auth.signUp({ email: parsed.data.email, password: parsed.data.password });
  if (error) return { email: typedEmail, error: friendlyAuthError(error) };
  if (!data.session) {
    // Hubs that require confirmation return no session: sign in explicitly.
    const signedIn = await supabase.auth.signInWithPassword({
      email: parsed.data.email,
      password: parsed.data.password,
    });
    if (signedIn.error) return { email: typedEmail, error: friendlyAuthError(signedIn.error) };
  }
  redirect('/?welcome=1');
}

export async function signOut(): Promise<void> {
  const supabase = await createSupabaseServerClient();
  // scope 'local' ends this browser's session; the hub revokes its refresh token.
  await supabase.auth.signOut({ scope: 'local' });
  redirect('/sign-in?reason=signed-out');
}

export async function signOutEverywhere(): Promise<void> {
  const supabase = await createSupabaseServerClient();
  await supabase.auth.signOut({ scope: 'global' });
  redirect('/sign-in?reason=signed-out');
}
