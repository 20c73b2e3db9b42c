'use server';
import { revalidatePath } from 'next/cache';
import { redirect } from 'next/navigation';
import { z } from 'zod';
import { browserHeaders } from '@/lib/browser-headers';
import { webEnv } from '@/lib/env';
import { friendlyAuthError } from '@/lib/errors';
import { createSupabaseServerClient } from '@/lib/supabase/server';

/** Two-step sign-in (TOTP, issue 19): enrolment in Settings and the code asked for at sign-in. */

export interface Enrolment {
  factorId: string;
  /** data:image/svg+xml URL of the QR code (supabase-js builds it from the hub's SVG). */
  qrCode: string;
  secret: string;
}

export type EnrolResult = { ok: true; enrolment: Enrolment } | { ok: false; error: string };
export type ConfirmResult = { ok: true; recoveryCodes: string[] } | { ok: false; error: string };

const code = z
  .string()
  .trim()
  .regex(/^(\d{6}|[0-9a-zA-Z]{5}-?[0-9a-zA-Z]{5})$/, 'Enter the 6-digit code (or a recovery code like abcde-12345).');

/** Ten new recovery codes for an aal2 session (the hub's /auth/v1/factors/recovery_codes). */
async function newRecoveryCodes(accessToken: string): Promise<string[]> {
  const env = webEnv();
  const response = await fetch(`${env.supabaseUrl}/auth/v1/factors/recovery_codes`, {
    method: 'POST',
    headers: { ...(await browserHeaders()), apikey: env.supabaseAnonKey, authorization: `Bearer ${accessToken}` },
    cache: 'no-store',
  });
  if (!response.ok) throw new Error(`recovery codes: ${response.status}`);
  return ((await response.json()) as { codes: string[] }).codes;
}

export async function startEnrolment(): Promise<EnrolResult> {
  const supabase = await createSupabaseServerClient();
  // An earlier set-up left unfinished would clash on the name: remove it first.
  const listed = await supabase.auth.mfa.listFactors();
  for (const factor of listed.data?.all ?? []) {
    if (factor.status === 'unverified') await supabase.auth.mfa.unenroll({ factorId: factor.id });
  }
  const { data, error } = await supabase.auth.mfa.enroll({
    factorType: 'totp',
    friendlyName: 'Authenticator app',
    issuer: 'Made Open',
  });
  if (error || !data) return { ok: false, error: friendlyAuthError(error ?? {}) };
  return { ok: true, enrolment: { factorId: data.id, qrCode: data.totp.qr_code, secret: data.totp.secret } };
}

export async function confirmEnrolment(factorId: string, typed: string): Promise<ConfirmResult> {
  const parsed = code.safeParse(typed);
  if (!parsed.success) return { ok: false, error: parsed.error.issues[0]!.message };
  const supabase = await createSupabaseServerClient();
  const { data, error } = await supabase.auth.mfa.challengeAndVerify({ factorId, code: parsed.data });
  if (error || !data) return { ok: false, error: friendlyAuthError(error ?? {}) };
  try {
    const recoveryCodes = await newRecoveryCodes(data.access_token);
    revalidatePath('/settings');
    return { ok: true, recoveryCodes };
  } catch {
    return {
      ok: false,
      error: 'Two-step sign-in is on, but the recovery codes could not be made. Try "New recovery codes".',
    };
  }
}

export async function regenerateRecoveryCodes(): Promise<ConfirmResult> {
  const supabase = await createSupabaseServerClient();
  const { data } = await supabase.auth.getSession();
  if (!data.session) return { ok: false, error: 'Your session has ended. Sign in again to continue.' };
  try {
    return { ok: true, recoveryCodes: await newRecoveryCodes(data.session.access_token) };
  } catch {
    return { ok: false, error: friendlyAuthError({ code: 'insufficient_aal' }) };
  }
}

export async function removeFactor(factorId: string): Promise<{ ok: boolean; error?: string }> {
  const supabase = await createSupabaseServerClient();
  const { error } = await supabase.auth.mfa.unenroll({ factorId });
  if (error) return { ok: false, error: friendlyAuthError(error) };
  revalidatePath('/settings');
  return { ok: true };
}

export interface CodeState {
  error?: string;
}

/** Sign-in's second step: the code from the authenticator app (or a recovery code). */
export async function verifySignInCode(_prev: CodeState, form: FormData): Promise<CodeState> {
  const parsed = code.safeParse(form.get('code') ?? '');
  if (!parsed.success) return { error: parsed.error.issues[0]!.message };
  const supabase = await createSupabaseServerClient();
  const factors = await supabase.auth.mfa.listFactors();
  const factor = factors.data?.totp[0];
  if (!factor) redirect('/');
  const { error } = await supabase.auth.mfa.challengeAndVerify({ factorId: factor.id, code: parsed.data });
  if (error) return { error: friendlyAuthError(error) };
  const next = String(form.get('next') ?? '');
  redirect(next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/\\') ? next : '/');
}
