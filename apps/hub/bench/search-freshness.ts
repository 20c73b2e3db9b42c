/**
 * Write-to-searchable latency (not a test): the real hub (`src/main.ts`, default settings:
 * PGlite, the embedded event transport and search engine, unless a database or NATS URL is
 * given) in its own process. One user writes notes through POST /api/v1/entities, one at a
 * time; after each 201 the note's unique word is searched every 5 ms until the note is
 * found. The time runs from sending the POST, so it includes the write itself, the outbox
 * relay's poll, the durable consumer and the index.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface FreshnessOptions {
  writes: number;
  databaseUrl?: string;
  natsUrl?: string;
}

const hubDir = join(import.meta.dirname, '..');

function percentiles(values: number[]) {
  const sorted = [...values].sort((a, b) => a - b);
  return [50, 95, 99]
    .map((p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!.toFixed(0))
    .join('/');
}

export async function measureFreshness(options: FreshnessOptions) {
  const port = 4900 + Math.floor(Math.random() * 90);
  const dataDir = mkdtempSync(join(tmpdir(), 'made-open-freshness-'));
  const hub = spawn(join(hubDir, 'node_modules/.bin/tsx'), ['src/main.ts'], {
    cwd: hubDir,
    env: {
      ...process.env,
      PORT: String(port),
      DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
      DATABASE_URL: options.databaseUrl ?? '',
      NATS_URL: options.natsUrl ?? '',
      AUTH_RATE_LIMIT_SIGNUP_PER_HOUR: '1000',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const base = `http://127.0.0.1:${port}`;
  try {
    for (let i = 0; ; i++) {
      if (i > 600) throw new Error('the hub did not start within 2 minutes');
      const health = await fetch(`${base}/health`).catch(() => null);
      if (health && health.status < 500) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    const signup = await fetch(`${base}/auth/v1/signup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        email: `fresh-${randomBytes(4).toString('hex')}@example.com`,
        password: 'bench-password-123',
      }),
    });
    if (!signup.ok) throw new Error(`signup failed: ${signup.status} ${await signup.text()}`);
    const { access_token: token } = (await signup.json()) as { access_token: string };
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const total: number[] = [];
    const afterWrite: number[] = [];
    for (let i = 0; i < options.writes; i++) {
      const word = `fresh${randomBytes(5).toString('hex')}`;
      const started = performance.now();
      const created = await fetch(`${base}/api/v1/entities`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ type: 'note', title: `Note ${word}`, body: 'Written by the freshness benchmark' }),
      });
      if (created.status !== 201) throw new Error(`create failed: ${created.status} ${await created.text()}`);
      const { id } = (await created.json()) as { id: string };
      const written = performance.now();
      for (;;) {
        const found = await fetch(`${base}/api/v1/search?q=${word}&facets=type`, { headers });
        const body = (await found.json()) as { hits: Array<{ id: string }> };
        if (body.hits.some((h) => h.id === id)) break;
        if (performance.now() - started > 30_000) throw new Error(`note ${id} not searchable after 30 s`);
        await new Promise((r) => setTimeout(r, 5));
      }
      total.push(performance.now() - started);
      afterWrite.push(performance.now() - written);
    }
    return {
      setup: `${options.databaseUrl ? 'PostgreSQL' : 'PGlite'}, ${options.natsUrl ? 'NATS JetStream' : 'embedded transport'}, embedded search`,
      writes: options.writes,
      'POST → found p50/p95/p99 ms': percentiles(total),
      '201 → found p50/p95/p99 ms': percentiles(afterWrite),
    };
  } finally {
    const exited = new Promise((resolve) => hub.once('exit', resolve));
    hub.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
    if (hub.exitCode === null) hub.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  }
}
