/**
 * Realtime across instances (ADR 0032): client broadcasts on a public channel, sender and
 * receiver on one hub instance, then sender on instance A and receiver on instance B (the
 * relay over NATS core subjects), in the same run. Two hub processes on one PostgreSQL
 * database (a fresh one on BENCH_DATABASE_URL's server, default 127.0.0.1:5432) and a private
 * nats-server. Raw Phoenix sockets (vsn 1.0.0), one process for both clients (one clock).
 * Not a test.
 *
 * - paced: BENCH_BROADCASTS (default 2,000) broadcasts, one every 2 ms: delivery latency.
 * - burst: BENCH_BURST (default 20,000) broadcasts written at once: messages/s delivered.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type WebSocket from 'ws';
import { joinRawChannel } from './support/phoenix-socket.ts';

const paced = Number(process.env.BENCH_BROADCASTS ?? 2_000);
const burst = Number(process.env.BENCH_BURST ?? 20_000);
const adminUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const hubDir = join(import.meta.dirname, '..');
const work = mkdtempSync(join(tmpdir(), 'made-open-bench-rt-cluster-'));
const dbName = `made_open_bench_${randomBytes(5).toString('hex')}`;
const children: ChildProcess[] = [];
const sockets: WebSocket[] = [];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });

const percentile = (xs: number[], p: number) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
};

async function waitUntil(what: string, probe: () => Promise<boolean> | boolean, ms = 60_000) {
  const deadline = Date.now() + ms;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await sleep(20);
  }
}

async function startHub(name: string, natsUrl: string, databaseUrl: string): Promise<{ port: number; dir: string }> {
  const port = await freePort();
  const dir = join(work, name);
  const child = spawn(join(hubDir, 'node_modules/.bin/tsx'), ['src/main.ts'], {
    cwd: hubDir,
    env: {
      ...process.env,
      PORT: String(port),
      DATA_DIR: dir,
      LOG_LEVEL: 'warn',
      DATABASE_URL: databaseUrl,
      NATS_URL: natsUrl,
      SUPABASE_JWT_SECRET: 'bench-realtime-cluster-secret-0123456789abcdef',
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  children.push(child);
  await waitUntil(
    `hub ${name}`,
    async () => {
      try {
        return (await fetch(`http://127.0.0.1:${port}/health`)).status < 500;
      } catch {
        return false;
      }
    },
    300_000,
  );
  return { port, dir };
}

/** A joined raw socket on `topic`; `onBroadcast` gets each broadcast's payload. */
async function joinTopic(port: number, apikey: string, topic: string, onBroadcast?: (p: { t: number }) => void) {
  const ws = await joinRawChannel({
    port,
    apikey,
    topic,
    joinPayload: { config: {} },
    sockets,
    onMessage: (m) => {
      if (m.event === 'broadcast') onBroadcast?.((m.payload as { payload: { t: number } }).payload);
    },
  });
  const heartbeat = setInterval(
    () => ws.send(JSON.stringify({ topic: 'phoenix', event: 'heartbeat', ref: 'hb', payload: {} })),
    20_000,
  );
  ws.once('close', () => clearInterval(heartbeat));
  return (payload: Record<string, unknown>) =>
    ws.send(
      JSON.stringify({ topic, event: 'broadcast', ref: null, payload: { type: 'broadcast', event: 'b', payload } }),
    );
}

async function run(label: string, senderPort: number, receiverPort: number, apikey: string) {
  const topic = `realtime:bench-${label}-${randomBytes(3).toString('hex')}`;
  const latencies: number[] = [];
  let received = 0;
  let lastAt = 0;
  await joinTopic(receiverPort, apikey, topic, (p) => {
    const now = performance.now();
    latencies.push(now - p.t);
    received++;
    lastAt = now;
  });
  const send = await joinTopic(senderPort, apikey, topic);
  // Warm-up, then paced sends for latency.
  for (let i = 0; i < 200; i++) send({ t: performance.now() });
  await waitUntil('warm-up', () => received >= 200);
  latencies.length = 0;
  received = 0;
  for (let i = 0; i < paced; i++) {
    send({ t: performance.now() });
    await sleep(2);
  }
  await waitUntil('paced', () => received >= paced);
  const pacedLatencies = [...latencies];
  // Burst: everything written at once; throughput is deliveries over the time to the last one.
  latencies.length = 0;
  received = 0;
  const started = performance.now();
  for (let i = 0; i < burst; i++) send({ t: performance.now() });
  await waitUntil('burst', () => received >= burst, 120_000);
  const perSecond = burst / ((lastAt - started) / 1000);
  return { label, pacedLatencies, burstLatencies: [...latencies], perSecond };
}

let created = false;

async function main() {
  if (!existsSync('/usr/sbin/nats-server')) return console.log('(realtime-cluster: skipped, no /usr/sbin/nats-server)');
  const admin = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 5_000 });
  try {
    await admin.connect();
  } catch (error) {
    return console.log(`(realtime-cluster: skipped, PostgreSQL at ${adminUrl}: ${(error as Error).message})`);
  }
  await admin.query(`CREATE DATABASE ${dbName}`);
  created = true;
  await admin.end();
  const dbUrl = new URL(adminUrl);
  dbUrl.pathname = `/${dbName}`;

  const natsPort = await freePort();
  children.push(
    spawn('/usr/sbin/nats-server', ['-js', '-a', '127.0.0.1', '-p', String(natsPort), '-sd', join(work, 'nats')], {
      stdio: 'ignore',
    }),
  );
  const natsUrl = `nats://127.0.0.1:${natsPort}`;
  await sleep(500);
  // One at a time: the first runs the migrations.
  const a = await startHub('a', natsUrl, dbUrl.toString());
  const b = await startHub('b', natsUrl, dbUrl.toString());
  const apikey = readFileSync(join(a.dir, 'anon-key'), 'utf8').trim();

  const results = [
    await run('one-instance', a.port, a.port, apikey),
    await run('two-instances', a.port, b.port, apikey),
  ];
  console.log(
    `\nClient broadcast on a public channel, one sender socket and one receiver socket (hubs on PostgreSQL, NATS_URL set): paced = ${paced} sends 2 ms apart, burst = ${burst} sends written at once`,
  );
  console.log('| sender → receiver | paced p50 ms | paced p99 ms | burst msgs/s | burst p99 ms |');
  console.log('|---|---:|---:|---:|---:|');
  for (const r of results)
    console.log(
      `| ${r.label === 'one-instance' ? 'A → A' : 'A → B (over NATS)'} | ${percentile(r.pacedLatencies, 50).toFixed(2)} | ${percentile(r.pacedLatencies, 99).toFixed(2)} | ${Math.round(r.perSecond).toLocaleString('en')} | ${percentile(r.burstLatencies, 99).toFixed(0)} |`,
    );
}

main()
  .catch((error) => {
    console.error(error);
    process.exitCode = 1;
  })
  .finally(async () => {
    for (const ws of sockets) ws.terminate();
    for (const child of children.reverse()) {
      if (child.exitCode !== null) continue;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([exited, sleep(5_000)]);
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    if (created) {
      const admin = new pg.Client({ connectionString: adminUrl });
      await admin.connect();
      await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
      await admin.end();
    }
    rmSync(work, { recursive: true, force: true });
  });
