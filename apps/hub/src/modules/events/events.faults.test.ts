import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import type { EventEnvelope } from '@made-open/shared';
import { afterEach, describe, expect, it } from 'vitest';
import { createEventsModule, type EventsModule } from './index.ts';
import {
  openTestDatabase,
  silent,
  sleep,
  startNatsServer,
  testRegistry,
  uuid,
  waitFor,
  type EventsTestDatabase,
  type NatsServer,
  type TestEventMap,
} from './test/support.ts';

/**
 * Faults on the real JetStream transport, each with its own nats-server (never the shared
 * one on 4222) and its own PostgreSQL database. Run under CI=true.
 */
describe.runIf(process.env.CI === 'true')('event backbone under faults (NATS + PostgreSQL)', () => {
  let database: EventsTestDatabase | undefined;
  let nats: NatsServer | undefined;
  let events: EventsModule<TestEventMap> | undefined;

  afterEach(async () => {
    await events?.stop();
    await nats?.destroy();
    await database?.drop();
    events = undefined;
    nats = undefined;
    database = undefined;
  });

  const claims = (owner: string) => ({ role: 'authenticated' as const, sub: owner });

  async function setUp(afterPublish?: () => void) {
    database = await openTestDatabase('postgres');
    nats = await startNatsServer();
    events = createEventsModule({
      config: { natsUrl: nats.url },
      db: database.db,
      logger: silent,
      registry: testRegistry,
      tuning: { ackWaitMs: 2_000, retryBaseMs: 50, relay: { pollMs: 50, afterPublish } },
    });
    events.subscribe({
      name: 'fault-effects',
      types: ['test.Counted'],
      handler: async (event: EventEnvelope, tx) => {
        await tx!.query('INSERT INTO public.test_effects (consumer, event_id, owner_id, n) VALUES ($1, $2, $3, $4)', [
          'fault-effects',
          event.id,
          event.ownerId,
          (event.data as { n: number }).n,
        ]);
      },
    });
    await events.start();
  }

  const write = (owner: string, n: number) =>
    database!.db.asUser(claims(owner), (tx) =>
      events!.outbox.append(tx, {
        type: 'test.Counted',
        ownerId: owner,
        subject: `s${n}`,
        actor: { kind: 'user', id: owner },
        data: { n },
      }),
    );

  const effects = async () =>
    (
      await database!.db.asOwner((tx) =>
        tx.query<{ event_id: string; owner_id: string; n: number }>(
          'SELECT event_id, owner_id, n FROM public.test_effects ORDER BY seq',
        ),
      )
    ).rows;

  async function storedMessages(): Promise<number> {
    const nc = await connect({ servers: nats!.url });
    try {
      const jsm = await jetstreamManager(nc);
      return (await jsm.streams.info('platform-events')).state.messages;
    } finally {
      await nc.close();
    }
  }

  function expectExactlyOnceInOrder(
    rows: { event_id: string; owner_id: string; n: number }[],
    committed: Map<string, number[]>,
  ) {
    const total = [...committed.values()].reduce((sum, list) => sum + list.length, 0);
    expect(rows).toHaveLength(total);
    expect(new Set(rows.map((r) => r.event_id)).size).toBe(total);
    for (const [owner, ns] of committed) expect(rows.filter((r) => r.owner_id === owner).map((r) => r.n)).toEqual(ns);
  }

  it('loses nothing and duplicates nothing when NATS stops for a while under a steady write load', async () => {
    await setUp();
    const owners = [uuid(), uuid(), uuid(), uuid()];
    const committed = new Map<string, number[]>(owners.map((o) => [o, []]));
    let writing = true;
    const writers = owners.map(async (owner) => {
      for (let n = 0; writing; n++) {
        await write(owner, n);
        committed.get(owner)!.push(n);
        await sleep(10);
      }
    });
    await sleep(1_000);
    await nats!.stop('SIGTERM');
    const atStop = [...committed.values()].reduce((s, l) => s + l.length, 0);
    await sleep(2_500);
    const duringOutage = [...committed.values()].reduce((s, l) => s + l.length, 0) - atStop;
    await nats!.start();
    await sleep(1_500);
    writing = false;
    await Promise.all(writers);
    const total = [...committed.values()].reduce((s, l) => s + l.length, 0);
    // Writes kept committing while NATS was down (they waited in the outbox).
    expect(duringOutage).toBeGreaterThan(0);
    const rows = await waitFor(
      'every committed event at the consumer',
      async () => {
        const r = await effects();
        return r.length >= total ? r : undefined;
      },
      60_000,
    );
    await sleep(2_500);
    expectExactlyOnceInOrder(await effects(), committed);
    expect(rows.length).toBe(total);
    expect(await storedMessages()).toBe(total);
    const { rows: backlog } = await database!.db.asOwner((tx) =>
      tx.query('SELECT 1 FROM made_open.outbox WHERE published_at IS NULL'),
    );
    expect(backlog).toHaveLength(0);
    expect(events!.relay.stats().failures).toBeGreaterThan(0);
  }, 120_000);

  it('stores no duplicate and loses nothing when the relay dies between publish and mark-sent', async () => {
    let crashes = 0;
    await setUp(() => {
      if (crashes < 3) {
        crashes += 1;
        throw new Error('relay killed after publish, before marking sent');
      }
    });
    const owner = uuid();
    const committed = new Map<string, number[]>([[owner, []]]);
    for (let n = 0; n < 60; n++) {
      await write(owner, n);
      committed.get(owner)!.push(n);
    }
    await waitFor('every event at the consumer', async () => (await effects()).length >= 60, 30_000);
    await sleep(1_000);
    expect(crashes).toBe(3);
    expectExactlyOnceInOrder(await effects(), committed);
    // Republished with the same Nats-Msg-Id: JetStream stored each event once.
    expect(await storedMessages()).toBe(60);
  }, 60_000);
});
