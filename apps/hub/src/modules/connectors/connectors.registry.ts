import { capabilityOf, providerRegistry, type ProviderRegistry } from '@made-open/shared/providers';
import type { AnyConnector } from './connectors.contract.ts';

/** A webhook sub-path: lowercase segments, no dots or empty segments. */
const webhookPath = /^[a-z0-9][a-z0-9-]*(\/[a-z0-9][a-z0-9-]*)*$/;

export interface ConnectorRegistry {
  get(provider: string): AnyConnector | undefined;
  list(): readonly AnyConnector[];
}

/**
 * The connectors this hub ships, checked against the provider registry once, at
 * composition: a connector for an unknown provider, a capability its provider does not
 * declare, or a malformed webhook path is a bug found at start, not at the first request.
 */
export function createConnectorRegistry(
  connectors: readonly AnyConnector[],
  providers: ProviderRegistry = providerRegistry,
): ConnectorRegistry {
  const byProvider = new Map<string, AnyConnector>();
  for (const connector of connectors) {
    const provider = providers.get(connector.provider);
    if (!provider) throw new Error(`Connector for "${connector.provider}": no such provider is registered.`);
    if (byProvider.has(connector.provider)) throw new Error(`Two connectors for "${connector.provider}".`);
    for (const name of connector.capabilities)
      if (!capabilityOf(provider, name))
        throw new Error(`Connector ${connector.provider}: its provider has no capability "${name}".`);
    if (connector.webhooks && !connector.webhooks.signature && !connector.webhooks.verify)
      throw new Error(`Connector ${connector.provider}: webhooks need a signature() or verify().`);
    for (const path of connector.webhooks?.paths ?? [])
      if (!webhookPath.test(path)) throw new Error(`Connector ${connector.provider}: bad webhook path "${path}".`);
    byProvider.set(connector.provider, connector);
  }
  return {
    get: (provider) => byProvider.get(provider),
    list: () => [...byProvider.values()],
  };
}
