import type { AddressInfo } from 'node:net';
import type { SupabaseClient } from '@supabase/supabase-js';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabaseKinds } from '../../../test/databases.ts';
import { createTestHub, type TestHub } from '../../../test/hub.ts';
import { supabaseClient, uniqueName } from '../../../test/supabase.ts';
import type { AuthModule } from './index.ts';
import { generous } from './test/support.ts';
import { linkAndCode, startSmtpServer } from './test/smtp.ts';

/**
 * Password recovery, email confirmation, magic links and codes through supabase-js, with
 * the mail delivered over SMTP to a real SMTP server running in this test (test/smtp.ts),
 * from which the links and codes are read. The hub's clock is real time plus `skewMs`.
 */
describe.each(testDatabaseKinds())('mail from the hub on %s', (kind) => {
  let hub: TestHub;
  let url: string;
  let anonKey: string;
  let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
  let ownerToken: string;
  let skewMs = 0;
  const password = 'a good long password';
  const client = (): SupabaseClient => supabaseClient(url, anonKey);
  const newEmail = (label: string) => `${uniqueName(label)}@example.test`;
  // The test hub's PUBLIC_URL has port 0 (it listens on a free one): follow links there.
  const onHub = (link: URL) => new URL(link.pathname + link.search, url);

  async function api(method: string, path: string, body?: unknown, token = ownerToken) {
    const response = await fetch(`${url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    return { status: response.status, body: response.status === 204 ? null : await response.json() };
  }

  beforeAll(async () => {
    smtp = await startSmtpServer({ user: 'hub@example.test', pass: 'smtp secret' });
    hub = await createTestHub(
      kind,
      { ...generous, AUTH_MAILER_AUTOCONFIRM: 'false', CORS_ORIGINS: 'http://app.example.test' },
      { auth: { now: () => Date.now() + skewMs } },
    );
    await hub.app.listen({ port: 0, host: '127.0.0.1' });
    url = `http://127.0.0.1:${(hub.app.server.address() as AddressInfo).port}`;
    anonKey = (hub.modules.find((m) => m.name === 'auth') as AuthModule).anonKey;
  }, 180_000);
  afterAll(async () => {
    await hub?.close();
    await smtp?.close();
  });

  it('says recovery is off, through supabase-js, until the owner sets up a sender', async () => {
    // No sender yet: sign-up with confirmation on cannot mail either, so the owner is made directly.
    const owner = await hub.app.inject({
      method: 'POST',
      url: '/auth/v1/admin/users',
      headers: {
        authorization: `Bearer ${(await import('node:fs')).readFileSync(`${hub.dataDir}/service-role-key`, 'utf8').trim()}`,
      },
      payload: { email: newEmail('owner'), password, email_confirm: true },
    });
    expect(owner.statusCode).toBe(200);
    const signedIn = await client().auth.signInWithPassword({ email: owner.json().email, password });
    ownerToken = signedIn.data.session!.access_token;

    const off = await client().auth.resetPasswordForEmail(owner.json().email);
    expect(off.error).toMatchObject({ status: 422, code: 'email_provider_disabled' });
    expect(off.error!.message).toMatch(/no email sender.*Settings/);
    const otpOff = await client().auth.signInWithOtp({ email: owner.json().email });
    expect(otpOff.error).toMatchObject({ code: 'email_provider_disabled' });

    // A wrong password: the test mail reports the server's refusal.
    let saved = await api('PUT', '/api/v1/settings/email-sender', {
      host: '127.0.0.1',
      port: smtp.port,
      secure: false,
      username: 'hub@example.test',
      password: 'wrong',
      from: 'Made Open <hub@example.test>',
    });
    expect(saved.status).toBe(200);
    const test = await api('POST', '/api/v1/settings/email-sender/test');
    expect(test.status).toBe(400);
    expect(JSON.stringify(test.body)).toMatch(/Invalid username or password/);

    saved = await api('PUT', '/api/v1/settings/email-sender', {
      host: '127.0.0.1',
      port: smtp.port,
      secure: false,
      username: 'hub@example.test',
      password: 'smtp secret',
      from: 'Made Open <hub@example.test>',
    });
    expect(saved.body).toMatchObject({ configured: true, passwordSet: true, port: smtp.port });
    expect(JSON.stringify(saved.body)).not.toContain('smtp secret');
    expect((await api('POST', '/api/v1/settings/email-sender/test')).status).toBe(204);
    expect((await smtp.mailTo(owner.json().email)).subject).toMatch(/sender works/);

    // Only the owner sees or changes it; the password is stored sealed.
    const other = await client().auth.signUp({ email: newEmail('other'), password });
    expect(other.error).toBeNull();
    await smtp.mailTo(other.data.user!.email!);
    const stored = await hub.database.db.asSystem((tx) =>
      tx.query<{ password_sealed: Buffer }>('SELECT password_sealed FROM made_open.auth_email_sender'),
    );
    expect(Buffer.from(stored.rows[0]!.password_sealed).toString('latin1')).not.toContain('smtp secret');
  });

  it('confirms a sign-up by the mailed link, and resends at most once a minute', async () => {
    const email = newEmail('confirm');
    const signedUp = await client().auth.signUp({
      email,
      password,
      options: { emailRedirectTo: 'http://app.example.test/welcome' },
    });
    expect(signedUp.error).toBeNull();
    expect(signedUp.data.session).toBeNull();
    expect(signedUp.data.user).toMatchObject({ email, email_confirmed_at: null });
    const refused = await client().auth.signInWithPassword({ email, password });
    expect(refused.error).toMatchObject({ code: 'email_not_confirmed' });

    const first = linkAndCode(await smtp.mailTo(email));
    const tooSoon = await client().auth.resend({ type: 'signup', email });
    expect(tooSoon.error).toMatchObject({ status: 429, code: 'over_email_send_rate_limit' });
    skewMs += 61_000;
    const resent = await client().auth.resend({
      type: 'signup',
      email,
      options: { emailRedirectTo: 'http://app.example.test/welcome' },
    });
    expect(resent.error).toBeNull();
    const mail = await smtp.mailTo(email);
    expect(mail.subject).toBe('Confirm your email address');
    const { link } = linkAndCode(mail);
    // GoTrue's link: /verify?token=<hex SHA-224 of email + code>&type=signup&redirect_to=...
    expect(link.searchParams.get('token')).toMatch(/^[0-9a-f]{56}$/);
    expect(link.searchParams.get('type')).toBe('signup');

    // The resend replaced the first link.
    const old = await fetch(onHub(first.link), { redirect: 'manual' });
    expect(new URL(old.headers.get('location')!).hash).toContain('error_code=otp_expired');

    const followed = await fetch(onHub(link), { redirect: 'manual' });
    expect(followed.status).toBe(303);
    const location = new URL(followed.headers.get('location')!);
    expect(location.origin + location.pathname).toBe('http://app.example.test/welcome');
    const fragment = new URLSearchParams(location.hash.slice(1));
    expect(fragment.get('type')).toBe('signup');
    const session = await client().auth.setSession({
      access_token: fragment.get('access_token')!,
      refresh_token: fragment.get('refresh_token')!,
    });
    expect(session.error).toBeNull();
    expect(session.data.user!.email_confirmed_at).not.toBeNull();
    expect((await client().auth.signInWithPassword({ email, password })).error).toBeNull();

    // Used: the same link again is refused.
    const again = await fetch(onHub(link), { redirect: 'manual' });
    expect(new URL(again.headers.get('location')!).hash).toContain('error_code=otp_expired');
  });

  it('recovers a password with the mailed code, then sets a new one without the old', async () => {
    const email = newEmail('recover');
    await client().auth.signUp({ email, password });
    const confirm = linkAndCode(await smtp.mailTo(email));
    expect((await client().auth.verifyOtp({ email, token: confirm.code, type: 'signup' })).error).toBeNull();

    expect((await client().auth.resetPasswordForEmail(email)).error).toBeNull();
    const mail = await smtp.mailTo(email);
    expect(mail.subject).toBe('Reset your password');
    expect(mail.from).toContain('hub@example.test');
    const { code } = linkAndCode(mail);

    const wrongType = await client().auth.verifyOtp({ email, token: code, type: 'magiclink' });
    expect(wrongType.error).toMatchObject({ status: 403, code: 'otp_expired' });
    const recovering = client();
    const verified = await recovering.auth.verifyOtp({ email, token: code, type: 'recovery' });
    expect(verified.error).toBeNull();
    const amr = decodeJwt(verified.data.session!.access_token).amr as { method: string }[];
    expect(amr[0]!.method).toBe('recovery');
    const changed = await recovering.auth.updateUser({ password: 'a brand new password' });
    expect(changed.error).toBeNull();
    expect((await client().auth.signInWithPassword({ email, password: 'a brand new password' })).error).toBeNull();
    expect((await client().auth.signInWithPassword({ email, password })).error).toMatchObject({
      code: 'invalid_credentials',
    });
    // The code is spent.
    const reused = await client().auth.verifyOtp({ email, token: code, type: 'recovery' });
    expect(reused.error).toMatchObject({ code: 'otp_expired' });

    // An address without an account gets the same answer, and no mail.
    const before = smtp.mails.length;
    expect((await client().auth.resetPasswordForEmail(newEmail('nobody'))).error).toBeNull();
    expect(smtp.mails.length).toBe(before);
  });

  it('refuses an expired link, and holds back guessed codes', async () => {
    const email = newEmail('expire');
    await client().auth.signUp({ email, password });
    const { link } = linkAndCode(await smtp.mailTo(email));
    skewMs += 3_601_000;
    const expired = await client().auth.verifyOtp({ token_hash: link.searchParams.get('token')!, type: 'signup' });
    expect(expired.error).toMatchObject({ status: 403, code: 'otp_expired' });

    skewMs += 61_000;
    await client().auth.resend({ type: 'signup', email });
    const { code } = linkAndCode(await smtp.mailTo(email));
    const wrong = code === '000000' ? '000001' : '000000';
    const guesses = [];
    for (let i = 0; i < 6; i++) guesses.push(await client().auth.verifyOtp({ email, token: wrong, type: 'email' }));
    expect(guesses[0]!.error).toMatchObject({ code: 'otp_expired' });
    expect(guesses[5]!.error).toMatchObject({ status: 429 });
    const right = await client().auth.verifyOtp({ email, token: code, type: 'email' });
    expect(right.error).toMatchObject({ status: 429 });
  });

  it('signs in with a magic link or code (signInWithOtp), creating the account unless told not to', async () => {
    const email = newEmail('magic');
    const unknown = await client().auth.signInWithOtp({ email, options: { shouldCreateUser: false } });
    expect(unknown.error).toMatchObject({ status: 422, code: 'otp_disabled' });

    expect((await client().auth.signInWithOtp({ email })).error).toBeNull();
    const mail = await smtp.mailTo(email);
    expect(mail.subject).toBe('Your sign-in link');
    const { link, code } = linkAndCode(mail);
    expect(link.searchParams.get('type')).toBe('magiclink');
    const signedIn = await client().auth.verifyOtp({ email, token: code, type: 'email' });
    expect(signedIn.error).toBeNull();
    expect(signedIn.data.user).toMatchObject({ email, email_confirmed_at: expect.any(String) });
    expect((decodeJwt(signedIn.data.session!.access_token).amr as { method: string }[])[0]!.method).toBe('otp');

    // An account made this way has no password: it may set one without a current one.
    const withSession = client();
    await withSession.auth.setSession(signedIn.data.session!);
    expect((await withSession.auth.updateUser({ password: 'my first password' })).error).toBeNull();

    skewMs += 61_000;
    expect((await client().auth.signInWithOtp({ email })).error).toBeNull();
    const byLink = linkAndCode(await smtp.mailTo(email));
    const viaHash = await client().auth.verifyOtp({
      token_hash: byLink.link.searchParams.get('token')!,
      type: 'magiclink',
    });
    expect(viaHash.error).toBeNull();
    expect(viaHash.data.user!.email).toBe(email);
  });

  it('keeps the sender and tokens from users: not the owner is 403, and RLS gives no rows', async () => {
    const stranger = await client().auth.signUp({ email: newEmail('stranger'), password });
    const confirm = linkAndCode(await smtp.mailTo(stranger.data.user!.email!));
    const session = await client().auth.verifyOtp({
      email: stranger.data.user!.email!,
      token: confirm.code,
      type: 'signup',
    });
    const token = session.data.session!.access_token;
    expect((await api('GET', '/api/v1/settings/email-sender', undefined, token)).status).toBe(403);
    expect((await api('DELETE', '/api/v1/settings/email-sender', undefined, token)).status).toBe(403);
    const claims = { sub: session.data.user!.id, role: 'authenticated' as const };
    for (const table of ['made_open.auth_email_sender', 'made_open.auth_one_time_tokens']) {
      await expect(hub.database.db.queryAsUser(claims, `SELECT * FROM ${table}`, [])).rejects.toThrow(
        /permission denied/,
      );
    }
  });
});
