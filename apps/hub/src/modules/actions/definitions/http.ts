import { providerRegistry } from '@made-open/shared/providers';
import { z } from 'zod';
import {
  // Named as before, so the per-hop checks below read the same.
  OutboundRefused as FetchRefused,
  OutboundUnreachable,
  ProviderRateLimited,
  type GuardedRequest,
} from '../../../platform/http/outbound/index.ts';
import { attachSecret, deliveryOf, placementFor, type WalletService } from '../../wallet/index.ts';
import { ActionError, actionLimits, defineAction, type ActionContext } from '../actions.types.ts';

const fetchInitSchema = z.object({
  method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']).default('GET'),
  headers: z.record(z.string().regex(/^[A-Za-z0-9-]{1,100}$/), z.string().max(8000)).default({}),
  body: z.string().max(actionLimits.requestBodyChars).optional(),
  credential: z
    .object({
      handle: z.string().max(100),
      as: z.enum(['basic', 'bearer', 'header', 'query']).optional(),
      name: z.string().max(100).optional(),
    })
    .optional(),
});

const fetchInput = z.object({
  url: z.string({ error: 'fetch needs a URL string.' }).max(4000, 'fetch needs a URL string.'),
  init: fetchInitSchema.prefault({}),
});

/** Secret values of a credential, to scrub from anything that flows back to the principal. */
function secretValues(secret: unknown): string[] {
  const out: string[] = [];
  const walk = (v: unknown) => {
    if (typeof v === 'string' && v.length >= 6) out.push(v);
    else if (v && typeof v === 'object') for (const x of Object.values(v)) walk(x);
  };
  walk(secret);
  return out;
}

type Unsealed = Awaited<ReturnType<WalletService['unseal']>>;

/**
 * An outbound request through the hub's one client. What it needs depends on every
 * redirect hop, so it checks per hop as it goes (same decision log, same audit): the
 * host must be declared and granted (http:fetch:<host>), and a credential, filled in
 * host-side by its handle, goes only to the hosts and in the ways its provider allows.
 */
export const httpFetch = defineAction({
  name: 'http.fetch',
  description: 'Fetches a URL on an allowed host, optionally with a credential filled in by the hub.',
  input: fetchInput,
  inputLabel: 'fetch options',
  output: z.object({ status: z.number(), headers: z.record(z.string(), z.string()), body: z.string() }),
  permission: () => [],
  run: (context, input) => fetchFor(context, input),
});

async function fetchFor(context: ActionContext, input: z.infer<typeof fetchInput>) {
  const { init } = input;
  const { deps, principal } = context;
  const binding = init.credential ? context.session.credentials.get(init.credential.handle) : undefined;
  if (init.credential && !binding) {
    context.refuse('credentials:unknown', 'unknown_handle', null);
    throw new ActionError('permission_denied', `That credential handle does not belong to this ${principal.kind}.`);
  }
  let secrets: string[] = [];
  let unsealed: Unsealed;
  const headers = Object.fromEntries(
    Object.entries(init.headers).filter(
      ([k]) => !['host', 'content-length', 'connection', 'transfer-encoding'].includes(k.toLowerCase()),
    ),
  );
  const prepare = async (hop: URL, request: GuardedRequest): Promise<GuardedRequest> => {
    const host = hop.hostname.replace(/^\[|\]$/g, '').toLowerCase();
    if (!context.check(`http:fetch:${host}`, hop.origin))
      throw new FetchRefused(
        'host_not_allowed',
        `This ${principal.kind} may not fetch from ${host}: the host is not in its declared and granted allow-list.`,
        host,
      );
    if (!binding) return request;
    if (!context.check(`credentials:${binding.type}`, binding.credentialId))
      throw new FetchRefused('credential_not_allowed', `This ${principal.kind} may not use that credential.`, host);
    unsealed ??= await deps.wallet.unseal(principal.ownerId, binding.credentialId);
    if (!unsealed)
      throw new FetchRefused(
        'credential_not_allowed',
        `The credential bound to this ${principal.kind} no longer exists.`,
        host,
      );
    secrets = secretValues(unsealed.secret);
    // Where and how the secret may go is the provider's to say (packages/shared/src/providers).
    const provider = providerRegistry.get(unsealed.type);
    const hosts = provider ? deliveryOf(provider, unsealed.secret).hosts : [];
    if (!provider || !hosts.includes(host) || (hop.protocol !== 'https:' && !deps.http.credentialsOverHttp)) {
      context.refuse(`credentials:${binding.type}`, 'credential_host_not_allowed', host);
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
      url: input.url,
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
        context.refuse(`http:fetch:${error.host ?? 'unknown'}`, error.reason, error.host ?? null);
      }
      throw new ActionError(
        error.reason === 'host_not_allowed' || error.reason === 'credential_not_allowed'
          ? 'permission_denied'
          : error.reason,
        error.message,
      );
    }
    if (error instanceof OutboundUnreachable)
      throw new ActionError(error.reason === 'timeout' ? 'timeout' : 'network', error.message);
    if (error instanceof ProviderRateLimited) throw new ActionError('rate_limited', error.message);
    throw error;
  }
}
