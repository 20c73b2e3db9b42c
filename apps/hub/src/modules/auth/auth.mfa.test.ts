import type { AddressInfo } from 'node:net';
import type { SupabaseClient } from '@supabase/supabase-js';
import { decodeJwt } from 'jose';
import { Secret, TOTP } from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabaseKinds } from '../../../test/databases.ts';
import { createTestHub, type TestHub } from '../../../test/hub.ts';
import { supabaseClient, uniqueName } from '../../../test/supabase.ts';
import type { AuthModule } from './index.ts';
import { generous } from './test/support.ts';

/**
 * TOTP MFA through supabase-js's own auth.mfa API against a listening hub. The hub's clock
 * is the real one plus `skewMs`, which a test moves forward to expire a challenge; codes are
 * computed here with otpauth at the hub's time, as an authenticator app would.
 */
describe.each(testDatabaseKinds())('TOTP MFA on %s', (kind) => {
  let hub: TestHub;
  let url: string;
  let anonKey: string;
  let skewMs = 0;
  const hubNow = () => Date.now() + skewMs;

  beforeAll(async () => {
    hub = await createTestHub(kind, generous, { auth: { now: hubNow } });
    await hub.app.listen({ port: 0, host: '127.0.0.1' });
    url = `http://127.0.0.1:${(hub.app.server.address() as AddressInfo).port}`;
    anonKey = (hub.modules.find((m) => m.name === 'auth') as AuthModule).anonKey;
  }, 180_000);
  afterAll(() => hub?.close());

  const codeAt = (secret: string, atMs: number) =>
    new TOTP({ secret: Secret.fromBase32(secret), digits: 6, period: 30, algorithm: 'SHA1' }).generate({
      timestamp: atMs,
    });

  async function newUser(): Promise<{ client: SupabaseClient; email: string; password: string }> {
    const client = supabaseClient(url, anonKey);
    const email = `${uniqueName('mfa')}@example.test`;
    const password = 'a good long password';
    const { error } = await client.auth.signUp({ email, password });
    expect(error).toBeNull();
    return { client, email, password };
  }

  /** A user with one verified TOTP factor, signed in at aal2. */
  async function userWithFactor() {
    const user = await newUser();
    const enrolled = await user.client.auth.mfa.enroll({ factorType: 'totp', friendlyName: 'phone app' });
    expect(enrolled.error).toBeNull();
    const { id: factorId, totp } = enrolled.data as { id: string; totp: { secret: string } };
    const verified = await user.client.auth.mfa.challengeAndVerify({ factorId, code: codeAt(totp.secret, hubNow()) });
    expect(verified.error).toBeNull();
    return { ...user, factorId, secret: totp.secret };
  }

  it('enrols a factor with a secret, otpauth URI and SVG QR code, and verifies it into an aal2 session', async () => {
    const { client, email } = await newUser();
    const before = await client.auth.mfa.getAuthenticatorAssuranceLevel();
    expect(before.data).toMatchObject({ currentLevel: 'aal1', nextLevel: 'aal1' });

    const enrolled = await client.auth.mfa.enroll({
      factorType: 'totp',
      friendlyName: 'phone app',
      issuer: 'Made Open',
    });
    expect(enrolled.error).toBeNull();
    const data = enrolled.data as {
      id: string;
      type: string;
      friendly_name: string;
      totp: { qr_code: string; secret: string; uri: string };
    };
    expect(data).toMatchObject({ type: 'totp', friendly_name: 'phone app' });
    expect(data.totp.secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(data.totp.uri).toBe(
      `otpauth://totp/Made%20Open:${encodeURIComponent(email)}?issuer=Made%20Open&secret=${data.totp.secret}&algorithm=SHA1&digits=6&period=30`,
    );
    expect(data.totp.qr_code).toMatch(/^data:image\/svg\+xml;utf-8,<svg[^>]*>.*<\/svg>\s*$/s);
    // Usable as <img src> as it stands: nothing that ends a URL early.
    expect(data.totp.qr_code).not.toContain('#');

    // Unverified: listed among all factors, but not yet raising the next level.
    const listed = await client.auth.mfa.listFactors();
    expect(listed.data!.all).toMatchObject([{ id: data.id, status: 'unverified', factor_type: 'totp' }]);
    expect(listed.data!.totp).toEqual([]);

    const challenge = await client.auth.mfa.challenge({ factorId: data.id });
    expect(challenge.error).toBeNull();
    expect(challenge.data!.expires_at).toBeGreaterThan(Date.now() / 1000 + 250);
    const wrong = await client.auth.mfa.verify({ factorId: data.id, challengeId: challenge.data!.id, code: '000000' });
    expect(wrong.error).toMatchObject({ status: 422, code: 'mfa_verification_failed' });

    const verified = await client.auth.mfa.verify({
      factorId: data.id,
      challengeId: challenge.data!.id,
      code: codeAt(data.totp.secret, hubNow()),
    });
    expect(verified.error).toBeNull();
    const claims = decodeJwt(verified.data!.access_token);
    expect(claims.aal).toBe('aal2');
    expect((claims.amr as { method: string }[]).map((m) => m.method)).toEqual(['totp', 'password']);

    const after = await client.auth.mfa.getAuthenticatorAssuranceLevel();
    expect(after.data).toMatchObject({ currentLevel: 'aal2', nextLevel: 'aal2' });
    expect((await client.auth.mfa.listFactors()).data!.totp).toMatchObject([{ id: data.id, status: 'verified' }]);

    // A refreshed session keeps its assurance.
    const refreshed = await client.auth.refreshSession();
    expect(decodeJwt(refreshed.data.session!.access_token)).toMatchObject({ aal: 'aal2' });
  });

  it('signs in at aal1 with nextLevel aal2, and a code raises the session', async () => {
    const { email, password, secret, factorId } = await userWithFactor();
    // The code just used for enrolment is spent: step forward one period for a fresh one.
    skewMs += 30_000;
    const fresh = supabaseClient(url, anonKey);
    const signedIn = await fresh.auth.signInWithPassword({ email, password });
    expect(signedIn.error).toBeNull();
    expect(decodeJwt(signedIn.data.session!.access_token)).toMatchObject({ aal: 'aal1' });
    const level = await fresh.auth.mfa.getAuthenticatorAssuranceLevel();
    expect(level.data).toMatchObject({ currentLevel: 'aal1', nextLevel: 'aal2' });

    const raised = await fresh.auth.mfa.challengeAndVerify({ factorId, code: codeAt(secret, hubNow()) });
    expect(raised.error).toBeNull();
    expect((await fresh.auth.mfa.getAuthenticatorAssuranceLevel()).data).toMatchObject({ currentLevel: 'aal2' });
  });

  it('accepts each code once, refuses expired challenges, and holds back guessing', async () => {
    const { client, secret, factorId } = await userWithFactor();
    skewMs += 30_000;
    const code = codeAt(secret, hubNow());
    expect((await client.auth.mfa.challengeAndVerify({ factorId, code })).error).toBeNull();
    const replay = await client.auth.mfa.challengeAndVerify({ factorId, code });
    expect(replay.error).toMatchObject({ status: 422, code: 'mfa_verification_failed' });

    const challenge = await client.auth.mfa.challenge({ factorId });
    skewMs += 301_000;
    const late = await client.auth.mfa.verify({
      factorId,
      challengeId: challenge.data!.id,
      code: codeAt(secret, hubNow()),
    });
    expect(late.error).toMatchObject({ status: 422, code: 'mfa_challenge_expired' });

    const guesses = [];
    for (let i = 0; i < 6; i++) guesses.push(await client.auth.mfa.challengeAndVerify({ factorId, code: '123456' }));
    expect(guesses.slice(0, 4).map((g) => g.error?.code)).toEqual(Array(4).fill('mfa_verification_failed'));
    expect(guesses[5]!.error).toMatchObject({ status: 429, code: 'over_request_rate_limit' });
    // Held back even with the right code.
    const right = await client.auth.mfa.challengeAndVerify({ factorId, code: codeAt(secret, hubNow() + 30_000) });
    expect(right.error).toMatchObject({ status: 429 });
  });

  it('unenrols: a verified factor needs aal2, and then sessions drop to aal1', async () => {
    const { email, password, client, factorId } = await userWithFactor();
    const aal1 = supabaseClient(url, anonKey);
    await aal1.auth.signInWithPassword({ email, password });
    const refused = await aal1.auth.mfa.unenroll({ factorId });
    expect(refused.error).toMatchObject({ status: 422, code: 'insufficient_aal' });
    // Adding a factor without the first one is refused too.
    const extra = await aal1.auth.mfa.enroll({ factorType: 'totp', friendlyName: 'second' });
    expect(extra.error).toMatchObject({ status: 422, code: 'insufficient_aal' });

    const removed = await client.auth.mfa.unenroll({ factorId });
    expect(removed.error).toBeNull();
    expect(removed.data).toEqual({ id: factorId });
    const refreshed = await client.auth.refreshSession();
    expect(decodeJwt(refreshed.data.session!.access_token)).toMatchObject({ aal: 'aal1' });
    expect((await client.auth.mfa.listFactors()).data!.all).toEqual([]);
  });

  it('gives ten one-use recovery codes at aal2 that stand in for a code', async () => {
    const { email, password, client, factorId } = await userWithFactor();
    const token = (await client.auth.getSession()).data.session!.access_token;
    const response = await fetch(`${url}/auth/v1/factors/recovery_codes`, {
      method: 'POST',
      headers: { apikey: anonKey, authorization: `Bearer ${token}` },
    });
    expect(response.status).toBe(200);
    const { codes } = (await response.json()) as { codes: string[] };
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    for (const code of codes) expect(code).toMatch(/^[0-9a-z]{5}-[0-9a-z]{5}$/);

    const aal1 = supabaseClient(url, anonKey);
    await aal1.auth.signInWithPassword({ email, password });
    const aal1Token = (await aal1.auth.getSession()).data.session!.access_token;
    const notYet = await fetch(`${url}/auth/v1/factors/recovery_codes`, {
      method: 'POST',
      headers: { apikey: anonKey, authorization: `Bearer ${aal1Token}` },
    });
    expect(notYet.status).toBe(422);

    const used = await aal1.auth.mfa.challengeAndVerify({ factorId, code: codes[0]!.toUpperCase() });
    expect(used.error).toBeNull();
    const claims = decodeJwt(used.data!.access_token);
    expect(claims).toMatchObject({ aal: 'aal2' });
    expect((claims.amr as { method: string }[])[0]!.method).toBe('recovery_code');

    const again = supabaseClient(url, anonKey);
    await again.auth.signInWithPassword({ email, password });
    const spent = await again.auth.mfa.challengeAndVerify({ factorId, code: codes[0]! });
    expect(spent.error).toMatchObject({ code: 'mfa_verification_failed' });

    const list = await fetch(`${url}/auth/v1/factors`, {
      headers: { apikey: anonKey, authorization: `Bearer ${used.data!.access_token}` },
    });
    expect(await list.json()).toMatchObject({ aal: 'aal2', recovery_codes_left: 9 });
  });

  it("keeps factors private: another user's factor is 404, and RLS hides secrets and others' rows", async () => {
    const alice = await userWithFactor();
    const bob = await newUser();
    for (const result of [
      await bob.client.auth.mfa.challenge({ factorId: alice.factorId }),
      await bob.client.auth.mfa.unenroll({ factorId: alice.factorId }),
    ]) {
      expect(result.error).toMatchObject({ status: 404, code: 'mfa_factor_not_found' });
    }
    const aliceId = (await alice.client.auth.getUser()).data.user!.id;
    const bobId = (await bob.client.auth.getUser()).data.user!.id;
    const claims = (sub: string) => ({ sub, role: 'authenticated' as const });
    const seen = await hub.database.db.queryAsUser(claims(bobId), 'SELECT id FROM made_open.auth_mfa_factors', []);
    expect(seen.rows).toEqual([]);
    const own = await hub.database.db.queryAsUser(
      claims(aliceId),
      'SELECT id, status FROM made_open.auth_mfa_factors',
      [],
    );
    expect(own.rows).toEqual([{ id: alice.factorId, status: 'verified' }]);
    await expect(
      hub.database.db.queryAsUser(claims(aliceId), 'SELECT secret FROM made_open.auth_mfa_factors', []),
    ).rejects.toThrow(/permission denied/);
    await expect(
      hub.database.db.queryAsUser(claims(aliceId), 'SELECT code_hash FROM made_open.auth_mfa_recovery_codes', []),
    ).rejects.toThrow(/permission denied/);
    await expect(
      hub.database.db.queryAsUser(
        claims(aliceId),
        "UPDATE made_open.auth_sessions SET aal = 'aal2' WHERE owner_id = $1",
        [aliceId],
      ),
    ).rejects.toThrow(/permission denied/);
  });
});
