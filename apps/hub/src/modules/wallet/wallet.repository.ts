import type { Sql } from '../../platform/db/index.ts';
import type { CredentialType } from './wallet.schemas.ts';

export interface CredentialRow {
  id: string;
  owner_id: string;
  type: CredentialType;
  name: string;
  hints: Record<string, string>;
  fields: string[];
  ciphertext: string;
  wrapped_key: string;
  kek_id: string;
  last_tested_at: Date | string | null;
  last_test_ok: boolean | null;
  last_test_message: string | null;
  created_at: Date | string;
  updated_at: Date | string;
}

const columns = `id, owner_id, type, name, hints, fields, ciphertext, wrapped_key, kek_id, last_tested_at, last_test_ok, last_test_message, created_at, updated_at`;

export interface NewCredentialRow {
  id: string;
  ownerId: string;
  type: CredentialType;
  name: string;
  hints: Record<string, string>;
  fields: string[];
  ciphertext: string;
  wrappedKey: string;
  kekId: string;
}

/** The only file that knows the wallet's SQL. Every method takes the transaction. */
export const walletRepository = {
  async insert(tx: Sql, row: NewCredentialRow): Promise<CredentialRow> {
    const { rows } = await tx.query<CredentialRow & Record<string, unknown>>(
      `INSERT INTO made_open.credentials (id, owner_id, type, name, hints, fields, ciphertext, wrapped_key, kek_id)
       VALUES ($1, $2, $3, $4, $5::jsonb, $6::text[], $7, $8, $9) RETURNING ${columns}`,
      [
        row.id,
        row.ownerId,
        row.type,
        row.name,
        JSON.stringify(row.hints),
        row.fields,
        row.ciphertext,
        row.wrappedKey,
        row.kekId,
      ],
    );
    return rows[0]!;
  },

  async replace(tx: Sql, row: NewCredentialRow): Promise<CredentialRow | undefined> {
    const { rows } = await tx.query<CredentialRow & Record<string, unknown>>(
      `UPDATE made_open.credentials
          SET type = $3, name = $4, hints = $5::jsonb, fields = $6::text[], ciphertext = $7, wrapped_key = $8, kek_id = $9,
              last_tested_at = NULL, last_test_ok = NULL, last_test_message = NULL, updated_at = now()
        WHERE id = $1 AND owner_id = $2 RETURNING ${columns}`,
      [
        row.id,
        row.ownerId,
        row.type,
        row.name,
        JSON.stringify(row.hints),
        row.fields,
        row.ciphertext,
        row.wrappedKey,
        row.kekId,
      ],
    );
    return rows[0];
  },

  /** The credential row locked, for a read-modify-write of its secret (addSecretFields). */
  async lock(tx: Sql, ownerId: string, id: string): Promise<CredentialRow | undefined> {
    const { rows } = await tx.query<CredentialRow & Record<string, unknown>>(
      `SELECT ${columns} FROM made_open.credentials WHERE id = $1 AND owner_id = $2 FOR UPDATE`,
      [id, ownerId],
    );
    return rows[0];
  },

  /** A new ciphertext for the same credential; its test result stands (the tested fields are unchanged). */
  async reseal(tx: Sql, row: NewCredentialRow): Promise<void> {
    await tx.query(
      `UPDATE made_open.credentials
          SET hints = $3::jsonb, fields = $4::text[], ciphertext = $5, wrapped_key = $6, kek_id = $7, updated_at = now()
        WHERE id = $1 AND owner_id = $2`,
      [row.id, row.ownerId, JSON.stringify(row.hints), row.fields, row.ciphertext, row.wrappedKey, row.kekId],
    );
  },

  async get(tx: Sql, ownerId: string, id: string): Promise<CredentialRow | undefined> {
    const { rows } = await tx.query<CredentialRow & Record<string, unknown>>(
      `SELECT ${columns} FROM made_open.credentials WHERE id = $1 AND owner_id = $2`,
      [id, ownerId],
    );
    return rows[0];
  },

  async list(tx: Sql, ownerId: string): Promise<CredentialRow[]> {
    const { rows } = await tx.query<CredentialRow & Record<string, unknown>>(
      `SELECT ${columns} FROM made_open.credentials WHERE owner_id = $1 ORDER BY created_at, id`,
      [ownerId],
    );
    return rows;
  },

  /** What the capabilities read: each credential's type, name and last test result. */
  async testStates(
    tx: Sql,
    ownerId: string,
  ): Promise<{ type: CredentialType; name: string; lastTestOk: boolean | null }[]> {
    const { rows } = await tx.query<{ type: CredentialType; name: string; last_test_ok: boolean | null }>(
      `SELECT type, name, last_test_ok FROM made_open.credentials WHERE owner_id = $1 ORDER BY created_at, id`,
      [ownerId],
    );
    return rows.map((r) => ({ type: r.type, name: r.name, lastTestOk: r.last_test_ok }));
  },

  async delete(tx: Sql, ownerId: string, id: string): Promise<CredentialRow | undefined> {
    const { rows } = await tx.query<CredentialRow & Record<string, unknown>>(
      `DELETE FROM made_open.credentials WHERE id = $1 AND owner_id = $2 RETURNING ${columns}`,
      [id, ownerId],
    );
    return rows[0];
  },

  /**
   * Keeps the test's result and reason, if the credential still holds the tested secret
   * (`ciphertext`); undefined when it was replaced or removed meanwhile.
   */
  async recordTest(
    tx: Sql,
    ownerId: string,
    id: string,
    ciphertext: string,
    result: { ok: boolean; message: string },
  ): Promise<CredentialRow | undefined> {
    const { rows } = await tx.query<CredentialRow & Record<string, unknown>>(
      `UPDATE made_open.credentials SET last_tested_at = now(), last_test_ok = $4, last_test_message = $5
        WHERE id = $1 AND owner_id = $2 AND ciphertext = $3 RETURNING ${columns}`,
      [id, ownerId, ciphertext, result.ok, result.message.slice(0, 1000)],
    );
    return rows[0];
  },

  /** System work (key rotation): every row, locked for the rotating transaction. */
  async lockAllKeys(
    tx: Sql,
  ): Promise<Pick<CredentialRow, 'id' | 'owner_id' | 'ciphertext' | 'wrapped_key' | 'kek_id'>[]> {
    const { rows } = await tx.query<
      Pick<CredentialRow, 'id' | 'owner_id' | 'ciphertext' | 'wrapped_key' | 'kek_id'> & Record<string, unknown>
    >(`SELECT id, owner_id, ciphertext, wrapped_key, kek_id FROM made_open.credentials ORDER BY id FOR UPDATE`);
    return rows;
  },

  async rewrap(tx: Sql, rows: readonly { id: string; wrappedKey: string; kekId: string }[]): Promise<void> {
    if (rows.length === 0) return;
    await tx.query(
      `UPDATE made_open.credentials AS c SET wrapped_key = r.wrapped_key, kek_id = r.kek_id
         FROM jsonb_to_recordset($1::jsonb) AS r(id uuid, wrapped_key text, kek_id text)
        WHERE c.id = r.id`,
      [JSON.stringify(rows.map((r) => ({ id: r.id, wrapped_key: r.wrappedKey, kek_id: r.kekId })))],
    );
  },
};

export type WalletRepository = typeof walletRepository;
