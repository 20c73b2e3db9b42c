import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { clientInfo } from './auth.routes.ts';
import { GoTrueError } from './auth.errors.ts';
import type { EmailService } from './auth.email.service.ts';
import { errorResponses, redirectQuerySchema, sessionSchema } from './auth.schemas.ts';

const tags = ['auth'];
const note =
  " Needs the hub's email sender (Settings); without one: 422 email_provider_disabled. GoTrue-compatible (supabase-js); errors use GoTrue's shape.";
const emptyAnswer = z
  .object({})
  .describe('Sent (or nothing to send: the answer does not say whether the address has an account)');
const metadata = z.record(z.string(), z.unknown());

const verifyBody = z.object({
  type: z.string().max(20).describe('recovery, signup, magiclink or email'),
  token_hash: z.string().max(100).optional().describe("The link's token"),
  email: z.string().max(255).optional(),
  token: z.string().max(20).optional().describe('The 6-digit code from the mail (with email)'),
});
const verifyQuery = z.object({
  token: z.string().max(100),
  type: z.string().max(20),
  redirect_to: z.string().max(2048).optional(),
});

/** GoTrue's mail flows at /auth/v1: /recover, /resend, /otp and /verify (ADR 0025). */
export function emailRoutes(deps: { email: EmailService; rateLimit: { emailPerHour: number; verifyPerHour: number } }) {
  const { email } = deps;
  return async function routes(fastify: FastifyInstance) {
    const app = fastify.withTypeProvider<ZodTypeProvider>();
    const mailLimit = { rateLimit: { max: deps.rateLimit.emailPerHour, timeWindow: '1 hour' } };
    const verifyLimit = { rateLimit: { max: deps.rateLimit.verifyPerHour, timeWindow: '1 hour' } };

    app.post(
      '/recover',
      {
        config: mailLimit,
        schema: {
          tags,
          summary: 'Mail a password-reset link and code',
          description: `The link (GET /verify) or code (POST /verify type recovery) signs in, after which PUT /user sets a password without the current one. One mail per address per 60 s (429 over_email_send_rate_limit), AUTH_RATE_LIMIT_EMAIL_PER_HOUR per client IP.${note}`,
          security: [],
          querystring: redirectQuerySchema,
          body: z.object({ email: z.string().max(255) }),
          response: { 200: emptyAnswer, ...errorResponses },
        },
      },
      async (request) => email.recover(request.body, request.query.redirect_to),
    );

    app.post(
      '/resend',
      {
        config: mailLimit,
        schema: {
          tags,
          summary: 'Mail the sign-up confirmation again (type signup)',
          description: `Only for an account whose email is not confirmed yet. One mail per address per 60 s.${note}`,
          security: [],
          querystring: redirectQuerySchema,
          body: z.object({ type: z.string().max(20), email: z.string().max(255).optional() }),
          response: { 200: emptyAnswer, ...errorResponses },
        },
      },
      async (request) => email.resend(request.body, request.query.redirect_to),
    );

    app.post(
      '/otp',
      {
        config: mailLimit,
        schema: {
          tags,
          summary: 'Mail a magic link and a 6-digit code that sign in',
          description: `An unknown address gets an account unless create_user is false (422 otp_disabled) or sign-up is closed. Email only (no SMS).${note}`,
          security: [],
          querystring: redirectQuerySchema,
          body: z.object({
            email: z.string().max(255).optional(),
            phone: z.string().max(40).optional(),
            create_user: z.boolean().optional(),
            data: metadata.nullish(),
          }),
          response: { 200: emptyAnswer, ...errorResponses },
        },
      },
      async (request) => email.otp(request.body, request.query.redirect_to),
    );

    app.post(
      '/verify',
      {
        config: verifyLimit,
        schema: {
          tags,
          summary: 'Use a mailed token_hash, or an email and its code: returns a session',
          description:
            'Each token works once, for AUTH_MAILER_OTP_EXPIRY_SECONDS (default 3600); sending a new one replaces it. Expired, used or wrong: 403 otp_expired. ' +
            'Wrong codes for an address are held back after 5 like wrong passwords; AUTH_RATE_LIMIT_VERIFY_PER_HOUR per client IP.',
          security: [],
          body: verifyBody,
          response: { 200: sessionSchema, ...errorResponses },
        },
      },
      async (request) => email.verify(request.body, clientInfo(request)),
    );

    app.get(
      '/verify',
      {
        config: verifyLimit,
        schema: {
          tags,
          summary: "A mailed link: signs in and redirects with the session in the URL's fragment",
          description:
            'Answers 303 to redirect_to (an allowed origin, else the hub) with #access_token=...&refresh_token=...&expires_in=...&expires_at=...&token_type=bearer&type=<type>, which supabase-js reads; ' +
            'a bad or expired link redirects with #error=access_denied&error_code=otp_expired&error_description=...',
          security: [],
          querystring: verifyQuery,
        },
      },
      async (request, reply) => {
        const target = new URL(email.safeRedirect(request.query.redirect_to));
        let fragment: URLSearchParams;
        try {
          const session = await email.verify(
            { type: request.query.type, token_hash: request.query.token },
            clientInfo(request),
          );
          fragment = new URLSearchParams({
            access_token: session.access_token,
            expires_at: String(session.expires_at),
            expires_in: String(session.expires_in),
            refresh_token: session.refresh_token,
            token_type: 'bearer',
            type: request.query.type,
          });
        } catch (error) {
          if (!(error instanceof GoTrueError)) throw error;
          fragment = new URLSearchParams({
            error: error.status === 403 ? 'access_denied' : 'invalid_request',
            error_code: error.code,
            error_description: error.message,
          });
        }
        target.hash = fragment.toString();
        return reply.status(303).header('location', target.toString()).header('cache-control', 'no-store').send();
      },
    );
  };
}
