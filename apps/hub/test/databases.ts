import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { migrate } from '../src/platform/db/migrate.ts';
import { openPglite } from '../src/platform/db/pglite.ts';
import { connectPostgres } from '../src/platform/db/postgres.ts';
import type { Database } from '../src/platform/db/types.ts';
import { createLogger } from '../src/platform/logger.ts';

export type TestDatabaseKind = 'pglite' | 'postgres';

/** The server the PostgreSQL tests create their throwaway databases on. */
export const adminDatabaseUrl = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/**
 * PostgreSQL tests run under CI (and when TEST_DATABASE_URL is set). There they must
 * run: an unreachable server fails the suite, it never skips it.
 */
export function postgresTestsRequired(): boolean {
  return process.env.CI === 'true' || process.env.TEST_DATABASE_URL !== undefined;
}

export function testDatabaseKinds(): TestDatabaseKind[] {
  return postgresTestsRequired() ? ['pglite', 'postgres'] : ['pglite'];
}

export async function checkPostgresReachable() {
  const client = new pg.Client({ connectionString: adminDatabaseUrl, connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
  } catch (error) {
    throw new Error(
      `PostgreSQL tests are required (CI=true or TEST_DATABASE_URL set) but ${adminDatabaseUrl} is unreachable: ${(error as Error).message}`,
    );
  } finally {
    await client.end().catch(() => undefined);
  }
}

export interface TestDatabase {
  db: Database;
  kind: TestDatabaseKind;
  /** For PostgreSQL: the URL of this test's own database. */
  url?: string;
  drop(): Promise<void>;
}

const silent = createLogger('silent');

/** A fresh, migrated database of the given kind, owned by one test file. */
export async function createTestDatabase(kind: TestDatabaseKind): Promise<TestDatabase> {
  if (kind === 'pglite') {
    // Imported lazily: global-setup imports this file, and vitest 3.2.7 refuses a static
    // import of 'vitest' inside globalSetup.
    const { inject } = await import('vitest');
    const template = readFileSync(inject('pgliteTemplatePath'));
    const db = await openPglite({ loadDataDir: new Blob([template]) });
    return { db, kind, drop: () => db.close() };
  }
  const name = `made_open_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminDatabaseUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(adminDatabaseUrl);
  url.pathname = `/${name}`;
  const db = await connectPostgres({ url: url.toString(), logger: silent, poolSize: 5 });
  // Imported lazily: the platform's own tests use this file without loading every module.
  const { migrationSources } = await import('../src/composition.ts');
  await migrate(db, migrationSources, silent);
  return {
    db,
    kind,
    url: url.toString(),
    async drop() {
      await db.close();
      const cleanup = new pg.Client({ connectionString: adminDatabaseUrl });
      await cleanup.connect();
      await cleanup.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await cleanup.end();
    },
  };
}
