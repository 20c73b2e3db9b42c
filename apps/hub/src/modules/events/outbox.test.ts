import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEventOutbox } from './outbox.ts';
import { databaseKinds, openTestDatabase, testRegistry, uuid, type EventsTestDatabase } from './test/support.ts';

/**
 * The outbox wakes its readers (the relay) when the writer's transaction commits, not when
 * the row is inserted: a relay woken earlier would find nothing visible and look again
 * and again, and one woken for a rolled-back write would look for nothing.
 */
describe.each(databaseKinds())('the outbox on %s', (kind) => {
  let database: EventsTestDatabase;
  beforeAll(async () => {
    database = await openTestDatabase(kind);
  }, 120_000);
  afterAll(() => database?.drop());

  const event = (owner: string, n: number) => ({
    type: 'test.Counted' as const,
    ownerId: owner,
    subject: `s${n}`,
    actor: { kind: 'user' as const, id: owner },
    data: { n },
  });

  it('notifies once per committed transaction, after the commit, and never for a rollback', async () => {
    const outbox = createEventOutbox({ registry: testRegistry });
    const seen: number[] = [];
    outbox.onAppend(() => seen.push(Date.now()));
    const owner = uuid();
    const claims = { role: 'authenticated' as const, sub: owner };

    await database.db.asUser(claims, async (tx) => {
      await outbox.append(tx, event(owner, 1));
      await outbox.appendMany(tx, [event(owner, 2), event(owner, 3)]);
      outbox.notifyAppended(tx);
      // Still inside the transaction: nobody has been told yet.
      expect(seen).toHaveLength(0);
    });
    expect(seen).toHaveLength(1);

    await expect(
      database.db.asUser(claims, async (tx) => {
        await outbox.append(tx, event(owner, 4));
        throw new Error('the writer fails after appending');
      }),
    ).rejects.toThrow('the writer fails');
    expect(seen).toHaveLength(1);

    // Without a transaction that can say when it commits (a writer's own single statement): at once.
    outbox.notifyAppended();
    expect(seen).toHaveLength(2);
  });
});
