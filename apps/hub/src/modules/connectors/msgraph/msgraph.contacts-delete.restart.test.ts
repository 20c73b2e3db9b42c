import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, testDatabaseKinds, type TestDatabase } from '../../../../test/databases.ts';
import { bearer, signUpUser } from '../../../../test/users.ts';
import { composeHub, type Hub } from '../../../composition.ts';
import type { Database } from '../../../platform/db/index.ts';
import { loadConfig } from '../../../platform/config.ts';
import { createLogger } from '../../../platform/logger.ts';
import { eventually } from '../test/support.ts';
import { msgraphStandIn, registerApp, signIn, syncAndWait } from './test/support.ts';
import { contactPayload } from './test/stand-in/generator.ts';
import type { MsgraphStandIn } from './test/stand-in/server.ts';
import { collectionOf, put } from './test/stand-in/state.ts';

/**
 * A hub deletion of an Outlook contact interrupted by a restart: the pending row is written
 * and Outlook did not take the DELETE (the STAND-IN Graph, test/stand-in, answers 503 until
 * the hub is stopped; graph.microsoft.com cannot be reached from here). Another hub started
 * on the same database sends it, and Outlook deletes the contact exactly once.
 */
/** A hub over the shared database (closing it leaves the database to the next one). */
function hubOver(db: Database, env: Record<string, string>, options: Parameters<typeof composeHub>[3]) {
  const config = loadConfig({ LOG_LEVEL: 'silent', PORT: '0', ...env });
  const borrowed: Database = Object.assign(Object.create(db) as Database, { close: async () => undefined });
  return composeHub(config, createLogger(config.logLevel), borrowed, options);
}

describe.each(testDatabaseKinds())('a contact deletion across a hub restart on %s', (kind) => {
  let database: TestDatabase;
  let dataDir: string;
  let standIn: MsgraphStandIn;
  let env: Record<string, string>;
  const hubs: Hub[] = [];

  beforeAll(async () => {
    const started = await msgraphStandIn();
    standIn = started.standIn;
    database = await createTestDatabase(kind);
    // One DATA_DIR for both hubs: the wallet key and the token secret live there.
    dataDir = mkdtempSync(join(tmpdir(), 'made-open-msgraph-restart-'));
    env = { ...started.env, DATA_DIR: dataDir, ...(database.url ? { DATABASE_URL: database.url } : {}) };
  }, 180_000);
  afterAll(async () => {
    for (const hub of hubs) await hub.close().catch(() => undefined);
    await database?.drop();
    await standIn?.close();
    rmSync(dataDir, { recursive: true, force: true });
  }, 120_000);

  it('sends a deletion kept when the hub stopped, once, from the next hub', async () => {
    const options = {
      jobs: { stopGraceMs: 200 },
      sync: { retry: { limit: 3, backoff: { type: 'fixed' as const, delaySeconds: 1 } } },
    };
    const first = await hubOver(database.db, env, options);
    hubs.push(first);
    const alice = await signUpUser(first);
    const app = await registerApp(first, standIn, alice, { mail: 'restart@contoso.example', secret: false });
    for (let n = 1; n <= 3; n += 1) put(app.account, 'contacts', contactPayload(n));
    const trip = await signIn(first, standIn, alice, { credentialId: app.credentialId, account: app.account });
    const connectionId = trip.connectionId!;
    await syncAndWait(first, alice, connectionId, 0);

    const externalId = contactPayload(2).id;
    const personId = await database.db.asUser(alice.claims, async (tx) => {
      const { rows } = await tx.query<{ id: string }>(
        `SELECT id FROM public.entities WHERE source = 'msgraph' AND external_id = $1`,
        [externalId],
      );
      return rows[0]!.id;
    });
    const pending = () =>
      database.db.asUser(alice.claims, (tx) =>
        tx.query<{ entity_id: string; kind: string }>(
          'SELECT entity_id, kind FROM made_open.msgraph_pending_pushes WHERE connection_id = $1',
          [connectionId],
        ),
      );
    const deletes = () => standIn.state.contactDeletes.filter((d) => d.id === externalId);
    const inOutlook = () => {
      const item = collectionOf(app.account, 'contacts').items.get(externalId);
      return item && !item.removed ? item.body : undefined;
    };

    // Outlook does not take the DELETE before the hub stops: the row is what is left of it.
    standIn.state.failContactDeletes = 1_000_000;
    const deleted = await first.app.inject({
      method: 'DELETE',
      url: `/api/v1/entities/${personId}`,
      headers: bearer(alice),
    });
    expect(deleted.statusCode, deleted.body).toBe(204);
    await eventually(async () => (deletes().length > 0 ? true : undefined), 'a DELETE tried');
    await first.close();
    expect((await pending()).rows).toEqual([{ entity_id: personId, kind: 'delete' }]);
    expect(inOutlook()).toBeDefined();
    expect(deletes().every((d) => d.status === 503)).toBe(true);
    const triedBefore = deletes().length;

    standIn.state.failContactDeletes = 0;
    const second = await hubOver(database.db, env, options);
    hubs.push(second);
    await syncAndWait(second, alice, connectionId);
    await eventually(async () => ((await pending()).rows.length === 0 ? true : undefined), 'nothing left pending');
    expect(inOutlook()).toBeUndefined();
    // Sent once by the second hub: one DELETE that Outlook took, none after it.
    expect(
      deletes()
        .slice(triedBefore)
        .map((d) => d.status),
    ).toEqual([204]);
    await syncAndWait(second, alice, connectionId);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(
      deletes()
        .slice(triedBefore)
        .map((d) => d.status),
    ).toEqual([204]);
    const { rows } = await database.db.asUser(alice.claims, (tx) =>
      tx.query<{ deleted: boolean }>('SELECT deleted_at IS NOT NULL AS deleted FROM public.entities WHERE id = $1', [
        personId,
      ]),
    );
    expect(rows[0]!.deleted).toBe(true);
  }, 240_000);
});
