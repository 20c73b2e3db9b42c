/**
 * Twilio benchmark (issue 12): signed inbound SMS webhooks/s through the hub (signature
 * checked, connection looked up, sender resolved to a person, message ingested and linked,
 * comms.SmsReceived written) against, in the same run, a bare Fastify route that only checks
 * the signature (bench/servers/twilio-bare.ts). Twilio's REST API (needed to connect the
 * number) is the test STAND-IN (src/modules/connectors/twilio/test/twilio.stand-in.ts).
 * Every request carries a new MessageSid, signed by the real twilio package; 200 senders.
 * Each hub is measured twice: in its first minute, and again once its tables have been
 * analyzed (by the hub's table upkeep or autovacuum). Not a test: nothing here asserts on timing.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
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
  type CpuSampler,
  type Figures,
} from './support/http-bench.ts';
import { backendsCpuMs, treeCpuMs } from './support/cpu.ts';
import pg from 'pg';
import twilio from 'twilio';
import { hex32, startTwilioStandIn } from '../src/modules/connectors/twilio/test/twilio.stand-in.ts';

const adminUrl = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const duration = Number(process.env.BENCH_SECONDS ?? 10);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 20);
const publicUrl = 'https://hub.bench.example';
const ownNumber = '+14155550100';
const account = { accountSid: `AC${hex32()}`, authToken: hex32(), numbers: [ownNumber] };
let nextPort = 4900 + Math.floor(Math.random() * 200);

/** Each request a new inbound SMS from one of 200 senders, signed for PUBLIC_URL + its path. */
function signedSms(base: string, path: string): autocannon.Options {
  let n = 0;
  return {
    url: `${base}${path}`,
    method: 'POST',
    requests: [
      {
        setupRequest: (request: autocannon.Request) => {
          n++;
          const form = {
            MessageSid: `SM${hex32()}`,
            AccountSid: account.accountSid,
            From: `+1415555${String(2000 + (n % 200)).padStart(4, '0')}`,
            To: ownNumber,
            Body: `Benchmark message ${n}`,
            NumMedia: '0',
            NumSegments: '1',
            SmsStatus: 'received',
            ApiVersion: '2010-04-01',
          };
          return {
            ...request,
            headers: {
              'content-type': 'application/x-www-form-urlencoded',
              'x-twilio-signature': twilio.getExpectedTwilioSignature(account.authToken, `${publicUrl}${path}`, form),
            },
            body: new URLSearchParams(form).toString(),
          };
        },
      },
    ],
  };
}

/** Every measured run of this benchmark: its duration and connections. */
const load = (name: string, options: autocannon.Options, cpu?: CpuSampler) =>
  measure(name, options, { duration, connections }, cpu);

/**
 * Waits until the messages table has statistics with rows in them: from the hub's table
 * upkeep (modules/upkeep, every minute where no autovacuum runs) or from autovacuum. Until
 * then the planner works from the statistics of empty tables, which is what a new hub gets in
 * its first minute, not what it runs on afterwards. PGlite is read through the hub's /health
 * (upkeep always runs there); a PostgreSQL database directly.
 */
async function tablesAnalyzed(base: string, databaseUrl: string | undefined) {
  const client = databaseUrl ? new pg.Client({ connectionString: databaseUrl }) : undefined;
  await client?.connect();
  try {
    for (const started = Date.now(); Date.now() - started < 150_000;) {
      if (client) {
        const { rows } = await client.query<{ analyzed: boolean }>(
          `SELECT reltuples > 0 AS analyzed FROM pg_class WHERE oid = 'public.entities'::regclass`,
        );
        if (rows[0]?.analyzed) return;
      } else {
        const health = (await (await fetch(`${base}/health`)).json()) as {
          checks?: { upkeep?: { details?: { lastPass?: string | null } } };
        };
        if (health.checks?.upkeep?.details?.lastPass) return;
      }
      await new Promise((r) => setTimeout(r, 1_000));
    }
    throw new Error('The tables were not analyzed within 150 s (neither table upkeep nor autovacuum ran)');
  } finally {
    await client?.end();
  }
}

async function benchHub(label: string, databaseUrl: string | undefined, twilioApiUrl: string) {
  const port = nextPort++;
  const dataDir = mkdtempSync(join(tmpdir(), 'made-open-bench-'));
  // BENCH_CPU_PROF=<dir>: the hub writes a V8 CPU profile there (read it with bench/profile-summary.ts).
  const profile = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
  const hub = startNodeProcess(profile, ['src/main.ts'], {
    PORT: String(port),
    DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
    DATABASE_URL: databaseUrl ?? '',
    PUBLIC_URL: publicUrl,
    TWILIO_API_URL: twilioApiUrl,
    AUTH_RATE_LIMIT_SIGNUP_PER_HOUR: '100000',
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
    const { access_token: token } = (await signup.json()) as { access_token: string };
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const call = async (path: string, body?: unknown) => {
      const response = await fetch(`${base}${path}`, {
        method: 'POST',
        headers: body ? headers : { authorization: headers.authorization },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
      if (response.status >= 300) throw new Error(`${path}: ${response.status} ${await response.text()}`);
      return (await response.json()) as { id: string };
    };
    const credential = await call('/api/v1/credentials', {
      type: 'twilio',
      name: 'Bench',
      secret: { accountSid: account.accountSid, authToken: account.authToken },
    });
    await call(`/api/v1/credentials/${credential.id}/test`);
    const connection = await call('/api/v1/connections', {
      provider: 'twilio',
      credentialId: credential.id,
      options: { phoneNumber: ownNumber },
    });
    // CPU per text: the hub (with PGlite, the database too) and PostgreSQL's backends for it.
    const database = databaseUrl ? new URL(databaseUrl).pathname.slice(1) : undefined;
    const cpu: CpuSampler = async () => ({
      hub: treeCpuMs(hub.pid!),
      ...(database ? { postgres: await backendsCpuMs(adminUrl, database) } : {}),
    });
    const texts = signedSms(base, `/webhooks/twilio/${connection.id}/sms`);
    const first = await load(`hub signed SMS -> stored, linked message (${label}), first minute`, texts, cpu);
    await tablesAnalyzed(base, databaseUrl);
    const settled = await load(`hub signed SMS -> stored, linked message (${label}), tables analyzed`, texts, cpu);
    return { first, settled };
  } finally {
    await stopProcess(hub);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function main() {
  console.log(
    `Twilio benchmark: ${connections} connections, ${duration} s per run, load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}\n`,
  );
  const standIn = await startTwilioStandIn(account);
  const barePort = nextPort++;
  const bare = startProcess(['bench/servers/twilio-bare.ts', String(barePort), account.authToken, publicUrl], {});
  await waitUntilUp(`http://127.0.0.1:${barePort}/`, bare);
  const baseline = await load(
    'bare Fastify: validate signature only',
    signedSms(`http://127.0.0.1:${barePort}`, `/webhooks/twilio/${crypto.randomUUID()}/sms`),
    async () => ({ bare: treeCpuMs(bare.pid!) }),
  );
  await stopProcess(bare);
  // BENCH_TWILIO_DATABASES=postgres or =pglite runs one of the two (default both).
  const only = process.env.BENCH_TWILIO_DATABASES ?? (process.env.BENCH_TWILIO_PGLITE === '0' ? 'postgres' : undefined);
  let postgres: { first: Figures; settled: Figures } | undefined;
  if (only !== 'pglite') {
    const database = await createDatabase(adminUrl);
    try {
      postgres = await benchHub('PostgreSQL', database.url, standIn.url);
    } finally {
      await database.drop();
    }
  }
  const pglite = only === 'postgres' ? undefined : await benchHub('PGlite', undefined, standIn.url);
  await standIn.close();
  console.log('\n| run | req/s | p50 ms | p99 ms | errors | CPU ms / request | ratio | goal |');
  console.log('|---|---:|---:|---:|---:|---|---:|---|');
  const cpuCell = (f: Figures) =>
    Object.entries(f.cpuPerRequest ?? {})
      .map(([part, ms]) => `${part} ${ms.toFixed(2)}`)
      .join(', ');
  const row = (f: Figures, ratio: string, goal: string) =>
    console.log(`| ${f.name} | ${f.rps} | ${f.p50} | ${f.p99} | ${f.errors} | ${cpuCell(f)} | ${ratio} | ${goal} |`);
  row(baseline, '', 'baseline');
  const ratio = (f: Figures) => `${(f.rps / baseline.rps).toFixed(2)}x bare`;
  if (postgres) {
    row(postgres.first, ratio(postgres.first), 'recorded');
    row(postgres.settled, ratio(postgres.settled), '>= 0.3x bare, p99 < 100 ms');
  }
  if (pglite) for (const f of [pglite.first, pglite.settled]) row(f, ratio(f), 'recorded');
  console.log(
    `\nload average after: ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
}

main()
  .catch((error) => {
    console.error(error);
    process.exitCode = 1;
  })
  .finally(async () => {
    await stopAllProcesses();
  });
