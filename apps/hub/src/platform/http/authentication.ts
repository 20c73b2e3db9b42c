import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { RequestClaims } from '../db/types.ts';
import { UnauthorizedError } from '../errors.ts';

/** A verified caller: the JWT's subject and the claims its queries run under. */
export interface AuthenticatedUser {
  id: string;
  claims: RequestClaims & { sub: string; role: 'authenticated' };
}

/** Implemented by the auth module and handed to the app once, in the composition root. */
export interface TokenVerifier {
  /**
   * Resolves the signed-in user, `null` for a valid anon (publishable) key, or throws
   * UnauthorizedError for a token that is malformed, forged or expired, or whose session
   * has ended (sign-out, password change: checked against the database, cached briefly).
   * Every authenticated path (REST, storage, realtime, /auth/v1) goes through it.
   */
  verify(accessToken: string): Promise<AuthenticatedUser | null>;
  /**
   * True only for a verified service_role key (never for a user's token, the anon key or a
   * bad token). Only the routes Supabase opens to that key ask (requireUserOrServiceRole).
   */
  isServiceRoleKey?(token: string): Promise<boolean>;
}

declare module 'fastify' {
  interface FastifyInstance {
    tokenVerifier: TokenVerifier;
  }
}

export function registerAuthentication(app: FastifyInstance, verifier: TokenVerifier) {
  app.decorate('tokenVerifier', verifier);
}

export function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (header === undefined) return undefined;
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  if (!match) {
    throw new UnauthorizedError(
      'The Authorization header must be "Bearer <access token>".',
      'bad_authorization_header',
    );
  }
  return match[1];
}

/** For handlers that need a signed-in user: the verified caller, or a 401. */
export async function requireUser(request: FastifyRequest): Promise<AuthenticatedUser> {
  const token = bearerToken(request);
  if (token === undefined) throw new UnauthorizedError();
  const user = await request.server.tokenVerifier.verify(token);
  if (!user) throw new UnauthorizedError('This needs a signed-in user, not the anon key. Sign in first.');
  return user;
}

/**
 * For the few routes Supabase opens to the service_role key (storage's bucket administration):
 * 'service_role' for that key, else the verified user as requireUser gives it. The key never
 * becomes a user: handlers must take the 'service_role' branch explicitly.
 */
export async function requireUserOrServiceRole(request: FastifyRequest): Promise<AuthenticatedUser | 'service_role'> {
  const token = bearerToken(request);
  if (token !== undefined && (await request.server.tokenVerifier.isServiceRoleKey?.(token))) return 'service_role';
  return requireUser(request);
}
