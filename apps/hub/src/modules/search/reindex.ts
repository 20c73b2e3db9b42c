/**
 * `pnpm --filter @made-open/hub reindex [--check]`: rebuilds the search index from the graph
 * with a progress bar, then checks it against the graph (documents missing, stale, or left
 * over). `--check` only checks.
 *
 * - Meilisearch (MEILI_URL set): drops the index's documents, refills them from the graph,
 *   and checks. Run it after restoring a backup or if the check reports problems.
 * - Embedded engine: the hub keeps that index in its own memory and rebuilds it at every
 *   start, so this command cannot change a running hub's index; it builds one here from the
 *   same graph (proving the graph indexes cleanly, with timings) and checks it.
 *
 * With the embedded database (PGlite), stop the hub first: only one process may open it.
 * Like main.ts, this entry point is the one place here that reads process.env.
 */
import { loadConfig } from '../../platform/config.ts';
import { openDatabase } from '../../platform/db/index.ts';
import { createLogger } from '../../platform/logger.ts';
import { graphExport } from '../graph/index.ts';
import { createSearchEngine } from './index.ts';
import { createSearchIndexer, type CheckReport } from './search.indexer.ts';

function bar(done: number, total: number, started: number) {
  const width = 30;
  const ratio = total ? Math.min(1, done / total) : 1;
  const filled = Math.round(ratio * width);
  const rate = done / Math.max(0.001, (performance.now() - started) / 1000);
  return `\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(Math.floor(ratio * 100)).padStart(3)}% ${done}/${total} entities ${Math.round(rate)}/s`;
}

function printReport(report: CheckReport) {
  const out = process.stdout;
  out.write(
    `Check: ${report.owners} owner(s), ${report.graphDocuments} live entities in the graph, ${report.indexDocuments} documents in the index.\n`,
  );
  out.write(
    `  missing from the index: ${report.missing.length}\n  stale in the index:     ${report.stale.length}\n  left over in the index: ${report.extra.length}\n`,
  );
  for (const m of report.missing.slice(0, 10)) out.write(`  missing ${m.ownerId}/${m.id}\n`);
  for (const s of report.stale.slice(0, 10))
    out.write(`  stale   ${s.ownerId}/${s.id} (index v${s.indexed}, graph v${s.current})\n`);
  for (const e of report.extra.slice(0, 10)) out.write(`  extra   ${e.ownerId}/${e.id}\n`);
}

async function main() {
  const checkOnly = process.argv.includes('--check');
  const config = loadConfig(process.env);
  const logger = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel);
  const db = await openDatabase(config, logger);
  const engine = createSearchEngine(config);
  try {
    await engine.init();
    const indexer = createSearchIndexer({ db, engine, graph: graphExport, logger });
    if (engine.kind === 'embedded') {
      process.stdout.write(
        'Embedded search engine: the hub rebuilds its in-memory index at every start. Building one here from the graph to check it.\n',
      );
    }
    if (!checkOnly || engine.kind === 'embedded') {
      const started = performance.now();
      const { documents, seconds } = await indexer.rebuild({
        clear: true,
        onProgress: ({ done, total }) => process.stderr.write(bar(done, total, started)),
      });
      process.stderr.write('\n');
      process.stdout.write(`Indexed ${documents} document(s) in ${seconds.toFixed(1)} s (${engine.kind}).\n`);
    }
    const report = await indexer.check();
    printReport(report);
    const problems = report.missing.length + report.stale.length + report.extra.length;
    process.exitCode = problems === 0 ? 0 : 2;
  } finally {
    await engine.close();
    await db.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`\nReindex failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
