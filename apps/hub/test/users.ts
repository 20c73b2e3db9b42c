import { randomBytes } from 'node:crypto';
import { decodeJwt } from 'jose';
import type { Hub } from '../src/composition.ts';

/** The claims of a hub access token (Supabase's set). */
export interface AccessTokenClaims {
  sub: string;
  email: string;
  role: 'authenticated';
  aud: 'authenticated';
  exp: number;
  iat: number;
  iss: string;
  session_id: string;
  aal: string;
  amr: { method: string; timestamp: number }[];
  app_metadata: Record<string, unknown>;
  user_metadata: Record<string, unknown>;
  is_anonymous: boolean;
  [claim: string]: unknown;
}

export interface SignedUpUser {
  id: string;
  email: string;
  password: string;
  accessToken: string;
  refreshToken: string;
  /** The decoded access token: pass it to `db.asUser(user.claims, ...)`. */
  claims: AccessTokenClaims;
}

/**
 * Signs a new user up through the real endpoint (POST /auth/v1/signup, auto-confirmed)
 * and returns their credentials. Each call makes a different user unless `email` is given.
 */
export async function signUpUser(hub: Pick<Hub, 'app'>, email?: string): Promise<SignedUpUser> {
  const address = email ?? `user-${randomBytes(6).toString('hex')}@example.test`;
  const password = `pw-${randomBytes(12).toString('base64url')}`;
  const response = await hub.app.inject({
    method: 'POST',
    url: '/auth/v1/signup',
    payload: { email: address, password },
  });
  if (response.statusCode !== 200) {
    const hint =
      response.statusCode === 429
        ? ' (sign-ups are rate limited per IP: pass AUTH_RATE_LIMIT_SIGNUP_PER_HOUR to createTestHub for tests that make many users)'
        : '';
    throw new Error(`signUpUser(${address}) failed: ${response.statusCode} ${response.body}${hint}`);
  }
  const body = response.json() as {
    access_token: string;
    refresh_token: string;
    user: { id: string; email: string };
  };
  return {
    id: body.user.id,
    email: body.user.email,
    password,
    accessToken: body.access_token,
    refreshToken: body.refresh_token,
    claims: decodeJwt(body.access_token) as AccessTokenClaims,
  };
}

/** `Authorization` header for inject(): `{ headers: bearer(user) }`. */
export function bearer(user: Pick<SignedUpUser, 'accessToken'>): { authorization: string } {
  return { authorization: `Bearer ${user.accessToken}` };
}
