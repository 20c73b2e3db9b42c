import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SupabaseClient } from '@supabase/supabase-js';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabaseKinds } from '../../../test/databases.ts';
import { listeningHub, supabaseClient } from '../../../test/supabase.ts';
import type { TestHub } from '../../../test/hub.ts';
import { loadOrCreateSigningKey } from './auth.signing-key.ts';

/**
 * Asymmetric access tokens: the hub signs with its own ES256 key and publishes it at
 * /auth/v1/.well-known/jwks.json, so supabase-js getClaims() verifies without asking the hub.
 */
describe.each(testDatabaseKinds())('ES256 tokens and the JWKS on %s', (kind) => {
  let hub: TestHub;
  let url: string;
  let anonKey: string;
  const requested: string[] = [];
  let supabase: SupabaseClient;

  beforeAll(async () => {
    ({ hub, url, anonKey } = await listeningHub(kind));
    // Records every request supabase-js makes, to see what getClaims() asks the hub.
    supabase = supabaseClient(url, anonKey, {}, (input: string | URL | Request, init?: RequestInit) => {
      requested.push(
        `${init?.method ?? 'GET'} ${new URL(String(input instanceof Request ? input.url : input)).pathname}`,
      );
      return fetch(input, init);
    });
  }, 180_000);
  afterAll(() => hub?.close());

  it('signs access tokens with ES256 and a kid that the JWKS publishes', async () => {
    const email = `jwks-${Math.random().toString(36).slice(2, 8)}@example.test`;
    const { data, error } = await supabase.auth.signUp({ email, password: 'a good long password' });
    expect(error).toBeNull();
    const token = data.session!.access_token;
    const header = decodeProtectedHeader(token);
    expect(header).toMatchObject({ alg: 'ES256', typ: 'JWT', kid: expect.any(String) });

    const response = await fetch(`${url}/auth/v1/.well-known/jwks.json`);
    expect(response.status).toBe(200);
    const jwks = (await response.json()) as { keys: Record<string, unknown>[] };
    expect(jwks.keys).toEqual([
      {
        kty: 'EC',
        crv: 'P-256',
        x: expect.any(String),
        y: expect.any(String),
        kid: header.kid,
        alg: 'ES256',
        use: 'sig',
        key_ops: ['verify'],
      },
    ]);
    // Public only: no private member.
    expect(JSON.stringify(jwks)).not.toContain('"d"');
    const { payload } = await jwtVerify(token, createLocalJWKSet(jwks as never), { algorithms: ['ES256'] });
    expect(payload).toMatchObject({ sub: data.user!.id, role: 'authenticated', aud: 'authenticated' });
  });

  it('lets supabase-js getClaims() verify locally from the JWKS, and refuses a tampered token', async () => {
    const email = `claims-${Math.random().toString(36).slice(2, 8)}@example.test`;
    await supabase.auth.signUp({ email, password: 'a good long password' });
    const signedIn = await supabase.auth.signInWithPassword({ email, password: 'a good long password' });
    const token = signedIn.data.session!.access_token;
    requested.length = 0;
    const claims = await supabase.auth.getClaims(token);
    expect(claims.error).toBeNull();
    expect(claims.data!.claims).toMatchObject({ sub: signedIn.data.user!.id, email });
    expect(requested).toContain('GET /auth/v1/.well-known/jwks.json');
    expect(requested).not.toContain('GET /auth/v1/user');

    const [h, p, sig] = token.split('.');
    const claimsJson = JSON.parse(Buffer.from(p!, 'base64url').toString('utf8')) as Record<string, unknown>;
    const tampered = `${h}.${Buffer.from(JSON.stringify({ ...claimsJson, email: 'mallory@example.test' })).toString('base64url')}.${sig}`;
    const refused = await supabase.auth.getClaims(tampered);
    expect(refused.data).toBeNull();
    expect(refused.error!.message).toBe('Invalid JWT signature');
    // The hub refuses it too.
    const user = await supabase.auth.getUser(tampered);
    expect(user.error).toMatchObject({ status: 403, code: 'bad_jwt' });
  });

  it('still accepts HS256 tokens signed with the hub secret, as Supabase-issued ones are', async () => {
    const email = `hs-${Math.random().toString(36).slice(2, 8)}@example.test`;
    const { data } = await supabase.auth.signUp({ email, password: 'a good long password' });
    const secret = new TextEncoder().encode(readFileSync(join(hub.dataDir, 'auth-jwt-secret'), 'utf8').trim());
    const es = JSON.parse(
      Buffer.from(data.session!.access_token.split('.')[1]!, 'base64url').toString('utf8'),
    ) as Record<string, unknown>;
    const hs = await new SignJWT(es).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(secret);
    const got = await supabase.auth.getUser(hs);
    expect(got.error).toBeNull();
    expect(got.data.user?.id).toBe(data.user!.id);
  });

  it('keeps the key in DATA_DIR (0600) across restarts, and refuses a corrupt key file at start', () => {
    const path = join(hub.dataDir, 'auth-signing-key.jwk');
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const again = loadOrCreateSigningKey(hub.dataDir);
    expect(again.kid).toBe(JSON.parse(readFileSync(path, 'utf8')).kid);
    const broken = mkdtempSync(join(tmpdir(), 'made-open-key-'));
    writeFileSync(join(broken, 'auth-signing-key.jwk'), '{"kty":"oct"}', { mode: 0o600 });
    expect(() => loadOrCreateSigningKey(broken)).toThrow(/delete it to generate a new one/);
  });
});
