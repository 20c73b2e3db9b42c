/**
 * Twilio benchmark (issue 12): signed inbound SMS webhooks/s through the hub (signature
 * checked, connection looked up, sender resolved to a person, message ingested and linked,
 * comms.SmsReceived written) against, in the same run, a bare Fastify route that only checks
 * the signature (bench/servers/twilio-bare.ts). Twilio's REST API (needed to connect the
 * number) is the test STAND-IN (src/modules/connectors/twilio/test/twilio.stand-in.ts).
 * Every request carries a new MessageSid, signed by the real twilio package; 200 senders.
 * Not a test: nothing here asserts on timing.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import pg from 'pg';
import twilio from 'twilio';
import { hex32, startTwilioStandIn } from '../src/modules/connectors/twilio/test/twilio.stand-in.ts';

const adminUrl = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const duration = Number(process.env.BENCH_SECONDS ?? 10);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 20);
const hubDir = join(import.meta.dirname, '..');
const tsx = join(hubDir, 'node_modules/.bin/tsx');
const publicUrl = 'https://hub.bench.example';
const ownNumber = '+14155550100';
const account = { accountSid: `AC${hex32()}`, authToken: hex32(), numbers: [ownNumber] };
const children: ChildProcess[] = [];
let nextPort = 4900 + Math.floor(Math.random() * 200);

interface Figures {
  name: string;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
}

function startProcess(args: string[], env: Record<string, string>): ChildProcess {
  const child = spawn(tsx, args, {
    cwd: hubDir,
    env: { ...process.env, ...env },
    stdio: ['ignore', process.env.BENCH_HUB_STDOUT ? 'inherit' : 'pipe', 'inherit'],
  });
  child.stdout?.resume();
  children.push(child);
  return child;
}

async function stopProcess(child: ChildProcess) {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await Promise.race([exited, new Promise((r) => setTimeout(r, process.env.BENCH_CPU_PROF ? 60_000 : 5_000))]);
  if (child.exitCode === null) child.kill('SIGKILL');
}

async function waitUntilUp(url: string) {
  for (let i = 0; i < 600; i++) {
    try {
      if ((await fetch(url)).status < 500) return;
    } catch {
      // starting
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} did not come up`);
}

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

async function load(name: string, options: autocannon.Options): Promise<Figures> {
  await autocannon({ ...options, duration: 2, connections });
  const result = await autocannon({ ...options, duration, connections, pipelining: 1 });
  const figures = {
    name,
    rps: Math.round(result.requests.average),
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.non2xx,
  };
  console.log(
    `  ${name}: ${figures.rps} req/s, p50 ${figures.p50} ms, p99 ${figures.p99} ms, errors ${figures.errors}, load ${loadavg()[0]!.toFixed(1)}`,
  );
  return figures;
}

async function createDatabase() {
  const name = `made_open_bench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

async function benchHub(label: string, databaseUrl: string | undefined, twilioApiUrl: string) {
  const port = nextPort++;
  const dataDir = mkdtempSync(join(tmpdir(), 'made-open-bench-'));
  // BENCH_CPU_PROF=<dir>: the hub writes a V8 CPU profile there (read it with bench/profile-summary.ts).
  const profile = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
  const hub = startProcess([...profile, 'src/main.ts'], {
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
    await waitUntilUp(`${base}/health`);
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
    return await load(
      `hub signed SMS -> stored, linked message (${label})`,
      signedSms(base, `/webhooks/twilio/${connection.id}/sms`),
    );
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
  await waitUntilUp(`http://127.0.0.1:${barePort}/`);
  const baseline = await load(
    'bare Fastify: validate signature only',
    signedSms(`http://127.0.0.1:${barePort}`, `/webhooks/twilio/${crypto.randomUUID()}/sms`),
  );
  await stopProcess(bare);
  const database = await createDatabase();
  let postgres: Figures;
  try {
    postgres = await benchHub('PostgreSQL', database.url, standIn.url);
  } finally {
    await database.drop();
  }
  const pglite = process.env.BENCH_TWILIO_PGLITE === '0' ? undefined : await benchHub('PGlite', undefined, standIn.url);
  await standIn.close();
  console.log('\n| run | req/s | p50 ms | p99 ms | errors | ratio | goal |');
  console.log('|---|---:|---:|---:|---:|---:|---|');
  const row = (f: Figures, ratio: string, goal: string) =>
    console.log(`| ${f.name} | ${f.rps} | ${f.p50} | ${f.p99} | ${f.errors} | ${ratio} | ${goal} |`);
  row(baseline, '', 'baseline');
  row(postgres, `${(postgres.rps / baseline.rps).toFixed(2)}x bare`, '>= 0.3x bare, p99 < 100 ms');
  if (pglite) row(pglite, `${(pglite.rps / baseline.rps).toFixed(2)}x bare`, 'recorded');
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
    await Promise.all(children.map(stopProcess));
  });
