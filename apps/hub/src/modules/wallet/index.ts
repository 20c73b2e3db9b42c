import type { Config } from '../../platform/config.ts';
import type { Database } from '../../platform/db/index.ts';
import type { OutboundClient } from '../../platform/http/outbound/index.ts';
import type { Logger } from '../../platform/logger.ts';
import type { HubModule } from '../../platform/module.ts';
import type { EventOutbox } from '../events/index.ts';
import { loadKeyRing, type KeyRing } from './wallet.crypto.ts';
import { createProviderTester } from './wallet.providers.ts';
import { walletRepository } from './wallet.repository.ts';
import { walletRoutes } from './wallet.routes.ts';
import { createWalletService, type WalletService } from './wallet.service.ts';

export type { WalletService, UnsealedCredential } from './wallet.service.ts';
export { injectionRules, publicFields, type CredentialType } from './wallet.schemas.ts';

export interface WalletModuleDeps {
  config: Pick<Config, 'masterKey' | 'dataDir' | 'externalApis'>;
  db: Database;
  logger: Logger;
  outbox: EventOutbox;
  /** The hub's outbound client: credential tests call the providers through it. */
  outbound: OutboundClient;
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

/** The Credential Wallet: typed, envelope-encrypted credentials and the capabilities they switch on. */
export function createWalletModule(deps: WalletModuleDeps): WalletModule {
  const ring = deps.keyRing ?? loadKeyRing(deps.config);
  const service = createWalletService({
    db: deps.db,
    repository: walletRepository,
    outbox: deps.outbox,
    keyRing: () => ring,
    testProvider: createProviderTester({
      outbound: deps.outbound,
      urls: {
        twilio: deps.config.externalApis.twilio,
        openrouter: deps.config.externalApis.openrouter,
        microsoftLogin: deps.config.externalApis.msgraphLogin,
      },
    }),
    logger: deps.logger,
  });
  return { name: 'wallet', service, routes: walletRoutes(service) };
}
