/**
 * A job worker in its own process, for the fault test: it takes `test.hold` jobs, says so
 * on stdout, and never finishes them. The test kills it with SIGKILL while it holds them.
 * Usage: tsx jobs.kill-worker.fixture.ts <postgres url>
 */
import { connectPostgres } from '../../platform/db/postgres.ts';
import { createLogger } from '../../platform/logger.ts';
import { createJobsModule } from './index.ts';
import { holdJob } from './jobs.test-jobs.ts';

const url = process.argv[2];
if (!url) throw new Error('usage: jobs.kill-worker.fixture.ts <postgres url>');
const logger = createLogger('silent');
const db = await connectPostgres({ url, logger, poolSize: 3 });
const jobs = createJobsModule({
  config: { databaseUrl: url },
  db,
  logger,
  options: { pollIntervalMs: 200, maintenanceIntervalSeconds: 60 },
});
jobs.register(
  holdJob(async (payload, context) => {
    process.stdout.write(`started ${payload.n} ${context.id}\n`);
    await new Promise(() => undefined);
  }),
);
await jobs.start!();
process.stdout.write('ready\n');
