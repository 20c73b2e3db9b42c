import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHub, type TestHub } from '../../../test/hub.ts';
import { testDatabaseKinds } from '../../../test/databases.ts';

describe.each(testDatabaseKinds())('jobs in the hub on %s', (kind) => {
  let hub: TestHub;
  beforeAll(async () => {
    hub = await createTestHub(kind);
  }, 180_000);
  afterAll(() => hub.close());

  it('reports queue depth, active jobs and dead letters in /health and /metrics', async () => {
    const health = await hub.app.inject({ method: 'GET', url: '/health' });
    expect(health.statusCode).toBe(200);
    const jobs = health.json().checks.jobs;
    expect(jobs.status).toBe('ok');
    expect(jobs.details).toEqual({
      queued: { realtime: 0, interactive: 0, background: 0 },
      active: { realtime: 0, interactive: 0, background: 0 },
      deadLetters: 0,
    });
    const metrics = await hub.app.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.body).toContain('made_open_jobs_queued{priority="realtime"} 0');
    expect(metrics.body).toContain('made_open_jobs_active{priority="background"} 0');
    expect(metrics.body).toContain('made_open_jobs_dead_letters 0');
  });

  it('keeps pg-boss out of the app schemas', async () => {
    const rows = await hub.db.asOwner((tx) =>
      tx.query<{ schema: string }>(
        `SELECT DISTINCT n.nspname AS schema FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE c.relname IN ('job', 'queue', 'schedule', 'archive', 'version') AND c.relkind IN ('r', 'p')`,
      ),
    );
    expect(rows.rows.map((r) => r.schema)).toEqual(['pgboss']);
  });
});
