import { setFlagsFromString } from 'node:v8';
import { composeHub } from './composition.ts';
import { ConfigError, loadConfig } from './platform/config.ts';
import { openDatabase } from './platform/db/index.ts';
import { createScrubber } from './platform/http/outbound/index.ts';
import { createLogger } from './platform/logger.ts';

// V8 lets the heap grow to as much as 4× what survived the last full collection before it
// collects again. A Microsoft 365 sync allocates about 130 MB/s of short-lived rows, so the
// hub's RSS rose by about 400 MiB; at 1.5× it rose by 71–205 MiB, at the same speed
// (docs/BENCHMARKS.md, tenth session). V8 reads it at each collection, so setting it here works.
setFlagsFromString('--heap-growing-percent=50');

async function main() {
  let config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\nFix the variables above and start again.\n`);
      process.exit(78); // EX_CONFIG
    }
    throw error;
  }
  // One scrubber for the logger and the outbound client: a secret either learns is kept out of both.
  const scrubber = createScrubber();
  const logger = createLogger(config.logLevel, undefined, scrubber);
  const db = await openDatabase(config, logger);
  const hub = await composeHub(config, logger, db, { scrubber });
  await hub.app.listen({ port: config.port, host: config.host });
  logger.info({ url: config.publicUrl, docs: `${config.publicUrl}/docs` }, 'Made Open hub is listening');

  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    logger.info({ signal }, 'shutting down: finishing in-flight requests');
    const force = setTimeout(() => {
      logger.error('shutdown took longer than 15 s: exiting');
      process.exit(1);
    }, 15_000).unref();
    try {
      await hub.close();
      clearTimeout(force);
      process.exit(0);
    } catch (error) {
      logger.error({ err: error }, 'shutdown failed');
      process.exit(1);
    }
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((error: unknown) => {
  process.stderr.write(`Made Open hub failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
