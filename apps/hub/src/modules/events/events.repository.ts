import type { EventEnvelope } from '@made-open/shared';
import { auditedDomains, auditedTypes, type EventStreamName } from '@made-open/shared/event-registry';
import type { Sql } from '../../platform/db/index.ts';

/** The only file of the events module that knows SQL. Every method takes the transaction. */

interface OutboxRow {
  id: string;
  owner_id: string;
  type: string;
  subject: string;
  actor: EventEnvelope['actor'];
  data: Record<string, unknown>;
  v: number;
  time: Date | string;
  pub_seq: string | null;
  [key: string]: unknown;
}

export interface PublishedEvent {
  event: EventEnvelope;
  /** Position in publication order (a commit-safe cursor). */
  pubSeq: string;
}

const columnList = ['id', 'owner_id', 'type', 'subject', 'actor', 'data', 'v', 'time', 'pub_seq'];
const columns = columnList.join(', ');

export function toEnvelope(row: OutboxRow): EventEnvelope {
  return {
    id: row.id,
    type: row.type,
    ownerId: row.owner_id,
    subject: row.subject,
    time: new Date(row.time).toISOString(),
    actor: row.actor,
    data: row.data,
    v: row.v,
  };
}

// Any constant shared by all hub instances: one relay publishes at a time, so the
// publication order is one total order even with several hub instances.
const RELAY_LOCK = 7_270_708;

/** SQL predicate selecting the events on the given streams (the embedded transport's subjects). */
function streamPredicate(streams: readonly EventStreamName[]): string {
  const parts = streams.map((stream) => {
    if (stream === 'connector-data') return `type LIKE 'connector.%'`;
    if (stream === 'platform-events') return `type NOT LIKE 'connector.%'`;
    return `(split_part(type, '.', 1) IN (${auditedDomains.map((d) => `'${d}'`).join(', ')}) OR type IN (${auditedTypes
      .map((t) => `'${t}'`)
      .join(', ')}))`;
  });
  return parts.length === 0 ? 'false' : `(${parts.join(' OR ')})`;
}

/** The relay's claim: see claimAndStamp. */
const claimAndStampSql = `WITH claimed AS (
    SELECT id, seq FROM made_open.outbox WHERE published_at IS NULL ORDER BY seq LIMIT $1 FOR UPDATE
  ), stamped AS (
    SELECT id, nextval('made_open.outbox_pub_seq') AS pub_seq FROM (SELECT id FROM claimed ORDER BY seq) c
  )
  UPDATE made_open.outbox o SET published_at = clock_timestamp(), pub_seq = s.pub_seq
  FROM stamped s WHERE o.id = s.id`;

export const eventsRepository = {
  /** Takes the relay lock for this transaction; false when another relay holds it. */
  async tryRelayLock(tx: Sql): Promise<boolean> {
    const { rows } = await tx.query<{ locked: boolean }>('SELECT pg_try_advisory_xact_lock($1) AS locked', [
      RELAY_LOCK,
    ]);
    return rows[0]!.locked;
  },

  /**
   * The oldest unpublished events that are visible (committed), in allocation order, and
   * stamps them with published_at and consecutive pub_seq values in that order. One
   * statement: the relay's claim is on the hot path. Consecutive because only the relay,
   * under its lock, draws from outbox_pub_seq.
   */
  async claimAndStamp(tx: Sql, limit: number): Promise<EventEnvelope[]> {
    const { rows } = await tx.query<OutboxRow>(
      `${claimAndStampSql} RETURNING ${columnList.map((c) => `o.${c}`).join(', ')}`,
      [limit],
    );
    return rows.sort((a, b) => Number(a.pub_seq) - Number(b.pub_seq)).map(toEnvelope);
  },

  /**
   * The same claim for the embedded transport, where the stamp is the publication and each
   * consumer reads the events later: returns how many, without sending every row's data
   * back to the relay, which does nothing with it (on PGlite that transfer is parsed in JS).
   */
  async claimAndStampCount(tx: Sql, limit: number): Promise<number> {
    const { rowCount } = await tx.query(claimAndStampSql, [limit]);
    return rowCount;
  },

  async unpublished(tx: Sql): Promise<{ count: number; oldestSeconds: number }> {
    const { rows } = await tx.query<{ count: number; oldest: number | null }>(
      `SELECT count(*)::int AS count, extract(epoch FROM clock_timestamp() - min(time))::float8 AS oldest
       FROM made_open.outbox WHERE published_at IS NULL`,
    );
    return { count: rows[0]!.count, oldestSeconds: Number(rows[0]!.oldest ?? 0) };
  },

  // ---- embedded transport ----

  /** A new consumer starts at the beginning, or (fromNow) after everything published so far. */
  async consumerCursor(tx: Sql, name: string, fromNow = false): Promise<string> {
    await tx.query(
      `INSERT INTO made_open.event_consumers (name, cursor)
       SELECT $1, CASE WHEN $2::boolean THEN coalesce((SELECT max(pub_seq) FROM made_open.outbox), 0) ELSE 0 END
       ON CONFLICT (name) DO NOTHING`,
      [name, fromNow],
    );
    const { rows } = await tx.query<{ cursor: string }>(
      `SELECT cursor::text AS cursor FROM made_open.event_consumers WHERE name = $1`,
      [name],
    );
    return rows[0]!.cursor;
  },

  async forgetConsumer(tx: Sql, name: string): Promise<void> {
    await tx.query(`DELETE FROM made_open.event_consumers WHERE name = $1`, [name]);
  },

  async advanceCursor(tx: Sql, name: string, cursor: string): Promise<void> {
    await tx.query(
      `UPDATE made_open.event_consumers SET cursor = greatest(cursor, $2::bigint), updated_at = now() WHERE name = $1`,
      [name, cursor],
    );
  },

  /** advanceCursor for several consumers in one statement (the shared tail's round). */
  async advanceCursors(tx: Sql, cursors: ReadonlyMap<string, string>): Promise<void> {
    await tx.query(
      `UPDATE made_open.event_consumers c SET cursor = greatest(c.cursor, v.cursor), updated_at = now()
       FROM unnest($1::text[], $2::bigint[]) AS v(name, cursor) WHERE c.name = v.name`,
      [[...cursors.keys()], [...cursors.values()]],
    );
  },

  /** nextRetryAt for several consumers in one statement: only those with a failure waiting. */
  async nextRetriesAt(tx: Sql, consumers: readonly string[]): Promise<Map<string, Date>> {
    const { rows } = await tx.query<{ consumer: string; at: Date }>(
      `SELECT consumer, min(next_attempt_at) AS at FROM made_open.event_failures
       WHERE consumer = ANY($1::text[]) GROUP BY consumer`,
      [consumers],
    );
    return new Map(rows.map((row) => [row.consumer, new Date(row.at)]));
  },

  /**
   * Every published event after `after`, up to `limit`, whatever its stream (the shared
   * tail filters per consumer in memory), and the newest pub_seq the statement could see.
   */
  async publishedPage(tx: Sql, after: string, limit: number): Promise<{ events: PublishedEvent[]; top: string }> {
    const { rows } = await tx.query<OutboxRow & { top: string | null }>(
      `WITH top AS (SELECT max(pub_seq)::text AS top FROM made_open.outbox WHERE pub_seq IS NOT NULL),
       page AS (SELECT ${columns} FROM made_open.outbox WHERE pub_seq > $1::bigint ORDER BY pub_seq LIMIT $2)
       SELECT p.*, t.top FROM top t LEFT JOIN page p ON true ORDER BY p.pub_seq`,
      [after, limit],
    );
    const events = rows
      .filter((row) => row.id !== null)
      .map((row) => ({ event: toEnvelope(row), pubSeq: row.pub_seq! }));
    return { events, top: rows[0]?.top ?? after };
  },

  /**
   * The next `limit` events after `cursor` that the consumer wants, and how far the read
   * got (`upTo`): a consumer whose filter matched fewer than `limit` has seen everything
   * published up to the newest pub_seq visible to the same statement, so it can move its
   * cursor there even when nothing matched. Without that, a consumer of rare events
   * (session revocations, say) re-read the whole outbox after its cursor on every wake:
   * quadratic over a bulk ingest (docs/BENCHMARKS.md).
   */
  async publishedAfter(
    tx: Sql,
    cursor: string,
    streams: readonly EventStreamName[],
    types: readonly string[] | undefined,
    limit: number,
  ): Promise<{ events: PublishedEvent[]; upTo: string }> {
    const { rows } = await tx.query<OutboxRow & { top: string | null }>(
      `WITH top AS (SELECT max(pub_seq)::text AS top FROM made_open.outbox WHERE pub_seq IS NOT NULL),
       batch AS (
         SELECT ${columns} FROM made_open.outbox
         WHERE pub_seq > $1::bigint AND ${streamPredicate(streams)} AND ($2::text[] IS NULL OR type = ANY($2::text[]))
         ORDER BY pub_seq LIMIT $3)
       SELECT b.*, t.top FROM top t LEFT JOIN batch b ON true ORDER BY b.pub_seq`,
      [cursor, types ?? null, limit],
    );
    const events = rows
      .filter((row) => row.id !== null)
      .map((row) => ({ event: toEnvelope(row), pubSeq: row.pub_seq! }));
    const last = events.length > 0 ? events[events.length - 1]!.pubSeq : cursor;
    const top = rows[0]?.top ?? null;
    const upTo = events.length < limit && top !== null && BigInt(top) > BigInt(last) ? top : last;
    return { events, upTo };
  },

  /**
   * Deletes up to `limit` published events older than `olderThan`, oldest first, with any
   * retry bookkeeping that points at them. The newest published event always stays, so
   * cursors that start "from now" (max pub_seq) keep working.
   */
  async prunePublished(tx: Sql, olderThan: Date, limit: number): Promise<number> {
    const { rows } = await tx.query<{ n: number }>(
      `WITH doomed AS (
         SELECT id FROM made_open.outbox
         WHERE pub_seq IS NOT NULL AND published_at < $1::timestamptz
           AND pub_seq < (SELECT max(pub_seq) FROM made_open.outbox WHERE pub_seq IS NOT NULL)
         ORDER BY pub_seq LIMIT $2
       ), failures AS (
         DELETE FROM made_open.event_failures f USING doomed d WHERE f.event_id = d.id
       ), gone AS (
         DELETE FROM made_open.outbox o USING doomed d WHERE o.id = d.id RETURNING 1
       )
       SELECT count(*)::int AS n FROM gone`,
      [olderThan.toISOString(), limit],
    );
    return rows[0]!.n;
  },

  /** Idempotency markers older than the retention window: their events can no longer come back. */
  async pruneProcessed(tx: Sql, olderThan: Date, limit: number): Promise<number> {
    const { rows } = await tx.query<{ n: number }>(
      `WITH doomed AS (
         SELECT consumer, event_id FROM made_open.processed_events WHERE processed_at < $1::timestamptz LIMIT $2
       ), gone AS (
         DELETE FROM made_open.processed_events p USING doomed d
         WHERE p.consumer = d.consumer AND p.event_id = d.event_id RETURNING 1
       )
       SELECT count(*)::int AS n FROM gone`,
      [olderThan.toISOString(), limit],
    );
    return rows[0]!.n;
  },

  async dueRetries(tx: Sql, consumer: string, limit: number): Promise<{ event: EventEnvelope; attempts: number }[]> {
    const { rows } = await tx.query<OutboxRow & { attempts: number }>(
      `SELECT o.id, o.owner_id, o.type, o.subject, o.actor, o.data, o.v, o.time, o.pub_seq, f.attempts
       FROM made_open.event_failures f JOIN made_open.outbox o ON o.id = f.event_id
       WHERE f.consumer = $1 AND f.next_attempt_at <= clock_timestamp()
       ORDER BY f.next_attempt_at LIMIT $2`,
      [consumer, limit],
    );
    return rows.map((row) => ({ event: toEnvelope(row), attempts: row.attempts }));
  },

  async nextRetryAt(tx: Sql, consumer: string): Promise<Date | null> {
    const { rows } = await tx.query<{ at: Date | null }>(
      `SELECT min(next_attempt_at) AS at FROM made_open.event_failures WHERE consumer = $1`,
      [consumer],
    );
    return rows[0]!.at ? new Date(rows[0]!.at) : null;
  },

  async embeddedLag(
    tx: Sql,
    name: string,
    streams: readonly EventStreamName[],
    types: readonly string[] | undefined,
    /** The consumer's position in this process when it is ahead of its saved cursor. */
    position: string | null = null,
  ): Promise<number> {
    const { rows } = await tx.query<{ lag: number }>(
      `SELECT (SELECT count(*) FROM made_open.outbox
               WHERE pub_seq > greatest(coalesce((SELECT cursor FROM made_open.event_consumers WHERE name = $1), 0),
                                        coalesce($3::bigint, 0))
                 AND ${streamPredicate(streams)} AND ($2::text[] IS NULL OR type = ANY($2::text[])))::int
            + (SELECT count(*) FROM made_open.event_failures WHERE consumer = $1)::int AS lag`,
      [name, types ?? null, position],
    );
    return rows[0]!.lag;
  },

  // ---- consumer framework ----

  /** Records that the consumer handled the event; false when it already had. */
  async markProcessed(tx: Sql, consumer: string, eventId: string): Promise<boolean> {
    const { rowCount } = await tx.query(
      `INSERT INTO made_open.processed_events (consumer, event_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`,
      [consumer, eventId],
    );
    return rowCount === 1;
  },

  /** markProcessed for several events in one statement: the ids not processed before. */
  async markProcessedMany(tx: Sql, consumer: string, eventIds: readonly string[]): Promise<Set<string>> {
    const { rows } = await tx.query<{ event_id: string }>(
      `INSERT INTO made_open.processed_events (consumer, event_id)
       SELECT $1, id FROM unnest($2::uuid[]) AS u(id) ON CONFLICT DO NOTHING RETURNING event_id`,
      [consumer, eventIds],
    );
    return new Set(rows.map((row) => row.event_id));
  },

  /** Records one more failed attempt; returns how many attempts have failed so far. */
  async recordFailure(
    tx: Sql,
    consumer: string,
    event: EventEnvelope,
    error: string,
    retryInMs: number,
  ): Promise<number | null> {
    // Nothing when the event is already dead-lettered (a late redelivery of it failed again).
    const { rows } = await tx.query<{ attempts: number }>(
      `INSERT INTO made_open.event_failures (consumer, event_id, owner_id, type, attempts, last_error, next_attempt_at)
       SELECT $1, $2, $3, $4, 1, $5, clock_timestamp() + make_interval(secs => $6::float8 / 1000)
       WHERE NOT EXISTS (SELECT 1 FROM made_open.event_dead_letters d WHERE d.consumer = $1 AND d.event_id = $2::uuid)
       ON CONFLICT (consumer, event_id) DO UPDATE SET attempts = made_open.event_failures.attempts + 1,
         last_error = excluded.last_error, updated_at = now(),
         next_attempt_at = clock_timestamp() + make_interval(secs => least($6::float8 / 1000 * power(2, made_open.event_failures.attempts), 60))
       RETURNING attempts`,
      [consumer, event.id, event.ownerId, event.type, error, retryInMs],
    );
    return rows[0]?.attempts ?? null;
  },

  async clearFailure(tx: Sql, consumer: string, eventId: string): Promise<void> {
    await tx.query(`DELETE FROM made_open.event_failures WHERE consumer = $1 AND event_id = $2`, [consumer, eventId]);
  },

  async deadLetter(tx: Sql, consumer: string, event: EventEnvelope, attempts: number, error: string): Promise<void> {
    await tx.query(`DELETE FROM made_open.event_failures WHERE consumer = $1 AND event_id = $2`, [consumer, event.id]);
    await tx.query(
      `INSERT INTO made_open.event_dead_letters (consumer, event_id, owner_id, type, event, attempts, last_error)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (consumer, event_id) DO UPDATE SET attempts = excluded.attempts, last_error = excluded.last_error, failed_at = now()`,
      [consumer, event.id, event.ownerId, event.type, JSON.stringify(event), attempts, error],
    );
  },

  async deadLetterCounts(tx: Sql): Promise<Map<string, number>> {
    const { rows } = await tx.query<{ consumer: string; n: number }>(
      `SELECT consumer, count(*)::int AS n FROM made_open.event_dead_letters GROUP BY consumer`,
    );
    return new Map(rows.map((r) => [r.consumer, r.n]));
  },

  async failureCounts(tx: Sql): Promise<Map<string, number>> {
    const { rows } = await tx.query<{ consumer: string; n: number }>(
      `SELECT consumer, count(*)::int AS n FROM made_open.event_failures GROUP BY consumer`,
    );
    return new Map(rows.map((r) => [r.consumer, r.n]));
  },

  // ---- the owner's own events (under RLS) ----

  async ownEventsAfter(tx: Sql, cursor: string, limit: number): Promise<PublishedEvent[]> {
    const { rows } = await tx.query<OutboxRow>(
      `SELECT ${columns} FROM made_open.outbox
       WHERE owner_id = (SELECT auth.uid()) AND pub_seq > $1::bigint ORDER BY pub_seq LIMIT $2`,
      [cursor, limit],
    );
    return rows.map((row) => ({ event: toEnvelope(row), pubSeq: row.pub_seq! }));
  },

  /** The cursor of one of the caller's own events; null when unknown, not theirs or not yet published. */
  async ownEventCursor(tx: Sql, eventId: string): Promise<string | null> {
    const { rows } = await tx.query<{ pub_seq: string | null }>(
      `SELECT pub_seq::text AS pub_seq FROM made_open.outbox WHERE id = $1 AND owner_id = (SELECT auth.uid())`,
      [eventId],
    );
    return rows[0]?.pub_seq ?? null;
  },

  async ownDeadLetters(tx: Sql, limit: number) {
    const { rows } = await tx.query<{
      consumer: string;
      event: EventEnvelope;
      attempts: number;
      last_error: string;
      failed_at: Date;
    }>(
      `SELECT consumer, event, attempts, last_error, failed_at FROM made_open.event_dead_letters
       WHERE owner_id = (SELECT auth.uid()) ORDER BY failed_at DESC LIMIT $1`,
      [limit],
    );
    return rows;
  },
};
