import type { Sql } from '../../platform/db/index.ts';

export type SendRow = {
  request_hash: string;
  state: 'pending' | 'done';
  status_code: number | null;
  response: unknown;
  stale: boolean;
};

/** The only SQL of the messages module (made_open.message_sends; graph reads for recipients). */
export const messagesRepository = {
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
