import { createHmac, timingSafeEqual } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  createRemoteJWKSet,
  decodeProtectedHeader,
  errors as joseErrors,
  jwtVerify,
  SignJWT,
  type JWK,
  type JWTPayload,
} from 'jose';
import { LRUCache } from 'lru-cache';
import type { Config } from '../../platform/config.ts';
import { InvalidJwtError, OperatorError } from '../../platform/errors.ts';
import type { AuthenticatedUser, TokenVerifier } from '../../platform/http/authentication.ts';
import { loadOrCreateSecretFile } from '../../platform/secret-files.ts';
import { loadOrCreateSigningKey, type SigningKey } from './auth.signing-key.ts';

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
  aal: 'aal1' | 'aal2';
  /** Most recent first, as GoTrue lists them: a second factor before the password. */
  amr: { method: string; timestamp: number }[];
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

/** The session a token is issued for: when the password was given, and any second factor since. */
export interface SessionAssurance {
  id: string;
  authenticatedAt: number;
  /** How the session began: amr's first-factor method (default password). */
  method?: string;
  /** Raised to aal2 by a second factor (TOTP or a recovery code) at this time. */
  aal2?: { method: 'totp' | 'recovery_code'; timestamp: number };
}

export interface IssuedAccessToken {
  accessToken: string;
  expiresIn: number;
  expiresAt: number;
}

export interface TokenService {
  readonly issuer: string;
  readonly anonKey: string;
  /** A secret: DATA_DIR/service-role-key (0600), never logged or served. */
  readonly serviceRoleKey: string;
  /** The public keys for /.well-known/jwks.json (empty when tokens are HS256 only). */
  readonly jwks: { keys: JWK[] };
  /** What a token is (a user's, the anon key, the service_role key), or an InvalidJwtError. */
  inspect(token: string): Promise<VerifiedToken>;
  /** Signature, expiry and claims only: whether the session still stands is auth.sessions.ts's job. */
  readonly verifier: TokenVerifier;
  issueAccessToken(subject: TokenSubject, session: SessionAssurance): Promise<IssuedAccessToken>;
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const roleKeyLifetimeSeconds = 10 * 365 * 24 * 3600;
const cacheSize = 10_000;

/** The HMAC secret: Supabase's when configured, else one generated into DATA_DIR (never a default). */
export function signingSecret(config: Config): Uint8Array {
  const secret = config.supabase.jwtSecret ?? loadOrCreateSecretFile(config.dataDir, 'auth-jwt-secret', 48);
  return new TextEncoder().encode(secret);
}

const invalid = {
  malformed: (detail: string) =>
    new InvalidJwtError('The access token is not valid: sign in again.', 'malformed', `token is malformed: ${detail}`),
  signature: () =>
    new InvalidJwtError(
      'The access token is not valid: sign in again.',
      'signature',
      'token signature is invalid: signature is invalid',
    ),
  expired: () =>
    new InvalidJwtError(
      'The access token has expired: refresh the session and try again.',
      'expired',
      'token has invalid claims: token is expired',
    ),
  claims: (message: string, detail: string) => new InvalidJwtError(message, 'claims', detail),
};

/** jose's verdict, in the words GoTrue (golang-jwt) and Storage (jose) use for it. */
function rejected(error: unknown, token: string): InvalidJwtError {
  if (error instanceof InvalidJwtError) return error;
  if (error instanceof joseErrors.JWTExpired) return invalid.expired();
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) return invalid.signature();
  if (error instanceof joseErrors.JOSEAlgNotAllowed || error instanceof joseErrors.JOSENotSupported) {
    return invalid.claims(
      'The access token is not valid: sign in again.',
      'token is unverifiable: error while executing keyfunc: unrecognized JWT signing method',
    );
  }
  if (error instanceof joseErrors.JWTClaimValidationFailed) {
    return invalid.claims(
      'The access token is not valid: sign in again.',
      `token has invalid claims: ${error.message}`,
    );
  }
  return invalid.malformed(
    token.split('.').length !== 3 ? 'token contains an invalid number of segments' : 'could not JSON decode the token',
  );
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
 * A long-lived key JWT (`{ role }`, no subject) signed with the HMAC secret and written to
 * DATA_DIR/<file> (0600): the anon key (publishable, for the start script and the web app)
 * and the service_role key (a secret: only the operator reads that file). An existing key is
 * kept while it still verifies with the current secret and has a year left.
 */
function loadOrCreateRoleKey(
  dataDir: string,
  file: string,
  role: 'anon' | 'service_role',
  secret: Uint8Array,
  issuer: string,
): string {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const path = join(dataDir, file);
  const now = Math.floor(Date.now() / 1000);
  try {
    const existing = readFileSync(path, 'utf8').trim();
    const payload = verifyHs256Sync(existing, secret);
    if (payload?.role === role && typeof payload.exp === 'number' && payload.exp > now + 365 * 24 * 3600) {
      chmodSync(path, 0o600);
      return existing;
    }
  } catch {
    // Absent or unreadable: write a new one.
  }
  const key = signHs256Sync({ iss: issuer, role, iat: now, exp: now + roleKeyLifetimeSeconds }, secret);
  writeFileSync(path, `${key}\n`, { mode: 0o600 });
  chmodSync(path, 0o600);
  return key;
}

/** What a verified bearer token stands for. */
export type VerifiedToken =
  | { role: 'authenticated'; user: AuthenticatedUser }
  | { role: 'anon' }
  /** The service_role key (the hub's, or the Supabase project's when its secret is configured). */
  | { role: 'service_role' };

interface CacheEntry {
  verified: VerifiedToken;
  expiresAtMs: number;
}

export function createTokenService(config: Config): TokenService {
  const secret = signingSecret(config);
  const issuer = `${config.publicUrl.replace(/\/$/, '')}/auth/v1`;
  const jwks = config.supabase.jwksUrl ? createRemoteJWKSet(new URL(config.supabase.jwksUrl)) : undefined;
  const anonKey = loadOrCreateRoleKey(config.dataDir, 'anon-key', 'anon', secret, issuer);
  const serviceRoleKey = loadOrCreateRoleKey(config.dataDir, 'service-role-key', 'service_role', secret, issuer);
  const expirySeconds = config.auth.jwtExpirySeconds;
  // Access tokens: ES256 with the hub's own key, so clients verify them with the JWKS alone;
  // HS256 with Supabase's secret when one is configured (Supabase's services share it).
  const signingKey: SigningKey | undefined = config.supabase.jwtSecret
    ? undefined
    : loadOrCreateSigningKey(config.dataDir);

  // Verified tokens, until their exp: the hot path is one map lookup.
  const verified = new LRUCache<string, CacheEntry>({ max: cacheSize });

  async function verifySignature(token: string): Promise<JWTPayload> {
    let alg: string | undefined;
    try {
      alg = decodeProtectedHeader(token).alg;
    } catch (error) {
      throw rejected(error, token);
    }
    try {
      if (alg === 'HS256') return (await jwtVerify(token, secret, { algorithms: ['HS256'] })).payload;
      if (signingKey && alg === 'ES256' && decodeProtectedHeader(token).kid === signingKey.kid) {
        return (await jwtVerify(token, signingKey.publicKey, { algorithms: ['ES256'] })).payload;
      }
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
      throw rejected(error, token);
    }
    throw rejected(new joseErrors.JOSEAlgNotAllowed(`alg ${String(alg)}`), token);
  }

  function classify(payload: JWTPayload): VerifiedToken {
    if (payload.exp === undefined) {
      throw invalid.claims(
        'The access token has no expiry: sign in again.',
        'token has invalid claims: missing exp claim',
      );
    }
    if (payload.role === 'anon') return { role: 'anon' };
    if (payload.role === 'service_role') return { role: 'service_role' };
    const audience = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
    if (payload.role !== 'authenticated' || !audience.includes('authenticated')) {
      throw invalid.claims(
        'This token is not a user access token or a key of this hub.',
        `token has invalid claims: role ${JSON.stringify(payload.role ?? null)} is not accepted`,
      );
    }
    if (typeof payload.sub !== 'string' || !uuidPattern.test(payload.sub)) {
      throw invalid.claims(
        'The access token has no valid subject: sign in again.',
        'invalid claim: sub claim must be a UUID',
      );
    }
    const claims = Object.freeze({ ...payload, role: 'authenticated' as const, sub: payload.sub });
    return { role: 'authenticated', user: { id: payload.sub, claims } };
  }

  async function inspect(token: string): Promise<VerifiedToken> {
    const hit = verified.get(token);
    if (hit !== undefined) {
      if (hit.expiresAtMs > Date.now()) return hit.verified;
      verified.delete(token);
      throw invalid.expired();
    }
    const payload = await verifySignature(token);
    const result = classify(payload);
    verified.set(token, { verified: result, expiresAtMs: payload.exp! * 1000 });
    return result;
  }

  const verifier: TokenVerifier = {
    async verify(token) {
      const result = await inspect(token);
      if (result.role === 'authenticated') return result.user;
      if (result.role === 'anon') return null;
      // The service_role key acts for no user: wherever a user is required, it is refused.
      throw invalid.claims(
        "This needs a signed-in user's access token, not the service_role key.",
        'invalid claim: missing sub claim',
      );
    },
  };

  return {
    issuer,
    anonKey,
    serviceRoleKey,
    jwks: { keys: signingKey ? [signingKey.publicJwk] : [] },
    verifier,
    inspect,
    async issueAccessToken(subject, session) {
      const now = Math.floor(Date.now() / 1000);
      const expiresAt = now + expirySeconds;
      const claims = {
        email: subject.email,
        phone: '',
        app_metadata: subject.appMetadata,
        user_metadata: subject.userMetadata,
        role: 'authenticated',
        aal: session.aal2 ? 'aal2' : 'aal1',
        amr: [
          ...(session.aal2 ? [session.aal2] : []),
          { method: session.method ?? 'password', timestamp: session.authenticatedAt },
        ],
        session_id: session.id,
        is_anonymous: subject.isAnonymous,
      };
      const accessToken = await new SignJWT(claims)
        .setProtectedHeader(
          signingKey ? { alg: 'ES256', typ: 'JWT', kid: signingKey.kid } : { alg: 'HS256', typ: 'JWT' },
        )
        .setIssuer(issuer)
        .setSubject(subject.id)
        .setAudience('authenticated')
        .setIssuedAt(now)
        .setExpirationTime(expiresAt)
        .sign(signingKey?.privateKey ?? secret);
      return { accessToken, expiresIn: expirySeconds, expiresAt };
    },
  };
}
