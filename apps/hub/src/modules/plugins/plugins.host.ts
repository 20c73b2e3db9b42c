import type { PluginManifest } from '@made-open/plugin-sdk/manifest';
import type { Actor } from '@made-open/shared';
import {
  entityCreateInputSchema,
  entityListQuerySchema,
  entityUpdateInputSchema,
  type EntityCreateInput,
} from '@made-open/shared/entities';
import { z } from 'zod';
import type { Database, RequestClaims } from '../../platform/db/index.ts';
import { UserError } from '../../platform/errors.ts';
import type { Logger } from '../../platform/logger.ts';
import type { EventOutbox } from '../events/index.ts';
import type { GraphService } from '../graph/index.ts';
import type { DecisionLog } from '../policy/index.ts';
import { providerRegistry } from '@made-open/shared/providers';
import { attachSecret, deliveryOf, placementFor, type CredentialType, type WalletService } from '../wallet/index.ts';
import type { PluginsRepository } from './plugins.repository.ts';
import {
  // Named as before, so the per-hop checks below read the same.
  OutboundRefused as FetchRefused,
  OutboundUnreachable,
  ProviderRateLimited,
  type GuardedRequest,
  type OutboundClient,
} from '../../platform/http/outbound/index.ts';
import { HostCallError, type HostDispatch } from './runtime/sandbox.ts';

/** What the host needs from other modules, typed narrowly. */
export interface HostDeps {
  db: Pick<Database, 'asUser' | 'queryAsUser' | 'asSystem'>;
  graph: Pick<GraphService, 'getEntityJson' | 'createEntityJson' | 'updateEntity' | 'listEntitiesJson'>;
  wallet: Pick<WalletService, 'unseal'>;
  outbox: Pick<EventOutbox, 'append'>;
  repository: PluginsRepository;
  logger: Logger;
  http: {
    /** The hub's one outbound client: SSRF guard, limits, retries, scrubbing. */
    client: OutboundClient;
    timeoutMs?: number;
    maxResponseBytes?: number;
    /** Tests only: let credentials go over plain http to a stand-in server. Production: https only. */
    credentialsOverHttp?: boolean;
  };
}

export interface InvocationScope {
  ownerId: string;
  pluginId: string;
  /** The plugin as it appears on the events it causes, with its causation chain. */
  actor: Actor;
  manifest: PluginManifest;
  decisions: DecisionLog;
  /** Opaque handle -> the bound credential. */
  credentials: Map<string, { credentialId: string; type: CredentialType; name: string }>;
}

export const hostLimits = {
  callsPerInvocation: 1000,
  logLinesPerInvocation: 100,
  storageValueChars: 64 * 1024,
  storageKeys: 1000,
  emitPayloadChars: 16 * 1024,
  requestBodyChars: 256 * 1024,
};

const denied = (what: string) =>
  new HostCallError(
    'permission_denied',
    `This plugin may not ${what}: it is not declared in its manifest or not granted by its user.`,
  );

const keySchema = z.string().min(1).max(200);
const fetchInitSchema = z.object({
  method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']).default('GET'),
  headers: z.record(z.string().regex(/^[A-Za-z0-9-]{1,100}$/), z.string().max(8000)).default({}),
  body: z.string().max(hostLimits.requestBodyChars).optional(),
  credential: z
    .object({
      handle: z.string().max(100),
      as: z.enum(['basic', 'bearer', 'header', 'query']).optional(),
      name: z.string().max(100).optional(),
    })
    .optional(),
});

function parse<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const result = schema.safeParse(value);
  if (!result.success)
    throw new HostCallError(
      'invalid_input',
      `${what}: ${result.error.issues[0]?.message ?? 'invalid'} at ${result.error.issues[0]?.path.join('.') ?? ''}`,
    );
  return result.data;
}

/** Secret values of a credential, to scrub from anything that flows back to the plugin. */
function secretValues(secret: unknown): string[] {
  const out: string[] = [];
  const walk = (v: unknown) => {
    if (typeof v === 'string' && v.length >= 6) out.push(v);
    else if (v && typeof v === 'object') for (const x of Object.values(v)) walk(x);
  };
  walk(secret);
  return out;
}

/**
 * The host side of PluginContext for one invocation: every call is checked by the Policy
 * Service (declared AND granted), runs as the plugin's user under RLS, and returns
 * plain JSON.
 */
export function createHostDispatch(deps: HostDeps, scope: InvocationScope): HostDispatch {
  const { ownerId, pluginId, decisions, actor } = scope;
  // Writes run as the plugin's user under RLS; their events name the plugin as the actor.
  const caller = {
    id: ownerId,
    claims: { role: 'authenticated', sub: ownerId } as RequestClaims & { sub: string; role: 'authenticated' },
    actor,
  };
  let log: Logger | undefined;
  let calls = 0;
  let logLines = 0;

  const require = (permission: string, operation: string, resource: string | null, what: string) => {
    if (!decisions.check(permission, operation, resource)) throw denied(what);
  };

  async function graphCall<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (error instanceof UserError) throw new HostCallError(error.code, error.message);
      throw error;
    }
  }

  async function readEntity(id: string): Promise<Record<string, unknown>> {
    parse(z.string().uuid(), id, 'entity id');
    const entity = JSON.parse(await graphCall(() => deps.graph.getEntityJson(caller, id))) as Record<string, unknown>;
    return entity;
  }

  async function fetchFor(args: { url: unknown; init: unknown }) {
    const init = parse(fetchInitSchema, args.init, 'fetch options');
    if (typeof args.url !== 'string' || args.url.length > 4000)
      throw new HostCallError('invalid_input', 'fetch needs a URL string.');
    const binding = init.credential ? scope.credentials.get(init.credential.handle) : undefined;
    if (init.credential && !binding) {
      decisions.refuse('credentials:unknown', 'http.fetch', 'unknown_handle', null);
      throw new HostCallError('permission_denied', 'That credential handle does not belong to this plugin.');
    }
    let secrets: string[] = [];
    let unsealed: Awaited<ReturnType<HostDeps['wallet']['unseal']>>;
    const headers = Object.fromEntries(
      Object.entries(init.headers).filter(
        ([k]) => !['host', 'content-length', 'connection', 'transfer-encoding'].includes(k.toLowerCase()),
      ),
    );
    const prepare = async (hop: URL, request: GuardedRequest): Promise<GuardedRequest> => {
      const host = hop.hostname.replace(/^\[|\]$/g, '').toLowerCase();
      if (!decisions.check(`http:fetch:${host}`, 'http.fetch', hop.origin))
        throw new FetchRefused(
          'host_not_allowed',
          `This plugin may not fetch from ${host}: the host is not in its declared and granted allow-list.`,
          host,
        );
      if (!binding) return request;
      if (!decisions.check(`credentials:${binding.type}`, 'http.fetch', binding.credentialId))
        throw new FetchRefused('credential_not_allowed', 'This plugin may not use that credential.', host);
      unsealed ??= await deps.wallet.unseal(ownerId, binding.credentialId);
      if (!unsealed)
        throw new FetchRefused('credential_not_allowed', 'The credential bound to this plugin no longer exists.', host);
      secrets = secretValues(unsealed.secret);
      // Where and how the secret may go is the provider's to say (packages/shared/src/providers).
      const provider = providerRegistry.get(unsealed.type);
      const hosts = provider ? deliveryOf(provider, unsealed.secret).hosts : [];
      if (!provider || !hosts.includes(host) || (hop.protocol !== 'https:' && !deps.http.credentialsOverHttp)) {
        decisions.refuse(`credentials:${binding.type}`, 'http.fetch', 'credential_host_not_allowed', host);
        throw new FetchRefused(
          'credential_not_allowed',
          `A ${unsealed.type} credential can only be sent to ${hosts.join(', ') || 'no host'}.`,
          host,
        );
      }
      const placement = placementFor(provider, init.credential?.as);
      if (!placement)
        throw new FetchRefused(
          'credential_not_allowed',
          `A ${unsealed.type} credential cannot be sent as ${init.credential?.as ?? 'anything'}.`,
          host,
        );
      const before = { ...request.headers };
      const attached = attachSecret(placement, unsealed.secret, { url: request.url, headers: request.headers });
      const out = { ...request, url: attached.url, headers: attached.headers };
      // Whatever was filled in (a whole Basic header, say) is scrubbed from responses too.
      for (const [k, v] of Object.entries(out.headers)) {
        if (before[k] === v) continue;
        secrets.push(v);
        const token = /^(?:Basic|Bearer)\s+(.+)$/i.exec(v)?.[1];
        if (token) secrets.push(token);
      }
      return out;
    };
    try {
      const response = await deps.http.client.request({
        url: args.url,
        method: init.method,
        headers,
        body: init.body,
        beforeHop: prepare,
        secrets: () => secrets,
        timeoutMs: deps.http.timeoutMs ?? 10_000,
        maxResponseBytes: deps.http.maxResponseBytes ?? 1024 * 1024,
        // A plugin's run has a wall-clock budget: one quick retry at most.
        retries: 1,
      });
      const scrub = (text: string) => deps.http.client.scrubber.values(text, secrets);
      const headersOut = Object.fromEntries(Object.entries(response.headers).map(([k, v]) => [k, scrub(v)]));
      return { status: response.status, headers: headersOut, body: scrub(response.text()) };
    } catch (error) {
      if (error instanceof FetchRefused) {
        if (error.reason === 'private_address' || error.reason === 'bad_url' || error.reason === 'too_many_redirects') {
          decisions.refuse(`http:fetch:${error.host ?? 'unknown'}`, 'http.fetch', error.reason, error.host ?? null);
        }
        throw new HostCallError(
          error.reason === 'host_not_allowed' || error.reason === 'credential_not_allowed'
            ? 'permission_denied'
            : error.reason,
          error.message,
        );
      }
      if (error instanceof OutboundUnreachable)
        throw new HostCallError(error.reason === 'timeout' ? 'timeout' : 'network', error.message);
      if (error instanceof ProviderRateLimited) throw new HostCallError('rate_limited', error.message);
      throw error;
    }
  }

  return async (method, rawArgs) => {
    if (++calls > hostLimits.callsPerInvocation)
      throw new HostCallError('limit', `A handler may make at most ${hostLimits.callsPerInvocation} host calls.`);
    const args = (rawArgs ?? {}) as Record<string, unknown>;
    switch (method) {
      case 'entities.get': {
        const entity = await readEntity(String(args.id));
        require(`entities:read:${String(entity.type)}`, method, String(
          args.id,
        ), `read ${String(entity.type)} entities`);
        return entity;
      }
      case 'entities.query': {
        const query = parse(entityListQuerySchema, { ...args, includeDeleted: undefined }, 'query');
        require(`entities:read:${query.type ?? '*'}`, method, query.type ??
          null, `read ${query.type ?? 'all'} entities`);
        return JSON.parse(await graphCall(() => deps.graph.listEntitiesJson(caller, query)));
      }
      case 'entities.create': {
        const input = parse(entityCreateInputSchema, args, 'entity') as unknown as EntityCreateInput;
        const type = String(input.type);
        require(`entities:write:${type}`, method, type, `create ${type} entities`);
        // Provenance: the plugin is the source (a plugin cannot claim a connector's).
        const withSource = { ...input, source: `plugin.${pluginId}`.slice(0, 64), externalId: input.externalId };
        return JSON.parse(await graphCall(() => deps.graph.createEntityJson(caller, withSource as EntityCreateInput)));
      }
      case 'entities.update': {
        const input = parse(entityUpdateInputSchema, args.input, 'entity update');
        const current = await readEntity(String(args.id));
        require(`entities:write:${String(current.type)}`, method, String(
          args.id,
        ), `change ${String(current.type)} entities`);
        return graphCall(() => deps.graph.updateEntity(caller, String(args.id), input));
      }
      case 'events.emit': {
        const name = parse(z.string().regex(/^[a-z][a-zA-Z0-9.]{0,99}$/), args.name, 'event name');
        const payload = parse(z.record(z.string(), z.unknown()), args.payload ?? {}, 'event payload');
        if (JSON.stringify(payload).length > hostLimits.emitPayloadChars)
          throw new HostCallError('limit', 'Event payloads are limited to 16 KB.');
        require(`events:emit:${name}`, method, name, `emit ${name} events`);
        await deps.db.asSystem((tx) =>
          deps.outbox.append(tx, {
            type: 'plugin.Emitted',
            ownerId,
            subject: pluginId,
            actor,
            data: { pluginId, name, payload },
          }),
        );
        return null;
      }
      case 'http.fetch':
        return fetchFor(args as { url: unknown; init: unknown });
      case 'storage.get': {
        const key = parse(keySchema, args.key, 'storage key');
        require('storage:read', method, key, 'read its storage');
        return deps.db.asUser(caller.claims, (tx) => deps.repository.storageGet(tx, ownerId, pluginId, key));
      }
      case 'storage.list': {
        const prefix = parse(z.string().max(200), args.prefix ?? '', 'storage prefix');
        require('storage:read', method, prefix || null, 'read its storage');
        return deps.db.asUser(caller.claims, (tx) => deps.repository.storageList(tx, ownerId, pluginId, prefix));
      }
      case 'storage.set': {
        const key = parse(keySchema, args.key, 'storage key');
        const text = JSON.stringify(args.value ?? null);
        if (text.length > hostLimits.storageValueChars)
          throw new HostCallError('limit', 'Stored values are limited to 64 KB.');
        require('storage:write', method, key, 'write its storage');
        const ok = await deps.db.asUser(caller.claims, (tx) =>
          deps.repository.storageSet(tx, ownerId, pluginId, key, text, hostLimits.storageKeys),
        );
        if (!ok) throw new HostCallError('limit', `A plugin may store at most ${hostLimits.storageKeys} keys.`);
        return null;
      }
      case 'storage.delete': {
        const key = parse(keySchema, args.key, 'storage key');
        require('storage:write', method, key, 'write its storage');
        await deps.db.asUser(caller.claims, (tx) => deps.repository.storageDelete(tx, ownerId, pluginId, key));
        return null;
      }
      case 'log': {
        if (++logLines > hostLimits.logLinesPerInvocation) return null;
        const level = args.level === 'warn' || args.level === 'error' ? args.level : 'info';
        const data = JSON.stringify(args.data ?? null).slice(0, 4000);
        log ??= deps.logger.child({ pluginId, ownerId });
        log[level]({ pluginLog: true, data }, String(args.message).slice(0, 2000));
        return null;
      }
      case 'notify': {
        const n = parse(
          z.object({ title: z.string().min(1).max(200), body: z.string().max(2000).default('') }),
          args,
          'notification',
        );
        require('notify', method, null, 'send notifications');
        await deps.db.asSystem((tx) =>
          deps.outbox.append(tx, {
            type: 'plugin.Notification',
            ownerId,
            subject: pluginId,
            actor,
            data: { pluginId, title: n.title, body: n.body },
          }),
        );
        return null;
      }
      default:
        throw new HostCallError('unknown_call', `There is no host call named ${method.slice(0, 50)}.`);
    }
  };
}
