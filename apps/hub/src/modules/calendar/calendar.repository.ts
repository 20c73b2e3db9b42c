import type { Sql } from '../../platform/db/index.ts';

/**
 * The only file of the calendar module that knows SQL. It reads the graph's tables
 * (entities, entity_links, identifiers) under the caller's RLS; writes go through graph
 * ingest and the graph service. Every method takes the transaction.
 */

export interface EventRow {
  id: string;
  title: string;
  body: string;
  properties: Record<string, unknown>;
  source: string | null;
  external_id: string | null;
  version: number;
  deleted: boolean;
}

export interface AttendeeRow {
  event_id: string;
  email: string | null;
  person_id: string;
  name: string;
}

const eventColumns = `e.id, e.title, e.body, e.properties, e.source, e.external_id, e.version,
  e.deleted_at IS NOT NULL AS deleted`;

export const calendarRepository = {
  /**
   * The owner's events whose span [start, end] meets [from, to) (ISO instants); at most `limit`.
   * The owner is named as well as enforced by RLS, so a read without RLS (the benchmark's
   * baseline as the database owner) means the same rows. Plain timestamptz comparisons are
   * leakproof, so under RLS the index entities_calendar_ends takes the owner and the window's
   * start (docs/BENCHMARKS.md, twenty-second session).
   */
  async overlapping(tx: Sql, ownerId: string, from: string, to: string, limit: number): Promise<EventRow[]> {
    const result = await tx.query<EventRow & Record<string, unknown>>(
      `SELECT ${eventColumns} FROM public.entities e
       WHERE e.owner_id = $4 AND e.calendar_ends_at >= $1::timestamptz AND e.calendar_starts_at < $2::timestamptz
       ORDER BY e.calendar_starts_at, e.id
       LIMIT $3`,
      [from, to, limit, ownerId],
    );
    return result.rows;
  },

  /** The hub's own series masters starting before `to` (they are expanded in the hub). */
  async localMasters(tx: Sql, source: string, to: string): Promise<EventRow[]> {
    const result = await tx.query<EventRow & Record<string, unknown>>(
      `SELECT ${eventColumns} FROM public.entities e
       WHERE e.type = 'calendar_event' AND e.deleted_at IS NULL AND e.properties ->> 'kind' = 'master'
         AND e.source = $1 AND e.calendar_starts_at < $2::timestamptz
       LIMIT 2000`,
      [source, to],
    );
    return result.rows;
  },

  /** Every exception (moved or cancelled occurrence) of these hub series, wherever it now lies. */
  async exceptionsOf(tx: Sql, source: string, seriesExternalIds: string[]): Promise<EventRow[]> {
    if (seriesExternalIds.length === 0) return [];
    const result = await tx.query<EventRow & Record<string, unknown>>(
      `SELECT ${eventColumns} FROM public.entities e
       WHERE e.type = 'calendar_event' AND e.source = $1 AND e.deleted_at IS NULL
         AND e.properties ->> 'kind' = 'exception' AND e.properties ->> 'seriesId' = ANY($2::text[])`,
      [source, seriesExternalIds],
    );
    return result.rows;
  },

  /** A provider series' live instances (occurrences and exceptions): their ids and starts. */
  async instancesOf(
    tx: Sql,
    ownerId: string,
    source: string,
    seriesExternalId: string,
  ): Promise<{ external_id: string; starts_at: string }[]> {
    const result = await tx.query<{ external_id: string; starts_at: string }>(
      `SELECT e.external_id, e.properties ->> 'startsAt' AS starts_at FROM public.entities e
       WHERE e.owner_id = $1 AND e.type = 'calendar_event' AND e.source = $2 AND e.deleted_at IS NULL
         AND e.properties ->> 'seriesId' = $3 AND e.properties ->> 'kind' IN ('occurrence', 'exception')`,
      [ownerId, source, seriesExternalId],
    );
    return result.rows;
  },

  /** The live masters of these providers' series (source + external id → entity id). */
  async mastersOf(tx: Sql, ownerId: string, series: { source: string; externalId: string }[]): Promise<EventRow[]> {
    if (series.length === 0) return [];
    const result = await tx.query<EventRow & Record<string, unknown>>(
      `SELECT ${eventColumns} FROM public.entities e
       JOIN unnest($2::text[], $3::text[]) AS s(source, external_id)
         ON e.owner_id = $1 AND e.source = s.source AND e.external_id = s.external_id
       WHERE e.type = 'calendar_event' AND e.deleted_at IS NULL AND e.properties ->> 'kind' = 'master'`,
      [ownerId, series.map((s) => s.source), series.map((s) => s.externalId)],
    );
    return result.rows;
  },

  /**
   * Live events that may start in (from, to] (ISO instants): timed ones exactly, all-day
   * ones (dates read as UTC midnight) within `slackMs` of it, settled in the hub by zone.
   */
  async startingBetween(tx: Sql, from: string, to: string, slackMs: number): Promise<EventRow[]> {
    const result = await tx.query<EventRow & Record<string, unknown>>(
      `SELECT ${eventColumns} FROM public.entities e
       WHERE e.calendar_starts_at BETWEEN $1::timestamptz - $3 * interval '1 millisecond'
                                      AND $2::timestamptz + $3 * interval '1 millisecond'
         AND (length(e.properties ->> 'startsAt') = 10
              OR (e.calendar_starts_at > $1::timestamptz AND e.calendar_starts_at <= $2::timestamptz))
       LIMIT 2000`,
      [from, to, slackMs],
    );
    return result.rows;
  },

  /** Records that an occurrence's start was announced for a lead time; false when it was already. */
  async markStartingSent(
    tx: Sql,
    row: { ownerId: string; occurrenceId: string; startsAt: string; minutesBefore: number },
  ): Promise<boolean> {
    const result = await tx.query(
      `INSERT INTO made_open.calendar_starting_sent (owner_id, occurrence_id, starts_at, minutes_before)
       VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING RETURNING 1`,
      [row.ownerId, row.occurrenceId, row.startsAt, row.minutesBefore],
    );
    return result.rows.length === 1;
  },

  /** Forgets every owner's announcements of occurrences that started before `before` (system transaction). */
  async pruneStartingSent(tx: Sql, before: string): Promise<number> {
    const result = await tx.query(`DELETE FROM made_open.calendar_starting_sent WHERE starts_at < $1`, [before]);
    return result.rowCount ?? 0;
  },

  /** One calendar event (deleted ones too, flagged), locked for an edit when `lock`. */
  async get(tx: Sql, id: string, lock = false): Promise<EventRow | undefined> {
    const result = await tx.query<EventRow & Record<string, unknown>>(
      `SELECT ${eventColumns} FROM public.entities e WHERE e.id = $1 AND e.type = 'calendar_event'
       ${lock ? 'FOR NO KEY UPDATE' : ''}`,
      [id],
    );
    return result.rows[0];
  },

  async bySourceId(tx: Sql, source: string, externalId: string): Promise<EventRow | undefined> {
    const result = await tx.query<EventRow & Record<string, unknown>>(
      `SELECT ${eventColumns} FROM public.entities e
       WHERE e.source = $1 AND e.external_id = $2 AND e.type = 'calendar_event'`,
      [source, externalId],
    );
    return result.rows[0];
  },

  /** The persons the events link as attendees, with each person's email addresses. */
  async attendees(tx: Sql, eventIds: string[]): Promise<AttendeeRow[]> {
    if (eventIds.length === 0) return [];
    const result = await tx.query<AttendeeRow & Record<string, unknown>>(
      `SELECT l.from_id AS event_id, i.value AS email, p.id AS person_id, p.title AS name
       FROM public.entity_links l
       JOIN public.entities p ON p.id = l.to_id AND p.deleted_at IS NULL
       LEFT JOIN public.identifiers i ON i.entity_id = p.id AND i.kind = 'email'
       WHERE l.from_id = ANY($1::uuid[]) AND l.kind = 'attendee'`,
      [eventIds],
    );
    return result.rows;
  },
};
