import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AuthenticatedUser } from '../../platform/http/authentication.ts';
import type { MfaService } from './auth.mfa.service.ts';
import { errorResponses, factorSchema, sessionSchema } from './auth.schemas.ts';

const tags = ['auth'];
const note =
  " Needs a signed-in user's access token. GoTrue-compatible (supabase-js auth.mfa); errors use GoTrue's shape.";

const factorParams = z.object({ id: z.uuid().describe('The factor id') });
const enrollBody = z.object({
  factor_type: z.string().max(20).describe('totp (phone and webauthn are not offered)'),
  friendly_name: z.string().max(120).optional(),
  issuer: z.string().max(120).optional().describe("Shown in the authenticator app; default: the hub's host"),
});
const verifyBody = z.object({
  challenge_id: z.uuid(),
  code: z.string().max(40).describe('The 6-digit code, or one unused recovery code (xxxxx-xxxxx)'),
});

/** /auth/v1/factors: enrol, challenge, verify, unenrol (GoTrue), plus list and recovery codes (Made Open). */
export function mfaRoutes(deps: {
  mfa: MfaService;
  signedIn: (request: FastifyRequest) => Promise<AuthenticatedUser>;
  verifyPerMinute: number;
}) {
  const { mfa, signedIn } = deps;
  return async function routes(fastify: FastifyInstance) {
    const app = fastify.withTypeProvider<ZodTypeProvider>();

    app.post(
      '/factors',
      {
        schema: {
          tags,
          summary: 'Enrol a TOTP factor: its secret, otpauth URI and QR code (SVG)',
          description: `The factor stays unverified until a code from it is verified. With a verified factor already, needs an aal2 session (422 insufficient_aal). At most 10 factors.${note}`,
          body: enrollBody,
          response: {
            200: z.object({
              id: z.string(),
              type: z.literal('totp'),
              friendly_name: z.string(),
              totp: z.object({ qr_code: z.string(), secret: z.string(), uri: z.string() }),
            }),
            ...errorResponses,
          },
        },
      },
      async (request) => mfa.enroll(await signedIn(request), request.body),
    );

    app.get(
      '/factors',
      {
        schema: {
          tags,
          summary: "The caller's factors, the session's aal and how many recovery codes are unused (Made Open)",
          description: `supabase-js lists factors from GET /user; this adds the recovery-code count for the settings screen.${note}`,
          response: {
            200: z.object({
              factors: z.array(factorSchema),
              aal: z.enum(['aal1', 'aal2']),
              recovery_codes_left: z.number().int(),
            }),
            ...errorResponses,
          },
        },
      },
      async (request) => mfa.list(await signedIn(request)),
    );

    app.post(
      '/factors/recovery_codes',
      {
        schema: {
          tags,
          summary: 'Ten new one-use recovery codes, shown once (Made Open)',
          description: `Needs an aal2 session. Earlier codes stop working. A code is used through mfa.verify in place of the 6-digit code.${note}`,
          response: { 200: z.object({ codes: z.array(z.string()) }), ...errorResponses },
        },
      },
      async (request) => mfa.newRecoveryCodes(await signedIn(request)),
    );

    app.post(
      '/factors/:id/challenge',
      {
        schema: {
          tags,
          summary: 'Start a challenge for a factor (valid 300 s)',
          description: note,
          params: factorParams,
          response: {
            200: z.object({ id: z.string(), type: z.literal('totp'), expires_at: z.number().int() }),
            ...errorResponses,
          },
        },
      },
      async (request) => mfa.challenge(await signedIn(request), request.params.id),
    );

    app.post(
      '/factors/:id/verify',
      {
        config: { rateLimit: { max: deps.verifyPerMinute, timeWindow: '1 minute' } },
        schema: {
          tags,
          summary: 'Verify a code against a challenge: the session becomes aal2 and new tokens are issued',
          description:
            'Each TOTP code is accepted once. After 5 wrong codes for a factor within 15 minutes, attempts are held back (429, doubling delays) like sign-ins. ' +
            `Verifying a new factor's first code marks it verified.${note}`,
          params: factorParams,
          body: verifyBody,
          response: { 200: sessionSchema, ...errorResponses },
        },
      },
      async (request) => mfa.verify(await signedIn(request), request.params.id, request.body),
    );

    app.delete(
      '/factors/:id',
      {
        schema: {
          tags,
          summary: 'Unenrol a factor',
          description: `A verified factor needs an aal2 session (422 insufficient_aal). With no verified factor left, the user's sessions drop to aal1 and the recovery codes are deleted.${note}`,
          params: factorParams,
          response: { 200: z.object({ id: z.string() }), ...errorResponses },
        },
      },
      async (request) => mfa.unenroll(await signedIn(request), request.params.id),
    );
  };
}
