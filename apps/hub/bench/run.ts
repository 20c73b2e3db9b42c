/**
 * `pnpm bench`: runs each benchmark in its own process, one after another, so they do
 * not compete for the two cores. `pnpm --filter @made-open/hub bench api search` runs a
 * subset. Figures go to stdout; docs/BENCHMARKS.md records them.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const all = [
  'api',
  'ingest',
  'events',
  'jobs',
  'search',
  'plugins',
  'storage',
  'realtime',
  'realtime-cluster',
  'twilio',
  'identity',
  'msgraph',
  'rules',
  'devices',
  'ai',
  'portability',
  'rate-limits',
  'calendar',
  'inbox',
];
const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const selected = wanted.length > 0 ? wanted : all;
const benchDir = import.meta.dirname;
let failed = 0;

for (const name of selected) {
  const file = join(benchDir, `${name}.ts`);
  if (!existsSync(file)) {
    console.log(`\n(${name}: no benchmark yet)`);
    continue;
  }
  console.log(`\n=== ${name} ===`);
  const result = spawnSync(join(benchDir, '../node_modules/.bin/tsx'), [file], { stdio: 'inherit', env: process.env });
  if (result.status !== 0) {
    failed++;
    console.error(`${name} benchmark failed (exit ${result.status ?? result.signal})`);
  }
}
process.exit(failed > 0 ? 1 : 0);
