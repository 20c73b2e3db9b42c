import type { Sql } from '../../platform/db/index.ts';
import type { FactorRow } from './auth.mfa.repository.ts';

/** A factor as json_agg returns it: timestamps as strings. */
export interface FactorJsonRow {
  id: string;
  friendly_name: string | null;
  factor_type: FactorRow['factor_type'];
  status: FactorRow['status'];
  created_at: string;
  updated_at: string;
}

/** The auth.users columns the hub reads (Supabase's names). */
export interface UserRow {
  id: string;
  aud: string | null;
  role: string | null;
  email: string;
  email_confirmed_at: Date | null;
  phone: string | null;
  confirmed_at: Date | null;
  last_sign_in_at: Date | null;
  raw_app_meta_data: Record<string, unknown> | null;
  raw_user_meta_data: Record<string, unknown> | null;
  created_at: Date;
  updated_at: Date;
  is_anonymous: boolean;
  banned_until: Date | null;
  deleted_at: Date | null;
  [column: string]: unknown;
}

export interface UserWithPasswordRow extends UserRow {
  encrypted_password: string | null;
}

export interface RefreshTokenRow {
  id: string;
  owner_id: string;
  session_id: string;
  revoked: boolean;
  /** Seconds since the token was spent (rotated); null while it is live. */
  spent_seconds_ago: number | null;
  session_revoked_at: Date | null;
  /** The session's assurance (migrations/0006), for the refreshed token's aal and amr. */
  session_created_at: Date;
  session_sign_in_method: SignInMethod;
  session_aal2_at: Date | null;
  session_aal2_method: 'totp' | 'recovery_code' | null;
  [column: string]: unknown;
}

export interface SignInFailureRow {
  failures: number;
  lockouts: number;
  last_failed_at: Date;
  locked_until: Date | null;
  [column: string]: unknown;
}

/** How a session began (amr's first method; migrations/0005). */
export type SignInMethod = 'password' | 'otp' | 'magiclink' | 'recovery' | 'email/signup';

export type SessionRevocationReason = 'logout' | 'refresh_token_reuse' | 'password_changed';

/** Readable by the user themselves (column grants): no password hash. */
const userColumns = `u.id, u.aud, u.role, u.email, u.email_confirmed_at, u.phone, u.confirmed_at, u.last_sign_in_at,
  u.raw_app_meta_data, u.raw_user_meta_data, u.created_at, u.updated_at, u.is_anonymous, u.banned_until, u.deleted_at`;

export const authRepository = {
  async insertUser(
    tx: Sql,
    user: {
      id: string;
      email: string;
      /** null: an account made by a magic link or code, without a password yet. */
      encryptedPassword: string | null;
      userMetadata: Record<string, unknown>;
      /** false: the email is confirmed only when a mailed link or code is used. */
      confirmed?: boolean;
    },
  ): Promise<UserRow> {
    const { rows } = await tx.query<UserRow>(
      `INSERT INTO auth.users AS u (instance_id, id, aud, role, email, encrypted_password, email_confirmed_at,
         raw_app_meta_data, raw_user_meta_data, created_at, updated_at, last_sign_in_at, is_sso_user, is_anonymous)
       VALUES ('00000000-0000-0000-0000-000000000000', $1, 'authenticated', 'authenticated', $2, $3,
         CASE WHEN $5 THEN now() END,
         '{"provider": "email", "providers": ["email"]}'::jsonb, $4::jsonb, now(), now(), CASE WHEN $5 THEN now() END,
         false, false)
       RETURNING ${userColumns}`,
      [user.id, user.email, user.encryptedPassword, JSON.stringify(user.userMetadata), user.confirmed ?? true],
    );
    return rows[0]!;
  },

  async findUserByEmail(tx: Sql, email: string): Promise<UserWithPasswordRow | undefined> {
    const { rows } = await tx.query<UserWithPasswordRow>(
      `SELECT ${userColumns}, u.encrypted_password FROM auth.users u WHERE lower(u.email) = lower($1) LIMIT 1`,
      [email],
    );
    return rows[0];
  },

  async emailTakenByOther(tx: Sql, email: string, userId: string): Promise<boolean> {
    const { rows } = await tx.query(`SELECT 1 FROM auth.users WHERE lower(email) = lower($1) AND id <> $2 LIMIT 1`, [
      email,
      userId,
    ]);
    return rows.length > 0;
  },

  async findUserById(tx: Sql, id: string, lock = false): Promise<UserWithPasswordRow | undefined> {
    const { rows } = await tx.query<UserWithPasswordRow>(
      `SELECT ${userColumns}, u.encrypted_password FROM auth.users u WHERE u.id = $1${lock ? ' FOR UPDATE' : ''}`,
      [id],
    );
    return rows[0];
  },

  /**
   * The signed-in user's own row and whether their session is still active, in one
   * statement under their RLS (auth.uid() is the token's sub).
   */
  async findSelfWithSession(
    tx: Sql,
    sessionId: string | null,
  ): Promise<(UserRow & { session_active: boolean; factors: FactorJsonRow[] }) | undefined> {
    const { rows } = await tx.query<UserRow & { session_active: boolean; factors: FactorJsonRow[] }>(
      `SELECT ${userColumns},
         EXISTS (SELECT 1 FROM made_open.auth_sessions s
                 WHERE s.id = $1::uuid AND s.owner_id = u.id AND s.revoked_at IS NULL) AS session_active,
         coalesce((SELECT json_agg(json_build_object('id', f.id, 'owner_id', f.owner_id, 'friendly_name', f.friendly_name,
                     'factor_type', f.factor_type, 'status', f.status, 'created_at', f.created_at, 'updated_at', f.updated_at)
                     ORDER BY f.created_at, f.id)
                   FROM made_open.auth_mfa_factors f WHERE f.owner_id = u.id), '[]'::json) AS factors
       FROM auth.users u WHERE u.id = (SELECT auth.uid())`,
      [sessionId],
    );
    return rows[0];
  },

  async updateUser(
    tx: Sql,
    id: string,
    changes: { email?: string; encryptedPassword?: string; userMetadata?: Record<string, unknown> },
  ): Promise<UserRow> {
    const { rows } = await tx.query<UserRow>(
      `UPDATE auth.users AS u SET
         email = coalesce($2, u.email),
         email_confirmed_at = CASE WHEN $2::text IS NULL THEN u.email_confirmed_at ELSE now() END,
         encrypted_password = coalesce($3, u.encrypted_password),
         raw_user_meta_data = coalesce($4::jsonb, u.raw_user_meta_data),
         updated_at = now()
       WHERE u.id = $1
       RETURNING ${userColumns}`,
      [
        id,
        changes.email ?? null,
        changes.encryptedPassword ?? null,
        changes.userMetadata === undefined ? null : JSON.stringify(changes.userMetadata),
      ],
    );
    return rows[0]!;
  },

  async recordSignIn(tx: Sql, id: string, rehashed?: string): Promise<UserRow> {
    const { rows } = await tx.query<UserRow>(
      `UPDATE auth.users AS u SET last_sign_in_at = now(), updated_at = now(),
         encrypted_password = coalesce($2, u.encrypted_password)
       WHERE u.id = $1 RETURNING ${userColumns}`,
      [id, rehashed ?? null],
    );
    return rows[0]!;
  },

  async createSession(
    tx: Sql,
    session: { id: string; ownerId: string; userAgent: string | null; method?: SignInMethod },
  ): Promise<void> {
    await tx.query(
      `INSERT INTO made_open.auth_sessions (id, owner_id, user_agent, sign_in_method) VALUES ($1, $2, $3, $4)`,
      [session.id, session.ownerId, session.userAgent, session.method ?? 'password'],
    );
  },

  /** A mailed link or code was used: the address is the user's. */
  async confirmEmail(tx: Sql, id: string): Promise<void> {
    await tx.query(
      `UPDATE auth.users SET email_confirmed_at = coalesce(email_confirmed_at, now()), updated_at = now() WHERE id = $1`,
      [id],
    );
  },

  async setPassword(tx: Sql, id: string, encryptedPassword: string): Promise<void> {
    await tx.query(`UPDATE auth.users SET encrypted_password = $2, updated_at = now() WHERE id = $1`, [
      id,
      encryptedPassword,
    ]);
  },

  async insertRefreshToken(
    tx: Sql,
    token: { hashHex: string; ownerId: string; sessionId: string; parentId: string | null },
  ): Promise<void> {
    await tx.query(
      `INSERT INTO made_open.auth_refresh_tokens (token_hash, owner_id, session_id, parent_id)
       VALUES (decode($1, 'hex'), $2, $3, $4)`,
      [token.hashHex, token.ownerId, token.sessionId, token.parentId],
    );
  },

  /** Locks the token row: two refreshes with one token serialise here, and the second sees it spent. */
  async findRefreshTokenForUpdate(tx: Sql, hashHex: string): Promise<RefreshTokenRow | undefined> {
    const { rows } = await tx.query<RefreshTokenRow>(
      `SELECT t.id, t.owner_id, t.session_id, t.revoked, s.revoked_at AS session_revoked_at,
         CASE WHEN t.revoked THEN extract(epoch FROM clock_timestamp() - t.updated_at)::float8 END AS spent_seconds_ago,
         s.created_at AS session_created_at, s.sign_in_method AS session_sign_in_method, s.aal2_at AS session_aal2_at, s.aal2_method AS session_aal2_method
       FROM made_open.auth_refresh_tokens t
       JOIN made_open.auth_sessions s ON s.id = t.session_id
       WHERE t.token_hash = decode($1, 'hex')
       FOR UPDATE OF t`,
      [hashHex],
    );
    return rows[0];
  },

  async spendRefreshToken(tx: Sql, tokenId: string, sessionId: string): Promise<void> {
    await tx.query(
      `WITH spent AS (
         UPDATE made_open.auth_refresh_tokens SET revoked = true, updated_at = now() WHERE id = $1
       )
       UPDATE made_open.auth_sessions SET refreshed_at = now(), updated_at = now() WHERE id = $2`,
      [tokenId, sessionId],
    );
  },

  /**
   * Ends sessions of one user and revokes their refresh tokens. `only` limits it to one
   * session, `except` spares one; neither means all. Returns the ids it ended.
   */
  async revokeSessions(
    tx: Sql,
    ownerId: string,
    reason: SessionRevocationReason,
    select: { only?: string; except?: string } = {},
  ): Promise<string[]> {
    const { rows } = await tx.query<{ id: string }>(
      `WITH ended AS (
         UPDATE made_open.auth_sessions SET revoked_at = now(), revoked_reason = $2, updated_at = now()
         WHERE owner_id = $1 AND revoked_at IS NULL
           AND ($3::uuid IS NULL OR id = $3::uuid)
           AND ($4::uuid IS NULL OR id <> $4::uuid)
         RETURNING id
       ), tokens AS (
         UPDATE made_open.auth_refresh_tokens SET revoked = true, updated_at = now()
         WHERE session_id IN (SELECT id FROM ended) AND NOT revoked
       )
       SELECT id FROM ended`,
      [ownerId, reason, select.only ?? null, select.except ?? null],
    );
    return rows.map((r) => r.id);
  },

  /**
   * Whether the caller's own session is active, under their RLS (auth.uid() is the token's
   * sub): one indexed read, one round trip with queryAsUser. A deleted session is ended.
   */
  async isOwnSessionActive(tx: Sql, sessionId: string): Promise<boolean> {
    const { rows } = await tx.query<{ active: boolean }>(
      `SELECT revoked_at IS NULL AS active FROM made_open.auth_sessions WHERE id = $1::uuid`,
      [sessionId],
    );
    return rows[0]?.active === true;
  },

  /**
   * The failure count of one email, locked until the caller's transaction ends. The row is
   * created first when absent, so two first attempts at once also wait for each other.
   */
  async lockSignInFailures(tx: Sql, emailHashHex: string, now: Date): Promise<SignInFailureRow> {
    await tx.query(
      `INSERT INTO made_open.auth_sign_in_failures (email_hash, failures, last_failed_at)
       VALUES (decode($1, 'hex'), 0, $2) ON CONFLICT (email_hash) DO NOTHING`,
      [emailHashHex, now],
    );
    const { rows } = await tx.query<SignInFailureRow>(
      `SELECT failures, lockouts, last_failed_at, locked_until FROM made_open.auth_sign_in_failures
       WHERE email_hash = decode($1, 'hex') FOR UPDATE`,
      [emailHashHex],
    );
    return rows[0]!;
  },

  async saveSignInFailures(
    tx: Sql,
    emailHashHex: string,
    state: { failures: number; lockouts: number; lastFailedAt: number; lockedUntil: number | null },
  ): Promise<void> {
    await tx.query(
      `UPDATE made_open.auth_sign_in_failures SET failures = $2, lockouts = $3, last_failed_at = $4, locked_until = $5
       WHERE email_hash = decode($1, 'hex')`,
      [
        emailHashHex,
        state.failures,
        state.lockouts,
        new Date(state.lastFailedAt),
        state.lockedUntil === null ? null : new Date(state.lockedUntil),
      ],
    );
  },

  async clearSignInFailures(tx: Sql, emailHashHex: string): Promise<void> {
    await tx.query(`DELETE FROM made_open.auth_sign_in_failures WHERE email_hash = decode($1, 'hex')`, [emailHashHex]);
  },

  async pruneSignInFailures(tx: Sql, quietBefore: Date): Promise<void> {
    await tx.query(
      `DELETE FROM made_open.auth_sign_in_failures
       WHERE last_failed_at < $1 AND (locked_until IS NULL OR locked_until < $1)`,
      [quietBefore],
    );
  },

  async isSessionActive(tx: Sql, sessionId: string, ownerId: string): Promise<boolean> {
    const { rows } = await tx.query(
      `SELECT 1 FROM made_open.auth_sessions WHERE id = $1 AND owner_id = $2 AND revoked_at IS NULL`,
      [sessionId, ownerId],
    );
    return rows.length > 0;
  },
};

export type AuthRepository = typeof authRepository;
