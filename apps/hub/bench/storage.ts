/**
 * Storage benchmark (issue 4): upload and download of one 100 MB file through the hub's
 * /storage/v1 (fs backend, embedded PGlite), beside a plain file copy on the same disk in
 * the same run, with the hub's resident memory sampled from /metrics while it streams.
 * The hub runs in its own process. Not a test: nothing here asserts on timing.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { copyFile, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';

const sizeMb = Number(process.env.BENCH_STORAGE_MB ?? 100);
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const hubDir = join(import.meta.dirname, '..');
const work = mkdtempSync(join(process.env.BENCH_DIR ?? tmpdir(), 'made-open-bench-storage-'));
const port = 4900 + Math.floor(Math.random() * 90);
const base = `http://127.0.0.1:${port}`;
let hub: ChildProcess | undefined;

const mbps = (bytes: number, ms: number) => bytes / 1024 / 1024 / (ms / 1000);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function rss(): Promise<number> {
  const text = await (await fetch(`${base}/metrics`)).text();
  return Number(/made_open_process_resident_bytes (\d+)/.exec(text)?.[1] ?? 0);
}

/** Samples the hub's RSS every 200 ms while `work` runs; returns its result and the peak. */
async function sampled<T>(work: () => Promise<T>): Promise<{ result: T; peak: number }> {
  let peak = 0;
  let running = true;
  const sampler = (async () => {
    while (running) {
      peak = Math.max(peak, await rss().catch(() => 0));
      await new Promise((r) => setTimeout(r, 200));
    }
  })();
  try {
    const result = await work();
    return { result, peak };
  } finally {
    running = false;
    await sampler;
  }
}

function upload(path: string, file: string, token: string, size: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(`${base}/storage/v1/object/${path}`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/octet-stream',
        'content-length': String(size),
        'x-upsert': 'true',
      },
    });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        res.statusCode === 200
          ? resolve(res.statusCode)
          : reject(new Error(`upload ${res.statusCode}: ${Buffer.concat(chunks)}`)),
      );
    });
    req.on('error', reject);
    pipeline(createReadStream(file, { highWaterMark: 256 * 1024 }), req).catch(reject);
  });
}

function download(path: string, target: string, token: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(`${base}/storage/v1/object/${path}`, { headers: { authorization: `Bearer ${token}` } });
    req.on('response', (res) => {
      if (res.statusCode !== 200) return reject(new Error(`download ${res.statusCode}`));
      pipeline(res, createWriteStream(target))
        .then(() => resolve(statSync(target).size))
        .catch(reject);
    });
    req.on('error', reject);
    req.end();
  });
}

async function main() {
  const source = join(work, 'source.bin');
  const size = sizeMb * 1024 * 1024;
  // Random bytes, written in 4 MiB pieces (no compression or dedupe helps anyone).
  writeFileSync(source, '');
  const out = createWriteStream(source);
  for (let written = 0; written < size; written += 4 * 1024 * 1024)
    out.write(randomBytes(Math.min(4 * 1024 * 1024, size - written)));
  await new Promise<void>((resolve) => out.end(resolve));

  hub = spawn(join(hubDir, 'node_modules/.bin/tsx'), ['src/main.ts'], {
    cwd: hubDir,
    env: {
      ...process.env,
      PORT: String(port),
      DATA_DIR: join(work, 'hub'),
      LOG_LEVEL: 'warn',
      DATABASE_URL: '',
      AUTH_RATE_LIMIT_SIGNUP_PER_HOUR: '1000',
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
    await new Promise((r) => setTimeout(r, 200));
  }
  const signup = await fetch(`${base}/auth/v1/signup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      email: `bench-${Date.now()}@example.test`,
      password: `pw-${randomBytes(9).toString('hex')}`,
    }),
  });
  const { access_token: token } = (await signup.json()) as { access_token: string };
  await fetch(`${base}/storage/v1/bucket`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ id: 'bench', name: 'bench', public: false }),
  });

  const copyMs: number[] = [];
  const streamCopyMs: number[] = [];
  const uploadMs: number[] = [];
  const downloadMs: number[] = [];
  let idle = 0;
  let uploadPeak = 0;
  let downloadPeak = 0;
  // Warm-up: one small upload so the first measured round does not pay for JIT and pools.
  writeFileSync(join(work, 'small.bin'), randomBytes(1024 * 1024));
  await upload('bench/warm.bin', join(work, 'small.bin'), token, 1024 * 1024);
  await download('bench/warm.bin', join(work, 'warm.out'), token);

  for (let round = 0; round < rounds; round++) {
    const copyTarget = join(work, 'copy.bin');
    let t = performance.now();
    await copyFile(source, copyTarget);
    copyMs.push(performance.now() - t);
    await rm(copyTarget);
    t = performance.now();
    await pipeline(createReadStream(source, { highWaterMark: 256 * 1024 }), createWriteStream(copyTarget));
    streamCopyMs.push(performance.now() - t);
    await rm(copyTarget);

    idle = await rss();
    t = performance.now();
    const up = await sampled(() => upload('bench/big.bin', source, token, size));
    uploadMs.push(performance.now() - t);
    uploadPeak = Math.max(uploadPeak, up.peak);

    const target = join(work, 'download.bin');
    t = performance.now();
    const down = await sampled(() => download('bench/big.bin', target, token));
    downloadMs.push(performance.now() - t);
    downloadPeak = Math.max(downloadPeak, down.peak);
    if (down.result !== size) throw new Error(`downloaded ${down.result} bytes, expected ${size}`);
    await rm(target);
  }

  const copy = mbps(size, median(copyMs));
  const streamCopy = mbps(size, median(streamCopyMs));
  const rows = [
    ['plain file copy (fs.copyFile)', copy, 1],
    ['plain stream copy (read -> write)', streamCopy, streamCopy / copy],
    ['hub upload (POST /storage/v1/object)', mbps(size, median(uploadMs)), mbps(size, median(uploadMs)) / copy],
    ['hub download (GET /storage/v1/object)', mbps(size, median(downloadMs)), mbps(size, median(downloadMs)) / copy],
  ] as const;
  console.log(`\n${sizeMb} MB file, median of ${rounds} rounds, same disk (${work})`);
  console.log('| operation | MB/s | vs fs.copyFile |');
  console.log('|---|---:|---:|');
  for (const [name, rate, ratio] of rows)
    console.log(`| ${name} | ${rate.toFixed(0)} | ${(ratio * 100).toFixed(0)}% |`);
  const mb = (b: number) => (b / 1024 / 1024).toFixed(0);
  console.log(
    `\nhub resident memory: ${mb(idle)} MB before streaming, peak ${mb(uploadPeak)} MB during upload, peak ${mb(downloadPeak)} MB during download (file: ${sizeMb} MB)`,
  );
}

main()
  .catch((error) => {
    console.error(error);
    process.exitCode = 1;
  })
  .finally(async () => {
    if (hub && hub.exitCode === null) {
      const exited = new Promise((r) => hub!.once('exit', r));
      hub.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
      if (hub.exitCode === null) hub.kill('SIGKILL');
    }
    rmSync(work, { recursive: true, force: true });
  });
