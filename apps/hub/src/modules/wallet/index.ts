import type { Config } from '../../platform/config.ts';
import type { Database } from '../../platform/db/index.ts';
import type { OutboundClient } from '../../platform/http/outbound/index.ts';
import type { Logger } from '../../platform/logger.ts';
import type { HubModule } from '../../platform/module.ts';
import type { EventOutbox } from '../events/index.ts';
import { loadKeyRing, type KeyRing } from './wallet.crypto.ts';
import type { Connections } from './wallet.capabilities.ts';
import { createProviderTester } from './wallet.providers.ts';
import { walletRepository } from './wallet.repository.ts';
import { walletRoutes } from './wallet.routes.ts';
import { createWalletService, type WalletService } from './wallet.service.ts';

export type { WalletService, UnsealedCredential } from './wallet.service.ts';
export { WalletIntegrityError, type SealedSecret } from './wallet.crypto.ts';
export { noConnectionsYet, type Connections } from './wallet.capabilities.ts';
export { attachSecret, deliveryOf, placementFor } from './wallet.delivery.ts';
export type { CredentialType } from './wallet.schemas.ts';

export interface WalletModuleDeps {
  /** providerUrls: base URLs for credential tests (TWILIO_API_URL, ...); tests point them at a stand-in. */
  config: Pick<Config, 'masterKey' | 'dataDir' | 'providerUrls'>;
  db: Database;
  logger: Logger;
  outbox: EventOutbox;
  /** The hub's outbound client: credential tests call the providers through it. */
  outbound: OutboundClient;
  /** The connectors' connections: capabilities that need a number or an account wait for one. */
  connections: Connections;
  /** Defaults to MADE_OPEN_MASTER_KEY or DATA_DIR/wallet-master-key. */
  keyRing?: KeyRing;
}

export interface WalletModule extends HubModule {
  service: WalletService;
}

export const walletMigrations = {
  module: 'wallet',
  dir: new URL('./migrations', import.meta.url).pathname,
};

/**
 * The Credential Wallet: envelope-encrypted credentials of the registered providers
 * (packages/shared/src/providers) and the capabilities they switch on once tested.
 */
export function createWalletModule(deps: WalletModuleDeps): WalletModule {
  const ring = deps.keyRing ?? loadKeyRing(deps.config);
  const service = createWalletService({
    db: deps.db,
    repository: walletRepository,
    outbox: deps.outbox,
    keyRing: () => ring,
    testProvider: createProviderTester({ outbound: deps.outbound, urls: deps.config.providerUrls }),
    connections: deps.connections,
    logger: deps.logger,
  });
  return { name: 'wallet', service, routes: walletRoutes(service) };
}
