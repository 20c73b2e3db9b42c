/**
 * Query-path profile of the embedded engine (not a test): builds one index of `--size`
 * documents, runs the benchmark's latency workload and prints the slowest queries.
 *   cd apps/hub && node --expose-gc --import tsx bench/search-profile.ts [--size=1000000] [--queries=200]
 *     [--profile=/tmp/query.cpuprofile] [--repeat=q1,q2]
 * `--profile` writes a CPU profile of the query phase only; `--repeat` times the given
 * queries 20 times each (best and median) to see one query's cost without the noise.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { EmbeddedSearchEngine } from '../src/modules/search/engine/embedded.ts';
import { phoneQueryForms } from '../src/modules/search/engine/phone.ts';
import type { SearchDocument } from '../src/modules/search/engine/types.ts';
import { generateDocument, latencyQueries, MAIN_OWNER } from './search-data.ts';
import { needleDocuments } from './search-queries.ts';

const args = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=') as [string, string]));
const size = Number(args.size ?? 1_000_000);
const count = Number(args.queries ?? 200);

const engine = new EmbeddedSearchEngine({ phoneForms: (t) => phoneQueryForms(t) });
let batch: SearchDocument[] = [];
const total = Math.round(size * 1.1);
const started = performance.now();
for (let i = 0; i < total; i++) {
  batch.push(generateDocument(i, size));
  if (batch.length === 5000) {
    engine.upsertSync(batch);
    batch = [];
  }
}
engine.upsertSync([...batch, ...needleDocuments()]);
console.error(`built ${total} in ${((performance.now() - started) / 1000).toFixed(1)} s`);

(globalThis as { gc?: () => void }).gc?.();
const session = new Session();
if (args.profile) {
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
}
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const search = (q: string) => engine.searchSync({ ownerId: MAIN_OWNER, q, limit: 10, offset: 0, facets: ['type'] });
for (const q of args.repeat ? args.repeat.split(',') : []) {
  const times: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < 20; i++) {
    const t = performance.now();
    const c = cpuMs();
    search(q);
    cpu.push(cpuMs() - c);
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  cpu.sort((a, b) => a - b);
  console.log(
    `${JSON.stringify(q)}: wall best ${times[0]!.toFixed(2)} median ${times[10]!.toFixed(2)}, cpu best ${cpu[0]!.toFixed(2)} median ${cpu[10]!.toFixed(2)} ms, total=${search(q).estimatedTotal}`,
  );
}
const workload = latencyQueries(count);
const all: Array<[string, string, number, number]> = [];
for (const mode of ['exact', 'typo', 'prefix'] as const) {
  for (const q of workload[mode].slice(0, 10)) search(q);
  const times: number[] = [];
  const cpu: number[] = [];
  for (const q of workload[mode]) {
    const t = performance.now();
    const c = cpuMs();
    const r = search(q);
    const used = cpuMs() - c;
    times.push(performance.now() - t);
    cpu.push(used);
    all.push([mode, q, used, r.estimatedTotal]);
  }
  times.sort((a, b) => a - b);
  cpu.sort((a, b) => a - b);
  const p = (list: number[], x: number) =>
    list[Math.min(list.length - 1, Math.floor((x / 100) * list.length))]!.toFixed(1);
  console.log(
    `${mode}: wall p50 ${p(times, 50)} p95 ${p(times, 95)} p99 ${p(times, 99)}, cpu p50 ${p(cpu, 50)} p95 ${p(cpu, 95)} p99 ${p(cpu, 99)} ms`,
  );
}
all.sort((a, b) => b[2] - a[2]);
for (const [mode, q, ms, n] of all.slice(0, 25))
  console.log(`${ms.toFixed(1).padStart(7)} ms cpu  ${mode.padEnd(6)} ${JSON.stringify(q)} total=${n}`);
if (args.profile) {
  const { profile } = await session.post('Profiler.stop');
  writeFileSync(args.profile, JSON.stringify(profile));
}
