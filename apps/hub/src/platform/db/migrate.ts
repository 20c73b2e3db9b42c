import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { OperatorError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import type { Database } from './types.ts';

/** A module's migrations: `NNNN_name.sql` files in one folder, applied in name order. */
export interface MigrationSource {
  module: string;
  dir: string;
}

interface Migration {
  id: string;
  sql: string;
  checksum: string;
}

// Any constant shared by all hub instances: the lock serialises concurrent starts.
const MIGRATION_LOCK = 7_270_707;

function readMigrations(sources: readonly MigrationSource[]): Migration[] {
  return sources.flatMap((source) =>
    readdirSync(source.dir)
      .filter((file) => /^\d{4}_[a-z0-9_]+\.sql$/.test(file))
      .sort()
      .map((file) => {
        const sql = readFileSync(join(source.dir, file), 'utf8');
        return {
          id: `${source.module}/${file.replace(/\.sql$/, '')}`,
          sql,
          checksum: createHash('sha256').update(sql).digest('hex'),
        };
      }),
  );
}

/**
 * Applies pending migrations in one transaction under an advisory lock, so two hub
 * instances starting together apply each migration exactly once. A changed checksum of
 * an applied migration stops the start: migrations are append-only.
 */
export async function migrate(db: Database, sources: readonly MigrationSource[], logger: Logger) {
  const migrations = readMigrations(sources);
  return db.asOwner(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await tx.exec(`
      CREATE SCHEMA IF NOT EXISTS made_open;
      CREATE TABLE IF NOT EXISTS made_open.schema_migrations (
        id text PRIMARY KEY,
        checksum text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now()
      );
      ALTER TABLE made_open.schema_migrations ENABLE ROW LEVEL SECURITY;
      ALTER TABLE made_open.schema_migrations FORCE ROW LEVEL SECURITY;
    `);
    const applied = new Map(
      (
        await tx.query<{ id: string; checksum: string }>('SELECT id, checksum FROM made_open.schema_migrations')
      ).rows.map((row) => [row.id, row.checksum]),
    );
    const pending: string[] = [];
    for (const migration of migrations) {
      const checksum = applied.get(migration.id);
      if (checksum !== undefined) {
        if (checksum !== migration.checksum) {
          throw new OperatorError(
            `Migration ${migration.id} was changed after it was applied. Restore it and add a new migration instead.`,
            'migration_changed',
          );
        }
        continue;
      }
      await tx.exec(migration.sql);
      await tx.query('INSERT INTO made_open.schema_migrations (id, checksum) VALUES ($1, $2)', [
        migration.id,
        migration.checksum,
      ]);
      pending.push(migration.id);
    }
    if (pending.length > 0) logger.info({ migrations: pending }, 'applied database migrations');
    return pending;
  });
}
