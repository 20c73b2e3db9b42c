import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isAuthApiError } from '@supabase/supabase-js';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabaseKinds } from '../../../test/databases.ts';
import { listeningHub, supabaseClient } from '../../../test/supabase.ts';
import type { TestHub } from '../../../test/hub.ts';
import { signUpUser } from '../../../test/users.ts';

/**
 * GoTrue's error answers in the hub's claimed scope, through supabase-js itself: every
 * /auth/v1 answer (unknown routes too) in GoTrue's shape, bad JWTs as GoTrue's 403 bad_jwt,
 * and a configurable minimum password length worded as GoTrue words it.
 */
const env = { AUTH_PASSWORD_MIN_LENGTH: '12' };

describe.each(testDatabaseKinds())('GoTrue error answers with supabase-js on %s', (kind) => {
  let hub: TestHub;
  let url: string;
  let anonKey: string;

  beforeAll(async () => {
    ({ hub, url, anonKey } = await listeningHub(kind, env));
  }, 180_000);
  afterAll(() => hub?.close());

  it('answers routes it lacks with a GoTrue 404 that supabase-js reads as an AuthApiError, not raw JSON', async () => {
    const { error } = await supabaseClient(url, anonKey).auth.signInWithSSO({ domain: 'example.test' });
    expect(isAuthApiError(error)).toBe(true);
    expect(error).toMatchObject({ status: 404, code: 'not_found' });
    expect(error!.message).toMatch(/^There is no POST \/auth\/v1\/sso endpoint/);
    expect(error!.message).not.toContain('{');

    const legacy = await fetch(`${url}/auth/v1/no/such/route?x=1`, { headers: { apikey: anonKey } });
    expect(legacy.status).toBe(404);
    expect(legacy.headers.get('x-sb-error-code')).toBe('not_found');
    expect(await legacy.json()).toEqual({
      code: 404,
      error_code: 'not_found',
      msg: expect.stringContaining('There is no GET /auth/v1/no/such/route endpoint'),
    });
    // Outside /auth/v1 the platform's shape stays.
    const platform = await fetch(`${url}/api/v1/no-such-route`);
    expect(await platform.json()).toMatchObject({ error: { code: 'route_not_found' } });
  });

  it('refuses malformed, forged and expired JWTs on /user and /logout with 403 bad_jwt "invalid JWT: ..."', async () => {
    const user = await signUpUser(hub);
    const secret = new TextEncoder().encode(readFileSync(join(hub.dataDir, 'auth-jwt-secret'), 'utf8').trim());
    const now = Math.floor(Date.now() / 1000);
    const claims = { ...user.claims } as Record<string, unknown>;
    delete claims.exp;
    delete claims.iat;
    const expired = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuedAt(now - 7200)
      .setExpirationTime(now - 60)
      .sign(secret);
    const forged = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuedAt(now)
      .setExpirationTime(now + 600)
      .sign(new TextEncoder().encode('y'.repeat(48)));
    const cases: [string, string][] = [
      ['not-a-jwt', 'invalid JWT: unable to parse or verify signature, token is malformed: '],
      [expired, 'invalid JWT: unable to parse or verify signature, token has invalid claims: token is expired'],
      [forged, 'invalid JWT: unable to parse or verify signature, token signature is invalid: signature is invalid'],
    ];
    const supabase = supabaseClient(url, anonKey);
    for (const [token, message] of cases) {
      const got = await supabase.auth.getUser(token);
      expect(got.data.user).toBeNull();
      expect(got.error).toMatchObject({ status: 403, code: 'bad_jwt' });
      expect(got.error!.message.startsWith(message), got.error!.message).toBe(true);

      const out = await supabase.auth.admin.signOut(token);
      expect(out.error).toMatchObject({ status: 403, code: 'bad_jwt' });
      expect(out.error!.message.startsWith(message)).toBe(true);
    }
    // The anon key is a valid JWT without a user: GoTrue's words for it.
    const anon = await supabase.auth.getUser(anonKey);
    expect(anon.error).toMatchObject({ status: 403, code: 'bad_jwt', message: 'invalid claim: missing sub claim' });
    // The user's own token still works.
    expect((await supabase.auth.getUser(user.accessToken)).data.user?.id).toBe(user.id);
  });

  it('takes the minimum password length from AUTH_PASSWORD_MIN_LENGTH and says it as GoTrue does', async () => {
    const supabase = supabaseClient(url, anonKey);
    const email = `len-${Math.random().toString(36).slice(2, 8)}@example.test`;
    const short = await supabase.auth.signUp({ email, password: 'elevenchars' });
    expect(short.error).toMatchObject({ status: 422, code: 'weak_password', reasons: ['length'] });
    expect(short.error!.message).toBe('Password should be at least 12 characters.');
    const ok = await supabase.auth.signUp({ email, password: 'twelve chars' });
    expect(ok.error).toBeNull();
    const change = await supabase.auth.updateUser({ password: 'too short', current_password: 'twelve chars' } as never);
    expect(change.error).toMatchObject({ status: 422, code: 'weak_password' });
  });
});
