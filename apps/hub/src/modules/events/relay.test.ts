import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import type { EventEnvelope } from '@made-open/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEventOutbox } from './outbox.ts';
import { createRelay } from './relay.ts';
import { createEmbeddedTransport } from './transport.embedded.ts';
import { createNatsTransport } from './transport.nats.ts';
import type { EventTransport } from './transport.ts';
import {
  openTestDatabase,
  silent,
  startNatsServer,
  testRegistry,
  uuid,
  waitFor,
  type EventsTestDatabase,
  type NatsServer,
} from './test/support.ts';

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

/**
 * The relay on JetStream sends the next batch while earlier ones are being acknowledged,
 * and commits their stamps together: order per owner, dedupe and mark-sent hold.
 */
describe.runIf(process.env.CI === 'true')('relay batches in flight on NATS', () => {
  let database: EventsTestDatabase;
  let nats: NatsServer;
  let transport: ReturnType<typeof createNatsTransport>;
  const owners = [uuid(), uuid()];
  const outbox = createEventOutbox({ registry: testRegistry });

  beforeAll(async () => {
    database = await openTestDatabase('postgres');
    nats = await startNatsServer();
    transport = createNatsTransport({ url: nats.url, logger: silent });
    await transport.start();
  }, 120_000);
  afterAll(async () => {
    await transport?.stop();
    await nats?.destroy();
    await database?.drop();
  });

  async function write(count: number) {
    for (let n = 0; n < count; n++) {
      const owner = owners[n % owners.length]!;
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
  }

  /** Every message on platform-events, in stream order. */
  async function stored(): Promise<EventEnvelope[]> {
    const nc = await connect({ servers: nats.url });
    try {
      const jsm = await jetstreamManager(nc);
      const { state } = await jsm.streams.info('platform-events');
      const list: EventEnvelope[] = [];
      for (let seq = state.first_seq; seq <= state.last_seq && state.messages > 0; seq++) {
        const message = await jsm.streams.getMessage('platform-events', { seq });
        if (message) list.push(message.json<EventEnvelope>());
      }
      return list;
    } finally {
      await nc.close();
    }
  }

  async function unpublished(): Promise<number> {
    const { rows } = await database.db.asOwner((tx) =>
      tx.query('SELECT 1 FROM made_open.outbox WHERE published_at IS NULL OR pub_seq IS NULL'),
    );
    return rows.length;
  }

  function expectOncePerEventInOrder(list: EventEnvelope[], count: number) {
    expect(list).toHaveLength(count);
    expect(new Set(list.map((e) => e.id)).size).toBe(count);
    for (const owner of owners) {
      const ns = list.filter((e) => e.ownerId === owner).map((e) => (e.data as { n: number }).n);
      expect(ns).toEqual([...ns].sort((a, b) => a - b));
    }
  }

  it('sends batch n+1 before batch n is acknowledged, and commits them together', async () => {
    await write(50);
    let calls = 0;
    let firstPending = false;
    let overlapped = false;
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const held: EventTransport = {
      ...transport,
      publish(events) {
        calls += 1;
        if (calls === 2) {
          overlapped = firstPending;
          release();
        }
        const stored = transport.publish(events);
        if (calls !== 1) return stored;
        // Hold the first batch's acknowledgement until the relay sends the second (or gives up waiting).
        firstPending = true;
        const fallback = new Promise<void>((resolve) => setTimeout(resolve, 5_000));
        return stored.then(() => Promise.race([released, fallback])).finally(() => (firstPending = false));
      },
    };
    const relay = createRelay({ db: database.db, transport: held, logger: silent, batchSize: 10, batchesInFlight: 3 });
    expect(await relay.relayOnce()).toBe(30);
    expect(overlapped).toBe(true);
    expect(await relay.relayOnce()).toBe(20);
    expect(await relay.relayOnce()).toBe(0);
    expect(calls).toBe(5);
    expect(await unpublished()).toBe(0);
    expectOncePerEventInOrder(await stored(), 50);
  }, 60_000);

  it('marks nothing sent when a later batch fails, and republishes without duplicates', async () => {
    const before = (await stored()).length;
    await write(40);
    let calls = 0;
    const failing: EventTransport = {
      ...transport,
      async publish(events) {
        const call = ++calls; // before the await: later calls overlap this one
        await transport.publish(events);
        // Stored, but the acknowledgement is lost: the relay must not mark any of the window sent.
        if (call === 2) throw new Error('lost acknowledgement');
      },
    };
    const relay = createRelay({
      db: database.db,
      transport: failing,
      logger: silent,
      batchSize: 10,
      batchesInFlight: 4,
    });
    await expect(relay.relayOnce()).rejects.toThrow('lost acknowledgement');
    expect(await unpublished()).toBe(40);
    expect(await relay.relayOnce()).toBe(40);
    expect(await unpublished()).toBe(0);
    const list = (await stored()).slice(before);
    expectOncePerEventInOrder(list, 40);
  }, 60_000);
});
