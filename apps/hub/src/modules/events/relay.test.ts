import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEventOutbox } from './outbox.ts';
import { createRelay } from './relay.ts';
import { createEmbeddedTransport } from './transport.embedded.ts';
import { openTestDatabase, silent, testRegistry, uuid, waitFor, type EventsTestDatabase } from './test/support.ts';

/**
 * Two hub instances relaying from one PostgreSQL database at once (PGlite is a single
 * backend, so only PostgreSQL can run this): every event is published exactly once, with
 * one total publication order that keeps each owner's commit order.
 */
describe.runIf(process.env.CI === 'true')('two relays on one PostgreSQL database', () => {
  let database: EventsTestDatabase;
  beforeAll(async () => {
    database = await openTestDatabase('postgres', 20);
  }, 120_000);
  afterAll(() => database?.drop());

  it('publishes every event once, in commit order per owner', async () => {
    const outbox = createEventOutbox({ registry: testRegistry });
    const relays = [1, 2].map(() =>
      createRelay({
        db: database.db,
        transport: createEmbeddedTransport({ db: database.db, logger: silent }),
        logger: silent,
        batchSize: 50,
        pollMs: 20,
      }),
    );
    for (const relay of relays) {
      outbox.onAppend(() => relay.poke());
      relay.start();
    }
    const owners = [uuid(), uuid(), uuid(), uuid()];
    await Promise.all(
      owners.map(async (owner) => {
        for (let n = 0; n < 150; n++) {
          await database.db.asUser({ role: 'authenticated', sub: owner }, (tx) =>
            outbox.append(tx, {
              type: 'test.Counted',
              ownerId: owner,
              subject: `s${n}`,
              actor: { kind: 'user', id: owner },
              data: { n },
            }),
          );
        }
      }),
    );
    await waitFor('an empty backlog', async () => {
      const { rows } = await database.db.asOwner((tx) =>
        tx.query('SELECT 1 FROM made_open.outbox WHERE published_at IS NULL LIMIT 1'),
      );
      return rows.length === 0;
    });
    await Promise.all(relays.map((r) => r.stop()));
    const { rows } = await database.db.asOwner((tx) =>
      tx.query<{ owner_id: string; n: number; pub_seq: string }>(
        `SELECT owner_id, (data->>'n')::int AS n, pub_seq::text AS pub_seq FROM made_open.outbox ORDER BY made_open.outbox.pub_seq`,
      ),
    );
    expect(rows).toHaveLength(600);
    expect(new Set(rows.map((r) => r.pub_seq)).size).toBe(600);
    for (const owner of owners) {
      expect(rows.filter((r) => r.owner_id === owner).map((r) => r.n)).toEqual(
        Array.from({ length: 150 }, (_, i) => i),
      );
    }
    expect(relays.reduce((sum, r) => sum + r.stats().relayed, 0)).toBe(600);
  }, 60_000);
});
