import type { Sql } from '../../platform/db/index.ts';
import type { UserRow } from './auth.repository.ts';

const userColumns = `u.id, u.aud, u.role, u.email, u.email_confirmed_at, u.phone, u.confirmed_at, u.last_sign_in_at,
  u.raw_app_meta_data, u.raw_user_meta_data, u.created_at, u.updated_at, u.is_anonymous, u.banned_until, u.deleted_at`;

/** The admin API's SQL (GET/POST/PUT/DELETE /auth/v1/admin/users), run as service_role. */
export const adminRepository = {
  /** One page, newest first (GoTrue's order), and the total for X-Total-Count. */
  async listUsers(tx: Sql, page: { limit: number; offset: number }): Promise<{ rows: UserRow[]; total: number }> {
    const { rows } = await tx.query<UserRow>(
      `SELECT ${userColumns} FROM auth.users u WHERE u.deleted_at IS NULL
       ORDER BY u.created_at DESC, u.id LIMIT $1 OFFSET $2`,
      [page.limit, page.offset],
    );
    const count = await tx.query<{ total: string }>(
      `SELECT count(*) AS total FROM auth.users WHERE deleted_at IS NULL`,
    );
    return { rows, total: Number(count.rows[0]!.total) };
  },

  async insertUser(
    tx: Sql,
    user: {
      id: string;
      email: string;
      encryptedPassword: string;
      emailConfirmed: boolean;
      userMetadata: Record<string, unknown>;
      appMetadata: Record<string, unknown>;
      bannedUntil: Date | null;
    },
  ): Promise<UserRow> {
    const { rows } = await tx.query<UserRow>(
      `INSERT INTO auth.users AS u (instance_id, id, aud, role, email, encrypted_password, email_confirmed_at,
         raw_app_meta_data, raw_user_meta_data, banned_until, created_at, updated_at, is_sso_user, is_anonymous)
       VALUES ('00000000-0000-0000-0000-000000000000', $1, 'authenticated', 'authenticated', $2, $3,
         CASE WHEN $4::boolean THEN now() END, $5::jsonb, $6::jsonb, $7, now(), now(), false, false)
       RETURNING ${userColumns}`,
      [
        user.id,
        user.email,
        user.encryptedPassword,
        user.emailConfirmed,
        JSON.stringify(user.appMetadata),
        JSON.stringify(user.userMetadata),
        user.bannedUntil,
      ],
    );
    return rows[0]!;
  },

  async updateUser(
    tx: Sql,
    id: string,
    changes: {
      email?: string;
      encryptedPassword?: string;
      emailConfirmed?: boolean;
      userMetadata?: Record<string, unknown>;
      appMetadata?: Record<string, unknown>;
      /** undefined: unchanged; null: lift a ban. */
      bannedUntil?: Date | null;
    },
  ): Promise<UserRow> {
    const { rows } = await tx.query<UserRow>(
      `UPDATE auth.users AS u SET
         email = coalesce($2, u.email),
         encrypted_password = coalesce($3, u.encrypted_password),
         email_confirmed_at = CASE WHEN $4::boolean IS NULL THEN u.email_confirmed_at
                                   WHEN $4::boolean THEN coalesce(u.email_confirmed_at, now()) ELSE NULL END,
         raw_user_meta_data = coalesce($5::jsonb, u.raw_user_meta_data),
         raw_app_meta_data = coalesce($6::jsonb, u.raw_app_meta_data),
         banned_until = CASE WHEN $7::boolean THEN $8::timestamptz ELSE u.banned_until END,
         updated_at = now()
       WHERE u.id = $1
       RETURNING ${userColumns}`,
      [
        id,
        changes.email ?? null,
        changes.encryptedPassword ?? null,
        changes.emailConfirmed ?? null,
        changes.userMetadata === undefined ? null : JSON.stringify(changes.userMetadata),
        changes.appMetadata === undefined ? null : JSON.stringify(changes.appMetadata),
        changes.bannedUntil !== undefined,
        changes.bannedUntil ?? null,
      ],
    );
    return rows[0]!;
  },

  /** Hard delete: every table that references auth.users goes with it (ON DELETE CASCADE). */
  async deleteUser(tx: Sql, id: string): Promise<void> {
    await tx.query(`DELETE FROM auth.users WHERE id = $1`, [id]);
  },

  /** GoTrue's soft delete: the row stays, marked deleted, its email freed for a new account. */
  async softDeleteUser(tx: Sql, id: string): Promise<void> {
    await tx.query(
      `UPDATE auth.users SET deleted_at = now(), updated_at = now(),
         email = 'deleted-' || id::text || '@deleted.invalid', encrypted_password = ''
       WHERE id = $1`,
      [id],
    );
  },
};
