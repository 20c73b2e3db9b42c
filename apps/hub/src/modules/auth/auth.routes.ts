import rateLimit from '@fastify/rate-limit';
import type { RateLimiting } from '../../platform/http/rate-limit/index.ts';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { JWK } from 'jose';
import { z } from 'zod';
import { bearerToken } from '../../platform/http/authentication.ts';
import type { AuthenticatedUser, TokenVerifier } from '../../platform/http/authentication.ts';
import { goTrue, handleGoTrueError } from './auth.errors.ts';
import {
  errorResponses,
  healthSchema,
  logoutQuerySchema,
  redirectQuerySchema,
  sessionSchema,
  settingsSchema,
  signupBodySchema,
  tokenBodySchema,
  tokenQuerySchema,
  updateUserBodySchema,
  userSchema,
} from './auth.schemas.ts';
import type { AuthService } from './auth.service.ts';
import { adminRoutes } from './auth.admin.routes.ts';
import type { AdminService } from './auth.admin.service.ts';
import type { SettingsService } from './auth.settings.service.ts';
import { mfaRoutes } from './auth.mfa.routes.ts';
import { emailRoutes } from './auth.email.routes.ts';
import type { EmailService } from './auth.email.service.ts';
import type { MfaService } from './auth.mfa.service.ts';

export interface AuthRoutesDeps {
  service: AuthService;
  /** Public signing keys for /.well-known/jwks.json. */
  jwks: { keys: JWK[] };
  admin: AdminService;
  mfa: MfaService;
  email: EmailService;
  /** AUTH_MAILER_AUTOCONFIRM, for /settings. */
  mailerAutoconfirm: boolean;
  settings: Pick<SettingsService, 'signUpOpen'>;
  verifier: TokenVerifier;
  rateLimit: { signupPerHour: number; tokenPerMinute: number; emailPerHour: number; verifyPerHour: number };
  /** Where those limits are counted (ADR 0035). */
  rateLimiting: RateLimiting;
}

const tags = ['auth'];
const gotrueNote =
  " GoTrue-compatible (what @supabase/supabase-js calls); errors use GoTrue's shape, not the /api/v1 one.";

export const clientInfo = (request: FastifyRequest) => ({
  userAgent: typeof request.headers['user-agent'] === 'string' ? request.headers['user-agent'] : null,
});

/** The GoTrue-compatible subset at /auth/v1 (DESIGN §6). */
export function authRoutes(deps: AuthRoutesDeps) {
  const { service, verifier } = deps;

  async function signedIn(request: FastifyRequest): Promise<AuthenticatedUser> {
    const token = bearerToken(request);
    if (token === undefined) throw goTrue.noAuthorization();
    const user = await verifier.verify(token);
    // The anon key is a valid JWT without a subject: GoTrue's answer for it.
    if (!user) throw goTrue.missingSubClaim();
    return user;
  }

  return async function routes(root: FastifyInstance) {
    await root.register(scope, { prefix: '/auth/v1' });
  };

  async function scope(fastify: FastifyInstance) {
    // This scope answers in GoTrue's error shapes; the rest of the hub keeps its own.
    fastify.setErrorHandler(handleGoTrueError);
    // supabase-js sends `Content-Type: application/json` with no body on POST /logout,
    // which GoTrue accepts; in this scope an empty JSON body is no body.
    const parseJson = fastify.getDefaultJsonParser('error', 'error');
    fastify.removeContentTypeParser('application/json');
    fastify.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
      const text = body.toString();
      if (text.trim() === '') return done(null, undefined);
      return parseJson(request, text, done);
    });
    // Every limit here guards a secret or a mailbox: if the shared count cannot be read, refuse
    // (503) rather than let an attacker who overloads the database guess freely. These routes
    // need the database anyway.
    await fastify.register(rateLimit, deps.rateLimiting.plugin('refuse'));
    const app = fastify.withTypeProvider<ZodTypeProvider>();

    app.post(
      '/signup',
      {
        config: { rateLimit: { max: deps.rateLimit.signupPerHour, timeWindow: '1 hour' } },
        schema: {
          tags,
          summary: 'Sign up with email and password (returns a session, or with confirmation on the user alone)',
          description: `With AUTH_MAILER_AUTOCONFIRM=false a confirmation mail goes out and the answer is the user without a session. Rate limited per client IP (AUTH_RATE_LIMIT_SIGNUP_PER_HOUR). Refused with 422 signup_disabled when the hub's owner (its first account) has closed sign-up.${gotrueNote}`,
          security: [],
          body: signupBodySchema,
          querystring: redirectQuerySchema,
          response: { 200: z.union([sessionSchema, userSchema]), ...errorResponses },
        },
      },
      async (request) => service.signUp(request.body, clientInfo(request), request.query.redirect_to),
    );

    app.post(
      '/token',
      {
        config: { rateLimit: { max: deps.rateLimit.tokenPerMinute, timeWindow: '1 minute' } },
        schema: {
          tags,
          summary: 'Sign in (grant_type=password) or refresh a session (grant_type=refresh_token)',
          description:
            'Refresh tokens are single use: each refresh returns a new one, and presenting a spent one again ends the session. ' +
            `Rate limited per client IP (AUTH_RATE_LIMIT_TOKEN_PER_MINUTE). After 5 failed sign-ins for an email within 15 minutes, ` +
            `each attempt for it is refused with 429 and a Retry-After that doubles with each further failure (30 s up to 15 min); a successful sign-in resets it.${gotrueNote}`,
          security: [],
          querystring: tokenQuerySchema,
          body: tokenBodySchema,
          response: { 200: sessionSchema, ...errorResponses },
        },
      },
      async (request) => {
        switch (request.query.grant_type) {
          case 'password':
            return service.signInWithPassword(request.body, clientInfo(request));
          case 'refresh_token':
            return service.refresh(request.body.refresh_token);
          default:
            throw goTrue.unsupportedGrant();
        }
      },
    );

    app.get(
      '/user',
      {
        schema: {
          tags,
          summary: 'The signed-in user',
          description: `Needs an access token of an active session.${gotrueNote}`,
          response: { 200: userSchema, ...errorResponses },
        },
      },
      async (request) => service.getUser(await signedIn(request)),
    );

    app.put(
      '/user',
      {
        schema: {
          tags,
          summary: "Change the signed-in user's email, password or user_metadata",
          description:
            "Email changes apply at once (the hub sends no mail). A password change needs `current_password` (400 current_password_required / current_password_mismatch) and signs out the user's other sessions. " +
            `user_metadata is merged; a null value removes a key.${gotrueNote}`,
          body: updateUserBodySchema,
          response: { 200: userSchema, ...errorResponses },
        },
      },
      async (request) => service.updateUser(await signedIn(request), request.body),
    );

    app.post(
      '/logout',
      {
        schema: {
          tags,
          summary: 'Sign out: this session, every session, or every other session',
          description: `Answers 204. Access tokens of the ended sessions stop working at once on every path and every hub instance, also after a restart.${gotrueNote}`,
          querystring: logoutQuerySchema,
          response: { 204: z.null().describe('Signed out'), ...errorResponses },
        },
      },
      async (request, reply) => {
        await service.logout(await signedIn(request), request.query.scope);
        return reply.status(204).send(null);
      },
    );

    app.get(
      '/settings',
      {
        schema: {
          tags,
          summary: 'Which sign-in methods this auth server offers (GoTrue /settings)',
          security: [],
          response: { 200: settingsSchema },
        },
      },
      async () => ({
        external: {
          email: true,
          phone: false,
          anonymous_users: false,
          apple: false,
          azure: false,
          bitbucket: false,
          discord: false,
          facebook: false,
          figma: false,
          github: false,
          gitlab: false,
          google: false,
          keycloak: false,
          kakao: false,
          linkedin_oidc: false,
          notion: false,
          slack_oidc: false,
          spotify: false,
          twitch: false,
          twitter: false,
          workos: false,
          zoom: false,
        },
        disable_signup: !(await deps.settings.signUpOpen()),
        mailer_autoconfirm: deps.mailerAutoconfirm,
        phone_autoconfirm: false,
        sms_provider: '',
        saml_enabled: false,
        anonymous_users: false,
      }),
    );

    app.get(
      '/.well-known/jwks.json',
      {
        schema: {
          tags,
          summary: "The public keys that verify this hub's access tokens (GoTrue's JWKS)",
          description:
            'ES256 (P-256) keys with kid, as supabase-js getClaims() fetches them to verify tokens without a round trip. Empty when the hub signs with SUPABASE_JWT_SECRET (HS256).',
          security: [],
          response: { 200: z.object({ keys: z.array(z.record(z.string(), z.unknown())) }) },
        },
      },
      async (_request, reply) => {
        reply.header('cache-control', 'public, max-age=600');
        return deps.jwks;
      },
    );

    app.get(
      '/health',
      {
        schema: {
          tags,
          summary: 'Auth server liveness (GoTrue /health)',
          security: [],
          response: { 200: healthSchema },
        },
      },
      async () => ({
        version: 'made-open-hub',
        name: 'GoTrue',
        description: 'GoTrue is a user registration and authentication API',
      }),
    );
    await fastify.register(adminRoutes({ admin: deps.admin, email: deps.email, verifier }));
    await fastify.register(emailRoutes({ email: deps.email, rateLimit: deps.rateLimit }));
    await fastify.register(mfaRoutes({ mfa: deps.mfa, signedIn, verifyPerMinute: deps.rateLimit.tokenPerMinute }));
    // Routes the hub does not serve: GoTrue's error shape (auth-js shows raw JSON otherwise).
    fastify.setNotFoundHandler((request) => {
      throw goTrue.routeNotFound(request.method, request.url.split('?')[0]!);
    });
  }
}
