import type { Config } from '../../platform/config.ts';
import type { Database } from '../../platform/db/index.ts';
import type { Logger } from '../../platform/logger.ts';
import type { HubModule } from '../../platform/module.ts';
import type { EventOutbox } from '../events/index.ts';
import { createPasswordHasher } from './auth.passwords.ts';
import { authRepository } from './auth.repository.ts';
import { authRoutes } from './auth.routes.ts';
import { createAuthService, type AuthService } from './auth.service.ts';
import { createTokenService, type HubTokenVerifier } from './auth.tokens.ts';

export interface AuthModuleDeps {
  config: Config;
  db: Database;
  logger: Logger;
  outbox: EventOutbox;
}

export interface AuthModule extends HubModule {
  /** Verifies access tokens for the whole hub (handed to buildApp). */
  verifier: HubTokenVerifier;
  /** The anon (publishable) key, also written to DATA_DIR/anon-key. */
  anonKey: string;
  service: AuthService;
}

export const authMigrations = {
  module: 'auth',
  dir: new URL('./migrations', import.meta.url).pathname,
};

/**
 * Users, sessions and tokens: the GoTrue-compatible subset at /auth/v1 and the verifier
 * every authenticated route uses. Writes DATA_DIR/anon-key (and, without
 * SUPABASE_JWT_SECRET, DATA_DIR/auth-jwt-secret) when it is created.
 */
export function createAuthModule(deps: AuthModuleDeps): AuthModule {
  const tokens = createTokenService(deps.config);
  const service = createAuthService({
    db: deps.db,
    repository: authRepository,
    outbox: deps.outbox,
    passwords: createPasswordHasher(),
    tokens,
    logger: deps.logger,
  });
  return {
    name: 'auth',
    verifier: tokens.verifier,
    anonKey: tokens.anonKey,
    service,
    routes: authRoutes({ service, verifier: tokens.verifier, rateLimit: deps.config.auth.rateLimit }),
    async health() {
      return {
        auth: {
          status: 'ok',
          details: {
            signingSecret: deps.config.supabase.jwtSecret ? 'SUPABASE_JWT_SECRET' : 'generated in DATA_DIR',
            supabaseJwks: deps.config.supabase.jwksUrl !== undefined,
            accessTokenSeconds: deps.config.auth.jwtExpirySeconds,
          },
        },
      };
    },
    async metrics() {
      const c = service.counters;
      const lines = [
        '# HELP made_open_auth_events_total Auth outcomes since the hub started.',
        '# TYPE made_open_auth_events_total counter',
      ];
      const outcomes: [string, number][] = [
        ['signed_up', c.signedUp],
        ['signed_in', c.signedIn],
        ['sign_in_failed', c.signInFailed],
        ['refreshed', c.refreshed],
        ['refresh_failed', c.refreshFailed],
        ['refresh_token_reused', c.refreshReuse],
      ];
      for (const [outcome, value] of outcomes) lines.push(`made_open_auth_events_total{outcome="${outcome}"} ${value}`);
      return lines.join('\n');
    },
  };
}
