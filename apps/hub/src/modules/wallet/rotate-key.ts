/**
 * `pnpm --filter @made-open/hub wallet:rotate-key`: re-wraps every credential's data key
 * under a new key-encryption key, in one transaction (all rows move, or none).
 *
 * - Master key in DATA_DIR (the default): generates a new key into
 *   DATA_DIR/wallet-master-key.next (0600), re-wraps, then renames it over
 *   wallet-master-key. If the process dies after the commit, the hub still loads the
 *   `.next` file on start and reads every row.
 * - MADE_OPEN_MASTER_KEY set: give the new key in MADE_OPEN_NEW_MASTER_KEY; after the
 *   command succeeds, set MADE_OPEN_MASTER_KEY to it and restart the hub.
 *
 * With the embedded database (PGlite), stop the hub first: only one process may open it.
 * Like main.ts, this entry point is the one place here that reads process.env.
 */
import { randomBytes } from 'node:crypto';
import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../../platform/config.ts';
import { openDatabase } from '../../platform/db/index.ts';
import { createOutboundClient } from '../../platform/http/outbound/index.ts';
import { createLogger } from '../../platform/logger.ts';
import { createEventOutbox } from '../events/outbox.ts';
import { kekFromMasterKey, loadKeyRing, masterKeyFile, nextMasterKeyFile } from './wallet.crypto.ts';
import { noConnectionsYet } from './wallet.capabilities.ts';
import { createProviderTester } from './wallet.providers.ts';
import { walletRepository } from './wallet.repository.ts';
import { createWalletService } from './wallet.service.ts';

async function main() {
  const config = loadConfig(process.env);
  const logger = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel);
  const ring = loadKeyRing(config);
  let nextText: string;
  let nextPath: string | undefined;
  if (config.masterKey) {
    const given = process.env.MADE_OPEN_NEW_MASTER_KEY;
    if (!given)
      throw new ConfigError([
        'MADE_OPEN_NEW_MASTER_KEY: set it to the new master key (32 random bytes, base64) when MADE_OPEN_MASTER_KEY is set',
      ]);
    nextText = given;
  } else {
    nextText = randomBytes(32).toString('base64url');
    nextPath = join(config.dataDir, nextMasterKeyFile);
    writeFileSync(nextPath, `${nextText}\n`, { mode: 0o600, flag: 'wx' });
  }
  const next = kekFromMasterKey(nextText);
  if (next.id === ring.current.id)
    throw new ConfigError(['MADE_OPEN_NEW_MASTER_KEY: the new key equals the current one']);

  const db = await openDatabase(config, logger);
  try {
    const service = createWalletService({
      db,
      repository: walletRepository,
      outbox: createEventOutbox(),
      keyRing: () => ring,
      // Rotation tests no provider; the service is built whole all the same.
      testProvider: createProviderTester({ outbound: createOutboundClient({ logger }), urls: config.providerUrls }),
      connections: noConnectionsYet,
      logger,
    });
    const { rewrapped } = await service.rotateKey(ring, next);
    if (nextPath) renameSync(nextPath, join(config.dataDir, masterKeyFile));
    process.stdout.write(`Re-wrapped ${rewrapped} credential key(s) under the new master key (id ${next.id}).\n`);
    if (config.masterKey)
      process.stdout.write(
        'Now set MADE_OPEN_MASTER_KEY to the value of MADE_OPEN_NEW_MASTER_KEY and restart the hub.\n',
      );
  } finally {
    await db.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(
    `Key rotation failed: ${error instanceof Error ? error.message : String(error)}\nNothing was changed unless the message above says otherwise.\n`,
  );
  process.exit(1);
});
