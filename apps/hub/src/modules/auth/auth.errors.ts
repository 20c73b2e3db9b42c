import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { InvalidJwtError, UnauthorizedError, UserError } from '../../platform/errors.ts';
import { mapError } from '../../platform/http/error-handler.ts';

/**
 * /auth/v1 answers errors in GoTrue's shapes, not the platform's `{ error: {...} }`:
 * that is the contract @supabase/supabase-js parses (auth-js lib/fetch.ts handleError).
 *
 * - A request with `X-Supabase-Api-Version: 2024-01-01` (supabase-js sends it) gets
 *   `{ code: "<error_code>", message }` and the header echoed back.
 * - Older clients get `{ code: <status>, error_code, msg }`.
 * - weak_password errors add `weak_password: { reasons }`.
 */
export class GoTrueError extends UserError {
  constructor(
    status: number,
    code: string,
    message: string,
    readonly weakPasswordReasons?: string[],
    /** Sent as Retry-After (seconds) with a 429. */
    readonly retryAfterSeconds?: number,
  ) {
    super(status, code, message);
    this.name = 'GoTrueError';
  }
}

export const apiVersionHeader = 'x-supabase-api-version';
const apiVersion20240101 = '2024-01-01';

export const goTrue = {
  validation: (message: string) => new GoTrueError(400, 'validation_failed', message),
  invalidEmail: () => new GoTrueError(400, 'email_address_invalid', 'Unable to validate email address: invalid format'),
  weakPassword: (message: string, reasons: string[]) => new GoTrueError(422, 'weak_password', message, reasons),
  signupDisabled: () =>
    new GoTrueError(
      422,
      'signup_disabled',
      "Signups not allowed for this instance: the hub's owner has closed sign-up. Ask them to open it in Settings.",
    ),
  currentPasswordRequired: () =>
    new GoTrueError(400, 'current_password_required', 'Current password required when setting new password.'),
  currentPasswordMismatch: () => new GoTrueError(400, 'current_password_mismatch', 'Current password is not correct.'),
  userExists: () => new GoTrueError(422, 'user_already_exists', 'User already registered'),
  emailExists: () => new GoTrueError(422, 'email_exists', 'A user with this email address has already been registered'),
  samePassword: () => new GoTrueError(422, 'same_password', 'New password should be different from the old password.'),
  emailNotConfirmed: () => new GoTrueError(400, 'email_not_confirmed', 'Email not confirmed'),
  userBanned: () => new GoTrueError(400, 'user_banned', 'User is banned'),
  invalidCredentials: () => new GoTrueError(400, 'invalid_credentials', 'Invalid login credentials'),
  refreshTokenNotFound: () =>
    new GoTrueError(400, 'refresh_token_not_found', 'Invalid Refresh Token: Refresh Token Not Found'),
  refreshTokenAlreadyUsed: () =>
    new GoTrueError(400, 'refresh_token_already_used', 'Invalid Refresh Token: Already Used'),
  sessionNotFound: () =>
    new GoTrueError(403, 'session_not_found', 'Session from session_id claim in JWT does not exist'),
  userNotFound: () => new GoTrueError(403, 'user_not_found', 'User from sub claim in JWT does not exist'),
  /** A valid key without a user (anon, service_role) where a user's token is needed, as GoTrue words it. */
  missingSubClaim: () => new GoTrueError(403, 'bad_jwt', 'invalid claim: missing sub claim'),
  notAdmin: () => new GoTrueError(403, 'not_admin', 'User not allowed'),
  adminUserNotFound: () => new GoTrueError(404, 'user_not_found', 'User not found'),
  routeNotFound: (method: string, path: string) =>
    new GoTrueError(
      404,
      'not_found',
      `There is no ${method} ${path} endpoint: this hub serves the GoTrue subset listed in its /docs.`,
    ),
  noAuthorization: () => new GoTrueError(401, 'no_authorization', 'This endpoint requires a valid Bearer token'),
  unsupportedGrant: () =>
    new GoTrueError(
      400,
      'validation_failed',
      'Unsupported grant type: use grant_type=password or grant_type=refresh_token',
    ),
  mfaFactorNotFound: () => new GoTrueError(404, 'mfa_factor_not_found', 'Factor not found'),
  mfaChallengeNotFound: () =>
    new GoTrueError(422, 'mfa_factor_not_found', 'MFA factor with the provided challenge ID not found'),
  mfaChallengeExpired: (id: string) =>
    new GoTrueError(
      422,
      'mfa_challenge_expired',
      `MFA challenge ${id} has expired, verify against another challenge or create a new factor.`,
    ),
  mfaVerificationFailed: () => new GoTrueError(422, 'mfa_verification_failed', 'Invalid TOTP code entered'),
  insufficientAal: (what: string) => new GoTrueError(422, 'insufficient_aal', `AAL2 required to ${what}`),
  tooManyFactors: () =>
    new GoTrueError(
      422,
      'too_many_enrolled_mfa_factors',
      'Maximum number of verified factors reached, unenroll to continue',
    ),
  factorNameConflict: (name: string) =>
    new GoTrueError(
      422,
      'mfa_factor_name_conflict',
      `A factor with the friendly name "${name}" for this user already exists`,
    ),
  mfaTypeNotEnabled: (type: string) =>
    new GoTrueError(422, `mfa_${type}_enroll_not_enabled`, `MFA enroll is disabled for ${type}: this hub offers TOTP`),
  emailSendingOff: () =>
    new GoTrueError(
      422,
      'email_provider_disabled',
      "Password recovery and email sign-in are off: this hub has no email sender. The hub's owner can set one up in Settings.",
    ),
  emailSendTooSoon: (seconds: number) =>
    new GoTrueError(
      429,
      'over_email_send_rate_limit',
      `For security purposes, you can only request this after ${seconds} seconds.`,
      undefined,
      seconds,
    ),
  emailSendFailed: () =>
    new GoTrueError(
      503,
      'email_send_failed',
      "The mail could not be sent: the hub's email sender refused it or could not be reached. Try again later.",
    ),
  otpExpired: () => new GoTrueError(403, 'otp_expired', 'Email link is invalid or has expired'),
  otpSignupsOff: () => new GoTrueError(422, 'otp_disabled', 'Signups not allowed for otp'),
  rateLimited: () => new GoTrueError(429, 'over_request_rate_limit', 'Request rate limit reached'),
  // The same words whether or not an account has this email: the answer must not tell.
  signInHeldBack: (retryAfterSeconds: number) =>
    new GoTrueError(
      429,
      'over_request_rate_limit',
      `Too many failed sign-in attempts for this email: try again in ${retryAfterSeconds} seconds.`,
      undefined,
      retryAfterSeconds,
    ),
};

export interface GoTrueErrorBody {
  code: number | string;
  error_code?: string;
  msg?: string;
  message?: string;
  weak_password?: { reasons: string[] };
}

function toGoTrue(error: unknown): GoTrueError {
  if (error instanceof GoTrueError) return error;
  if (error instanceof UnauthorizedError) {
    // An access token of a session that has ended: GoTrue's answer, which supabase-js turns into a signed-out state.
    if (error.code === 'session_ended') return goTrue.sessionNotFound();
    // GoTrue: 403 bad_jwt, "invalid JWT: unable to parse or verify signature, <golang-jwt's reason>".
    if (error instanceof InvalidJwtError) {
      return new GoTrueError(
        403,
        'bad_jwt',
        error.problem === 'claims' ? error.detail : `invalid JWT: unable to parse or verify signature, ${error.detail}`,
      );
    }
    return new GoTrueError(
      401,
      error.code === 'unauthorized' || error.code === 'bad_authorization_header' ? 'no_authorization' : 'bad_jwt',
      error.message,
    );
  }
  if (hasZodFastifySchemaValidationErrors(error)) {
    const first = error.validation[0];
    const where = first?.instancePath ? ` (${first.instancePath.replace(/^\//, '')})` : '';
    return new GoTrueError(400, 'validation_failed', `${first?.message ?? 'The request is not valid'}${where}`);
  }
  const status = (error as FastifyError | null)?.statusCode;
  if (status === 429) return goTrue.rateLimited();
  if (typeof status === 'number' && status >= 400 && status < 500) {
    const code =
      status === 400 && (error as FastifyError).code?.startsWith('FST_ERR_CTP') ? 'bad_json' : 'validation_failed';
    return new GoTrueError(status, code, (error as FastifyError).message);
  }
  const mapped = mapError(error);
  if (mapped.status >= 500) {
    return new GoTrueError(
      mapped.status,
      mapped.status === 503 ? 'service_unavailable' : 'unexpected_failure',
      mapped.status === 503
        ? mapped.body.error.message
        : 'Unexpected failure, please check server logs for more information',
    );
  }
  return new GoTrueError(mapped.status, mapped.body.error.code, mapped.body.error.message);
}

export function goTrueErrorBody(error: GoTrueError, modern: boolean): GoTrueErrorBody {
  const body: GoTrueErrorBody = modern
    ? { code: error.code, message: error.message }
    : { code: error.status, error_code: error.code, msg: error.message };
  if (error.weakPasswordReasons) body.weak_password = { reasons: error.weakPasswordReasons };
  return body;
}

/** The error handler of the /auth/v1 scope. */
export function handleGoTrueError(error: unknown, request: FastifyRequest, reply: FastifyReply) {
  const mapped = toGoTrue(error);
  if (mapped.status >= 500) request.log.error({ err: error }, 'auth request failed');
  else request.log.debug({ code: mapped.code }, 'auth request rejected');
  const requested = request.headers[apiVersionHeader];
  // GoTrue answers any dated version from 2024-01-01 on with the 2024-01-01 shape.
  const modern =
    typeof requested === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(requested) && requested >= apiVersion20240101;
  if (modern) reply.header(apiVersionHeader, apiVersion20240101);
  reply.header('x-sb-error-code', mapped.code);
  if (mapped.retryAfterSeconds !== undefined) reply.header('retry-after', String(mapped.retryAfterSeconds));
  else if (mapped.status === 429 && !reply.hasHeader('retry-after')) reply.header('retry-after', '60');
  return reply.status(mapped.status).send(goTrueErrorBody(mapped, modern));
}
