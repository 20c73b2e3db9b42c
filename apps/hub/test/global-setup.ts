import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { migrationSources } from '../src/composition.ts';
import { migrate } from '../src/platform/db/migrate.ts';
import { openPglite } from '../src/platform/db/pglite.ts';
import { createLogger } from '../src/platform/logger.ts';
import { checkPostgresReachable, postgresTestsRequired } from './databases.ts';

/**
 * Builds one migrated PGlite template for the whole run (a fresh PGlite costs seconds;
 * loading a dump is fast) and, under CI, fails at once when PostgreSQL is unreachable.
 */
export default async function setup(project: TestProject) {
  if (postgresTestsRequired()) await checkPostgresReachable();
  const db = await openPglite();
  await migrate(db, migrationSources, createLogger('silent'));
  const dump = await db.pglite.dumpDataDir('none');
  const path = join(tmpdir(), `made-open-template-${process.pid}.tar`);
  writeFileSync(path, Buffer.from(await dump.arrayBuffer()));
  await db.close();
  project.provide('pgliteTemplatePath', path);
}

declare module 'vitest' {
  export interface ProvidedContext {
    pgliteTemplatePath: string;
  }
}
