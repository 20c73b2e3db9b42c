/**
 * Realtime benchmark (issue 4): latency from an API write (POST /api/v1/entities) to the
 * postgres_changes message arriving at a subscribed supabase-js client, with that one
 * socket open and again with 1,000 open sockets (100 of the writer's own, 900 of ten other
 * users, all subscribed to entity changes). The hub runs in its own process, on embedded
 * PGlite (or DATABASE_URL when BENCH_DATABASE_URL is set). Not a test.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from '@supabase/supabase-js';
import WebSocket from 'ws';
import { joinRawChannel } from './support/phoenix-socket.ts';

const writes = Number(process.env.BENCH_WRITES ?? 100);
const hubDir = join(import.meta.dirname, '..');
const work = mkdtempSync(join(tmpdir(), 'made-open-bench-realtime-'));
const port = 4800 + Math.floor(Math.random() * 90);
const base = `http://127.0.0.1:${port}`;
let hub: ChildProcess | undefined;
const sockets: WebSocket[] = [];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface User {
  id: string;
  email: string;
  password: string;
  token: string;
}

async function signUp(): Promise<User> {
  const email = `rt-${randomBytes(5).toString('hex')}@example.test`;
  const password = `pw-${randomBytes(9).toString('hex')}`;
  const res = await fetch(`${base}/auth/v1/signup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  const body = (await res.json()) as { access_token: string; user: { id: string } };
  return { id: body.user.id, email, password, token: body.access_token };
}

const percentile = (xs: number[], p: number) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
};

async function openRawSocket(apikey: string, token: string, topic: string, counter: { n: number }): Promise<void> {
  await joinRawChannel({
    port,
    apikey,
    topic,
    joinPayload: {
      config: { postgres_changes: [{ event: 'INSERT', schema: 'public', table: 'entities' }] },
      access_token: token,
    },
    sockets,
    onMessage: (m) => {
      if (m.event === 'postgres_changes') counter.n++;
    },
  });
}

async function measure(
  label: string,
  writer: User,
  arrivals: Map<string, number>,
  mode: 'create' | 'update',
): Promise<number[]> {
  const latencies: number[] = [];
  for (let i = 0; i < writes; i++) {
    const title = `${label}-${i}-${randomBytes(3).toString('hex')}`;
    const headers = { authorization: `Bearer ${writer.token}`, 'content-type': 'application/json' };
    let target: { id: string; version: number } | undefined;
    if (mode === 'update') {
      const created = await fetch(`${base}/api/v1/entities`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ type: 'note', title: `${title}-draft` }),
      });
      target = (await created.json()) as { id: string; version: number };
      await sleep(300);
    }
    const started = performance.now();
    const res = target
      ? await fetch(`${base}/api/v1/entities/${target.id}`, {
          method: 'PATCH',
          headers,
          body: JSON.stringify({ version: target.version, title }),
        })
      : await fetch(`${base}/api/v1/entities`, {
          method: 'POST',
          headers,
          body: JSON.stringify({ type: 'note', title }),
        });
    if (res.status !== 201 && res.status !== 200) throw new Error(`write failed: ${res.status} ${await res.text()}`);
    const deadline = Date.now() + 10_000;
    while (!arrivals.has(title)) {
      if (Date.now() > deadline) throw new Error(`change ${title} did not arrive`);
      await sleep(1);
    }
    latencies.push(arrivals.get(title)! - started);
    await sleep(10);
  }
  return latencies;
}

async function main() {
  hub = spawn(join(hubDir, 'node_modules/.bin/tsx'), ['src/main.ts'], {
    cwd: hubDir,
    env: {
      ...process.env,
      PORT: String(port),
      DATA_DIR: join(work, 'hub'),
      LOG_LEVEL: 'warn',
      DATABASE_URL: process.env.BENCH_DATABASE_URL ?? '',
      AUTH_RATE_LIMIT_SIGNUP_PER_HOUR: '10000',
      AUTH_RATE_LIMIT_TOKEN_PER_MINUTE: '10000',
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${base}/health`)).status < 500) break;
    } catch {
      // starting
    }
    if (i > 1500) throw new Error('hub did not start');
    await sleep(200);
  }
  const anonKey = readFileSync(join(work, 'hub', 'anon-key'), 'utf8').trim();
  const writer = await signUp();
  const others = await Promise.all(Array.from({ length: 10 }, () => signUp()));

  const client = createClient(base, anonKey, {
    auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
    realtime: { transport: WebSocket as never },
  });
  const signIn = await client.auth.signInWithPassword({ email: writer.email, password: writer.password });
  if (signIn.error) throw signIn.error;
  const arrivals = new Map<string, number>();
  await new Promise<void>((resolve, reject) => {
    client
      .channel('bench')
      .on('postgres_changes', { event: '*', schema: 'public', table: 'entities' }, (p) => {
        arrivals.set(String((p.new as { title: string }).title), performance.now());
      })
      .subscribe((status, err) =>
        status === 'SUBSCRIBED'
          ? resolve()
          : status === 'CHANNEL_ERROR' || status === 'TIMED_OUT'
            ? reject(err ?? new Error(status))
            : undefined,
      );
  });

  await measure('warmup', writer, arrivals, 'create').then(
    () => undefined,
    () => undefined,
  );
  const one = await measure('one', writer, arrivals, 'create');
  const oneUpdate = await measure('one-update', writer, arrivals, 'update');

  const counter = { n: 0 };
  const otherCounter = { n: 0 };
  const opened = performance.now();
  for (let k = 0; k < 999; k += 50) {
    await Promise.all(
      Array.from({ length: Math.min(50, 999 - k) }, (_, j) => {
        const index = k + j;
        const user = index % 10 === 0 ? writer : others[index % others.length]!;
        return openRawSocket(anonKey, user.token, `realtime:load-${index}`, user === writer ? counter : otherCounter);
      }),
    );
  }
  const openMs = performance.now() - opened;
  const heartbeat = setInterval(() => {
    for (const ws of sockets)
      if (ws.readyState === WebSocket.OPEN)
        ws.send(JSON.stringify({ topic: 'phoenix', event: 'heartbeat', ref: 'hb', payload: {} }));
  }, 20_000);
  const before = counter.n;
  const many = await measure('many', writer, arrivals, 'create');
  const manyUpdate = await measure('many-update', writer, arrivals, 'update');
  await sleep(500);
  clearInterval(heartbeat);
  const writerSockets = Array.from({ length: 999 }, (_, i) => i).filter((i) => i % 10 === 0).length;

  console.log(
    `\nAPI write -> postgres_changes at a subscribed supabase-js client, ${writes} sequential writes per row (hub on ${process.env.BENCH_DATABASE_URL ? 'PostgreSQL' : 'PGlite'})`,
  );
  console.log('| write | open sockets | p50 ms | p99 ms | max ms |');
  console.log('|---|---:|---:|---:|---:|');
  for (const [write, label, xs] of [
    ['POST /api/v1/entities (INSERT)', '1', one],
    ['PATCH /api/v1/entities/:id (UPDATE)', '1', oneUpdate],
    ['POST /api/v1/entities (INSERT)', '1,000', many],
    ['PATCH /api/v1/entities/:id (UPDATE)', '1,000', manyUpdate],
  ] as const) {
    console.log(
      `| ${write} | ${label} | ${percentile(xs, 50).toFixed(1)} | ${percentile(xs, 99).toFixed(1)} | ${Math.max(...xs).toFixed(1)} |`,
    );
  }
  console.log(
    `\n999 extra sockets opened and joined in ${(openMs / 1000).toFixed(1)} s; during the 1,000-socket run the ${writerSockets} sockets of the writer received ${counter.n - before} INSERTs (expected ${writerSockets * writes * 2}: the measured creates and the updates' drafts), the other users' 899 sockets received ${otherCounter.n}.`,
  );
  await client.removeAllChannels();
}

main()
  .catch((error) => {
    console.error(error);
    process.exitCode = 1;
  })
  .finally(async () => {
    for (const ws of sockets) ws.terminate();
    if (hub && hub.exitCode === null) {
      const exited = new Promise((r) => hub!.once('exit', r));
      hub.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
      if (hub.exitCode === null) hub.kill('SIGKILL');
    }
    rmSync(work, { recursive: true, force: true });
  });
