/**
 * API benchmark (issue 2): autocannon against, in one run,
 *   (a) a bare Fastify hello-world,
 *   (b) a bare Fastify route reading one row by primary key with node-postgres (no auth, no RLS),
 *   (c) the hub's authenticated GET /api/v1/entities/:id and POST /api/v1/entities,
 *       on PostgreSQL and on PGlite,
 * each server in its own process. Prints req/s, p50, p99 and the ratios the goals are
 * stated in. Not a test: nothing here asserts on timing.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type autocannon from 'autocannon';
import {
  createDatabase,
  load as measure,
  startNodeProcess,
  startProcess,
  stopAllProcesses,
  stopProcess,
  waitUntilUp,
  type Figures,
} from './support/http-bench.ts';
import pg from 'pg';

const adminUrl = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const duration = Number(process.env.BENCH_SECONDS ?? 10);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 50);

let nextPort = 4700 + Math.floor(Math.random() * 200);

/** Every measured run of this benchmark: its duration and connections. */
const load = (name: string, options: autocannon.Options) => measure(name, options, { duration, connections });

function rotating(paths: string[]) {
  let i = 0;
  return () => paths[i++ % paths.length]!;
}

async function benchHub(label: string, databaseUrl: string | undefined): Promise<Figures[]> {
  const port = nextPort++;
  const dataDir = mkdtempSync(join(tmpdir(), 'made-open-bench-'));
  // BENCH_CPU_PROF=<dir>: the hub writes a V8 CPU profile there when it exits (bench/profile-summary.ts reads it).
  const profile = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
  const hub = startNodeProcess(profile, ['src/main.ts'], {
    PORT: String(port),
    DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
    DATABASE_URL: databaseUrl ?? '',
    AUTH_RATE_LIMIT_SIGNUP_PER_HOUR: '100000',
    AUTH_RATE_LIMIT_TOKEN_PER_MINUTE: '100000',
  });
  const base = `http://127.0.0.1:${port}`;
  try {
    await waitUntilUp(`${base}/health`, hub);
    const signup = await fetch(`${base}/auth/v1/signup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        email: `bench-${randomBytes(4).toString('hex')}@example.com`,
        password: 'bench-password-123',
      }),
    });
    if (!signup.ok) throw new Error(`signup failed: ${signup.status} ${await signup.text()}`);
    const { access_token: token } = (await signup.json()) as { access_token: string };
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const ids: string[] = [];
    for (let i = 0; i < 500; i++) {
      const response = await fetch(`${base}/api/v1/entities`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ type: 'note', title: `Note ${i}`, body: 'Benchmark note body', properties: {} }),
      });
      if (response.status !== 201) throw new Error(`create failed: ${response.status} ${await response.text()}`);
      ids.push(((await response.json()) as { id: string }).id);
    }
    const nextPath = rotating(ids.map((id) => `/api/v1/entities/${id}`));
    const get = await load(`hub GET entity (${label})`, {
      url: base,
      headers,
      requests: [{ method: 'GET', setupRequest: (req: autocannon.Request) => ({ ...req, path: nextPath() }) }],
    });
    const post = await load(`hub POST entity (${label})`, {
      url: `${base}/api/v1/entities`,
      method: 'POST',
      headers,
      body: JSON.stringify({ type: 'note', title: 'Benchmark note', body: 'Written under load', properties: {} }),
    });
    return [get, post];
  } finally {
    await stopProcess(hub);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function main() {
  console.log(`API benchmark: ${connections} connections, ${duration} s per run, pipelining 1\n`);
  const results: Record<string, Figures> = {};

  const helloPort = nextPort++;
  const hello = startProcess(['bench/servers/bare.ts', 'hello', String(helloPort)], {});
  await waitUntilUp(`http://127.0.0.1:${helloPort}/`, hello);
  results.hello = await load('bare Fastify hello-world', { url: `http://127.0.0.1:${helloPort}/` });
  await stopProcess(hello);

  const database = await createDatabase(adminUrl);
  try {
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    await client.query(
      `CREATE TABLE bench_items (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), title text, body text, properties jsonb)`,
    );
    const { rows } = await client.query<{ id: string }>(
      `INSERT INTO bench_items (title, body, properties) SELECT 'Item ' || g, 'Body', '{}' FROM generate_series(1, 500) g RETURNING id`,
    );
    await client.end();
    const pgPort = nextPort++;
    const bare = startProcess(['bench/servers/bare.ts', 'pg', String(pgPort), database.url], {});
    await waitUntilUp(`http://127.0.0.1:${pgPort}/items/${rows[0]!.id}`, bare);
    const nextItem = rotating(rows.map((r) => `/items/${r.id}`));
    results.barePg = await load('bare Fastify + pg point read', {
      url: `http://127.0.0.1:${pgPort}`,
      requests: [{ method: 'GET', setupRequest: (req: autocannon.Request) => ({ ...req, path: nextItem() }) }],
    });
    await stopProcess(bare);

    const [getPg, postPg] = await benchHub('PostgreSQL', database.url);
    results.hubGetPg = getPg!;
    results.hubPostPg = postPg!;
  } finally {
    await database.drop();
  }
  const [getPglite, postPglite] = await benchHub('PGlite', undefined);
  results.hubGetPglite = getPglite!;
  results.hubPostPglite = postPglite!;

  const r = results as Required<typeof results> & Record<string, Figures>;
  const ratio = (a: Figures, b: Figures) => (a.rps / b.rps).toFixed(2);
  console.log('\n| run | req/s | p50 ms | p99 ms | ratio | goal |');
  console.log('|---|---:|---:|---:|---:|---|');
  const row = (f: Figures, ratioText: string, goal: string) =>
    console.log(`| ${f.name} | ${f.rps} | ${f.p50} | ${f.p99} | ${ratioText} | ${goal} |`);
  row(r.hello!, '', 'baseline');
  row(r.barePg!, `${ratio(r.barePg!, r.hello!)}x hello`, 'practical limit');
  row(r.hubGetPg!, `${ratio(r.hubGetPg!, r.barePg!)}x bare pg`, '>= 0.8x bare pg, p99 < 20 ms');
  row(r.hubPostPg!, `${ratio(r.hubPostPg!, r.barePg!)}x bare pg`, '>= 0.5x bare pg');
  row(r.hubGetPglite!, `${ratio(r.hubGetPglite!, r.hubGetPg!)}x PG mode`, '>= 0.5x PostgreSQL mode');
  row(r.hubPostPglite!, `${ratio(r.hubPostPglite!, r.hubPostPg!)}x PG mode`, '>= 0.5x PostgreSQL mode');
}

main()
  .catch((error) => {
    console.error(error);
    process.exitCode = 1;
  })
  .finally(async () => {
    await stopAllProcesses();
  });
