/**
 * What counting a request in the shared rate limit store costs (ADR 0035): the same hub on a
 * scratch PostgreSQL database with its per-IP limits counted in memory (`local`) and in
 * made_open.rate_limit_hits (`shared`), alternately, in the same run. Not a test.
 *
 * - webhook, 1,000 clients: POST /api/v1/rules/<no rule>/webhook (a 404 after one indexed
 *   read), each request from one of 1,000 clients (X-Forwarded-For through the trusted
 *   loopback hop), all under their 120 a minute: every request is counted in the store.
 * - webhook flood: the same from one client, past its limit: nearly every request is a 429
 *   (the shared store answers those from what it already knows, with no round trip).
 * - wrong passwords: POST /auth/v1/token with a wrong password for a new address each time
 *   (limit raised out of the way): a guess as it costs the hub, argon2 and the per-account
 *   delay's row included.
 */
import { loadavg } from 'node:os';
import { backendsCpuMs, treeCpuMs } from './support/cpu.ts';
import {
  createDatabase,
  load,
  startProcess,
  stopAllProcesses,
  stopProcess,
  waitUntilUp,
} from './support/http-bench.ts';

const adminUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const seconds = Number(process.env.BENCH_SECONDS ?? 8);
const rounds = Number(process.env.BENCH_ROUNDS ?? 2);
const port = 4790;

async function withHub<T>(store: 'local' | 'shared', databaseUrl: string, work: (pid: number) => Promise<T>) {
  const hub = startProcess(['bench/servers/rate-limited-hub.ts', store], {
    DATABASE_URL: databaseUrl,
    PORT: String(port),
    LOG_LEVEL: 'error',
    DATA_DIR: `/tmp/made-open-bench-rate-limits-${store}`,
    SUPABASE_JWT_SECRET: 'bench-rate-limits-secret-0123456789abcdefghijk',
    AUTH_RATE_LIMIT_TOKEN_PER_MINUTE: '1000000000',
    TRUST_PROXY: 'loopback',
  });
  try {
    await waitUntilUp(`http://127.0.0.1:${port}/health`, hub);
    return await work(hub.pid!);
  } finally {
    await stopProcess(hub);
  }
}

const database = await createDatabase(adminUrl);
const dbName = new URL(database.url).pathname.slice(1);
const results: Record<string, number[]> = {};
const record = (name: string, rps: number) => (results[name] ??= []).push(rps);
console.log(`rate limits: ${rounds} rounds of local then shared, ${seconds} s each, load ${loadavg()[0]!.toFixed(1)}`);
try {
  for (let round = 0; round < rounds; round++) {
    for (const store of ['local', 'shared'] as const) {
      await withHub(store, database.url, async (pid) => {
        const cpu = async () => ({ hub: treeCpuMs(pid), db: await backendsCpuMs(adminUrl, dbName) });
        const webhook = {
          url: `http://127.0.0.1:${port}/api/v1/rules/00000000-0000-4000-8000-000000000000/webhook`,
          method: 'POST' as const,
          headers: { 'content-type': 'application/json', 'x-rule-secret': 'not it' },
          body: '{}',
        };
        let client = 0;
        const counted = await load(
          `${store} webhook, 1,000 clients`,
          {
            ...webhook,
            requests: [
              {
                setupRequest: (request) => {
                  const at = client++ % 1_000;
                  const forwarded = `198.51.${Math.floor(at / 250)}.${at % 250}`;
                  return { ...request, headers: { ...request.headers, 'x-forwarded-for': forwarded } };
                },
              },
            ],
          },
          { duration: seconds, connections: 10 },
          cpu,
        );
        record(`${store} webhook, 1,000 clients`, counted.rps);
        const flood = await load(
          `${store} webhook flood (429s)`,
          { ...webhook, headers: { ...webhook.headers, 'x-forwarded-for': '192.0.2.1' } },
          { duration: seconds, connections: 10 },
          cpu,
        );
        record(`${store} webhook flood`, flood.rps);
        let n = 0;
        const guesses = await load(
          `${store} wrong passwords`,
          {
            url: `http://127.0.0.1:${port}/auth/v1/token?grant_type=password`,
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            requests: [
              {
                setupRequest: (request) => ({
                  ...request,
                  body: JSON.stringify({ email: `guess-${round}-${store}-${n++}@example.org`, password: 'not it' }),
                }),
              },
            ],
          },
          { duration: seconds, connections: 4 },
          cpu,
        );
        record(`${store} wrong passwords`, guesses.rps);
        const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
        const counts = Number(/made_open_rate_limit_counts_total\{outcome="counted"\} (\d+)/.exec(metrics)?.[1] ?? 0);
        const known = Number(
          /made_open_rate_limit_counts_total\{outcome="refused_known"\} (\d+)/.exec(metrics)?.[1] ?? 0,
        );
        const spent = Number(/made_open_rate_limit_count_seconds_total ([\d.]+)/.exec(metrics)?.[1] ?? 0);
        if (counts > 0)
          console.log(
            `  ${store}: ${counts} counted in the store, ${((spent / counts) * 1000).toFixed(2)} ms each; ${known} refused as known to be over`,
          );
      });
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  for (const what of ['webhook, 1,000 clients', 'webhook flood', 'wrong passwords']) {
    const local = median(results[`local ${what}`]!);
    const shared = median(results[`shared ${what}`]!);
    console.log(`${what}: local ${local} req/s, shared ${shared} req/s, shared/local ${(shared / local).toFixed(2)}`);
  }
  console.log(
    `load ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}, ${new Date().toISOString()}`,
  );
} finally {
  await stopAllProcesses();
  await database.drop();
}
