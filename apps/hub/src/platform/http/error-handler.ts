import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { ZodError } from 'zod';
import { OperatorError, UserError } from '../errors.ts';

/** The one wire shape of every error (DESIGN §6). */
export interface ErrorBody {
  error: { code: string; message: string; details?: unknown };
}

interface Mapped {
  status: number;
  body: ErrorBody;
}

const body = (code: string, message: string, details?: unknown): ErrorBody => ({
  error: details === undefined ? { code, message } : { code, message, details },
});

/** PostgreSQL SQLSTATEs that can only come from bad input, mapped to what the caller can do. */
const postgresUserErrors: Record<string, [number, string, string]> = {
  '22P02': [400, 'invalid_input', 'A value has the wrong format.'],
  '22001': [400, 'value_too_long', 'A value is longer than allowed.'],
  '22003': [400, 'value_out_of_range', 'A number is out of range.'],
  '22007': [400, 'invalid_datetime', 'A date or time has the wrong format.'],
  '22008': [400, 'invalid_datetime', 'A date or time is out of range.'],
  '22023': [400, 'invalid_input', 'A value is not valid here.'],
  // From a JavaScript string only a NUL (U+0000) gets here: the drivers send UTF-8.
  '22021': [
    400,
    'invalid_input',
    'Text must be valid UTF-8 and cannot contain NUL characters (\\u0000): remove them and try again.',
  ],
  // jsonb refuses \u0000, the one escape JSON allows that PostgreSQL cannot store.
  '22P05': [400, 'invalid_input', 'Text cannot contain NUL characters (\\u0000): remove them and try again.'],
  '22025': [400, 'invalid_input', 'A value has an invalid escape sequence.'],
  '2202E': [400, 'invalid_input', 'An array index is out of range.'],
  '23502': [400, 'missing_value', 'A required value is missing.'],
  '23514': [400, 'invalid_value', 'A value breaks a rule of this resource.'],
  '23505': [409, 'already_exists', 'Something with the same unique value already exists.'],
  '23503': [404, 'not_found', 'A referenced resource does not exist.'],
  '42501': [403, 'forbidden', 'You cannot write that resource.'],
  '54000': [400, 'value_too_large', 'A value is too large to store.'],
  '40001': [409, 'retry', 'The request collided with another change: try again.'],
  '40P01': [409, 'retry', 'The request collided with another change: try again.'],
};

function isPostgresError(error: unknown): error is { code: string } {
  return (
    typeof error === 'object' &&
    error !== null &&
    typeof (error as { code?: unknown }).code === 'string' &&
    /^[0-9A-Z]{5}$/.test((error as { code: string }).code) &&
    ('severity' in error || 'routine' in error)
  );
}

const connectionErrorCodes = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', '57P01', '57P03', '53300']);

const validationPlaces: Record<string, string> = {
  body: 'request body',
  params: 'path',
  querystring: 'query string',
  headers: 'request headers',
};

export function mapError(error: unknown): Mapped {
  if (error instanceof UserError) {
    return { status: error.status, body: body(error.code, error.message, error.details) };
  }
  if (hasZodFastifySchemaValidationErrors(error)) {
    const details = error.validation.map((issue) => ({
      path: issue.instancePath || '/',
      message: issue.message,
    }));
    const where = validationPlaces[error.validationContext ?? ''] ?? 'request';
    const first = (details[0]?.message ?? 'check the fields').replace(/\.$/, '');
    return { status: 400, body: body('validation_failed', `The ${where} is not valid: ${first}.`, details) };
  }
  if (error instanceof ZodError) {
    const details = error.issues.map((issue) => ({ path: `/${issue.path.join('/')}`, message: issue.message }));
    return {
      status: 400,
      body: body('validation_failed', `The request is not valid: ${details[0]?.message ?? ''}`, details),
    };
  }
  if (error instanceof OperatorError) {
    return {
      status: 503,
      body: body(
        error.code,
        'The hub cannot reach a service it needs. Try again shortly; if it persists, ask the operator to check /health.',
      ),
    };
  }
  if (isPostgresError(error)) {
    const mapped = postgresUserErrors[error.code];
    if (mapped) return { status: mapped[0], body: body(mapped[1], mapped[2]) };
  }
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && connectionErrorCodes.has(code)) {
    return { status: 503, body: body('service_unavailable', 'The database is unavailable. Try again shortly.') };
  }
  const fastifyError = error as FastifyError;
  const status = fastifyError?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    const fastifyCode = (fastifyError.code ?? 'bad_request').replace(/^FST_ERR_/, '').toLowerCase();
    return { status, body: body(fastifyCode, fastifyError.message) };
  }
  return {
    status: 500,
    body: body('internal_error', 'Something went wrong on our side. It has been logged; try again.'),
  };
}

/**
 * Fastify's `frameworkErrors`: a URL refused before any route is chosen (a bad percent-escape,
 * a path parameter over the router's length limit) answered in the hub's shape, not Fastify's
 * own. No route means no API surface to speak for, so it is the hub's shape everywhere.
 */
export function answerFrameworkError(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  const path = request.url.split('?')[0];
  if (error.code === 'FST_ERR_BAD_URL') {
    return reply
      .status(400)
      .send(
        body(
          'bad_url',
          `The URL ${path} is not valid: it has a malformed percent-escape (like "%zz" or a lone "%") or encodes bytes that are not UTF-8. Encode it with encodeURIComponent and send it again.`,
        ),
      );
  }
  if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') {
    return reply
      .status(414)
      .send(body('path_parameter_too_long', 'A path parameter is longer than any id this hub uses: shorten it.'));
  }
  const { status, body: payload } = mapError(error);
  return reply.status(status).send(payload);
}

/** Headers that describe a body a route had begun to answer with (a file's type, length, range). */
const representationHeaders = [
  'content-type',
  'content-length',
  'content-range',
  'content-disposition',
  'content-encoding',
  'etag',
  'last-modified',
  'accept-ranges',
  'cache-control',
];

/**
 * An error after a route set its answer's headers (a download whose file failed to read)
 * must not go out under them: the error is JSON, of its own length, and never cached.
 */
export function dropRepresentationHeaders(reply: FastifyReply) {
  for (const name of representationHeaders) reply.removeHeader(name);
}

export function registerErrorHandling(app: FastifyInstance) {
  app.setErrorHandler((error: unknown, request: FastifyRequest, reply: FastifyReply) => {
    dropRepresentationHeaders(reply);
    const { status, body: payload } = mapError(error);
    if (status >= 500) request.log.error({ err: error }, 'request failed');
    else request.log.debug({ code: payload.error.code }, 'request rejected');
    if (status === 429 && !reply.hasHeader('retry-after')) reply.header('retry-after', '60');
    return reply.status(status).send(payload);
  });
  app.setNotFoundHandler((request, reply) =>
    reply
      .status(404)
      .send(
        body(
          'route_not_found',
          `There is no ${request.method} ${request.url.split('?')[0]} endpoint. See /docs for the API.`,
        ),
      ),
  );
}
