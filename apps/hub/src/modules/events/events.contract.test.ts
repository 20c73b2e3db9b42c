import { randomBytes } from 'node:crypto';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect, nanos } from '@nats-io/transport-node';
import type { EventEnvelope } from '@made-open/shared';
import { InvalidEventError } from '@made-open/shared/event-registry';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ConsumerCrash, type EventHandler, type Subscription, type SubscriptionOptions } from './consumers.ts';
import { createEventsModule, type EventsModule } from './index.ts';
import { perInstanceForgetMs } from './transport.nats.ts';
import {
  databaseKinds,
  openTestDatabase,
  silent,
  sleep,
  startNatsServer,
  testRegistry,
  uuid,
  waitFor,
  type EventsTestDatabase,
  type Kind,
  type NatsServer,
  type TestEvent,
  type TestEventMap,
  type TestType,
} from './test/support.ts';

/**
 * The transport contract: the same tests on the embedded transport (PGlite and
 * PostgreSQL) and on JetStream (a private nats-server per suite) when CI=true.
 */
// New durable consumers replay the suite's earlier events: on a loaded machine that takes a while.
vi.setConfig({ testTimeout: 150_000 });

type Setup = { transport: 'embedded' | 'nats'; kind: Kind };
const setups: Setup[] = [
  ...databaseKinds().map((kind) => ({ transport: 'embedded' as const, kind })),
  ...(process.env.CI === 'true' ? databaseKinds().map((kind) => ({ transport: 'nats' as const, kind })) : []),
];

describe.each(setups)('event transport contract: $transport on $kind', ({ transport, kind }) => {
  let database: EventsTestDatabase;
  let nats: NatsServer | undefined;
  let events: EventsModule<TestEventMap>;

  beforeAll(async () => {
    database = await openTestDatabase(kind);
    if (transport === 'nats') nats = await startNatsServer();
    events = createEventsModule({
      config: { natsUrl: nats?.url },
      db: database.db,
      logger: silent,
      registry: testRegistry,
      tuning: { ackWaitMs: 3_000, retryBaseMs: 20, relay: { pollMs: 50 } },
    });
    await events.start();
  }, 240_000);

  afterAll(async () => {
    await events?.stop();
    await nats?.destroy();
    await database?.drop();
  });

  const claims = (owner: string) => ({ role: 'authenticated' as const, sub: owner });
  const counted = (owner: string, n: number, type: TestType = 'test.Counted'): TestEvent => ({
    type,
    ownerId: owner,
    subject: `thing-${n}`,
    actor: { kind: 'user', id: owner },
    data: { n },
  });
  const write = (owner: string, n: number, type?: TestType) =>
    database.db.asUser(claims(owner), (tx) => events.outbox.append(tx, counted(owner, n, type)));

  /** A transactional consumer recording each event in test_effects. */
  function effectConsumer(
    name: string,
    types: string[],
    extra: Partial<SubscriptionOptions> & { handler?: EventHandler } = {},
  ): Subscription {
    return {
      name,
      types,
      handler: async (event: EventEnvelope, tx) => {
        await tx!.query('INSERT INTO public.test_effects (consumer, event_id, owner_id, n) VALUES ($1, $2, $3, $4)', [
          name,
          event.id,
          event.ownerId,
          (event.data as { n: number }).n,
        ]);
      },
      ...extra,
    };
  }

  const effects = (consumer: string) =>
    database.db
      .asOwner((tx) =>
        tx.query<{ event_id: string; owner_id: string; n: number }>(
          'SELECT event_id, owner_id, n FROM public.test_effects WHERE consumer = $1 ORDER BY seq',
          [consumer],
        ),
      )
      .then((r) => r.rows);

  it('refuses an unknown type, an unknown version and invalid data', async () => {
    const owner = uuid();
    // Neither compiles (typed outbox); the outbox refuses them at run time too.
    // @ts-expect-error: not a registered type
    await expect(write(owner, 1, 'test.Nope')).rejects.toBeInstanceOf(InvalidEventError);
    await expect(
      database.db.asUser(claims(owner), (tx) => events.outbox.append(tx, { ...counted(owner, 1), v: 7 })),
    ).rejects.toThrow(/no registered version 7/);
    await expect(
      // @ts-expect-error: n must be a number
      database.db.asUser(claims(owner), (tx) => events.outbox.append(tx, { ...counted(owner, 1), data: { n: 'one' } })),
    ).rejects.toThrow(/does not match its schema/);
    const { rows } = await database.db.asOwner((tx) =>
      tx.query('SELECT 1 FROM made_open.outbox WHERE owner_id = $1', [owner]),
    );
    expect(rows).toHaveLength(0);
  });

  it('delivers every committed event exactly once, in order per owner, only of the subscribed types', async () => {
    events.subscribe(effectConsumer('contract-order', ['test.Counted']));
    const owners = [uuid(), uuid(), uuid()];
    const expected = new Map<string, number[]>(owners.map((o) => [o, []]));
    const writes: Promise<unknown>[] = [];
    for (const owner of owners) {
      writes.push(
        (async () => {
          for (let n = 0; n < 20; n++) {
            await write(owner, n);
            expected.get(owner)!.push(n);
            if (n % 10 === 0) await write(owner, n, 'test.Other');
          }
        })(),
      );
    }
    await Promise.all(writes);
    const rows = await waitFor(
      'all effects',
      async () => {
        const r = await effects('contract-order');
        return r.length >= 60 ? r : undefined;
      },
      90_000,
    );
    await sleep(300);
    const final = await effects('contract-order');
    expect(final).toHaveLength(60);
    expect(new Set(final.map((r) => r.event_id)).size).toBe(60);
    for (const owner of owners) {
      expect(rows.filter((r) => r.owner_id === owner).map((r) => r.n)).toEqual(expected.get(owner));
    }
  });

  it('passes over the events a consumer does not want, and still delivers the next one it wants', async () => {
    const name = 'contract-rare';
    events.subscribe(effectConsumer(name, ['test.Other']));
    const owner = uuid();
    const mine = async () => (await effects(name)).filter((r) => r.owner_id === owner).map((r) => r.n);
    await write(owner, 0, 'test.Other');
    await waitFor('the first wanted event', async () => ((await mine()).length === 1 ? true : undefined), 90_000);
    // Enough unwanted events for the embedded transport to save the cursor past them.
    await database.db.asUser(claims(owner), async (tx) => {
      for (let n = 1; n <= 1_000; n++) await events.outbox.append(tx, counted(owner, n));
    });
    if (transport === 'embedded') {
      // The embedded cursor moves past the unwanted events, so the next read starts after
      // them instead of reading them again on every wake.
      const position = () =>
        database.db.asOwner(async (tx) => {
          const { rows } = await tx.query<{ last: string | null; cursor: string }>(
            `SELECT (SELECT max(pub_seq) FROM made_open.outbox WHERE owner_id = $1 AND type = 'test.Counted')::text AS last,
                    (SELECT cursor FROM made_open.event_consumers WHERE name = $2)::text AS cursor`,
            [owner, name],
          );
          return rows[0]!;
        });
      await waitFor(
        'all of them published',
        async () => {
          const { rows } = await database.db.asOwner((tx) =>
            tx.query<{ n: number }>(
              `SELECT count(*)::int AS n FROM made_open.outbox WHERE owner_id = $1 AND pub_seq IS NOT NULL`,
              [owner],
            ),
          );
          return rows[0]!.n === 1_001 ? true : undefined;
        },
        90_000,
      );
      await waitFor(
        'the cursor past them',
        async () => {
          const { last, cursor } = await position();
          return BigInt(cursor) >= BigInt(last!) ? true : undefined;
        },
        90_000,
      );
    }
    await write(owner, 1_001, 'test.Other');
    await waitFor('the next wanted event', async () => ((await mine()).length === 2 ? true : undefined), 90_000);
    await sleep(300);
    expect(await mine()).toEqual([0, 1_001]);
  });

  it.skipIf(kind === 'pglite')('never skips an event whose transaction committed after later ones', async () => {
    events.subscribe(effectConsumer('contract-late', ['test.Counted']));
    const owner = uuid();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let appended!: () => void;
    const wasAppended = new Promise<void>((resolve) => (appended = resolve));
    // The slow transaction allocates its seq first and commits last.
    const slow = database.db.asUser(claims(owner), async (tx) => {
      await events.outbox.append(tx, counted(owner, 1));
      appended();
      await gate;
    });
    await wasAppended;
    await write(owner, 2);
    const mine = async () => (await effects('contract-late')).filter((r) => r.owner_id === owner);
    await waitFor('the fast event', async () => (await mine()).some((r) => r.n === 2), 90_000);
    release();
    await slow;
    const rows = await waitFor(
      'the late event',
      async () => {
        const r = await mine();
        return r.length >= 2 ? r : undefined;
      },
      90_000,
    );
    expect(rows.map((r) => r.n)).toEqual([2, 1]);
  });

  it("starts a hub instance's own consumer at the events published from now on, and lets the transport forget it", async () => {
    const owner = uuid();
    events.subscribe(effectConsumer('contract-before', ['test.Counted']));
    await write(owner, 1);
    // Published and consumed by a durable: the per-instance consumer below comes after it.
    await waitFor(
      'the earlier event',
      async () => (await effects('contract-before')).some((r) => r.owner_id === owner),
      90_000,
    );
    const name = `contract-instance-${randomBytes(4).toString('hex')}`;
    events.subscribe(effectConsumer(name, ['test.Counted'], { perInstance: true }));
    if (transport === 'nats') {
      const nc = await connect({ servers: nats!.url });
      const jsm = await jetstreamManager(nc);
      const info = await waitFor(
        'the consumer',
        () => jsm.consumers.info('platform-events', name).catch(() => undefined),
        30_000,
      );
      expect(info.config).toMatchObject({ deliver_policy: 'new', inactive_threshold: nanos(perInstanceForgetMs) });
      await nc.close();
    } else {
      await waitFor('the cursor row', () =>
        database.db.asSystem(
          async (tx) => (await tx.query('SELECT 1 FROM made_open.event_consumers WHERE name = $1', [name])).rows[0],
        ),
      );
    }
    await write(owner, 2);
    const rows = await waitFor(
      'the later event',
      async () => {
        const r = (await effects(name)).filter((x) => x.owner_id === owner);
        return r.length > 0 ? r : undefined;
      },
      90_000,
    );
    await write(owner, 3);
    await waitFor(
      'the next event',
      async () => (await effects(name)).some((x) => x.owner_id === owner && x.n === 3),
      90_000,
    );
    expect((await effects(name)).filter((x) => x.owner_id === owner).map((x) => x.n)).toEqual([2, 3]);
    expect(rows[0]!.n).toBe(2);
  });

  it('dead-letters a poison event after maxAttempts without blocking the others', async () => {
    events.subscribe(
      effectConsumer('contract-poison', ['test.Counted', 'test.Poison'], {
        maxAttempts: 3,
        handler: async (event, tx) => {
          if (event.type === 'test.Poison') throw new Error('cannot digest this');
          await tx!.query('INSERT INTO public.test_effects (consumer, event_id, owner_id, n) VALUES ($1, $2, $3, $4)', [
            'contract-poison',
            event.id,
            event.ownerId,
            (event.data as { n: number }).n,
          ]);
        },
      }),
    );
    const owner = uuid();
    await write(owner, 1);
    const poisonId = await write(owner, 2, 'test.Poison');
    await write(owner, 3);
    const rows = await waitFor(
      'the healthy events',
      async () => {
        const r = await effects('contract-poison');
        return r.filter((e) => e.owner_id === owner).length >= 2 ? r : undefined;
      },
      90_000,
    );
    expect(rows.filter((e) => e.owner_id === owner).map((e) => e.n)).toEqual([1, 3]);
    const dead = await waitFor(
      'the dead letter',
      async () => {
        const { rows: d } = await database.db.asOwner((tx) =>
          tx.query<{ event_id: string; attempts: number; last_error: string }>(
            `SELECT event_id, attempts, last_error FROM made_open.event_dead_letters WHERE consumer = 'contract-poison'`,
          ),
        );
        return d.length > 0 ? d : undefined;
      },
      60_000,
    );
    expect(dead).toEqual([{ event_id: poisonId, attempts: 3, last_error: 'Error: cannot digest this' }]);
    const { rows: failures } = await database.db.asOwner((tx) =>
      tx.query(`SELECT 1 FROM made_open.event_failures WHERE consumer = 'contract-poison'`),
    );
    expect(failures).toHaveLength(0);
    const metrics = await events.metrics!();
    expect(metrics).toContain('made_open_events_dead_letters{consumer="contract-poison"} 1');
    const health = await events.health!();
    expect(health.events!.details!.deadLetters).toMatchObject({ 'contract-poison': 1 });
  });

  it('handles events that arrive together in one transaction, and retries a failed batch one event at a time', async () => {
    const owner = uuid();
    const batchSizes: number[] = [];
    // Stored before the consumer exists, so they reach it together (with the replay of older events).
    const ns = [1, 2, 3, 4, 5, 6];
    await database.db.asUser(claims(owner), (tx) =>
      events.outbox.appendMany(tx, [
        ...ns.slice(0, 3).map((n) => counted(owner, n)),
        counted(owner, 99, 'test.Poison'),
        ...ns.slice(3).map((n) => counted(owner, n)),
      ]),
    );
    await waitFor('the events published', async () => {
      const { rows } = await database.db.asOwner((tx) =>
        tx.query('SELECT 1 FROM made_open.outbox WHERE owner_id = $1 AND published_at IS NULL', [owner]),
      );
      return rows.length === 0;
    });
    events.subscribe({
      name: 'contract-batch',
      types: ['test.Counted', 'test.Poison'],
      maxAttempts: 2,
      handleBatch: async (batch, tx) => {
        batchSizes.push(batch.length);
        for (const event of batch) {
          if (event.type === 'test.Poison' && event.ownerId === owner) throw new Error('cannot digest this');
          await tx!.query('INSERT INTO public.test_effects (consumer, event_id, owner_id, n) VALUES ($1, $2, $3, $4)', [
            'contract-batch',
            event.id,
            event.ownerId,
            (event.data as { n: number }).n,
          ]);
        }
      },
    });
    const dead = await waitFor(
      'the dead letter',
      async () => {
        const { rows } = await database.db.asOwner((tx) =>
          tx.query<{ attempts: number }>(
            `SELECT attempts FROM made_open.event_dead_letters WHERE consumer = 'contract-batch' AND owner_id = $1`,
            [owner],
          ),
        );
        return rows.length > 0 ? rows : undefined;
      },
      90_000,
    );
    const mine = async () => (await effects('contract-batch')).filter((e) => e.owner_id === owner);
    await waitFor('the healthy events', async () => (await mine()).length >= ns.length, 90_000);
    await sleep(300);
    // Each healthy event once, in order: the failed batch left nothing behind.
    expect((await mine()).map((e) => e.n)).toEqual(ns);
    expect(dead).toEqual([{ attempts: 2 }]);
    const runner = events.consumers().find((r) => r.spec.name === 'contract-batch')!;
    expect(Math.max(...batchSizes)).toBeGreaterThan(1);
    expect(runner.stats.batchesRetried).toBeGreaterThan(0);
  });

  it.each(['beforeCommit', 'beforeAck'] as const)(
    'redelivers an event whose consumer died %s, with exactly one effect',
    async (point) => {
      const name = `contract-crash-${point.toLowerCase()}`;
      const owner = uuid();
      let crashed = 0;
      events.subscribe(
        effectConsumer(name, ['test.Counted'], {
          faults: {
            [point]: (event: EventEnvelope) => {
              if (event.ownerId === owner && (event.data as { n: number }).n === 2 && crashed === 0) {
                crashed += 1;
                throw new ConsumerCrash();
              }
            },
          },
        }),
      );
      for (let n = 1; n <= 4; n++) await write(owner, n);
      const rows = await waitFor(
        'every effect after the crash',
        async () => {
          const r = (await effects(name)).filter((e) => e.owner_id === owner);
          return r.length >= 4 ? r : undefined;
        },
        90_000,
      );
      const runner = events.consumers().find((r) => r.spec.name === name)!;
      // Events handled in the crashed one's batch may have committed already: wait for the
      // redelivery itself, which must find the effect there.
      if (point === 'beforeAck') await waitFor('the redelivery', async () => runner.stats.duplicates >= 1, 90_000);
      await sleep(1_500);
      expect(crashed).toBe(1);
      const final = (await effects(name)).filter((e) => e.owner_id === owner);
      expect(final.map((e) => e.n).sort()).toEqual([1, 2, 3, 4]);
      expect(rows.length).toBe(4);
    },
    150_000,
  );

  it('reports consumer lag in /metrics and /health', async () => {
    const metrics = await events.metrics!();
    expect(metrics).toMatch(/made_open_events_consumer_lag\{consumer="contract-order"\} \d+/);
    expect(metrics).toMatch(/made_open_events_outbox_backlog \d+/);
    const health = await events.health!();
    expect(health.events!.status).toBe('ok');
    expect(health.events!.details!.transport).toBe(transport);
    expect(health.events!.details!.consumerLag).toHaveProperty('contract-order');
  });
});
