import type { Sql } from '../../platform/db/index.ts';

export type ThreadRow = {
  thread_id: string;
  person_id: string;
  person_name: string | null;
  last_id: string;
  last_body: string;
  last_properties: Record<string, unknown>;
  at: string;
  at_micros: string;
  unread: number;
};

export type MessageRow = {
  id: string;
  external_id: string;
  body: string;
  properties: Record<string, unknown>;
  at: string;
  at_micros: string;
};

/** A position in a newest-first list: the time (µs since the epoch) and id of the last row seen. */
export type Position = { micros: string; id: string };

// The SMS messages of the owner (the entities_sms_thread index of migrations/0002).
const sms = (e: string) => `${e}.type = 'message' AND ${e}.source = 'twilio' AND ${e}.deleted_at IS NULL`;
const at = (e: string) => `coalesce(${e}.occurred_at, ${e}.created_at)`;
const micros = (column: string) => `(extract(epoch FROM ${column}) * 1000000)::bigint::text`;
const fromMicros = (param: string) => `(timestamptz 'epoch' + ${param}::bigint * interval '1 microsecond')`;
const iso = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

export type SendRow = {
  request_hash: string;
  state: 'pending' | 'done';
  status_code: number | null;
  response: unknown;
  stale: boolean;
};

/** The only SQL of the messages module (made_open.message_sends, message_thread_reads; graph reads). */
export const messagesRepository = {
  /** One row per thread, newest last message first, after `after`; unread = inbound since the read mark. */
  async threads(
    tx: Sql,
    ownerId: string,
    limit: number,
    after: Position | undefined,
    only?: string,
  ): Promise<ThreadRow[]> {
    const { rows } = await tx.query<ThreadRow>(
      `WITH last AS (
         SELECT DISTINCT ON (m.properties ->> 'threadId')
                m.properties ->> 'threadId' AS thread_id, m.id, m.body, m.properties, ${at('m')} AS at
           FROM public.entities m
          WHERE m.owner_id = $1 AND ${sms('m')} AND m.properties ? 'threadId'
            AND ($5::text IS NULL OR m.properties ->> 'threadId' = $5)
          ORDER BY m.properties ->> 'threadId', ${at('m')} DESC, m.id DESC
       )
       SELECT l.thread_id, split_part(l.thread_id, ':', 3) AS person_id,
              coalesce(merged.title, p.title) AS person_name,
              l.id AS last_id, l.body AS last_body, l.properties AS last_properties,
              ${iso('l.at')} AS at, ${micros('l.at')} AS at_micros,
              (SELECT count(*)::int FROM public.entities u
                WHERE u.owner_id = $1 AND ${sms('u')}
                  AND u.properties ->> 'threadId' = l.thread_id AND u.properties ->> 'direction' = 'inbound'
                  AND ${at('u')} > coalesce(r.read_at, '-infinity'::timestamptz)) AS unread
         FROM last l
         LEFT JOIN made_open.message_thread_reads r ON r.owner_id = $1 AND r.thread_id = l.thread_id
         LEFT JOIN public.entities p ON p.owner_id = $1 AND p.type = 'person'
               AND p.id::text = split_part(l.thread_id, ':', 3)
         LEFT JOIN public.entities merged ON merged.owner_id = $1 AND merged.id = p.merged_into_id
        WHERE $2::text IS NULL OR (l.at, l.id) < (${fromMicros('$2')}, $3::uuid)
        ORDER BY l.at DESC, l.id DESC
        LIMIT $4`,
      [ownerId, after?.micros ?? null, after?.id ?? null, limit, only ?? null],
    );
    return rows;
  },

  /** A thread's messages, newest first, older than `before`. */
  async messages(tx: Sql, ownerId: string, threadId: string, limit: number, before: Position | undefined) {
    const { rows } = await tx.query<MessageRow>(
      `SELECT m.id, m.external_id, m.body, m.properties, ${iso(at('m'))} AS at, ${micros(at('m'))} AS at_micros
         FROM public.entities m
        WHERE m.owner_id = $1 AND ${sms('m')}
          AND m.properties ->> 'threadId' = $2
          AND ($3::text IS NULL OR (${at('m')}, m.id) < (${fromMicros('$3')}, $4::uuid))
        ORDER BY ${at('m')} DESC, m.id DESC
        LIMIT $5`,
      [ownerId, threadId, before?.micros ?? null, before?.id ?? null, limit],
    );
    return rows;
  },

  /** Marks the thread read up to its newest message; false when the owner has no such thread. */
  async markRead(tx: Sql, ownerId: string, threadId: string): Promise<boolean> {
    const { rows } = await tx.query(
      `INSERT INTO made_open.message_thread_reads (owner_id, thread_id, read_at)
       SELECT $1, $2, max(${at('m')}) FROM public.entities m
        WHERE m.owner_id = $1 AND ${sms('m')}
          AND m.properties ->> 'threadId' = $2
       HAVING count(*) > 0
       ON CONFLICT (owner_id, thread_id)
       DO UPDATE SET read_at = greatest(message_thread_reads.read_at, excluded.read_at), updated_at = now()
       RETURNING thread_id`,
      [ownerId, threadId],
    );
    return rows.length > 0;
  },

  /** Claims the key; returns the row already there (another request's) when it was taken. */
  async claim(tx: Sql, ownerId: string, key: string, hash: string): Promise<SendRow | undefined> {
    const inserted = await tx.query(
      `INSERT INTO made_open.message_sends (owner_id, idempotency_key, request_hash, state)
       VALUES ($1, $2, $3, 'pending') ON CONFLICT (owner_id, idempotency_key) DO NOTHING RETURNING owner_id`,
      [ownerId, key, hash],
    );
    if (inserted.rows.length > 0) return undefined;
    const existing = await tx.query<SendRow>(
      `SELECT request_hash, state, status_code, response, updated_at < now() - interval '5 minutes' AS stale
       FROM made_open.message_sends WHERE owner_id = $1 AND idempotency_key = $2 FOR UPDATE`,
      [ownerId, key],
    );
    return existing.rows[0];
  },

  /** A pending claim whose request was cut off long ago: taken over by this one. */
  async reclaim(tx: Sql, ownerId: string, key: string): Promise<void> {
    await tx.query(
      `UPDATE made_open.message_sends SET updated_at = now() WHERE owner_id = $1 AND idempotency_key = $2`,
      [ownerId, key],
    );
  },

  async finish(tx: Sql, ownerId: string, key: string, statusCode: number, response: unknown): Promise<void> {
    await tx.query(
      `UPDATE made_open.message_sends SET state = 'done', status_code = $3, response = $4::jsonb, updated_at = now()
       WHERE owner_id = $1 AND idempotency_key = $2`,
      [ownerId, key, statusCode, JSON.stringify(response)],
    );
  },

  /** Nothing was sent (a network failure, Twilio 5xx): the key is free for a retry. */
  async release(tx: Sql, ownerId: string, key: string): Promise<void> {
    await tx.query(
      `DELETE FROM made_open.message_sends WHERE owner_id = $1 AND idempotency_key = $2 AND state = 'pending'`,
      [ownerId, key],
    );
  },

  /** A person's phone numbers (E.164), first the oldest. */
  async personPhones(tx: Sql, personId: string): Promise<string[] | undefined> {
    const person = await tx.query(
      `SELECT 1 FROM public.entities WHERE id = $1 AND type = 'person' AND deleted_at IS NULL`,
      [personId],
    );
    if (person.rows.length === 0) return undefined;
    const phones = await tx.query<{ value: string }>(
      `SELECT value FROM public.identifiers WHERE entity_id = $1 AND kind = 'phone' ORDER BY created_at, value`,
      [personId],
    );
    return phones.rows.map((row) => row.value);
  },
};
