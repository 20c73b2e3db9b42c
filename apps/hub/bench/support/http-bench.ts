/**
 * What the HTTP benchmarks (api.ts, twilio.ts) share: servers in child processes, a scratch
 * PostgreSQL database, and autocannon runs with a warm-up. Not a test: nothing asserts on timing.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import pg from 'pg';

export const hubDir = join(import.meta.dirname, '../..');
const children: ChildProcess[] = [];

export interface Figures {
  name: string;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  /** CPU ms per request, by whoever `cpu` named (hub, database), when it was measured. */
  cpuPerRequest?: Record<string, number>;
}

/** CPU milliseconds used so far, by part (see cpu.ts); sampled before and after a run. */
export type CpuSampler = () => Promise<Record<string, number>>;

/**
 * A tsx script run by node itself with tsx as its loader: one process, no tsx wrapper, so a
 * SIGKILL reaches the script (a killed wrapper once left its hub running after the benchmark
 * had deleted the hub's PGlite directory, spinning in PGlite's WAL flush), and node flags such
 * as --cpu-prof apply to the script. BENCH_HUB_STDOUT shows its output.
 */
export function startNodeProcess(nodeArgs: string[], args: string[], env: Record<string, string>, cwd = hubDir) {
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', ...args], {
    cwd,
    env: { ...process.env, ...env },
    stdio: ['ignore', process.env.BENCH_HUB_STDOUT ? 'inherit' : 'pipe', 'inherit'],
  });
  child.stdout?.resume();
  children.push(child);
  return child;
}

/** A tsx script in its own process, without node flags. */
export const startProcess = (args: string[], env: Record<string, string>, cwd = hubDir): ChildProcess =>
  startNodeProcess([], args, env, cwd);

export async function stopProcess(child: ChildProcess) {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  // A profiled hub writes its profile on exit: give it time.
  await Promise.race([exited, new Promise((r) => setTimeout(r, process.env.BENCH_CPU_PROF ? 60_000 : 5_000))]);
  if (child.exitCode === null) child.kill('SIGKILL');
}

/** Every process this benchmark started (for its `finally`). */
export const stopAllProcesses = () => Promise.all(children.map(stopProcess));

/** Waits for `url` to answer; fails at once if `server`, the process meant to answer, exits. */
export async function waitUntilUp(url: string, server?: ChildProcess) {
  for (let i = 0; i < 600; i++) {
    if (server && (server.exitCode !== null || server.signalCode !== null))
      throw new Error(`${url}: its server exited (${server.exitCode ?? server.signalCode}) before answering`);
    try {
      if ((await fetch(url)).status < 500) return;
    } catch {
      // starting
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} did not come up`);
}

/** A 2 s warm-up (pools, JIT), then the measured run; prints and returns its figures. */
export async function load(
  name: string,
  options: autocannon.Options,
  run: { duration: number; connections: number },
  cpu?: CpuSampler,
): Promise<Figures> {
  await autocannon({ ...options, duration: 2, connections: run.connections });
  const cpuBefore = await cpu?.();
  const result = await autocannon({ ...options, ...run, pipelining: 1 });
  const cpuAfter = await cpu?.();
  const figures: Figures = {
    name,
    rps: Math.round(result.requests.average),
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.non2xx,
  };
  if (cpuBefore && cpuAfter && result.requests.total > 0) {
    figures.cpuPerRequest = Object.fromEntries(
      Object.entries(cpuAfter).map(([part, ms]) => [part, (ms - (cpuBefore[part] ?? 0)) / result.requests.total]),
    );
  }
  const cpuText = figures.cpuPerRequest
    ? `, CPU ms/request ${Object.entries(figures.cpuPerRequest)
        .map(([part, ms]) => `${part} ${ms.toFixed(2)}`)
        .join(', ')}`
    : '';
  console.log(
    `  ${name}: ${figures.rps} req/s, p50 ${figures.p50} ms, p99 ${figures.p99} ms, errors ${figures.errors}${cpuText}, load ${loadavg()[0]!.toFixed(1)}`,
  );
  return figures;
}

/** A fresh database on the admin server, dropped (forcibly) by `drop`. */
export async function createDatabase(adminUrl: string): Promise<{ url: string; drop(): Promise<void> }> {
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
