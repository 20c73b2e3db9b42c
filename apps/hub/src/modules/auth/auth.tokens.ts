import { createHmac, timingSafeEqual } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  createRemoteJWKSet,
  decodeProtectedHeader,
  errors as joseErrors,
  jwtVerify,
  SignJWT,
  type JWTPayload,
} from 'jose';
import { LRUCache } from 'lru-cache';
import type { Config } from '../../platform/config.ts';
import { OperatorError, UnauthorizedError } from '../../platform/errors.ts';
import type { AuthenticatedUser, TokenVerifier } from '../../platform/http/authentication.ts';
import { loadOrCreateSecretFile } from '../../platform/secret-files.ts';

/** Supabase's access-token claims, as the hub issues them. */
export interface AccessTokenClaims extends JWTPayload {
  sub: string;
  aud: 'authenticated';
  role: 'authenticated';
  exp: number;
  iat: number;
  iss: string;
  email: string;
  phone: string;
  session_id: string;
  aal: 'aal1';
  amr: { method: 'password'; timestamp: number }[];
  app_metadata: Record<string, unknown>;
  user_metadata: Record<string, unknown>;
  is_anonymous: boolean;
}

export interface TokenSubject {
  id: string;
  email: string;
  appMetadata: Record<string, unknown>;
  userMetadata: Record<string, unknown>;
  isAnonymous: boolean;
}

export interface IssuedAccessToken {
  accessToken: string;
  expiresIn: number;
  expiresAt: number;
}

export interface TokenService {
  readonly issuer: string;
  readonly anonKey: string;
  /** Signature, expiry and claims only: whether the session still stands is auth.sessions.ts's job. */
  readonly verifier: TokenVerifier;
  issueAccessToken(subject: TokenSubject, session: { id: string; authenticatedAt: number }): Promise<IssuedAccessToken>;
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const anonKeyLifetimeSeconds = 10 * 365 * 24 * 3600;
const cacheSize = 10_000;

/** The HMAC secret: Supabase's when configured, else one generated into DATA_DIR (never a default). */
export function signingSecret(config: Config): Uint8Array {
  const secret = config.supabase.jwtSecret ?? loadOrCreateSecretFile(config.dataDir, 'auth-jwt-secret', 48);
  return new TextEncoder().encode(secret);
}

function rejected(error: unknown): UnauthorizedError {
  if (error instanceof UnauthorizedError) return error;
  if (error instanceof joseErrors.JWTExpired) {
    return new UnauthorizedError('The access token has expired: refresh the session and try again.', 'bad_jwt');
  }
  return new UnauthorizedError('The access token is not valid: sign in again.', 'bad_jwt');
}

const base64url = (value: string | Buffer) => Buffer.from(value).toString('base64url');

/** HS256 with node:crypto, synchronously: the anon key exists as soon as the module does. */
function signHs256Sync(payload: Record<string, unknown>, secret: Uint8Array): string {
  const signingInput = `${base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }))}.${base64url(JSON.stringify(payload))}`;
  return `${signingInput}.${createHmac('sha256', secret).update(signingInput).digest('base64url')}`;
}

function verifyHs256Sync(token: string, secret: Uint8Array): Record<string, unknown> | undefined {
  const [header, payload, signature] = token.split('.');
  if (header === undefined || payload === undefined || signature === undefined) return undefined;
  const expected = createHmac('sha256', secret).update(`${header}.${payload}`).digest();
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  try {
    return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/**
 * The anon (publishable) key: a long-lived {role: anon} JWT signed with the same secret,
 * written to DATA_DIR/anon-key (0600) for the start script and the web app. An existing
 * key is kept while it still verifies with the current secret and has a year left.
 */
function loadOrCreateAnonKey(dataDir: string, secret: Uint8Array, issuer: string): string {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const path = join(dataDir, 'anon-key');
  const now = Math.floor(Date.now() / 1000);
  try {
    const existing = readFileSync(path, 'utf8').trim();
    const payload = verifyHs256Sync(existing, secret);
    if (payload?.role === 'anon' && typeof payload.exp === 'number' && payload.exp > now + 365 * 24 * 3600) {
      chmodSync(path, 0o600);
      return existing;
    }
  } catch {
    // Absent or unreadable: write a new one.
  }
  const key = signHs256Sync({ iss: issuer, role: 'anon', iat: now, exp: now + anonKeyLifetimeSeconds }, secret);
  writeFileSync(path, `${key}\n`, { mode: 0o600 });
  chmodSync(path, 0o600);
  return key;
}

interface CacheEntry {
  user: AuthenticatedUser | null;
  expiresAtMs: number;
}

export function createTokenService(config: Config): TokenService {
  const secret = signingSecret(config);
  const issuer = `${config.publicUrl.replace(/\/$/, '')}/auth/v1`;
  const jwks = config.supabase.jwksUrl ? createRemoteJWKSet(new URL(config.supabase.jwksUrl)) : undefined;
  const anonKey = loadOrCreateAnonKey(config.dataDir, secret, issuer);
  const expirySeconds = config.auth.jwtExpirySeconds;

  // Verified tokens, until their exp: the hot path is one map lookup.
  const verified = new LRUCache<string, CacheEntry>({ max: cacheSize });

  async function verifySignature(token: string): Promise<JWTPayload> {
    let alg: string | undefined;
    try {
      alg = decodeProtectedHeader(token).alg;
    } catch (error) {
      throw rejected(error);
    }
    try {
      if (alg === 'HS256') return (await jwtVerify(token, secret, { algorithms: ['HS256'] })).payload;
      if (jwks && alg !== undefined) {
        try {
          return (await jwtVerify(token, jwks, { algorithms: ['RS256', 'ES256', 'EdDSA'] })).payload;
        } catch (error) {
          // The JWKS could not be fetched: the operator's problem, not a bad token.
          if (error instanceof joseErrors.JWKSTimeout || !(error instanceof joseErrors.JOSEError)) {
            throw new OperatorError(
              `Cannot fetch the signing keys from SUPABASE_JWKS_URL: ${(error as Error).message}`,
            );
          }
          throw error;
        }
      }
    } catch (error) {
      if (error instanceof OperatorError) throw error;
      throw rejected(error);
    }
    throw new UnauthorizedError('The access token is not valid: sign in again.', 'bad_jwt');
  }

  function toUser(payload: JWTPayload): AuthenticatedUser | null {
    if (payload.exp === undefined) {
      throw new UnauthorizedError('The access token has no expiry: sign in again.', 'bad_jwt');
    }
    if (payload.role === 'anon') return null;
    const audience = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
    if (payload.role !== 'authenticated' || !audience.includes('authenticated')) {
      throw new UnauthorizedError('This token is not a user access token or the anon key.', 'bad_jwt');
    }
    if (typeof payload.sub !== 'string' || !uuidPattern.test(payload.sub)) {
      throw new UnauthorizedError('The access token has no valid subject: sign in again.', 'bad_jwt');
    }
    const claims = Object.freeze({ ...payload, role: 'authenticated' as const, sub: payload.sub });
    return { id: payload.sub, claims };
  }

  const verifier: TokenVerifier = {
    async verify(token) {
      const hit = verified.get(token);
      if (hit !== undefined) {
        if (hit.expiresAtMs > Date.now()) return hit.user;
        verified.delete(token);
        throw new UnauthorizedError('The access token has expired: refresh the session and try again.', 'bad_jwt');
      }
      const payload = await verifySignature(token);
      const user = toUser(payload);
      verified.set(token, { user, expiresAtMs: payload.exp! * 1000 });
      return user;
    },
  };

  return {
    issuer,
    anonKey,
    verifier,
    async issueAccessToken(subject, session) {
      const now = Math.floor(Date.now() / 1000);
      const expiresAt = now + expirySeconds;
      const claims = {
        email: subject.email,
        phone: '',
        app_metadata: subject.appMetadata,
        user_metadata: subject.userMetadata,
        role: 'authenticated',
        aal: 'aal1',
        amr: [{ method: 'password', timestamp: session.authenticatedAt }],
        session_id: session.id,
        is_anonymous: subject.isAnonymous,
      };
      const accessToken = await new SignJWT(claims)
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setIssuer(issuer)
        .setSubject(subject.id)
        .setAudience('authenticated')
        .setIssuedAt(now)
        .setExpirationTime(expiresAt)
        .sign(secret);
      return { accessToken, expiresIn: expirySeconds, expiresAt };
    },
  };
}
