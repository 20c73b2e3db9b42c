import { providerRegistry } from '@made-open/shared/providers';
import type { Config } from '../../platform/config.ts';
import type { OutboundClient } from '../../platform/http/outbound/index.ts';
import type { Logger } from '../../platform/logger.ts';
import type { UnsealedCredential } from '../wallet/index.ts';
import type { AnyConnector, ConnectContext, ConnectionContext, JsonObject } from './connectors.contract.ts';
import { providerApi } from './connectors.provider-api.ts';
import type { ConnectionRow } from './connectors.repository.ts';

export interface ContextDeps {
  config: Pick<Config, 'publicUrl' | 'providerUrls'>;
  outbound: OutboundClient;
  logger: Logger;
}

/** PUBLIC_URL/webhooks/<provider>/<connectionId>/<path>: where a provider must call. */
export function webhookUrlOf(publicUrl: string, provider: string, connectionId: string, path: string): string {
  return `${publicUrl.replace(/\/+$/, '')}/webhooks/${provider}/${connectionId}/${path.replace(/^\/+/, '')}`;
}

/** What connect() gets: the credential, the options, the provider's API for this connection. */
export function connectContext(
  deps: ContextDeps,
  connector: AnyConnector,
  connection: { id: string; ownerId: string; options: unknown },
  credential: UnsealedCredential,
): ConnectContext<unknown> {
  const provider = providerRegistry.require(connector.provider);
  return {
    connectionId: connection.id,
    ownerId: connection.ownerId,
    credential: { id: credential.id, name: credential.name, secret: credential.secret },
    options: connection.options,
    api: providerApi({
      provider,
      secret: credential.secret,
      outbound: deps.outbound,
      urls: deps.config.providerUrls,
      connectionId: connection.id,
    }),
    webhookUrl: (path) => webhookUrlOf(deps.config.publicUrl, connector.provider, connection.id, path),
    logger: deps.logger.child({ connectionId: connection.id, provider: connector.provider }),
  };
}

/** test(), disconnect() and sync() get the stored connection too. */
export function connectionContext(
  deps: ContextDeps,
  connector: AnyConnector,
  row: ConnectionRow,
  options: unknown,
  credential: UnsealedCredential,
): ConnectionContext<unknown> {
  return {
    ...connectContext(deps, connector, { id: row.id, ownerId: row.owner_id, options }, credential),
    accountId: row.account_id ?? '',
    label: row.label,
    state: (row.state ?? {}) as JsonObject,
  };
}
