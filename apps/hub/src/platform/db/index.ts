import { join } from 'node:path';
import type { Config } from '../config.ts';
import type { Logger } from '../logger.ts';
import { openPglite } from './pglite.ts';
import { connectPostgres } from './postgres.ts';
import type { Database, RequestClaims, Sql } from './types.ts';

export type { Database, Sql, OwnerSql, RequestClaims, QueryResult, Row } from './types.ts';

/** DATABASE_URL selects PostgreSQL; otherwise PGlite persists under DATA_DIR. */
export async function openDatabase(config: Config, logger: Logger): Promise<Database> {
  if (config.databaseUrl) return connectPostgres({ url: config.databaseUrl, logger });
  const dataDir = join(config.dataDir, 'pgdata');
  logger.info({ dataDir }, 'using embedded PGlite');
  return openPglite({ dataDir });
}

/**
 * A repository function that runs one statement, run as the user without a transaction of
 * its own: a single round trip on PostgreSQL, and on PGlite a request's turn ahead of queued
 * background work (pglite.ts).
 */
export const oneStatementAsUser = (db: Pick<Database, 'queryAsUser'>, claims: RequestClaims): Sql => ({
  query: (text, params) => db.queryAsUser(claims, text, params),
});

export const platformMigrations = {
  module: 'platform',
  dir: new URL('./migrations', import.meta.url).pathname,
};
