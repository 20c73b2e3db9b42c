import type { Sql } from '../../platform/db/index.ts';

/** The sender row (migrations/0005); the password stays sealed until a mail goes out. */
export interface EmailSenderRow {
  host: string;
  port: number;
  secure: boolean;
  username: string | null;
  password_sealed: Buffer | null;
  from_address: string;
  updated_at: Date;
  [column: string]: unknown;
}

export interface EmailSenderInput {
  host: string;
  port: number;
  secure: boolean;
  username: string | null;
  /** undefined: keep the stored one. */
  password?: string | null;
  from: string;
}

export type OneTimeTokenType = 'confirmation' | 'recovery' | 'magiclink';

export interface OneTimeTokenRow {
  id: string;
  user_id: string;
  token_type: OneTimeTokenType;
  email: string;
  created_at: Date;
  [column: string]: unknown;
}

export const emailRepository = {
  async find(tx: Sql): Promise<EmailSenderRow | undefined> {
    const { rows } = await tx.query<EmailSenderRow>(
      `SELECT host, port, secure, username, password_sealed, from_address, updated_at FROM made_open.auth_email_sender`,
    );
    return rows[0];
  },
  async save(tx: Sql, input: EmailSenderInput, sealed: Buffer | null | undefined, by: string): Promise<void> {
    await tx.query(
      `INSERT INTO made_open.auth_email_sender AS s (singleton, host, port, secure, username, password_sealed, from_address, updated_by)
       VALUES (true, $1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (singleton) DO UPDATE SET host = $1, port = $2, secure = $3, username = $4,
         password_sealed = CASE WHEN $8 THEN s.password_sealed ELSE $5 END,
         from_address = $6, updated_by = $7, updated_at = now()`,
      [input.host, input.port, input.secure, input.username, sealed ?? null, input.from, by, sealed === undefined],
    );
  },
  async remove(tx: Sql): Promise<void> {
    await tx.query(`DELETE FROM made_open.auth_email_sender`);
  },

  /** The live token of this kind for a user, locked: two sends at once serialise on it. */
  async lastToken(tx: Sql, userId: string, type: OneTimeTokenType): Promise<OneTimeTokenRow | undefined> {
    const { rows } = await tx.query<OneTimeTokenRow>(
      `SELECT id, user_id, token_type, email, created_at FROM made_open.auth_one_time_tokens
       WHERE user_id = $1 AND token_type = $2 FOR UPDATE`,
      [userId, type],
    );
    return rows[0];
  },

  /** Replaces the user's token of this kind (one live link per kind, as GoTrue). */
  async putToken(
    tx: Sql,
    token: { id: string; userId: string; type: OneTimeTokenType; hashHex: string; email: string; createdAt: Date },
  ): Promise<void> {
    await tx.query(`DELETE FROM made_open.auth_one_time_tokens WHERE user_id = $1 AND token_type = $2`, [
      token.userId,
      token.type,
    ]);
    await tx.query(
      `INSERT INTO made_open.auth_one_time_tokens (id, user_id, token_type, token_hash, email, created_at)
       VALUES ($1, $2, $3, decode($4, 'hex'), $5, $6)`,
      [token.id, token.userId, token.type, token.hashHex, token.email, token.createdAt],
    );
  },

  async deleteToken(tx: Sql, id: string): Promise<void> {
    await tx.query(`DELETE FROM made_open.auth_one_time_tokens WHERE id = $1`, [id]);
  },

  /** Takes a token out (single use): the row if it was there and of one of these kinds. */
  async takeToken(tx: Sql, hashHex: string, types: readonly OneTimeTokenType[]): Promise<OneTimeTokenRow | undefined> {
    const { rows } = await tx.query<OneTimeTokenRow>(
      `DELETE FROM made_open.auth_one_time_tokens WHERE token_hash = decode($1, 'hex') AND token_type = ANY($2::text[])
       RETURNING id, user_id, token_type, email, created_at`,
      [hashHex, types],
    );
    return rows[0];
  },
};

export type EmailRepository = typeof emailRepository;
