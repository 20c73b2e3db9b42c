import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, testDatabaseKinds, type TestDatabase } from '../../../test/databases.ts';
import { bearer, signUpUser } from '../../../test/users.ts';
import type { Hub } from '../../composition.ts';
import { acmeAccount, addCredential, composeOver, connectAcme, eventually, registerAcmeInbox } from './test/support.ts';

/**
 * A hub stopped in the middle of a sync, and another started on the same database: the job
 * resumes from the cursor of the last committed page, and no page is lost or stored twice.
 * Acme Inbox's API is a STAND-IN server (test/acme-inbox.stand-in.ts).
 */
registerAcmeInbox();

describe.each(testDatabaseKinds())('a sync across a hub restart on %s', (kind) => {
  let database: TestDatabase;
  let dataDir: string;
  let acme: Awaited<ReturnType<typeof acmeAccount>>;
  let env: Record<string, string>;
  const hubs: Hub[] = [];

  beforeAll(async () => {
    acme = await acmeAccount();
    acme.standIn.add(20);
    database = await createTestDatabase(kind);
    // One DATA_DIR for both hubs: the wallet key and the token secret live there.
    dataDir = mkdtempSync(join(tmpdir(), 'made-open-restart-'));
    env = { ...acme.env, DATA_DIR: dataDir, ...(database.url ? { DATABASE_URL: database.url } : {}) };
  }, 180_000);
  afterAll(async () => {
    for (const hub of hubs) await hub.close().catch(() => undefined);
    await database?.drop();
    await acme?.standIn.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('resumes from the saved cursor without duplicates', async () => {
    const first = await composeOver(database.db, env, { jobs: { stopGraceMs: 200 } });
    hubs.push(first);
    const alice = await signUpUser(first);
    const credentialId = await addCredential(first, alice, acme.secret);
    // The third page (after seq 8) is parked: two pages are committed when the hub stops.
    const held = acme.standIn.hold(8);
    const id = await connectAcme(first, alice, credentialId, { mailbox: 'main', pageSize: 4 });
    await held.arrived;
    const get = (hub: Hub) =>
      hub.app.inject({ method: 'GET', url: `/api/v1/connections/${id}`, headers: bearer(alice) }).then((r) => r.json());
    expect((await get(first)).sync).toMatchObject({ state: 'running', progress: { pages: 2, items: 8 } });

    await first.close();
    // The stopped run gave its lease back; the page it was fetching arrives now and must not be stored.
    await eventually(
      async () =>
        (
          await database.db.asUser(alice.claims, (tx) =>
            tx.query<{ s: string }>(`SELECT sync_state AS s FROM made_open.connections WHERE id = $1`, [id]),
          )
        ).rows[0]?.s === 'queued'
          ? true
          : undefined,
      'the lease to be released',
    );
    held.release();

    const second = await composeOver(database.db, env, { jobs: { stopGraceMs: 200 } });
    hubs.push(second);
    const done = await eventually(async () => {
      const view = await get(second);
      return view.sync.state === 'idle' ? view : undefined;
    }, 'the resumed sync to finish');
    expect(done.status).toBe('active');
    expect(done.sync).toMatchObject({ progress: { pages: 5, items: 20, created: 20, percent: 100 }, itemsSynced: 20 });
    const pages = acme.standIn.requests.filter((r) => r.path.endsWith('/messages')).map((r) => r.query.after);
    // Pages 1 and 2 once; page 3 asked twice (the stopped run's answer was dropped); then on.
    expect(pages).toEqual(['0', '4', '8', '8', '12', '16']);
    const stored = await database.db.asUser(alice.claims, (tx) =>
      tx.query<{ external_id: string; n: string }>(
        `SELECT external_id, count(*)::text AS n FROM public.entities WHERE source = 'acme-inbox' AND type = 'message' GROUP BY external_id`,
      ),
    );
    expect(stored.rows).toHaveLength(20);
    expect(stored.rows.every((r) => r.n === '1')).toBe(true);
    const progress = await database.db.asUser(alice.claims, (tx) =>
      tx.query<{ items: number }>(
        `SELECT (data->>'items')::int AS items FROM made_open.outbox WHERE type = 'connector.SyncProgress' AND subject = $1 ORDER BY seq`,
        [id],
      ),
    );
    expect(progress.rows.map((r) => r.items)).toEqual([4, 8, 12, 16, 20]);
    await second.close();
  });

  it('hands a long run over to a fresh job at the end of its time slice, page by page', async () => {
    // A zero time slice: every page ends its job and queues the next one from the saved cursor.
    const account = await acmeAccount('other');
    account.standIn.add(9);
    try {
      const local = { ...env, ACME_INBOX_API_URL: account.standIn.url };
      const sliced = await composeOver(database.db, local, { jobs: { stopGraceMs: 200 }, sync: { runBudgetMs: 0 } });
      hubs.push(sliced);
      const alice = await signUpUser(sliced);
      const credentialId = await addCredential(sliced, alice, account.secret);
      const id = await connectAcme(sliced, alice, credentialId, { mailbox: 'other', pageSize: 4 });
      const done = await eventually(async () => {
        const view = (
          await sliced.app.inject({ method: 'GET', url: `/api/v1/connections/${id}`, headers: bearer(alice) })
        ).json();
        return view.sync.state === 'idle' ? view : undefined;
      }, 'the sliced sync to finish');
      expect(done.sync.progress).toMatchObject({ pages: 3, items: 9, created: 9, percent: 100 });
      const pages = account.standIn.requests.filter((r) => r.path.endsWith('/messages')).map((r) => r.query.after);
      expect(pages).toEqual(['0', '4', '8']);
      const jobs = await database.db.asUser(alice.claims, (tx) =>
        tx.query<{ job: string }>(
          `SELECT data->>'jobId' AS job FROM made_open.outbox WHERE type = 'connector.SyncProgress' AND subject = $1 ORDER BY seq`,
          [id],
        ),
      );
      expect(new Set(jobs.rows.map((r) => r.job)).size).toBe(3);
      // Its worker must not take the next test's jobs (it calls another stand-in).
      await sliced.close();
    } finally {
      await account.standIn.close();
    }
  });

  it('stores a page in parts; a part that fails keeps the cursor, and the next run stores each item once', async () => {
    const account = await acmeAccount('parts');
    const [, , , , , bad] = account.standIn.add(10);
    // A NUL the connector passes on and the graph refuses: the page's second part (items 4-6) fails.
    bad!.body = 'before\u0000after';
    try {
      const local = { ...env, ACME_INBOX_API_URL: account.standIn.url };
      const parted = await composeOver(database.db, local, {
        jobs: { stopGraceMs: 200 },
        sync: { itemsPerTransaction: 3 },
      });
      hubs.push(parted);
      const alice = await signUpUser(parted);
      const credentialId = await addCredential(parted, alice, account.secret);
      const id = await connectAcme(parted, alice, credentialId, { mailbox: 'parts', pageSize: 7 });
      const view = async () =>
        (await parted.app.inject({ method: 'GET', url: `/api/v1/connections/${id}`, headers: bearer(alice) })).json();
      const stored = async () =>
        (
          await database.db.asUser(alice.claims, (tx) =>
            tx.query<{ external_id: string; n: string }>(
              `SELECT external_id, count(*)::text AS n FROM public.entities
                WHERE source = 'acme-inbox' AND type = 'message' GROUP BY external_id ORDER BY external_id`,
            ),
          )
        ).rows;

      const failed = await eventually(async () => {
        const v = await view();
        return v.sync.state === 'idle' && v.sync.lastError ? v : undefined;
      }, 'the first run to fail');
      expect(failed.sync.lastError).toMatch(/refused/);
      // The first part committed; the page's cursor and progress did not.
      expect((await stored()).map((r) => r.external_id)).toEqual(['msg_0001', 'msg_0002', 'msg_0003']);
      expect(failed.sync.progress).toMatchObject({ pages: 0, items: 0 });

      bad!.body = 'Fixed at the source';
      const again = await parted.app.inject({
        method: 'POST',
        url: `/api/v1/connections/${id}/sync`,
        headers: bearer(alice),
      });
      expect(again.statusCode, again.body).toBe(202);
      const done = await eventually(async () => {
        const v = await view();
        return v.sync.state === 'idle' && !v.sync.lastError ? v : undefined;
      }, 'the second run to finish');
      expect(done.sync.progress).toMatchObject({ pages: 2, items: 10, created: 7, unchanged: 3, percent: 100 });
      const rows = await stored();
      expect(rows).toHaveLength(10);
      expect(rows.every((r) => r.n === '1')).toBe(true);
      // One progress event a page, not a part.
      const progress = await database.db.asUser(alice.claims, (tx) =>
        tx.query<{ items: number }>(
          `SELECT (data->>'items')::int AS items FROM made_open.outbox WHERE type = 'connector.SyncProgress' AND subject = $1 ORDER BY seq`,
          [id],
        ),
      );
      expect(progress.rows.map((r) => r.items)).toEqual([7, 10]);
      await parted.close();
    } finally {
      await account.standIn.close();
    }
  });
});
