import type { Sql } from '../../../platform/db/index.ts';
import { followMerges } from '../../graph/index.ts';

/** A person holding a phone number, as a locking read returned it (its newest version). */
type PhoneHolderRow = {
  value: string;
  entity_id: string;
  merged_into_id: string | null;
  deleted: boolean;
};

/**
 * Number -> live person: a person merged meanwhile maps to its survivor (held too); one
 * deleted without a merge holds the number no more, as before.
 */
async function livePersons(tx: Sql, ownerId: string, rows: readonly PhoneHolderRow[]): Promise<Map<string, string>> {
  const holders = rows.filter((row) => !row.deleted || row.merged_into_id !== null);
  const live = await followMerges(
    tx,
    ownerId,
    holders.map((row) => ({ id: row.entity_id, mergedIntoId: row.merged_into_id })),
  );
  return new Map(holders.map((row) => [row.value, live.get(row.entity_id) ?? row.entity_id]));
}

export type MessageRow = {
  id: string;
  title: string;
  body: string;
  properties: Record<string, unknown>;
  occurred_at: string | null;
};

/** The only SQL of the Twilio connector: reads of the owner's graph (RLS applies: the transaction is the owner's). */
export const twilioRepository = {
  /**
   * The live persons some E.164 numbers belong to, held against merges until commit (see
   * graph's holdPersons): the thread ids and links written under them cannot go stale.
   */
  async personsByPhone(tx: Sql, ownerId: string, phones: readonly string[]): Promise<Map<string, string>> {
    const result = await tx.query<PhoneHolderRow>(
      `SELECT i.value, e.id AS entity_id, e.merged_into_id, e.deleted_at IS NOT NULL AS deleted
         FROM public.identifiers i
         JOIN public.entities e ON e.owner_id = i.owner_id AND e.id = i.entity_id
        WHERE i.owner_id = $1 AND i.kind = 'phone' AND i.value = ANY($2::text[])
        ORDER BY e.id FOR SHARE OF e`,
      [ownerId, phones],
    );
    return livePersons(tx, ownerId, result.rows);
  },

  /**
   * The inbound batch's two reads in one round trip: which MessageSids are stored already,
   * and the live persons the senders' numbers belong to, held as personsByPhone holds them.
   */
  async storedAndPersons(
    tx: Sql,
    ownerId: string,
    messageSids: readonly string[],
    phones: readonly string[],
  ): Promise<{ stored: Set<string>; persons: Map<string, string> }> {
    const result = await tx.query<{ sid: string | null } & { [K in keyof PhoneHolderRow]: PhoneHolderRow[K] | null }>(
      `WITH held AS MATERIALIZED (
         SELECT i.value, e.id AS entity_id, e.merged_into_id, e.deleted_at IS NOT NULL AS deleted
           FROM public.identifiers i
           JOIN public.entities e ON e.owner_id = i.owner_id AND e.id = i.entity_id
          WHERE i.owner_id = $1 AND i.kind = 'phone' AND i.value = ANY($3::text[])
          ORDER BY e.id FOR SHARE OF e)
       SELECT external_id AS sid, NULL AS value, NULL::uuid AS entity_id, NULL::uuid AS merged_into_id, NULL::boolean AS deleted
         FROM public.entities
        WHERE owner_id = $1 AND source = 'twilio' AND external_id = ANY($2::text[]) AND type = 'message'
       UNION ALL
       SELECT NULL, value, entity_id, merged_into_id, deleted FROM held`,
      [ownerId, messageSids, phones],
    );
    const stored = new Set<string>();
    const holders: PhoneHolderRow[] = [];
    for (const row of result.rows) {
      if (row.sid !== null) stored.add(row.sid);
      else if (row.value !== null && row.entity_id !== null)
        holders.push({
          value: row.value,
          entity_id: row.entity_id,
          merged_into_id: row.merged_into_id,
          deleted: !!row.deleted,
        });
    }
    return { stored, persons: await livePersons(tx, ownerId, holders) };
  },

  /**
   * Holds the person of a stored message's thread (`sms:<own>:<person>`) against merges, before
   * the message row is locked: a merge takes persons first and messages last, so a status
   * callback that locked the message first could deadlock with it.
   */
  async holdThreadPerson(tx: Sql, ownerId: string, messageSid: string): Promise<void> {
    const result = await tx.query<{ id: string; merged_into_id: string | null }>(
      `SELECT p.id, p.merged_into_id FROM public.entities p
        WHERE p.owner_id = $1 AND p.type = 'person'
          AND p.id = (SELECT CASE WHEN t.person ~ '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
                                  THEN t.person::uuid END
                        FROM (SELECT split_part(m.properties ->> 'threadId', ':', 3) AS person FROM public.entities m
                               WHERE m.owner_id = $1 AND m.source = 'twilio' AND m.external_id = $2
                                 AND m.type = 'message') t)
        FOR SHARE OF p`,
      [ownerId, messageSid],
    );
    const held = result.rows.map((row) => ({ id: row.id, mergedIntoId: row.merged_into_id }));
    await followMerges(tx, ownerId, held);
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
