import type { Sql } from '../../../platform/db/index.ts';

export type MessageRow = {
  id: string;
  title: string;
  body: string;
  properties: Record<string, unknown>;
  occurred_at: string | null;
};

/** The live persons some E.164 numbers (`phones`, a text[] parameter) already belong to, as (value, entity_id). */
const personsByPhoneSql = (owner: string, phones: string) =>
  `SELECT DISTINCT ON (i.value) i.value, i.entity_id FROM public.identifiers i
     JOIN public.entities e ON e.owner_id = i.owner_id AND e.id = i.entity_id AND e.deleted_at IS NULL
    WHERE i.owner_id = ${owner} AND i.kind = 'phone' AND i.value = ANY(${phones}::text[])`;

/** The only SQL of the Twilio connector: reads of the owner's graph (RLS applies: the transaction is the owner's). */
export const twilioRepository = {
  /** The live persons some E.164 numbers already belong to (a number held twice: either one). */
  async personsByPhone(tx: Sql, ownerId: string, phones: readonly string[]): Promise<Map<string, string>> {
    const result = await tx.query<{ value: string; entity_id: string }>(personsByPhoneSql('$1', '$2'), [
      ownerId,
      phones,
    ]);
    return new Map(result.rows.map((row) => [row.value, row.entity_id]));
  },

  /**
   * The inbound batch's reads in one round trip: which MessageSids are stored already, and the
   * live persons the senders' numbers belong to (as personsByPhone). When every sender has a
   * person, they are held against merges too (`held`; graph's holdPersons, called in this
   * statement) and merged ones map to their survivors. When some have none, nothing is held:
   * the caller makes the missing persons first, under ingest's per-owner lock, and holds them
   * all after, as before, because holding persons and then waiting for that lock could deadlock
   * with an import that merges under it.
   */
  async storedAndPersons(
    tx: Sql,
    ownerId: string,
    messageSids: readonly string[],
    phones: readonly string[],
  ): Promise<{ stored: Set<string>; persons: Map<string, string>; held: boolean }> {
    const result = await tx.query<{ sid: string | null; value: string | null; entity_id: string | null }>(
      `WITH found AS (${personsByPhoneSql('$1', '$3')}),
       held AS MATERIALIZED (
         SELECT h.id, h.live_id FROM public.graph_hold_persons($1,
           CASE WHEN (SELECT count(*) FROM found) = cardinality($3::text[])
                THEN ARRAY(SELECT entity_id FROM found) END) h)
       SELECT external_id AS sid, NULL AS value, NULL::uuid AS entity_id FROM public.entities
        WHERE owner_id = $1 AND source = 'twilio' AND external_id = ANY($2::text[]) AND type = 'message'
       UNION ALL
       SELECT NULL, f.value, COALESCE(h.live_id, f.entity_id) FROM found f LEFT JOIN held h ON h.id = f.entity_id`,
      [ownerId, messageSids, phones],
    );
    const stored = new Set<string>();
    const persons = new Map<string, string>();
    for (const row of result.rows) {
      if (row.sid !== null) stored.add(row.sid);
      else if (row.value !== null && row.entity_id !== null) persons.set(row.value, row.entity_id);
    }
    return { stored, persons, held: persons.size === phones.length };
  },

  /**
   * Holds the person of a stored message's thread (`sms:<own>:<person>`) against merges, before
   * the message row is locked: a merge takes the persons' holds first and messages last, so a
   * status callback that locked the message first could deadlock with it.
   */
  async holdThreadPerson(tx: Sql, ownerId: string, messageSid: string): Promise<void> {
    // One round trip: graph's hold (holdPersons) called on the person this statement finds.
    await tx.query(
      `SELECT FROM public.graph_hold_persons($1, ARRAY(
         SELECT t.person::uuid FROM (SELECT split_part(m.properties ->> 'threadId', ':', 3) AS person FROM public.entities m
                                      WHERE m.owner_id = $1 AND m.source = 'twilio' AND m.external_id = $2
                                        AND m.type = 'message') t
          WHERE t.person ~ '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'))`,
      [ownerId, messageSid],
    );
  },

  /** A Twilio message (by its MessageSid), locked so concurrent callbacks apply one at a time. */
  // owner_id too: the (owner_id, source, external_id) unique index finds it without a scan.
  async lockMessage(tx: Sql, ownerId: string, messageSid: string): Promise<MessageRow | undefined> {
    const result = await tx.query<MessageRow>(
      `SELECT id, title, body, properties, occurred_at::text AS occurred_at FROM public.entities
       WHERE owner_id = $1 AND source = 'twilio' AND external_id = $2 AND type = 'message' AND deleted_at IS NULL
       FOR UPDATE`,
      [ownerId, messageSid],
    );
    return result.rows[0];
  },
};
