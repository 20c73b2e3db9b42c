/**
 * Event backbone benchmark (not a test; prints a table). On PostgreSQL (TEST_DATABASE_URL
 * or 127.0.0.1:5432) and a private nats-server with file storage:
 *   1. raw JetStream async publish from this client (the ceiling),
 *   2. end to end: committed outbox writes -> relay -> transport -> a consumer's ack, on
 *      NATS and on the embedded transport, in events/s and as a ratio of (1),
 *   3. commit-to-consumer latency at a paced 1,000 events/s (p50, p99, max),
 *   4. a transactional consumer (one row written per event through its tx), with batches
 *      (the default) and with batchSize 1 (one transaction per event, as before batching).
 * BENCH_EVENTS (default 20000) sets the throughput run size; BENCH_PGLITE=1 adds the
 * embedded transport on PGlite; BENCH_ONLY=throughput,latency,transactional runs some parts.
 */
import { jetstream, jetstreamManager, RetentionPolicy, StorageType } from '@nats-io/jetstream';
import { loadavg } from 'node:os';
import { connect } from '@nats-io/transport-node';
import { createEventsModule, type EventsModule } from '../src/modules/events/index.ts';
import {
  openTestDatabase,
  silent,
  sleep,
  startNatsServer,
  testRegistry,
  type EventsTestDatabase,
  type Kind,
  type NatsServer,
  type TestEvent,
  type TestEventMap,
} from '../src/modules/events/test/support.ts';

const total = Number(process.env.BENCH_EVENTS ?? 20_000);
const pacedRate = 1_000;
const pacedSeconds = Number(process.env.BENCH_PACED_SECONDS ?? 5);
const owners = Array.from({ length: 8 }, () => crypto.randomUUID());
const payload = { n: 0 };

interface Row {
  run: string;
  events: number;
  seconds: number;
  perSecond: number;
  ratio?: number;
  p50?: number;
  p99?: number;
  max?: number;
}
const rows: Row[] = [];
function record(row: Row) {
  rows.push(row);
  console.log(JSON.stringify(row));
}

async function rawPublish(nats: NatsServer): Promise<number> {
  const nc = await connect({ servers: nats.url });
  const jsm = await jetstreamManager(nc);
  await jsm.streams.add({
    name: 'bench-raw',
    subjects: ['bench.>'],
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
  });
  const js = jetstream(nc);
  const encoder = new TextEncoder();
  // The same envelope size as an outbox event.
  const body = encoder.encode(
    JSON.stringify({
      id: crypto.randomUUID(),
      type: 'test.Counted',
      ownerId: owners[0],
      subject: 's',
      time: new Date().toISOString(),
      actor: { kind: 'user', id: owners[0] },
      data: payload,
      v: 1,
    }),
  );
  const started = performance.now();
  let inFlight: Promise<unknown>[] = [];
  for (let i = 0; i < total; i++) {
    inFlight.push(js.publish(`bench.${owners[i % owners.length]}.test.Counted`, body, { msgID: crypto.randomUUID() }));
    if (inFlight.length >= 1000) {
      await Promise.all(inFlight);
      inFlight = [];
    }
  }
  await Promise.all(inFlight);
  const seconds = (performance.now() - started) / 1000;
  await nc.close();
  record({ run: 'raw JetStream async publish (file storage)', events: total, seconds, perSecond: total / seconds });
  return total / seconds;
}

function event(owner: string, n: number): TestEvent {
  return { type: 'test.Counted', ownerId: owner, subject: `s${n}`, actor: { kind: 'user', id: owner }, data: { n } };
}

/** What the measured consumer does: acknowledge only, or write a row through its transaction. */
type ConsumerKind = { transactional: false } | { transactional: true; batchSize: number };
const ackOnly: ConsumerKind = { transactional: false };

async function module(
  database: EventsTestDatabase,
  natsUrl: string | undefined,
  onEvent: (id: string) => void,
  consumer: ConsumerKind = ackOnly,
): Promise<EventsModule<TestEventMap>> {
  const events = createEventsModule({
    config: { natsUrl },
    db: database.db,
    logger: silent,
    registry: testRegistry,
    tuning: { natsName: 'bench' },
  });
  const name = `bench-${natsUrl ? 'nats' : 'embedded'}-${crypto.randomUUID().slice(0, 8)}`;
  events.subscribe(
    consumer.transactional
      ? {
          name,
          types: ['test.Counted'],
          batchSize: consumer.batchSize,
          handler: async (e, tx) => {
            await tx!.query(
              'INSERT INTO public.test_effects (consumer, event_id, owner_id, n) VALUES ($1, $2, $3, $4)',
              [name, e.id, e.ownerId, (e.data as { n: number }).n],
            );
            // Counted at commit would be exact; at handling it is close enough for a rate.
            onEvent(e.id);
          },
        }
      : { name, types: ['test.Counted'], transactional: false, handler: async (e) => onEvent(e.id) },
  );
  await events.start();
  return events;
}

async function throughput(
  label: string,
  database: EventsTestDatabase,
  natsUrl: string | undefined,
  raw: number,
  consumer: ConsumerKind = ackOnly,
) {
  const seen = new Set<string>();
  let done!: () => void;
  const finished = new Promise<void>((resolve) => (done = resolve));
  const events = await module(
    database,
    natsUrl,
    (id) => {
      seen.add(id);
      if (seen.size === total) done();
    },
    consumer,
  );
  const batch = 250;
  const started = performance.now();
  // Four writers, each committing batches of 250 events of one owner per transaction.
  let next = 0;
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (next < total) {
        const from = next;
        next += batch;
        const owner = owners[(from / batch) % owners.length]!;
        const list = Array.from({ length: Math.min(batch, total - from) }, (_, i) => event(owner, from + i));
        await database.db.asUser({ role: 'authenticated', sub: owner }, (tx) => events.outbox.appendMany(tx, list));
      }
    }),
  );
  const written = performance.now();
  // A timer that outlived the run would keep the process alive for minutes.
  let giveUp: NodeJS.Timeout | undefined;
  await Promise.race([finished, new Promise((resolve) => (giveUp = setTimeout(resolve, 180_000)))]);
  clearTimeout(giveUp);
  const seconds = (performance.now() - started) / 1000;
  const received = seen.size;
  const what = consumer.transactional
    ? `transactional consumer, batchSize ${consumer.batchSize}`
    : 'outbox write -> consumer ack';
  record({
    run: `${label}: ${what} (writes took ${((written - started) / 1000).toFixed(2)} s)`,
    events: received,
    seconds,
    perSecond: received / seconds,
    ratio: received / seconds / raw,
  });
  await events.stop();
}

async function latency(label: string, database: EventsTestDatabase, natsUrl: string | undefined) {
  const committedAt = new Map<string, number>();
  const receivedAt = new Map<string, number>();
  const events = await module(database, natsUrl, (id) => receivedAt.set(id, performance.now()));
  await sleep(500);
  const count = pacedRate * pacedSeconds;
  const started = performance.now();
  // One transaction per event, on schedule; at most 20 in flight (when the machine cannot
  // keep up, the achieved rate shows it).
  const inFlight = new Set<Promise<void>>();
  for (let i = 0; i < count; i++) {
    const due = started + (i * 1000) / pacedRate;
    const wait = due - performance.now();
    if (wait > 1) await sleep(wait);
    if (inFlight.size >= 20) await Promise.race(inFlight);
    const owner = owners[i % owners.length]!;
    const write = database.db
      .asUser({ role: 'authenticated', sub: owner }, (tx) => events.outbox.append(tx, event(owner, i)))
      .then((id) => {
        committedAt.set(id, performance.now());
      })
      .finally(() => inFlight.delete(write));
    inFlight.add(write);
  }
  await Promise.all(inFlight);
  const writeSeconds = (performance.now() - started) / 1000;
  const deadline = performance.now() + 30_000;
  while (receivedAt.size < count && performance.now() < deadline) await sleep(20);
  const seconds = (performance.now() - started) / 1000;
  const samples = [...committedAt]
    .map(([id, at]) => (receivedAt.get(id) ?? Number.POSITIVE_INFINITY) - at)
    .map((ms) => Math.max(0, ms));
  samples.sort((a, b) => a - b);
  const pct = (p: number) => samples[Math.min(samples.length - 1, Math.floor((p / 100) * samples.length))]!;
  record({
    run: `${label}: paced ${pacedRate}/s (achieved ${(count / writeSeconds).toFixed(0)}/s), commit -> consumer`,
    events: receivedAt.size,
    seconds,
    perSecond: receivedAt.size / seconds,
    p50: pct(50),
    p99: pct(99),
    max: samples[samples.length - 1],
  });
  await events.stop();
}

function print() {
  const fmt = (n: number | undefined, digits = 1) =>
    n === undefined ? '' : Number.isFinite(n) ? n.toFixed(digits) : 'lost';
  console.log('\n| run | events | seconds | events/s | x raw | p50 ms | p99 ms | max ms |');
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of rows) {
    console.log(
      `| ${r.run} | ${r.events} | ${fmt(r.seconds, 2)} | ${fmt(r.perSecond, 0)} | ${fmt(r.ratio, 2)} | ${fmt(r.p50, 2)} | ${fmt(r.p99, 2)} | ${fmt(r.max, 2)} |`,
    );
  }
}

// Every measured run gets a fresh database and, for NATS, a fresh server: no run replays
// another's events.
async function isolated(
  kind: Kind,
  nats: boolean,
  work: (database: EventsTestDatabase, natsUrl: string | undefined) => Promise<void>,
) {
  const database = await openTestDatabase(kind, 30);
  const server = nats ? await startNatsServer() : undefined;
  try {
    await work(database, server?.url);
  } finally {
    await server?.destroy();
    await database.drop();
  }
}

const kinds: Kind[] = process.env.BENCH_PGLITE === '1' ? ['postgres', 'pglite'] : ['postgres'];
const only = process.env.BENCH_ONLY?.split(',');
const part = (name: string) => only === undefined || only.includes(name);
console.log(
  `load average at start: ${loadavg()
    .map((n) => n.toFixed(2))
    .join(' ')}`,
);
const rawServer = await startNatsServer();
const raw = await rawPublish(rawServer).finally(() => rawServer.destroy());
for (const kind of kinds) {
  for (const nats of [true, false]) {
    const label = `${nats ? 'NATS' : 'embedded'} on ${kind}`;
    if (part('throughput')) await isolated(kind, nats, (db, url) => throughput(label, db, url, raw));
    if (part('latency')) await isolated(kind, nats, (db, url) => latency(label, db, url));
  }
  if (part('transactional')) {
    for (const batchSize of [100, 1]) {
      const consumer: ConsumerKind = { transactional: true, batchSize };
      await isolated(kind, true, (db, url) => throughput(`NATS on ${kind}`, db, url, raw, consumer));
      await isolated(kind, false, (db) => throughput(`embedded on ${kind}`, db, undefined, raw, consumer));
    }
  }
}
print();
console.log(
  `load average at end: ${loadavg()
    .map((n) => n.toFixed(2))
    .join(' ')}`,
);
