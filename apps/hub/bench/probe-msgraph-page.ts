/**
 * Profiling aid, not a benchmark (nothing is compared or asserted): one hub in this process on
 * a scratch PostgreSQL database (PROBE_PGLITE=1: PGlite), PROBE_PAGES pages of 200 Microsoft
 * 365 messages (the stand-in's payloads through msgraph.mapping) ingested one transaction
 * each, timed; PROBE_EXPLAIN=1 then runs one more page under auto_explain (ANALYZE, nested
 * statements, triggers) and prints the plans; PROBE_KEEP=1 keeps the database.
 * `npx tsx bench/probe-msgraph-page.ts`. What it showed is in docs/BENCHMARKS.md (issue 13).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { GraphModule } from '../src/modules/graph/index.ts';
import { messageItem } from '../src/modules/connectors/msgraph/msgraph.mapping.ts';
import { messagePayload } from '../src/modules/connectors/msgraph/test/stand-in/generator.ts';

const adminUrl = 'postgres://postgres@127.0.0.1:5432/postgres';
const { composeHub } = await import('../src/composition.ts');
const { loadConfig } = await import('../src/platform/config.ts');
const { createLogger } = await import('../src/platform/logger.ts');
const { openDatabase } = await import('../src/platform/db/index.ts');
const dbName = `made_open_probe_${randomBytes(4).toString('hex')}`;
const admin = new pg.Client({ connectionString: adminUrl });
await admin.connect();
await admin.query(`CREATE DATABASE ${dbName}`);
const url = new URL(adminUrl);
url.pathname = `/${dbName}`;
const config = loadConfig({
  DATA_DIR: mkdtempSync(join(tmpdir(), 'probe-')),
  LOG_LEVEL: 'warn',
  PORT: '0',
  DATABASE_URL: process.env.PROBE_PGLITE ? undefined : url.toString(),
});
const logger = createLogger(config.logLevel);
const db = await openDatabase(config, logger);
const hub = await composeHub(config, logger, db);
const graph = hub.modules.find((m) => m.name === 'graph') as GraphModule;
const signup = await hub.app.inject({
  method: 'POST',
  url: '/auth/v1/signup',
  payload: { email: `p-${randomBytes(4).toString('hex')}@example.com`, password: 'bench-password-123' },
});
const { user } = signup.json() as { user: { id: string; email: string } };
const account = { id: randomBytes(8).toString('hex'), mail: user.email, displayName: 'Me' } as never;
const claims = { role: 'authenticated' as const, sub: user.id };
const pages = Number(process.env.PROBE_PAGES ?? 20);
for (let p = 0; p < pages; p++) {
  const items = Array.from({ length: 200 }, (_, i) =>
    messageItem(messagePayload(account, p * 200 + i), { folder: 'inbox', self: user.email })!,
  );
  const t = performance.now();
  await db.asUser(claims, (tx) =>
    graph.ingest(tx, { ownerId: user.id, actor: { kind: 'connector', id: user.id }, items }),
  );
  console.log(`page ${p}: ${(performance.now() - t).toFixed(0)} ms`);
}
if (process.env.PROBE_EXPLAIN) {
  const { claimsSetupSql } = await import('../src/platform/db/literal.ts');
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  client.on('notice', (n) => console.log(n.message));
  if (process.env.PROBE_PGLITE) throw new Error('PROBE_EXPLAIN needs PostgreSQL (auto_explain)');
  await client.query('BEGIN');
  await client.query(
    `LOAD 'auto_explain'; SET auto_explain.log_min_duration = 0; SET auto_explain.log_analyze = on; SET auto_explain.log_nested_statements = on; SET auto_explain.log_triggers = on; SET auto_explain.log_level = notice; SET auto_explain.log_timing = on`,
  );
  await client.query(claimsSetupSql(JSON.stringify(claims), 'authenticated'));
  const items = Array.from({ length: 200 }, (_, i) =>
    messageItem(messagePayload(account, pages * 200 + i), { folder: 'inbox', self: user.email })!,
  );
  const tx = {
    query: async (text: string, params?: readonly unknown[]) => {
      const r = await client.query(text, params as unknown[]);
      return { rows: r.rows, rowCount: r.rowCount ?? 0 };
    },
  };
  await graph.ingest(tx as never, { ownerId: user.id, actor: { kind: 'connector', id: user.id }, items });
  await client.query('COMMIT');
  await client.end();
}
await hub.close();
if (process.env.PROBE_KEEP) console.log(`kept ${dbName} owner ${user.id}`);
else await admin.query(`DROP DATABASE ${dbName} WITH (FORCE)`);
await admin.end();
process.exit(0);
