import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { composeHub, type Hub } from '../src/composition.ts';
import { loadConfig } from '../src/platform/config.ts';
import { createLogger } from '../src/platform/logger.ts';
import { createTestDatabase, type TestDatabase, type TestDatabaseKind } from './databases.ts';

export interface TestHub extends Hub {
  database: TestDatabase;
  dataDir: string;
}

/**
 * A whole hub on its own fresh database, for one test file. `env` overrides
 * configuration exactly as environment variables would.
 */
export async function createTestHub(
  kind: TestDatabaseKind,
  env: Record<string, string | undefined> = {},
  options: Parameters<typeof composeHub>[3] = {},
): Promise<TestHub> {
  const database = await createTestDatabase(kind);
  const dataDir = mkdtempSync(join(tmpdir(), 'made-open-hub-'));
  const config = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent', PORT: '0', ...env });
  const hub = await composeHub(config, createLogger(config.logLevel), database.db, options);
  return {
    ...hub,
    database,
    dataDir,
    async close() {
      await hub.close().catch(() => undefined);
      await database.drop().catch(() => undefined);
    },
  };
}
