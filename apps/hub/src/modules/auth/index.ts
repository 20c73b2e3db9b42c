import { randomBytes } from 'node:crypto';
import { sessionRevoked } from '@made-open/shared/auth-events';
import type { Config } from '../../platform/config.ts';
import type { Database } from '../../platform/db/index.ts';
import type { Logger } from '../../platform/logger.ts';
import { metric } from '../../platform/metrics.ts';
import type { HubModule } from '../../platform/module.ts';
import type { TokenVerifier } from '../../platform/http/authentication.ts';
import type { EventOutbox, EventsModule } from '../events/index.ts';
import { createAdminService } from './auth.admin.service.ts';
import { createPasswordHasher } from './auth.passwords.ts';
import { authRepository } from './auth.repository.ts';
import { localRateLimiting, type RateLimiting } from '../../platform/http/rate-limit/index.ts';
import { authRoutes } from './auth.routes.ts';
import { createAuthService, type AuthService } from './auth.service.ts';
import { createSessionGuard, defaultSessionGuardOptions, type SessionGuardOptions } from './auth.sessions.ts';
import { settingsRepository } from './auth.settings.repository.ts';
import { settingsRoutes } from './auth.settings.routes.ts';
import { createSettingsService, type SettingsService } from './auth.settings.service.ts';
import { createSignInThrottle, defaultSignInThrottle, type SignInThrottlePolicy } from './auth.throttle.ts';
import { createTokenService } from './auth.tokens.ts';
import { mfaRepository } from './auth.mfa.repository.ts';
import { emailRepository } from './auth.email.repository.ts';
import { emailSenderRoutes } from './auth.email-sender.routes.ts';
import { createEmailService, type EmailService } from './auth.email.service.ts';
import { createPasswordSeal } from './auth.mail.ts';
import { createMfaService } from './auth.mfa.service.ts';
import { authPruneJob } from './auth.prune.ts';
import type { JobsModule } from '../jobs/index.ts';

export interface AuthModuleDeps {
  config: Config;
  db: Database;
  logger: Logger;
  outbox: EventOutbox;
  /**
   * Where this instance hears of sessions that other instances end. Without it (a lone
   * module in tests) they are noticed when the cached "active" expires.
   */
  events?: Pick<EventsModule, 'subscribe'>;
  /** The nightly prune of ended sessions and spent refresh tokens is registered here. */
  jobs?: Pick<JobsModule, 'register'>;
  /** Tests: cache lifetimes, sign-in delays and the clock. */
  tuning?: AuthTuning;
  /**
   * Where the per-IP limits of /auth/v1 are counted (ADR 0035): shared by every instance in a
   * cluster. Without it (a lone module in tests) they are counted in memory.
   */
  rateLimiting?: RateLimiting;
}

export interface AuthTuning {
  sessions?: Partial<SessionGuardOptions>;
  signInThrottle?: Partial<SignInThrottlePolicy>;
  now?: () => number;
}

export interface AuthModule extends HubModule {
  /** Verifies access tokens for the whole hub (handed to buildApp), including that their session stands. */
  verifier: TokenVerifier;
  /** The anon (publishable) key, also written to DATA_DIR/anon-key. */
  anonKey: string;
  service: AuthService;
  /** Mail from the hub: its sender, recovery, confirmation and magic links. */
  email: EmailService;
  /** Account settings: the graph reads the default region for phone numbers from here. */
  settings: SettingsService;
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
  const { config, db } = deps;
  const now = deps.tuning?.now ?? Date.now;
  const tokens = createTokenService(config);
  const sessions = createSessionGuard(db, authRepository, {
    ...defaultSessionGuardOptions,
    ...deps.tuning?.sessions,
    now,
  });
  // Supabase-issued tokens (same secret or JWKS) belong to GoTrue's sessions, which this
  // table does not hold; without Supabase every valid token is the hub's and is checked.
  const foreignTokensPossible = config.supabase.jwtSecret !== undefined || config.supabase.jwksUrl !== undefined;
  const verifier: TokenVerifier = {
    async verify(token) {
      const user = await tokens.verifier.verify(token);
      if (user && (!foreignTokensPossible || user.claims.iss === tokens.issuer)) await sessions.check(user);
      return user;
    },
    async isServiceRoleKey(token) {
      try {
        return (await tokens.inspect(token)).role === 'service_role';
      } catch {
        return false;
      }
    },
  };
  deps.jobs?.register(authPruneJob(db, deps.logger));
  const settings = createSettingsService({ db, repository: settingsRepository });
  const passwords = createPasswordHasher();
  const admin = createAdminService({
    db,
    repository: authRepository,
    settings: settingsRepository,
    outbox: deps.outbox,
    passwords,
    sessions,
    logger: deps.logger,
    minimumPasswordLength: config.auth.passwordMinLength,
  });
  const signInThrottle = createSignInThrottle({
    repository: authRepository,
    policy: { ...defaultSignInThrottle, ...deps.tuning?.signInThrottle },
    now,
  });
  const mfa = createMfaService({
    db,
    repository: authRepository,
    mfa: mfaRepository,
    tokens,
    throttle: signInThrottle,
    defaultIssuer: new URL(config.publicUrl).host,
    logger: deps.logger,
    now,
  });
  const email = createEmailService({
    db,
    repository: authRepository,
    email: emailRepository,
    mfa: mfaRepository,
    settings: settingsRepository,
    seal: createPasswordSeal(config.dataDir),
    tokens,
    throttle: signInThrottle,
    publicUrl: config.publicUrl,
    redirectOrigins: [new URL(config.publicUrl).origin, ...config.corsOrigins.map((o) => new URL(o).origin)],
    otpExpirySeconds: config.auth.mailer.otpExpirySeconds,
    logger: deps.logger,
    now,
  });
  const service = createAuthService({
    db,
    repository: authRepository,
    factors: mfaRepository,
    settings: settingsRepository,
    outbox: deps.outbox,
    passwords,
    tokens,
    sessions,
    throttle: signInThrottle,
    logger: deps.logger,
    minimumPasswordLength: config.auth.passwordMinLength,
    refreshTokenReuseSeconds: config.auth.refreshTokenReuseSeconds,
    confirmations: {
      autoconfirm: config.auth.mailer.autoconfirm,
      senderConfigured: () => email.senderConfigured(),
      sendConfirmation: (user, redirectTo) => email.sendConfirmation(user, redirectTo),
    },
    recoveryWindowSeconds: config.auth.mailer.otpExpirySeconds,
  });

  // Every instance must hear every revocation. Consumers that share a durable name split
  // the events between them (one JetStream durable, or one embedded cursor: a work queue),
  // so each instance reads under its own name (a per-instance consumer: it starts at the
  // events published from now on and is forgotten once the instance is gone). Events from
  // before the start need nothing: the database answers for those. PGlite is one process's
  // database: no other instance exists.
  const instanceId = randomBytes(6).toString('hex');
  let startedAt = now();
  if (db.kind !== 'pglite') {
    deps.events?.subscribe({
      name: `auth-sessions-${instanceId}`,
      types: [sessionRevoked.type],
      // Marking a session ended twice changes nothing: no idempotency bookkeeping needed.
      transactional: false,
      maxAttempts: 2,
      perInstance: true,
      async handler(event) {
        // A minute's margin: a revocation appended just before the start may commit after it.
        if (Date.parse(event.time) < startedAt - 60_000) return;
        const parsed = sessionRevoked.data.safeParse(event.data);
        if (parsed.success) sessions.ended([parsed.data.sessionId]);
      },
    });
  }

  return {
    name: 'auth',
    verifier,
    anonKey: tokens.anonKey,
    service,
    settings,
    email,
    async routes(app) {
      // Siblings: /auth/v1 answers in GoTrue's error shapes, /api/v1/settings in the platform's.
      await app.register(
        authRoutes({
          service,
          admin,
          mfa,
          email,
          mailerAutoconfirm: config.auth.mailer.autoconfirm,
          jwks: tokens.jwks,
          settings,
          verifier,
          rateLimit: config.auth.rateLimit,
          rateLimiting: deps.rateLimiting ?? localRateLimiting(),
        }),
      );
      await app.register(settingsRoutes(settings));
      await app.register(emailSenderRoutes(email));
    },
    async start() {
      startedAt = now();
    },
    async health() {
      return {
        auth: {
          status: 'ok',
          details: {
            signingSecret: config.supabase.jwtSecret ? 'SUPABASE_JWT_SECRET' : 'generated in DATA_DIR',
            supabaseJwks: deps.config.supabase.jwksUrl !== undefined,
            accessTokenSeconds: config.auth.jwtExpirySeconds,
            sessionCheck: {
              activeCacheSeconds: (deps.tuning?.sessions?.activeTtlMs ?? defaultSessionGuardOptions.activeTtlMs) / 1000,
              instanceId,
            },
          },
        },
      };
    },
    async metrics() {
      const c = service.counters;
      const outcomes: [string, number][] = [
        ['signed_up', c.signedUp],
        ['signed_in', c.signedIn],
        ['sign_in_failed', c.signInFailed],
        ['sign_in_held_back', c.signInHeldBack],
        ['refreshed', c.refreshed],
        ['refresh_failed', c.refreshFailed],
        ['refresh_token_reused', c.refreshReuse],
      ];
      const checks = sessions.stats;
      return [
        ...metric(
          'made_open_auth_events_total',
          'counter',
          'Auth outcomes since the hub started.',
          outcomes.map(([outcome, value]) => [{ outcome }, value]),
        ),
        ...metric(
          'made_open_auth_session_checks_total',
          'counter',
          'Session checks of authenticated requests on this instance.',
          [
            [{ result: 'cached' }, checks.hits],
            [{ result: 'looked_up' }, checks.lookups],
            [{ result: 'refused' }, checks.refused],
          ],
        ),
      ].join('\n');
    },
  };
}
