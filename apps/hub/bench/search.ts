/**
 * Search benchmark (not a test): indexing speed, query latency, memory and relevance of the
 * embedded engine beside PostgreSQL full-text (with and without pg_trgm), MiniSearch and
 * Orama, on the same generated documents and the same queries.
 *
 *   cd apps/hub && npx tsx bench/search.ts [--sizes=100000,1000000] [--engines=embedded,pg,minisearch,orama]
 *     [--queries=100] [--budget=120] [--pg-url=postgres://postgres@127.0.0.1:5432/postgres] [--max-heap-mb=12288]
 *
 * Each engine runs in its own process (clean memory figures; one running out of memory
 * does not stop the others). It builds its index once, printing progress, then runs the
 * same fixed queries: `--queries` per kind (1-3 words exact, with one typo, ending in a
 * 2-4 letter prefix), each kind stopping after `--budget` seconds (the row says how many
 * ran; a single query is never interrupted, and one over 10 s is printed), then the 70
 * labelled relevance queries of search-queries.ts (within twice the
 * budget; MRR is then over those answered, and says n=). Figures are printed
 * as each engine finishes, and as tables at the end. The load average is printed beside
 * them: on a shared machine, compare the CPU columns and ratios, not wall times.
 *
 * Last, write-to-searchable latency on the real hub (search-freshness.ts; `--freshness=0`
 * skips it, `--freshness=N` writes N notes, default 100; `--freshness-database-url` and
 * `--freshness-nats-url` run it on PostgreSQL / NATS).
 */
import { spawn } from 'node:child_process';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { latencyQueries } from './search-data.ts';
import { measureFreshness } from './search-freshness.ts';
import {
  buildEmbedded,
  buildMiniSearch,
  buildOrama,
  buildPostgres,
  type Adapter,
  type Built,
  type Mode,
  type Progress,
} from './search-engines.ts';
import { labelledQueries } from './search-queries.ts';

const args = Object.fromEntries(
  process.argv.slice(2).map((a) => {
    const [k, v] = a.replace(/^--/, '').split('=');
    return [k!, v ?? 'true'];
  }),
);
const queryCount = Number(args.queries ?? 100);
const budgetMs = Number(args.budget ?? 120) * 1000;
const pgUrl = args['pg-url'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const load = () =>
  loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');

interface Result {
  size: number;
  engine: string;
  docs: number;
  index: string;
  memory: string;
  exact: string;
  typo: string;
  prefix: string;
  'MRR@10': string;
  'recall@10': string;
  byKind: string;
  load: string;
  notes?: string;
}

function percentiles(values: number[]) {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
  return sorted.length ? [50, 95, 99].map((p) => at(p).toFixed(1)).join('/') : '-';
}

const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/** Runs one query, and says so when it is slow (a library can take minutes on one). */
async function timed(adapter: Adapter, label: string, q: string, mode: Mode) {
  const t = performance.now();
  const c = cpuMs();
  const ids = await adapter.query(q, mode);
  const wall = performance.now() - t;
  if (wall > 10_000) process.stderr.write(`  ${label}: ${JSON.stringify(q)} took ${(wall / 1000).toFixed(1)} s\n`);
  return { ids, wall, cpu: cpuMs() - c };
}

async function latency(adapter: Adapter, label: string): Promise<Record<Mode, string>> {
  const workload = latencyQueries(queryCount);
  const out = {} as Record<Mode, string>;
  for (const mode of ['exact', 'typo', 'prefix'] as const) {
    const started = performance.now();
    // one warm-up query (inside the budget: on a slow engine it is minutes)
    await timed(adapter, `${label} ${mode} warm-up`, workload[mode][0]!, mode);
    const wall: number[] = [];
    const cpu: number[] = [];
    for (const q of workload[mode]) {
      if (performance.now() - started > budgetMs) break;
      const r = await timed(adapter, `${label} ${mode}`, q, mode);
      cpu.push(r.cpu);
      wall.push(r.wall);
      if (wall.length % 25 === 0)
        process.stderr.write(`  ${label} ${mode}: ${wall.length}/${workload[mode].length} queries\n`);
    }
    // PostgreSQL works in its own processes: this process's CPU time says nothing about it
    const cpuText = adapter.name.startsWith('postgres') ? '' : ` cpu ${percentiles(cpu)}`;
    out[mode] =
      `wall ${percentiles(wall)}${cpuText}${wall.length < workload[mode].length ? ` (n=${wall.length})` : ''}`;
  }
  return out;
}

/** MRR@10 and recall@10 on the labelled queries (over those answered within twice the budget). */
async function relevance(adapter: Adapter, limitMs: number) {
  let rr = 0;
  let found = 0;
  let answered = 0;
  const started = performance.now();
  const byKind = new Map<string, { n: number; hit: number }>();
  for (const lq of labelledQueries) {
    if (performance.now() - started > limitMs) break;
    answered++;
    // PostgreSQL cannot tell a finished word from a prefix: it is told (the others are not)
    const { ids } = await timed(adapter, `${adapter.name} relevance`, lq.q, lq.kind === 'prefix' ? 'prefix' : 'exact');
    const rank = ids.findIndex((id) => lq.relevant.includes(id));
    if (rank >= 0) {
      rr += 1 / (rank + 1);
      found++;
    }
    const k = byKind.get(lq.kind) ?? { n: 0, hit: 0 };
    k.n++;
    if (rank >= 0) k.hit++;
    byKind.set(lq.kind, k);
  }
  const partial = answered < labelledQueries.length ? ` (n=${answered})` : '';
  return {
    mrr: `${(rr / answered).toFixed(3)}${partial}`,
    recall: `${(found / answered).toFixed(3)}${partial}`,
    byKind: [...byKind].map(([k, v]) => `${k} ${v.hit}/${v.n}`).join(', '),
  };
}

function memory() {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  gc?.();
  const m = process.memoryUsage();
  return { heap: m.heapUsed + m.arrayBuffers, rss: m.rss };
}

const mib = (bytes: number) => `${Math.round(bytes / 1048576)} MiB`;

/** Child process: build one engine at one size, measure, print the result rows as JSON. */
async function child(engine: string, size: number) {
  const label = `${engine} ${size}`;
  let lastReport = 0;
  let finished = false;
  const progress: Progress = (done, total) => {
    if (finished || (done < total && performance.now() - lastReport < 10_000)) return;
    lastReport = performance.now();
    finished = done >= total;
    process.stderr.write(
      `  ${label}: indexed ${done}/${total}, heap ${mib(process.memoryUsage().heapUsed)}, load ${load()}\n`,
    );
  };
  const before = memory();
  const builders: Record<string, () => Promise<Built>> = {
    embedded: () => buildEmbedded(size, progress),
    minisearch: () => buildMiniSearch(size, progress),
    orama: () => buildOrama(size, progress),
    pg: () => buildPostgres(size, progress, pgUrl),
  };
  const builder = builders[engine];
  if (!builder) throw new Error(`unknown engine ${engine}; use ${Object.keys(builders).join(', ')}`);
  const built = await builder();
  const after = memory();
  const wall = Object.values(built.phases).reduce((a, b) => a + b, 0);
  const phases = Object.entries(built.phases)
    .map(([k, v]) => `${k} ${v.toFixed(1)} s`)
    .join(', ');
  const rate =
    `${Math.round(built.docs / wall)} docs/s` +
    (built.indexCpuSeconds ? `, ${Math.round(built.docs / built.indexCpuSeconds)} docs/CPU-s` : '');
  const memoryText = built.diskBytes
    ? `table + indexes ${mib(built.diskBytes)}`
    : `heap +${mib(after.heap - before.heap)}, rss +${mib(after.rss - before.rss)}`;
  process.stderr.write(`  ${label}: built (${phases}; ${rate}; ${memoryText})\n`);
  for (const adapter of built.adapters) {
    const startLoad = load();
    const times = await latency(adapter, `${adapter.name} ${size}`);
    const rel = await relevance(adapter, 2 * budgetMs);
    const result: Result = {
      size,
      engine: adapter.name,
      docs: built.docs,
      index: `${rate} (${phases})`,
      memory: memoryText,
      ...times,
      'MRR@10': rel.mrr,
      'recall@10': rel.recall,
      byKind: rel.byKind,
      load: `${startLoad} → ${load()}`,
      ...(adapter.notes ? { notes: JSON.stringify(adapter.notes) } : {}),
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
  }
  await built.close();
}

/** Runs one engine in its own process; resolves with its result rows (or the failure). */
function runChild(
  engine: string,
  size: number,
): Promise<Array<Result | { size: number; engine: string; error: string }>> {
  const heap = Number(args['max-heap-mb'] ?? 12288);
  const file = fileURLToPath(import.meta.url);
  const childArgs = [
    `--max-old-space-size=${heap}`,
    '--expose-gc',
    '--import',
    'tsx',
    file,
    `--child=${engine}`,
    `--size=${size}`,
  ];
  for (const key of ['queries', 'budget', 'pg-url']) if (args[key]) childArgs.push(`--${key}=${args[key]}`);
  return new Promise((resolve) => {
    const proc = spawn(process.execPath, childArgs, {
      cwd: fileURLToPath(new URL('..', import.meta.url)),
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    proc.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    proc.on('close', (code, signal) => {
      const rows = out
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Result);
      if (code !== 0)
        rows.push({
          size,
          engine,
          error: `did not finish (exit ${code ?? signal}; out of memory shows as a heap error above)`,
        } as never);
      resolve(rows);
    });
  });
}

if (args.child) {
  await child(args.child, Number(args.size));
} else {
  const sizes = (args.sizes ?? args.size ?? '100000,1000000').split(',').map(Number);
  const engines = (args.engines ?? 'embedded,pg,minisearch,orama').split(',');
  console.error(`load average at start: ${load()} (1, 5, 15 min)`);
  const results: Array<Result | { size: number; engine: string; error: string }> = [];
  for (const size of sizes) {
    for (const engine of engines) {
      console.error(`\n${engine} at ${size} documents for the measured owner (+10% for 50 other owners)`);
      const rows = await runChild(engine, size);
      for (const row of rows) console.error(JSON.stringify(row));
      results.push(...rows);
    }
  }
  console.log(`\nload average at end: ${load()}`);
  console.log(
    "\nLatency in ms, p50/p95/p99, top 10 (embedded and Orama with a type facet); cpu = the engine process's CPU time",
  );
  console.table(
    results.map((r) =>
      'error' in r
        ? r
        : { size: r.size, engine: r.engine, exact: r.exact, typo: r.typo, prefix: r.prefix, load: r.load },
    ),
  );
  console.log('\nIndexing, memory and relevance (70 labelled queries, bench/search-queries.ts)');
  console.table(
    results
      .filter((r): r is Result => !('error' in r))
      .map((r) => ({
        size: r.size,
        engine: r.engine,
        index: r.index,
        memory: r.memory,
        'MRR@10': r['MRR@10'],
        'recall@10': r['recall@10'],
        byKind: r.byKind,
      })),
  );
  const writes = Number(args.freshness ?? 100);
  if (writes > 0) {
    console.error(`\nwrite-to-searchable: ${writes} notes through the real hub`);
    const freshness = await measureFreshness({
      writes,
      databaseUrl: args['freshness-database-url'],
      natsUrl: args['freshness-nats-url'],
    });
    console.log(`\nWrite to searchable (load ${load()})`);
    console.table([freshness]);
  }
}
