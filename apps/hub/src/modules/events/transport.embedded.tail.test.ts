import type { EventEnvelope } from '@made-open/shared';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Database, Sql } from '../../platform/db/index.ts';
import type { Subscription } from './consumers.ts';
import { createEventsModule, type EventsModule } from './index.ts';
import {
  databaseKinds,
  openTestDatabase,
  silent,
  sleep,
  testRegistry,
  uuid,
  type EventsTestDatabase,
  type TestEventMap,
} from './test/support.ts';

/**
 * The embedded transport's shared tail (transport.embedded.tail.ts): consumers woken by the
 * same publication share one read of the outbox, and every consumer still gets every event
 * it wants exactly once, in order, whether the tail holds its position or it has fallen
 * behind what the tail keeps.
 */
vi.setConfig({ testTimeout: 150_000 });

/** The database, with every read of published events counted (both the tail's and a consumer's own). */
function countingReads(db: Database) {
  const counter = { reads: 0 };
  const counted = (tx: Sql): Sql => ({
    query: (text, params) => {
      if (/FROM made_open\.outbox\s+WHERE pub_seq > \$1/.test(text)) counter.reads += 1;
      return tx.query(text, params);
    },
    afterCommit: tx.afterCommit?.bind(tx),
  });
  const proxy = new Proxy(db, {
    get(target, property, receiver) {
      if (property === 'asSystem')
        return <T>(work: (tx: Sql) => Promise<T>) => target.asSystem((tx) => work(counted(tx)));
      const value = Reflect.get(target, property, receiver) as unknown;
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { db: proxy, counter };
}

describe.each(databaseKinds())('embedded transport shared tail on %s', (kind) => {
  let database: EventsTestDatabase | undefined;
  let events: EventsModule<TestEventMap> | undefined;
  afterEach(async () => {
    await events?.stop();
    await database?.drop();
    events = database = undefined;
  });

  const owner = uuid();
  const claims = { role: 'authenticated' as const, sub: owner };
  const counted = (n: number) => ({
    type: 'test.Counted' as const,
    ownerId: owner,
    subject: `thing-${n}`,
    actor: { kind: 'user' as const, id: owner },
    data: { n },
  });
  function recorder(name: string, seen: Map<string, number[]>, slowMs = 0): Subscription {
    seen.set(name, []);
    return {
      name,
      types: ['test.Counted'],
      transactional: false,
      handler: async (event: EventEnvelope) => {
        if (slowMs > 0) await sleep(slowMs);
        seen.get(name)!.push((event.data as { n: number }).n);
      },
    };
  }

  it('reads the outbox once per publication for all the consumers it wakes, not once per consumer', async () => {
    database = await openTestDatabase(kind);
    const { db, counter } = countingReads(database.db);
    // Polls far apart: every read in this test is caused by a publication.
    events = createEventsModule({
      config: { natsUrl: undefined },
      db,
      logger: silent,
      registry: testRegistry,
      tuning: { embedded: { pollMs: 60_000 } },
    });
    const seen = new Map<string, number[]>();
    const consumers = 8;
    for (let c = 0; c < consumers; c++) events.subscribe(recorder(`tail-${c}`, seen));
    let publications = 0;
    const published = events.transport.published.bind(events.transport);
    events.transport.published = () => {
      publications += 1;
      published();
    };
    await events.start();
    const readsAtStart = counter.reads;
    const publicationsAtStart = publications;

    const total = 30;
    for (let n = 0; n < total; n++) {
      await database.db.asUser(claims, (tx) => events!.outbox.append(tx, counted(n)));
      // Each write its own publication, every consumer idle when it arrives.
      await vi.waitFor(() => expect([...seen.values()].every((got) => got.length === n + 1)).toBe(true), {
        timeout: 30_000,
        interval: 5,
      });
    }
    for (const got of seen.values()) expect(got).toEqual([...Array(total).keys()]);
    const reads = counter.reads - readsAtStart;
    const wakes = publications - publicationsAtStart;
    expect(wakes).toBeGreaterThanOrEqual(total);
    // One consumer per read would be consumers x wakes (240 here); a shared read is about one per wake.
    expect(reads).toBeLessThanOrEqual(2 * wakes);
  });

  it('delivers every event exactly once and in order to fast and slow consumers through a tail smaller than the backlog', async () => {
    database = await openTestDatabase(kind);
    const total = 300;
    // A tail of 8 x 5 = 40 events: the slow consumer falls behind it and reads the outbox itself.
    events = createEventsModule({
      config: { natsUrl: undefined },
      db: database.db,
      logger: silent,
      registry: testRegistry,
      tuning: { embedded: { batchSize: 5, pollMs: 50 }, relay: { pollMs: 50 } },
    });
    // The backlog is written before the consumers start: they all begin at the first event.
    for (let first = 0; first < total; first += 10)
      await database.db.asUser(claims, async (tx) => {
        for (let n = first; n < first + 10; n++) await events!.outbox.append(tx, counted(n));
      });
    const seen = new Map<string, number[]>();
    events.subscribe(recorder('fast-a', seen));
    events.subscribe(recorder('fast-b', seen));
    events.subscribe(recorder('slow', seen, 3));
    await events.start();
    // More events while they catch up.
    for (let n = total; n < total + 30; n++)
      await database.db.asUser(claims, (tx) => events!.outbox.append(tx, counted(n)));
    await vi.waitFor(() => expect([...seen.values()].every((got) => got.length >= total + 30)).toBe(true), {
      timeout: 120_000,
      interval: 50,
    });
    await sleep(300);
    for (const [name, got] of seen) expect(got, name).toEqual([...Array(total + 30).keys()]);
  });
});
