import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../../platform/config.ts';
import type { Database } from '../../platform/db/index.ts';
import { ForbiddenError, NotFoundError } from '../../platform/errors.ts';
import type { Logger } from '../../platform/logger.ts';
import type { Ingest } from '../graph/index.ts';
import type { WalletService } from '../wallet/index.ts';
import type { JsonObject, WebhookRequest } from './connectors.contract.ts';
import type { ConnectorRegistry } from './connectors.registry.ts';
import { connectorsRepository as repo } from './connectors.repository.ts';
import { ownerClaims } from './connectors.sync.ts';

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Providers' webhook bodies are small (Twilio's are a few kB): anything past this is refused with 413. */
export const webhookBodyLimit = 256 * 1024;

/**
 * True when `presented` equals one of `expected`, in time that does not depend on where
 * they differ: every candidate is compared with crypto.timingSafeEqual on equal-length
 * buffers (a length mismatch compares the presented value with itself instead), no early exit.
 */
export function signatureMatches(presented: string | undefined, expected: readonly string[]): boolean {
  if (presented === undefined || presented.length === 0) return false;
  const given = Buffer.from(presented, 'utf8');
  let matched = false;
  for (const candidate of expected) {
    const wanted = Buffer.from(candidate, 'utf8');
    const equal = wanted.length === given.length ? timingSafeEqual(wanted, given) : !timingSafeEqual(given, given);
    matched = equal || matched;
  }
  return matched;
}

function formOf(body: Buffer): Record<string, string | string[]> {
  const fields: Record<string, string | string[]> = {};
  for (const [name, value] of new URLSearchParams(body.toString('utf8'))) {
    const seen = fields[name];
    fields[name] = seen === undefined ? value : Array.isArray(seen) ? [...seen, value] : [seen, value];
  }
  return fields;
}

function jsonOf(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}

function headersOf(request: FastifyRequest): Record<string, string | undefined> {
  const headers: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(request.headers))
    headers[name] = Array.isArray(value) ? value.join(', ') : value;
  return headers;
}

export interface WebhookDeps {
  config: Pick<Config, 'publicUrl'>;
  db: Database;
  logger: Logger;
  registry: ConnectorRegistry;
  ingest: Ingest;
  wallet: Pick<WalletService, 'unseal'>;
}

/**
 * /webhooks/<provider>/<connectionId>/<path> for every connector (DESIGN §6): the raw body
 * is kept (form and JSON alike), the connection is looked up by its id first (a system read:
 * the caller is the provider, not a user) so that it, not any body field, selects the secret;
 * the connector's signature is compared in constant time (403 and nothing stored when it is
 * missing or wrong); only then does its handler run, in one transaction as the owner.
 */
export function webhookRoutes(deps: WebhookDeps) {
  const { db, registry, logger } = deps;
  const publicUrl = deps.config.publicUrl.replace(/\/+$/, '');

  async function handle(request: FastifyRequest, reply: FastifyReply) {
    const params = request.params as { provider: string; connectionId: string; '*': string };
    const connector = registry.get(params.provider);
    const webhooks = connector?.webhooks;
    if (!webhooks || !uuid.test(params.connectionId)) throw new NotFoundError('connection');
    const row = await db.asSystem((tx) => repo.get(tx, params.connectionId));
    // Unknown, another provider's, not yet set up or disconnected: the same 404, nothing stored.
    if (!row || row.provider !== params.provider || (row.status !== 'active' && row.status !== 'error'))
      throw new NotFoundError('connection');
    const path = params['*'].replace(/\/+$/, '');
    const methods = webhooks.methods ?? ['POST'];
    if (!webhooks.paths.includes(path) || !(methods as readonly string[]).includes(request.method))
      throw new NotFoundError('webhook');
    const credential = await deps.wallet.unseal(row.owner_id, row.credential_id);
    if (!credential) {
      logger.warn({ connectionId: row.id }, 'webhook for a connection whose credential is gone: refused');
      throw new ForbiddenError('This connection cannot verify requests any more: reconnect it.', 'bad_signature');
    }
    const rawBody = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    const query: Record<string, string> = {};
    for (const [key, value] of Object.entries((request.query ?? {}) as Record<string, unknown>))
      if (typeof value === 'string') query[key] = value;
    const webhookRequest: WebhookRequest = {
      method: request.method,
      path,
      // What the provider signed: the public address it was given, never the Host header.
      url: `${publicUrl}${request.url}`,
      headers: headersOf(request),
      query,
      contentType: String(request.headers['content-type'] ?? ''),
      rawBody,
      form: () => formOf(rawBody),
      json: () => jsonOf(rawBody),
    };
    const secret = { id: credential.id, name: credential.name, secret: credential.secret };
    let verdict: { signed: boolean; valid: boolean };
    try {
      if (webhooks.verify) verdict = webhooks.verify(webhookRequest, secret);
      else {
        const signature = webhooks.signature?.(webhookRequest, secret) ?? { presented: undefined, expected: [] };
        verdict = {
          signed: signature.presented !== undefined,
          valid: signatureMatches(signature.presented, signature.expected),
        };
      }
    } catch {
      verdict = { signed: false, valid: false };
    }
    if (!verdict.valid) {
      logger.warn(
        { connectionId: row.id, provider: row.provider, path, signed: verdict.signed },
        'webhook signature refused',
      );
      throw new ForbiddenError(
        verdict.signed ? 'The signature does not match this request.' : 'This request is not signed.',
        'bad_signature',
      );
    }
    const options = connector.options.safeParse(row.options);
    const result = await db.asUser(ownerClaims(row.owner_id), (tx) =>
      webhooks.handle({
        connection: {
          id: row.id,
          ownerId: row.owner_id,
          accountId: row.account_id ?? '',
          label: row.label,
          options: options.success ? options.data : row.options,
          state: row.state as JsonObject,
        },
        request: webhookRequest,
        ingest: (items) => deps.ingest(tx, { ownerId: row.owner_id, actor: { kind: 'connector', id: row.id }, items }),
        tx,
        logger: logger.child({ connectionId: row.id, provider: row.provider }),
      }),
    );
    return reply
      .status(result?.status ?? 200)
      .type(result?.contentType ?? 'text/plain; charset=utf-8')
      .send(result?.body ?? '');
  }

  return async function routes(app: FastifyInstance) {
    // Every body is kept as bytes, whatever its type: signatures are computed over them.
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: webhookBodyLimit }, (_request, body, done) =>
      done(null, body),
    );
    app.route({
      method: ['GET', 'POST'],
      url: '/webhooks/:provider/:connectionId/*',
      bodyLimit: webhookBodyLimit,
      schema: { tags: ['webhooks'], summary: "A provider's call for one connection (signature-checked)", security: [] },
      handler: handle,
    });
  };
}
