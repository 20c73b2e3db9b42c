/**
 * The hub for the rate limit benchmark (rate-limits.ts), with its per-IP limits counted in
 * memory (`local`) or in PostgreSQL (`shared`, ADR 0035) whatever NATS_URL says, so the two
 * differ in nothing else. Configured by the environment like src/main.ts.
 */
import { composeHub } from '../../src/composition.ts';
import { loadConfig } from '../../src/platform/config.ts';
import { openDatabase } from '../../src/platform/db/index.ts';
import { createLogger } from '../../src/platform/logger.ts';

const store = process.argv[2];
if (store !== 'local' && store !== 'shared') throw new Error('usage: rate-limited-hub.ts local|shared');
const config = loadConfig(process.env);
const logger = createLogger(config.logLevel);
const hub = await composeHub(config, logger, await openDatabase(config, logger), { rateLimits: { store } });
await hub.app.listen({ port: config.port, host: config.host });
process.on('SIGTERM', () => {
  void hub.close().then(() => process.exit(0));
});
