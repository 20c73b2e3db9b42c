import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../../platform/config.ts';
import type { Database } from '../../platform/db/index.ts';
import { ForbiddenError, NotFoundError } from '../../platform/errors.ts';
import type { Logger } from '../../platform/logger.ts';
import type { Ingest } from '../graph/index.ts';
import type { WalletService } from '../wallet/index.ts';
import { createGroupCommit } from '../../platform/group-commit.ts';
import type { Sql } from '../../platform/db/index.ts';
import type { IngestItem, KnownPerson } from '../graph/index.ts';
import type {
  AnyConnector,
  ConnectorCredential,
  JsonObject,
  WebhookBatch,
  WebhookRequest,
  WebhookResponse,
} from './connectors.contract.ts';
import type { ConnectorRegistry } from './connectors.registry.ts';
import { connectorsRepository as repo, type ConnectionRow } from './connectors.repository.ts';
import { ownerClaims } from './connectors.sync.ts';
import { createWebhookTargets, type WebhookTarget } from './connectors.webhook-targets.ts';

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

/** Connections that may take webhooks: a failing sync does not stop its webhooks. */
const takesWebhooks = (row: ConnectionRow) => row.status === 'active' || row.status === 'error';

type Verdict = { signed: boolean; valid: boolean };

/**
 * /webhooks/<provider>/<connectionId>/<path> for every connector (DESIGN §6): the raw body
 * is kept (form and JSON alike), the connection is looked up by its id first (a system read:
 * the caller is the provider, not a user) so that it, not any body field, selects the secret;
 * the connector's signature is compared in constant time (403 and nothing stored when it is
 * missing or wrong); only then does its handler run, in one transaction as the owner, which
 * reads the connection again (so a disconnect stops its webhooks at once, whatever the
 * cache of secrets holds). A connector's batched paths share that transaction between the
 * requests that arrive together (group commit).
 */
export function webhookRoutes(deps: WebhookDeps) {
  const { db, registry, logger } = deps;
  const publicUrl = deps.config.publicUrl.replace(/\/+$/, '');
  const targets = createWebhookTargets(deps);

  const connectionOf = (row: ConnectionRow, connector: AnyConnector) => {
    const options = connector.options.safeParse(row.options);
    return {
      id: row.id,
      ownerId: row.owner_id,
      accountId: row.account_id ?? '',
      label: row.label,
      options: options.success ? options.data : row.options,
      state: row.state as JsonObject,
    };
  };

  /** The owner's transaction for a connection's webhook work, with the row read again inside it. */
  function asOwner<T>(target: WebhookTarget, work: (tx: Sql, row: ConnectionRow) => Promise<T>, gone: () => T) {
    return db.asUser(ownerClaims(target.ownerId), async (tx) => {
      const row = await repo.get(tx, target.connectionId);
      if (!row || row.provider !== target.provider || !takesWebhooks(row)) {
        targets.forget(target.connectionId);
        return gone();
      }
      return work(tx, row);
    });
  }

  const contextOf = (tx: Sql, row: ConnectionRow, connector: AnyConnector) => ({
    connection: connectionOf(row, connector),
    ingest: (items: IngestItem[], options?: { knownPersons?: readonly KnownPerson[] }) =>
      deps.ingest(tx, {
        ownerId: row.owner_id,
        actor: { kind: 'connector', id: row.id },
        items,
        knownPersons: options?.knownPersons,
      }),
    tx,
    logger: logger.child({ connectionId: row.id, provider: row.provider }),
  });

  type BatchKey = { target: WebhookTarget; connector: AnyConnector; batch: WebhookBatch<unknown, unknown> };
  const batches = createGroupCommit<string, { key: BatchKey; prepared: unknown }, WebhookResponse>(
    (_connectionId, items) => {
      const { target, connector, batch } = items[0]!.key;
      return asOwner(
        target,
        (tx, row) => batch.commit({ ...contextOf(tx, row, connector), items: items.map((item) => item.prepared) }),
        () => items.map(() => new NotFoundError('connection')),
      );
    },
    // Two batches of one connection at a time: while one waits on the database the next is
    // already on its way, instead of one batch per round of its latency (docs/BENCHMARKS.md).
    { inFlight: 2 },
  );

  function verify(connector: AnyConnector, request: WebhookRequest, credential: ConnectorCredential): Verdict {
    const webhooks = connector.webhooks!;
    try {
      if (webhooks.verify) return webhooks.verify(request, credential);
      const signature = webhooks.signature?.(request, credential) ?? { presented: undefined, expected: [] };
      return {
        signed: signature.presented !== undefined,
        valid: signatureMatches(signature.presented, signature.expected),
      };
    } catch {
      return { signed: false, valid: false };
    }
  }

  async function handle(request: FastifyRequest, reply: FastifyReply) {
    const params = request.params as { provider: string; connectionId: string; '*': string };
    const connector = registry.get(params.provider);
    const webhooks = connector?.webhooks;
    if (!connector || !webhooks || !uuid.test(params.connectionId)) throw new NotFoundError('connection');
    let target = await targets.get(params.connectionId);
    // Unknown, another provider's, not yet set up or disconnected: the same 404, nothing stored.
    if (!target || target.provider !== params.provider) throw new NotFoundError('connection');
    const path = params['*'].replace(/\/+$/, '');
    const methods = webhooks.methods ?? ['POST'];
    if (!webhooks.paths.includes(path) || !(methods as readonly string[]).includes(request.method))
      throw new NotFoundError('webhook');
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
    let verdict = target.credential ? verify(connector, webhookRequest, target.credential) : undefined;
    // A secret changed since it was cached (a rotated token): check once more with the stored one.
    if (!verdict?.valid && target.cached) {
      target = await targets.get(params.connectionId, { fresh: true });
      if (!target || target.provider !== params.provider) throw new NotFoundError('connection');
      verdict = target.credential ? verify(connector, webhookRequest, target.credential) : undefined;
    }
    if (!verdict) {
      logger.warn({ connectionId: target.connectionId }, 'webhook for a connection whose credential is gone: refused');
      throw new ForbiddenError('This connection cannot verify requests any more: reconnect it.', 'bad_signature');
    }
    if (!verdict.valid) {
      logger.warn(
        { connectionId: target.connectionId, provider: target.provider, path, signed: verdict.signed },
        'webhook signature refused',
      );
      throw new ForbiddenError(
        verdict.signed ? 'The signature does not match this request.' : 'This request is not signed.',
        'bad_signature',
      );
    }
    const batch = webhooks.batch?.paths.includes(path) ? webhooks.batch : undefined;
    const found = target;
    const result = batch
      ? await batches.submit(found.connectionId, {
          key: { target: found, connector, batch },
          prepared: batch.prepare(webhookRequest),
        })
      : await asOwner(
          found,
          (tx, row) => webhooks.handle({ ...contextOf(tx, row, connector), request: webhookRequest }),
          () => {
            throw new NotFoundError('connection');
          },
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
