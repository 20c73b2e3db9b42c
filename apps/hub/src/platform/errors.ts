/**
 * Errors typed by who must act (DESIGN §2). The HTTP layer maps them in one place
 * (platform/http/error-handler.ts); nothing else decides status codes.
 */

/** The caller must act: a 4xx with a message they can act on. */
export class UserError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'UserError';
  }
}

export class ValidationError extends UserError {
  constructor(message: string, details?: unknown) {
    super(400, 'validation_failed', message, details);
  }
}

export class UnauthorizedError extends UserError {
  constructor(message = 'Sign in first: this request needs a valid access token.', code = 'unauthorized') {
    super(401, code, message);
  }
}

/**
 * A bearer token that is not a valid JWT of this hub: malformed, forged, expired, or with
 * claims no route accepts. `problem` lets each surface word it as its Supabase original
 * does (GoTrue's "invalid JWT: ...", Storage's "Invalid Compact JWS"); `message` is the hub's.
 */
export class InvalidJwtError extends UnauthorizedError {
  constructor(
    message: string,
    readonly problem: 'malformed' | 'signature' | 'expired' | 'claims',
    /** GoTrue's wording of the cause, e.g. "token has invalid claims: token is expired". */
    readonly detail: string,
  ) {
    super(message, 'bad_jwt');
  }
}

export class ForbiddenError extends UserError {
  constructor(message: string, code = 'forbidden') {
    super(403, code, message);
  }
}

export class NotFoundError extends UserError {
  constructor(what = 'resource') {
    super(404, 'not_found', `No ${what} with that id exists.`);
  }
}

export class ConflictError extends UserError {
  constructor(message: string, code = 'conflict', details?: unknown) {
    super(409, code, message, details);
  }
}

export class RateLimitedError extends UserError {
  constructor(message = 'Too many requests: wait a moment and try again.') {
    super(429, 'rate_limited', message);
  }
}

/** The operator must act: a dependency is down or misconfigured. */
export class OperatorError extends Error {
  constructor(
    message: string,
    readonly code = 'service_unavailable',
  ) {
    super(message);
    this.name = 'OperatorError';
  }
}
