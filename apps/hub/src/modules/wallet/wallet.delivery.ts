import {
  allowedHostsOf,
  type PlacementKind,
  type ProviderDefinition,
  type SecretPlacement,
  type SecretValues,
} from '@made-open/shared/providers';

/**
 * How a secret leaves the hub, as its provider declares it (send.hosts, send.via): the
 * plugin host and the credential tests both attach secrets here and nowhere else.
 */
export interface OutgoingRequest {
  url: string;
  headers: Record<string, string>;
}

/** The hosts this credential may be sent to, and the ways it may be attached. */
export function deliveryOf(provider: ProviderDefinition, secret: SecretValues) {
  return { hosts: allowedHostsOf(provider, secret), kinds: provider.send.via.map((p) => p.as) };
}

/** The placement asked for (`as`), or the provider's default; undefined when it has none of that kind. */
export function placementFor(provider: ProviderDefinition, as?: PlacementKind): SecretPlacement | undefined {
  return as ? provider.send.via.find((p) => p.as === as) : provider.send.via[0];
}

const text = (value: unknown) => (typeof value === 'string' ? value : '');

function entries(value: unknown): [string, string][] {
  if (!value || typeof value !== 'object') return [];
  return Object.entries(value as Record<string, unknown>).filter(
    (e): e is [string, string] => typeof e[1] === 'string',
  );
}

/** The request with the secret attached; the input is not changed. */
export function attachSecret(
  placement: SecretPlacement,
  secret: SecretValues,
  request: OutgoingRequest,
): OutgoingRequest {
  const headers = { ...request.headers };
  switch (placement.as) {
    case 'basic': {
      const pair = `${text(secret[placement.user])}:${text(secret[placement.password])}`;
      headers.authorization = `Basic ${Buffer.from(pair).toString('base64')}`;
      return { url: request.url, headers };
    }
    case 'bearer':
      headers.authorization = `Bearer ${text(secret[placement.token])}`;
      return { url: request.url, headers };
    case 'header':
      if ('record' in placement) for (const [k, v] of entries(secret[placement.record])) headers[k] = v;
      else headers[placement.name] = text(secret[placement.value]);
      return { url: request.url, headers };
    case 'query': {
      const url = new URL(request.url);
      const pairs: [string, string][] =
        'record' in placement ? entries(secret[placement.record]) : [[placement.name, text(secret[placement.value])]];
      for (const [k, v] of pairs) url.searchParams.set(k, v);
      return { url: url.toString(), headers };
    }
  }
}
