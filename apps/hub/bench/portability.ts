/**
 * Portability benchmark (issue 18), on PostgreSQL:
 * - vCard import: a generated file of PORTABILITY_CONTACTS (default 50,000) contacts, each
 *   with a name, an email, a phone, an organisation and a note, previewed (streamed parse +
 *   duplicate lookup) and committed (ingest in batches of 250) through the portability
 *   module, against a plain read of the same file's bytes in the same run.
 * - Memory: heap and RSS sampled every 50 ms during preview and commit, for 10,000 and for
 *   the full count: flat means the peak does not grow with the file.
 * - Takeout: the archive job over the imported graph (MB of archive per second), against a
 *   plain stream copy (read + write) of the same archive bytes in the same run.
 * `npx tsx bench/portability.ts` (`NODE_OPTIONS=--expose-gc` adds the heap each import leaves
 * behind). Not a test.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { PortabilityModule } from '../src/modules/portability/index.ts';
import { createDatabase } from './support/http-bench.ts';

const adminUrl = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const contacts = Number(process.env.PORTABILITY_CONTACTS ?? 50_000);
const load = () =>
  loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');
const mb = (bytes: number) => bytes / 1024 / 1024;

function vcardFile(path: string, n: number, tag: string) {
  const out: string[] = [];
  for (let i = 0; i < n; i += 1) {
    out.push(
      'BEGIN:VCARD',
      'VERSION:3.0',
      `UID:${tag}-${i}`,
      `FN:Person ${i} ${tag}`,
      `N:${tag}${i};Person;;;`,
      `EMAIL;TYPE=INTERNET:person${i}.${tag}@example.com`,
      `TEL;TYPE=CELL:+4477009${String(i % 100_000).padStart(5, '0')}`,
      `ORG:Company ${i % 500}`,
      `NOTE:Met at the ${i % 7 === 0 ? 'conference' : 'school gate'}\\, follow up about the project.`,
      'END:VCARD',
    );
  }
  writeFileSync(path, out.join('\r\n') + '\r\n');
}

/** Peak heap and RSS above the baseline while `work` runs, sampled every 50 ms. */
async function peakMemory<T>(work: () => Promise<T>) {
  global.gc?.();
  const base = process.memoryUsage();
  let heap = 0;
  let rss = 0;
  const timer = setInterval(() => {
    const m = process.memoryUsage();
    heap = Math.max(heap, m.heapUsed - base.heapUsed);
    rss = Math.max(rss, m.rss - base.rss);
  }, 50);
  try {
    return { result: await work(), heapMb: mb(heap), rssMb: mb(rss) };
  } finally {
    clearInterval(timer);
  }
}

async function main() {
  const { composeHub } = await import('../src/composition.ts');
  const { loadConfig } = await import('../src/platform/config.ts');
  const { createLogger } = await import('../src/platform/logger.ts');
  const { openDatabase } = await import('../src/platform/db/index.ts');
  const dataDir = mkdtempSync(join(tmpdir(), 'made-open-portability-'));
  const database = await createDatabase(adminUrl);
  const config = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'warn', PORT: '0', DATABASE_URL: database.url });
  const logger = createLogger(config.logLevel);
  const db = await openDatabase(config, logger);
  const hub = await composeHub(config, logger, db);
  const portability = hub.modules.find((m) => m.name === 'portability') as unknown as PortabilityModule;
  console.log(`load average at start: ${load()}`);
  try {
    const signup = await hub.app.inject({
      method: 'POST',
      url: '/auth/v1/signup',
      payload: { email: `portability-${randomBytes(4).toString('hex')}@example.com`, password: 'bench-password-123' },
    });
    const { user } = signup.json() as { user: { id: string } };
    const me = { id: user.id, claims: { role: 'authenticated' as const, sub: user.id } };

    const runImport = async (n: number, tag: string) => {
      const file = join(dataDir, `${tag}.vcf`);
      vcardFile(file, n, tag);
      const bytes = (await stat(file)).size;
      // Baseline: the same bytes read plainly, in this run.
      let t = performance.now();
      await readFile(file);
      const readMs = performance.now() - t;
      t = performance.now();
      const preview = await peakMemory(() =>
        portability.imports.upload(me, { kind: 'vcard', fileName: `${tag}.vcf`, body: createReadStream(file) }),
      );
      const previewMs = performance.now() - t;
      const row = preview.result;
      // The commit is the hub's own background job (pg-boss runs in this process): measured
      // from the commit to the import's committed status. (Running the import here as well
      // raced the job: two runs of one import, the second finding everything made.)
      t = performance.now();
      const commit = await peakMemory(async () => {
        await portability.imports.commit(me, row.id);
        const queuedSince = performance.now();
        for (;;) {
          const status = (await portability.imports.get(me, row.id)).status;
          if (status === 'committed' || status === 'failed') return status;
          if (status === 'queued' && performance.now() - queuedSince > 120_000)
            throw new Error('The import job did not start within 2 minutes: are the jobs running?');
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      });
      const commitMs = performance.now() - t;
      const done = await portability.imports.get(me, row.id);
      console.log(
        `${n} contacts (${mb(bytes).toFixed(1)} MB): plain read ${readMs.toFixed(0)} ms = ${Math.round(n / (readMs / 1000)).toLocaleString()} contacts/s; ` +
          `preview ${Math.round(n / (previewMs / 1000))} contacts/s; commit ${Math.round(n / (commitMs / 1000))} contacts/s ` +
          `(status ${done.status}, persons created ${(done.result as { personsCreated?: number }).personsCreated}, other items created ${(done.result as { created?: number }).created}); ` +
          `import (preview + commit) ${Math.round(n / ((previewMs + commitMs) / 1000))} contacts/s = ${(readMs / (previewMs + commitMs)).toExponential(2)}x plain read`,
      );
      console.log(
        `  memory above start: preview peak heap ${preview.heapMb.toFixed(1)} MB, rss ${preview.rssMb.toFixed(1)} MB; commit peak heap ${commit.heapMb.toFixed(1)} MB, rss ${commit.rssMb.toFixed(1)} MB`,
      );
      // What stays once the import is done (with --expose-gc): the hub's own data, such as the
      // embedded search index of every contact, as against what the import held while it ran.
      const gc = (globalThis as { gc?: () => void }).gc;
      if (gc) {
        await new Promise((resolve) => setTimeout(resolve, 5_000));
        gc();
        console.log(`  heap retained after the import, collected: ${mb(process.memoryUsage().heapUsed).toFixed(1)} MB`);
      }
    };
    await runImport(Math.min(10_000, contacts), 'small');
    if (contacts > 10_000) await runImport(contacts, 'full');

    // Takeout over everything imported: the hub's own job, from the request to the archive
    // being ready (as the import, calling run() here as well would race the job).
    let t = performance.now();
    const built = await peakMemory(async () => {
      const takeout = await portability.takeouts.create(me);
      for (;;) {
        const row = await portability.takeouts.get(me, takeout.id);
        if (row.status !== 'queued' && row.status !== 'running') return row;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    });
    const takeoutMs = performance.now() - t;
    const ready = built.result;
    const archiveBytes = ready.byteSize ?? 0;
    const { stream } = await portability.takeouts.download(me, ready.id);
    const copy = join(dataDir, 'copy.tar.gz');
    t = performance.now();
    await pipeline(stream, createWriteStream(copy));
    const copyMs = performance.now() - t;
    console.log(
      `takeout: ${mb(archiveBytes).toFixed(1)} MB archive (${ready.status}) in ${(takeoutMs / 1000).toFixed(1)} s = ${(mb(archiveBytes) / (takeoutMs / 1000)).toFixed(2)} MB/s; ` +
        `plain read+write of the same bytes ${(mb(archiveBytes) / (copyMs / 1000)).toFixed(0)} MB/s; ratio ${(copyMs / takeoutMs).toExponential(2)}; ` +
        `peak heap ${built.heapMb.toFixed(1)} MB, rss ${built.rssMb.toFixed(1)} MB above start`,
    );
  } finally {
    await hub.close();
    await database.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
  console.log(`load average at end: ${load()}`);
}

await main();
