/**
 * What counting a request in the shared rate limit store costs (ADR 0035): the same hub on a
 * scratch PostgreSQL database with its per-IP limits counted in memory (`local`) and in
 * made_open.rate_limit_hits (`shared`), alternately, in the same run. Not a test.
 *
 * - webhook flood: POST /api/v1/rules/<no rule>/webhook from one client, past its 120 a
 *   minute: nearly every request is a 429 decided by the store alone, so this is the store's
 *   whole cost per counted request, the worst case.
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
        const flood = await load(
          `${store} webhook flood (429s)`,
          {
            url: `http://127.0.0.1:${port}/api/v1/rules/00000000-0000-4000-8000-000000000000/webhook`,
            method: 'POST',
            headers: { 'content-type': 'application/json', 'x-rule-secret': 'not it' },
            body: '{}',
          },
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
        const counted = Number(/made_open_rate_limit_counts_total\{outcome="counted"\} (\d+)/.exec(metrics)?.[1] ?? 0);
        const spent = Number(/made_open_rate_limit_count_seconds_total ([\d.]+)/.exec(metrics)?.[1] ?? 0);
        if (counted > 0)
          console.log(`  ${store}: ${counted} counts in the store, ${((spent / counted) * 1000).toFixed(2)} ms each`);
      });
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  for (const what of ['webhook flood', 'wrong passwords']) {
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
