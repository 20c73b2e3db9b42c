import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEventsModule, type EventsModule } from './index.ts';
import { pruneEvents } from './retention.ts';
import {
  databaseKinds,
  openTestDatabase,
  silent,
  testRegistry,
  uuid,
  waitFor,
  type EventsTestDatabase,
  type TestEventMap,
} from './test/support.ts';

/** The embedded transport's retention: what events.prune deletes, and what it must keep. */
describe.each(databaseKinds())('event retention on %s', (kind) => {
  let database: EventsTestDatabase;
  let events: EventsModule<TestEventMap>;
  const owner = uuid();
  const handled: number[] = [];

  beforeAll(async () => {
    database = await openTestDatabase(kind);
    events = createEventsModule({
      config: { natsUrl: undefined },
      db: database.db,
      logger: silent,
      registry: testRegistry,
      tuning: { relay: { pollMs: 20 } },
    });
    events.subscribe({
      name: 'retention-probe',
      types: ['test.Counted'],
      handler: async (event) => void handled.push((event.data as { n: number }).n),
    });
    await events.start();
  });
  afterAll(async () => {
    await events?.stop();
    await database?.drop();
  });

  const append = (n: number) =>
    database.db.asUser({ role: 'authenticated', sub: owner }, (tx) =>
      events.outbox.append(tx, {
        type: 'test.Counted',
        ownerId: owner,
        subject: `s${n}`,
        actor: { kind: 'user', id: owner },
        data: { n },
      }),
    );
  const markers = async () =>
    Number(
      (
        await database.db.asOwner((tx) =>
          tx.query<{ count: string }>(
            `SELECT count(*) FROM made_open.processed_events WHERE consumer = 'retention-probe'`,
          ),
        )
      ).rows[0]!.count,
    );
  const outboxNumbers = async () =>
    (
      await database.db.asOwner((tx) =>
        tx.query<{ n: number }>(`SELECT (data->>'n')::int AS n FROM made_open.outbox ORDER BY seq`),
      )
    ).rows.map((r) => r.n);

  it('deletes published events and markers past the window, keeps the newest, the recent and the unpublished', async () => {
    for (let n = 0; n < 6; n++) await append(n);
    // The handler runs before its consumer's transaction commits the markers: wait for both.
    await waitFor('all six handled and marked', async () => handled.length === 6 && (await markers()) === 6);
    // Events 0-3 and their markers were published and handled ten days ago; 4 and 5 are recent.
    await database.db.asOwner(async (tx) => {
      await tx.query(
        `UPDATE made_open.outbox SET published_at = now() - interval '10 days' WHERE (data->>'n')::int < 4`,
      );
      await tx.query(
        `UPDATE made_open.processed_events p SET processed_at = now() - interval '10 days'
         FROM made_open.outbox o WHERE o.id = p.event_id AND (o.data->>'n')::int < 4`,
      );
    });
    // An event committed but not yet relayed is never pruned, however old.
    await events.relay.stop();
    await append(6);
    await database.db.asOwner((tx) =>
      tx.query(`UPDATE made_open.outbox SET time = now() - interval '30 days' WHERE (data->>'n')::int = 6`),
    );

    const cutoff = new Date(Date.now() - 7 * 24 * 3600 * 1000);
    expect(await pruneEvents(database.db, cutoff)).toEqual({ events: 4, processedMarkers: 4 });
    expect(await outboxNumbers()).toEqual([4, 5, 6]);
    expect(await pruneEvents(database.db, cutoff)).toEqual({ events: 0, processedMarkers: 0 });

    // The consumer carries on where it was: the late event arrives once the relay runs again.
    events.relay.start();
    await waitFor('event 6 handled', async () => handled.includes(6));
    expect(handled).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });

  it('keeps the newest published event even when everything is old', async () => {
    await database.db.asOwner((tx) =>
      tx.query(`UPDATE made_open.outbox SET published_at = now() - interval '10 days' WHERE published_at IS NOT NULL`),
    );
    expect((await pruneEvents(database.db, new Date())).events).toBe(2);
    expect(await outboxNumbers()).toEqual([6]);
    await append(7);
    await waitFor('event 7 handled', async () => handled.includes(7));
  });
});
