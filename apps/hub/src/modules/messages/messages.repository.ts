import type { Sql } from '../../platform/db/index.ts';

export type Channel = 'sms' | 'email';

export type ThreadRow = {
  channel: Channel;
  /** SMS: the thread id; email: the provider's conversation id (properties.threadId). */
  thread_id: string;
  /** SMS only: the person of the thread. */
  person_id: string | null;
  person_name: string | null;
  last_id: string;
  last_body: string;
  last_properties: Record<string, unknown>;
  at: string;
  at_micros: string;
  unread: number;
  /** Email only: how many messages, any non-inline attachment, each message's headers. */
  message_count: number | null;
  has_attachments: boolean | null;
  headers: EmailHeaders[] | null;
};

/** The address fields of one email, as stored (unchecked JSON). */
export type EmailHeaders = { from?: unknown; to?: unknown; cc?: unknown; names?: unknown; direction?: unknown };

/** An email message entity, whole: enough to write it back through ingest. */
export type EmailRow = {
  id: string;
  source: string | null;
  external_id: string | null;
  title: string;
  body: string;
  properties: Record<string, unknown>;
  occurred_at: string | null;
};

export type MessageRow = {
  id: string;
  external_id: string;
  body: string;
  properties: Record<string, unknown>;
  at: string;
  at_micros: string;
};

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A position in a newest-first list: the time (µs since the epoch) and id of the last row seen. */
export type Position = { micros: string; id: string };

// The SMS messages of the owner (entities_sms_newest, migrations/0005).
const sms = (e: string) => `${e}.type = 'message' AND ${e}.source = 'twilio' AND ${e}.deleted_at IS NULL`;
// The email messages of the owner, whichever connector brought them (entities_email_newest, migrations/0005).
const email = (e: string) =>
  `${e}.type = 'message' AND ${e}.properties ->> 'channel' = 'email' AND ${e}.deleted_at IS NULL`;
/**
 * The newest message of each of the channel's threads, newest first, after the cursor, at most
 * $4: a walk of the channel's messages newest first that keeps a message when no newer one is in
 * its thread (one probe of entities_message_thread each). thread_id is a plain column
 * (migrations/0005), so under RLS the probe is an index condition.
 */
const lastOfThreads = (channel: Channel) => `
  SELECT '${channel}'::text AS channel, m.thread_id, m.id, m.body, m.properties, ${at('m')} AS at
    FROM public.entities m
   WHERE $6::text IS DISTINCT FROM '${channel === 'sms' ? 'email' : 'sms'}' AND m.owner_id = $1
     AND ${ofChannel(channel, 'm')} AND m.thread_id IS NOT NULL
     AND ($5::text IS NULL OR m.thread_id = $5)
     AND ($2::text IS NULL OR (${at('m')}, m.id) < (${fromMicros('$2')}, $3::uuid))
     AND NOT EXISTS (
       SELECT 1 FROM public.entities n
        WHERE n.owner_id = $1 AND ${ofChannel(channel, 'n')} AND n.thread_id = m.thread_id
          AND (${at('n')}, n.id) > (${at('m')}, m.id))
   ORDER BY ${at('m')} DESC, m.id DESC
   LIMIT $4`;
const ofChannel = (channel: Channel, e: string) => (channel === 'sms' ? sms(e) : email(e));
/** The key of a thread's read mark: SMS thread ids as they are, email ones prefixed. */
export const readKeyOf = (channel: Channel, threadId: string) => (channel === 'sms' ? threadId : `email:${threadId}`);
/** An email counts unread while the provider says so, or, when it says nothing, after the read mark. */
const emailUnread = (e: string, mark: string) =>
  `${e}.properties ->> 'direction' = 'inbound' AND (${e}.properties ->> 'isRead' = 'false'
     OR (NOT ${e}.properties ? 'isRead' AND ${at(e)} > coalesce(${mark}, '-infinity'::timestamptz)))`;
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

/**
 * The live person an id names: itself, or the survivor it was merged into (merges repoint
 * older tombstones, so one step is enough). A form opened before a merge still reaches them.
 */
async function livePerson(tx: Sql, personId: string): Promise<{ id: string; title: string } | undefined> {
  const { rows } = await tx.query<{ id: string; title: string }>(
    `SELECT live.id, live.title FROM public.entities asked
       JOIN public.entities live ON live.id = coalesce(asked.merged_into_id, asked.id)
      WHERE asked.id = $1 AND asked.type = 'person' AND live.type = 'person' AND live.deleted_at IS NULL`,
    [personId],
  );
  return rows[0];
}

export const messagesRepository = {
  /**
   * One row per thread (texts and email, or one `channel`), newest last message first, after
   * `after`. SMS unread: inbound since the read mark; email: see emailUnread.
   */
  async threads(
    tx: Sql,
    ownerId: string,
    limit: number,
    after: Position | undefined,
    filter: { channel?: Channel; only?: string } = {},
  ): Promise<ThreadRow[]> {
    const { rows } = await tx.query<ThreadRow>(
      `WITH sms_last AS (${lastOfThreads('sms')}
       ), email_last AS (${lastOfThreads('email')}
       ), page AS (
         SELECT * FROM (SELECT * FROM sms_last UNION ALL SELECT * FROM email_last) l
          ORDER BY l.at DESC, l.id DESC
          LIMIT $4
       )
       SELECT l.channel, l.thread_id,
              CASE WHEN l.channel = 'sms' AND split_part(l.thread_id, ':', 3) ~ '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
                   THEN split_part(l.thread_id, ':', 3) END AS person_id,
              coalesce(merged.title, p.title) AS person_name,
              l.id AS last_id, l.body AS last_body, l.properties AS last_properties,
              ${iso('l.at')} AS at, ${micros('l.at')} AS at_micros,
              CASE WHEN l.channel = 'sms' THEN
                (SELECT count(*)::int FROM public.entities u
                  WHERE u.owner_id = $1 AND ${sms('u')}
                    AND u.thread_id = l.thread_id AND u.properties ->> 'direction' = 'inbound'
                    AND ${at('u')} > coalesce(r.read_at, '-infinity'::timestamptz))
              ELSE e.unread END AS unread,
              e.message_count, e.has_attachments, e.headers
         FROM page l
         LEFT JOIN made_open.message_thread_reads r
                ON r.owner_id = $1
               AND r.thread_id = CASE WHEN l.channel = 'sms' THEN l.thread_id ELSE 'email:' || l.thread_id END
         LEFT JOIN public.entities p ON l.channel = 'sms' AND p.owner_id = $1 AND p.type = 'person'
               AND p.id::text = split_part(l.thread_id, ':', 3)
         LEFT JOIN public.entities merged ON merged.owner_id = $1 AND merged.id = p.merged_into_id
         LEFT JOIN LATERAL (
           SELECT count(*)::int AS message_count,
                  (count(*) FILTER (WHERE ${emailUnread('u', 'r.read_at')}))::int AS unread,
                  coalesce(bool_or(EXISTS (
                    SELECT 1 FROM jsonb_array_elements(
                             CASE WHEN jsonb_typeof(u.properties -> 'attachments') = 'array'
                                  THEN u.properties -> 'attachments' ELSE '[]'::jsonb END) a
                     WHERE coalesce(a ->> 'inline', 'false') <> 'true')), false) AS has_attachments,
                  jsonb_agg(jsonb_build_object('from', u.properties -> 'from', 'to', u.properties -> 'to',
                            'cc', u.properties -> 'cc', 'names', u.properties -> 'names',
                            'direction', u.properties -> 'direction')) AS headers
             FROM public.entities u
            WHERE l.channel = 'email' AND u.owner_id = $1 AND ${email('u')}
              AND u.thread_id = l.thread_id
         ) e ON l.channel = 'email'
        ORDER BY l.at DESC, l.id DESC`,
      [ownerId, after?.micros ?? null, after?.id ?? null, limit, filter.only ?? null, filter.channel ?? null],
    );
    return rows;
  },

  /** A thread's messages, newest first, older than `before`. */
  async messages(
    tx: Sql,
    ownerId: string,
    channel: Channel,
    threadId: string,
    limit: number,
    before: Position | undefined,
  ) {
    const { rows } = await tx.query<MessageRow>(
      `SELECT m.id, m.external_id, m.body, m.properties, ${iso(at('m'))} AS at, ${micros(at('m'))} AS at_micros
         FROM public.entities m
        WHERE m.owner_id = $1 AND ${ofChannel(channel, 'm')}
          AND m.thread_id = $2
          AND ($3::text IS NULL OR (${at('m')}, m.id) < (${fromMicros('$3')}, $4::uuid))
        ORDER BY ${at('m')} DESC, m.id DESC
        LIMIT $5`,
      [ownerId, threadId, before?.micros ?? null, before?.id ?? null, limit],
    );
    return rows;
  },

  /** Marks the thread read up to its newest message; false when the owner has no such thread. */
  async markRead(tx: Sql, ownerId: string, channel: Channel, threadId: string): Promise<boolean> {
    const { rows } = await tx.query(
      `INSERT INTO made_open.message_thread_reads (owner_id, thread_id, read_at)
       SELECT $1, $3, max(${at('m')}) FROM public.entities m
        WHERE m.owner_id = $1 AND ${ofChannel(channel, 'm')}
          AND m.thread_id = $2
       HAVING count(*) > 0
       ON CONFLICT (owner_id, thread_id)
       DO UPDATE SET read_at = greatest(message_thread_reads.read_at, excluded.read_at), updated_at = now()
       RETURNING thread_id`,
      [ownerId, threadId, readKeyOf(channel, threadId)],
    );
    return rows.length > 0;
  },

  /**
   * Marks the thread unread: the mark moves back to just before its newest inbound message
   * (its newest message when none came in); false when the owner has no such thread.
   */
  async markUnread(tx: Sql, ownerId: string, channel: Channel, threadId: string): Promise<boolean> {
    const { rows } = await tx.query(
      `INSERT INTO made_open.message_thread_reads (owner_id, thread_id, read_at)
       SELECT $1, $3, coalesce(max(${at('m')}) FILTER (WHERE m.properties ->> 'direction' = 'inbound'), max(${at('m')}))
                      - interval '1 microsecond'
         FROM public.entities m
        WHERE m.owner_id = $1 AND ${ofChannel(channel, 'm')}
          AND m.thread_id = $2
       HAVING count(*) > 0
       ON CONFLICT (owner_id, thread_id)
       DO UPDATE SET read_at = least(message_thread_reads.read_at, excluded.read_at), updated_at = now()
       RETURNING thread_id`,
      [ownerId, threadId, readKeyOf(channel, threadId)],
    );
    return rows.length > 0;
  },

  /**
   * The inbound emails of a thread whose provider read state must change (locked): for read,
   * those the provider holds unread; for unread, the newest inbound one.
   */
  async emailsToFlip(tx: Sql, ownerId: string, threadId: string, read: boolean): Promise<EmailRow[]> {
    const { rows } = await tx.query<EmailRow>(
      `SELECT m.id, m.source, m.external_id, m.title, m.body, m.properties, m.occurred_at
         FROM public.entities m
        WHERE m.owner_id = $1 AND ${email('m')} AND m.thread_id = $2
          AND m.properties ->> 'direction' = 'inbound'
          AND ($3::boolean IS FALSE OR m.properties ->> 'isRead' = 'false')
        ORDER BY ${at('m')} DESC, m.id DESC
        LIMIT CASE WHEN $3::boolean THEN 500 ELSE 1 END
        FOR UPDATE`,
      [ownerId, threadId, read],
    );
    return rows;
  },

  /** One of the owner's email messages (locked when `lock`: its properties are about to change). */
  async emailMessage(tx: Sql, ownerId: string, id: string, lock = false): Promise<EmailRow | undefined> {
    const { rows } = await tx.query<EmailRow>(
      `SELECT m.id, m.source, m.external_id, m.title, m.body, m.properties, m.occurred_at
         FROM public.entities m
        WHERE m.owner_id = $1 AND m.id = $2 AND ${email('m')}${lock ? ' FOR UPDATE' : ''}`,
      [ownerId, id],
    );
    return rows[0];
  },

  /** A person's email addresses, the oldest first, and their name; undefined when no such person. */
  async personEmails(tx: Sql, personId: string): Promise<{ name: string; emails: string[] } | undefined> {
    const person = await livePerson(tx, personId);
    if (!person) return undefined;
    const emails = await tx.query<{ value: string }>(
      `SELECT value FROM public.identifiers WHERE entity_id = $1 AND kind = 'email' ORDER BY created_at, value`,
      [person.id],
    );
    return { name: person.title, emails: emails.rows.map((row) => row.value) };
  },

  /** The persons these (normalised) email addresses belong to. */
  async personsByEmail(tx: Sql, ownerId: string, addresses: string[]) {
    if (addresses.length === 0) return [];
    const { rows } = await tx.query<{ value: string; person_id: string; name: string }>(
      `SELECT i.value, p.id AS person_id, p.title AS name
         FROM public.identifiers i
         JOIN public.entities p ON p.owner_id = i.owner_id AND p.id = i.entity_id AND p.deleted_at IS NULL
        WHERE i.owner_id = $1 AND i.kind = 'email' AND i.value = ANY($2::text[])`,
      [ownerId, addresses],
    );
    return rows;
  },

  /**
   * A person merge (graph.merge.ts follower): the merged person's SMS threads, on every own
   * number, move to the survivor's (`sms:<own>:<survivor>`) in one UPDATE (the index
   * entities_sms_thread_person, migrations/0004), journalled per own number with both read
   * marks. The merged thread's mark: just before its oldest message unread in either thread
   * (so it is unread if either was), else the later of the two. One statement: the CTEs see
   * the survivor's thread as it was before the move.
   */
  async mergeThreads(tx: Sql, merge: { ownerId: string; mergeId: string; survivorId: string; mergedId: string }) {
    await tx.query(
      `WITH moved AS (
         UPDATE public.entities m
            SET properties = jsonb_set(m.properties, '{threadId}',
                  to_jsonb('sms:' || split_part(m.properties ->> 'threadId', ':', 2) || ':' || $3::text))
          WHERE m.owner_id = $1 AND m.type = 'message' AND m.source = 'twilio'
            AND split_part(m.properties ->> 'threadId', ':', 3) = $2::text
            AND m.properties ->> 'threadId' = 'sms:' || split_part(m.properties ->> 'threadId', ':', 2) || ':' || $2::text
         RETURNING m.id, split_part(m.properties ->> 'threadId', ':', 2) AS own,
                   m.deleted_at IS NULL AND m.properties ->> 'direction' = 'inbound' AS inbound, ${at('m')} AS at
       ), threads AS (
         SELECT 'sms:' || own || ':' || $2::text AS from_thread, 'sms:' || own || ':' || $3::text AS to_thread,
                array_agg(id ORDER BY id) AS ids
           FROM moved GROUP BY own
       ), marked AS (
         SELECT t.*, fr.read_at AS from_read_at, tr.read_at AS to_read_at,
                least(
                  (SELECT min(mv.at) FROM moved mv
                    WHERE 'sms:' || mv.own || ':' || $3::text = t.to_thread AND mv.inbound
                      AND mv.at > coalesce(fr.read_at, '-infinity'::timestamptz)),
                  (SELECT min(${at('s')}) FROM public.entities s
                    WHERE s.owner_id = $1 AND ${sms('s')} AND s.thread_id = t.to_thread
                      AND s.properties ->> 'direction' = 'inbound'
                      AND ${at('s')} > coalesce(tr.read_at, '-infinity'::timestamptz))
                ) AS first_unread
           FROM threads t
           LEFT JOIN made_open.message_thread_reads fr ON fr.owner_id = $1 AND fr.thread_id = t.from_thread
           LEFT JOIN made_open.message_thread_reads tr ON tr.owner_id = $1 AND tr.thread_id = t.to_thread
       ), journal AS (
         INSERT INTO made_open.message_thread_merges
                (owner_id, merge_id, from_thread, to_thread, message_ids, from_read_at, to_read_at, merged_read_at)
         SELECT $1, $4, from_thread, to_thread, ids, from_read_at, to_read_at,
                CASE WHEN first_unread IS NOT NULL THEN first_unread - interval '1 microsecond'
                     ELSE greatest(from_read_at, to_read_at) END
           FROM marked
         RETURNING from_thread, to_thread, merged_read_at
       ), dropped AS (
         DELETE FROM made_open.message_thread_reads r USING journal j
          WHERE r.owner_id = $1 AND r.thread_id = j.from_thread
       )
       INSERT INTO made_open.message_thread_reads (owner_id, thread_id, read_at)
       SELECT $1, j.to_thread, j.merged_read_at FROM journal j WHERE j.merged_read_at IS NOT NULL
       ON CONFLICT (owner_id, thread_id) DO UPDATE SET read_at = excluded.read_at, updated_at = now()`,
      [merge.ownerId, merge.mergedId, merge.survivorId, merge.mergeId],
    );
  },

  /**
   * Undoes mergeThreads for one merge: the journalled messages still in the survivor's thread
   * go back (those that came after the merge stay). Read marks: when nobody read or unread the
   * merged thread since, both come back as they were; otherwise the survivor's stays and the
   * revived thread takes it too (what was read there was read in both).
   */
  async unmergeThreads(tx: Sql, merge: { ownerId: string; mergeId: string }) {
    await tx.query(
      `WITH journal AS (
         DELETE FROM made_open.message_thread_merges j WHERE j.owner_id = $1 AND j.merge_id = $2
         RETURNING j.from_thread, j.to_thread, j.message_ids, j.from_read_at, j.to_read_at, j.merged_read_at
       ), back AS (
         UPDATE public.entities m SET properties = jsonb_set(m.properties, '{threadId}', to_jsonb(x.from_thread))
           FROM (SELECT j.from_thread, j.to_thread, unnest(j.message_ids) AS id FROM journal j) x
          WHERE m.owner_id = $1 AND m.id = x.id AND m.thread_id = x.to_thread
         RETURNING m.id
       ), marks AS (
         SELECT j.*, cur.read_at AS current_read_at,
                cur.read_at IS NOT DISTINCT FROM j.merged_read_at AS untouched
           FROM journal j
           LEFT JOIN made_open.message_thread_reads cur ON cur.owner_id = $1 AND cur.thread_id = j.to_thread
       ), survivor_cleared AS (
         DELETE FROM made_open.message_thread_reads r USING marks k
          WHERE r.owner_id = $1 AND r.thread_id = k.to_thread AND k.untouched AND k.to_read_at IS NULL
       ), survivor_restored AS (
         UPDATE made_open.message_thread_reads r SET read_at = k.to_read_at, updated_at = now() FROM marks k
          WHERE r.owner_id = $1 AND r.thread_id = k.to_thread AND k.untouched AND k.to_read_at IS NOT NULL
       )
       INSERT INTO made_open.message_thread_reads (owner_id, thread_id, read_at)
       SELECT $1, k.from_thread, CASE WHEN k.untouched THEN k.from_read_at ELSE k.current_read_at END
         FROM marks k
        WHERE CASE WHEN k.untouched THEN k.from_read_at ELSE k.current_read_at END IS NOT NULL
       ON CONFLICT (owner_id, thread_id) DO UPDATE SET read_at = excluded.read_at, updated_at = now()`,
      [merge.ownerId, merge.mergeId],
    );
  },

  /**
   * The survivor's thread for an SMS thread id whose person was merged away (an old link):
   * `sms:<own>:<survivor>`, or undefined when its person was not merged. The graph repoints
   * earlier tombstones at each merge, so one step reaches the live person.
   */
  async survivorThread(tx: Sql, ownerId: string, threadId: string): Promise<string | undefined> {
    const parts = threadId.split(':');
    if (parts.length !== 3 || parts[0] !== 'sms' || !uuidPattern.test(parts[2]!)) return undefined;
    const { rows } = await tx.query<{ survivor: string }>(
      `SELECT p.merged_into_id::text AS survivor FROM public.entities p
        WHERE p.owner_id = $1 AND p.id = $2::uuid AND p.type = 'person' AND p.merged_into_id IS NOT NULL`,
      [ownerId, parts[2]],
    );
    return rows[0] ? `sms:${parts[1]}:${rows[0].survivor}` : undefined;
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
    const person = await livePerson(tx, personId);
    if (!person) return undefined;
    const phones = await tx.query<{ value: string }>(
      `SELECT value FROM public.identifiers WHERE entity_id = $1 AND kind = 'phone' ORDER BY created_at, value`,
      [person.id],
    );
    return phones.rows.map((row) => row.value);
  },
};
