import type { ProviderDefinition, SecretValues } from '@made-open/shared/providers';
import type { ProviderUrls } from '../../platform/config.ts';
import type { OutboundClient } from '../../platform/http/outbound/index.ts';
import { attachSecret, placementFor } from '../wallet/index.ts';
import { ConnectorError, type ProviderApi, type ProviderRequest } from './connectors.contract.ts';

/** Per connection, at most this many requests at once to its provider (on top of the per-host limit). */
const perConnectionConcurrency = 4;

function secretStrings(secret: SecretValues): string[] {
  return Object.values(secret).filter((v): v is string => typeof v === 'string' && v.length > 0);
}

/**
 * The provider's API for one connection: the endpoint's base URL (the provider's, or the
 * configured override), the credential attached the way the provider declares, every
 * secret scrubbed, and requests limited per connection; all through the hub's one client.
 */
export function providerApi(deps: {
  provider: ProviderDefinition;
  secret: SecretValues;
  outbound: OutboundClient;
  urls: ProviderUrls;
  connectionId: string;
}): ProviderApi {
  const { provider, secret, outbound } = deps;
  const secrets = secretStrings(secret);

  function baseUrl(endpoint?: string) {
    const name = endpoint ?? Object.keys(provider.endpoints)[0];
    const declared = name === undefined ? undefined : provider.endpoints[name];
    if (!declared) throw new Error(`Provider ${provider.id} declares no endpoint "${String(endpoint)}".`);
    return (deps.urls[declared.env] ?? declared.url).replace(/\/+$/, '');
  }

  async function request(req: ProviderRequest) {
    const url = new URL(`${baseUrl(req.endpoint)}${req.path.startsWith('/') ? '' : '/'}${req.path}`);
    for (const [key, value] of Object.entries(req.query ?? {}))
      if (value !== undefined) url.searchParams.set(key, String(value));
    let headers: Record<string, string> = { accept: 'application/json', ...req.headers };
    let body: string | undefined;
    if (req.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(req.json);
    } else if (req.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      const form = new URLSearchParams();
      for (const [name, value] of Object.entries(req.form))
        for (const one of typeof value === 'string' ? [value] : value) form.append(name, one);
      body = form.toString();
    }
    let target = url.toString();
    if (req.auth !== false) {
      const placement = placementFor(provider, req.auth);
      if (!placement) throw new Error(`Provider ${provider.id} has no "${String(req.auth)}" placement.`);
      ({ url: target, headers } = attachSecret(placement, secret, { url: target, headers }));
    }
    return outbound.request({
      url: target,
      method: req.method ?? 'GET',
      headers,
      body,
      idempotent: req.idempotent,
      redirect: 'manual',
      limit: { key: `connection:${deps.connectionId}`, concurrency: perConnectionConcurrency },
      secrets,
    });
  }

  return {
    baseUrl,
    request,
    async json<T>(req: ProviderRequest): Promise<T> {
      const response = await request(req);
      if (response.status === 401 || response.status === 403)
        throw new ConnectorError(
          'credential',
          `${provider.label} refused the credential (HTTP ${response.status}): test it in the wallet, replace it if it was revoked, then sync again.`,
        );
      if (response.status === 404)
        throw new ConnectorError(
          'account',
          `${provider.label} does not know this account any more (HTTP 404): check it there, or disconnect and connect again.`,
        );
      if (response.status < 200 || response.status >= 300)
        throw new ConnectorError('provider', `${provider.label} answered HTTP ${response.status}.`);
      const parsed = response.json();
      if (parsed === undefined)
        throw new ConnectorError('provider', `${provider.label} answered with something other than JSON.`);
      return parsed as T;
    },
  };
}
