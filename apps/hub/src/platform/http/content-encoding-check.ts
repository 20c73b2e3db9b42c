import type { FastifyInstance, FastifyRequest } from 'fastify';
import { UserError } from '../errors.ts';

/**
 * The codings a request body may declare: none, or `identity` (RFC 9110 §8.4.1), possibly
 * listed more than once.
 */
function isIdentity(header: string): boolean {
  return header.split(',').every((coding) => {
    const name = coding.trim().toLowerCase();
    return name === '' || name === 'identity';
  });
}

/** Whether the request carries a body at all (a Content-Length above 0, or a chunked one). */
function hasBody(request: FastifyRequest): boolean {
  const length = request.headers['content-length'];
  if (length !== undefined) return length !== '0';
  return request.headers['transfer-encoding'] !== undefined;
}

/**
 * Request bodies are taken as sent, never decompressed: a body with `Content-Encoding: gzip`
 * (or deflate, br, zstd, anything but identity) is refused with 415 before a byte of it is
 * read, instead of being parsed as if it were plain text. No client the hub serves compresses
 * what it sends (supabase-js, the web app, Twilio's and Graph's webhooks, DAV clients,
 * OwnTracks), and decoding would add a second size limit to keep in step with every route's
 * body limit, and zip bombs to guard against, for no caller. RFC 9110 §15.5.16: a 415 for an
 * unsupported coding, with Accept-Encoding saying what is accepted. The error goes through
 * the route's own error handler, so each API answers in its own shape.
 */
export function registerContentEncodingCheck(app: FastifyInstance) {
  app.addHook('onRequest', async (request: FastifyRequest, reply) => {
    const header = request.headers['content-encoding'];
    if (header === undefined || !hasBody(request) || isIdentity(header)) return;
    reply.header('accept-encoding', 'identity');
    throw new UserError(
      415,
      'unsupported_content_encoding',
      `This hub does not accept compressed request bodies (Content-Encoding: ${header.slice(0, 40)}): send the body uncompressed, without a Content-Encoding header.`,
    );
  });
}
