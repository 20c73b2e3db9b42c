import type { Sql } from '../../platform/db/index.ts';

/** A second factor as a user may see it: never the secret. */
export interface FactorRow {
  id: string;
  owner_id: string;
  friendly_name: string | null;
  factor_type: 'totp';
  status: 'unverified' | 'verified';
  created_at: Date;
  updated_at: Date;
  [column: string]: unknown;
}

export interface FactorWithSecretRow extends FactorRow {
  secret: string;
  last_used_step: string | null;
}

export interface ChallengeRow {
  id: string;
  factor_id: string;
  owner_id: string;
  created_at: Date;
  verified_at: Date | null;
  [column: string]: unknown;
}

/** The session's assurance: what the access token's aal and amr say. */
export interface SessionAssuranceRow {
  aal: 'aal1' | 'aal2';
  aal2_at: Date | null;
  aal2_method: 'totp' | 'recovery_code' | null;
  sign_in_method: string;
  created_at: Date;
  [column: string]: unknown;
}

const factorColumns = 'f.id, f.owner_id, f.friendly_name, f.factor_type, f.status, f.created_at, f.updated_at';

export const mfaRepository = {
  async listFactors(tx: Sql, ownerId: string): Promise<FactorRow[]> {
    const { rows } = await tx.query<FactorRow>(
      `SELECT ${factorColumns} FROM made_open.auth_mfa_factors f WHERE f.owner_id = $1 ORDER BY f.created_at, f.id`,
      [ownerId],
    );
    return rows;
  },

  async insertFactor(
    tx: Sql,
    factor: { id: string; ownerId: string; friendlyName: string | null; secret: string },
  ): Promise<FactorRow> {
    const { rows } = await tx.query<FactorRow>(
      `INSERT INTO made_open.auth_mfa_factors AS f (id, owner_id, friendly_name, secret)
       VALUES ($1, $2, $3, $4) RETURNING ${factorColumns}`,
      [factor.id, factor.ownerId, factor.friendlyName, factor.secret],
    );
    return rows[0]!;
  },

  /** Locked: two verifications of one factor serialise, so a code is accepted once. */
  async findFactorForUpdate(tx: Sql, id: string, ownerId: string): Promise<FactorWithSecretRow | undefined> {
    const { rows } = await tx.query<FactorWithSecretRow>(
      `SELECT ${factorColumns}, f.secret, f.last_used_step FROM made_open.auth_mfa_factors f
       WHERE f.id = $1 AND f.owner_id = $2 FOR UPDATE`,
      [id, ownerId],
    );
    return rows[0];
  },

  async markFactorUsed(tx: Sql, id: string, step: number | null): Promise<void> {
    await tx.query(
      `UPDATE made_open.auth_mfa_factors SET status = 'verified', updated_at = now(),
         last_used_step = coalesce($2, last_used_step) WHERE id = $1`,
      [id, step],
    );
  },

  async deleteFactor(tx: Sql, id: string): Promise<void> {
    await tx.query(`DELETE FROM made_open.auth_mfa_factors WHERE id = $1`, [id]);
  },

  /** Unverified factors older than `before`: abandoned enrolments, swept on the next enrolment. */
  async deleteStaleUnverified(tx: Sql, ownerId: string, before: Date): Promise<void> {
    await tx.query(
      `DELETE FROM made_open.auth_mfa_factors WHERE owner_id = $1 AND status = 'unverified' AND created_at < $2`,
      [ownerId, before],
    );
  },

  /** `createdAt` from the service's clock, which also judges its expiry. */
  async insertChallenge(
    tx: Sql,
    challenge: { id: string; factorId: string; ownerId: string; createdAt: Date },
  ): Promise<ChallengeRow> {
    const { rows } = await tx.query<ChallengeRow>(
      `INSERT INTO made_open.auth_mfa_challenges (id, factor_id, owner_id, created_at) VALUES ($1, $2, $3, $4)
       RETURNING id, factor_id, owner_id, created_at, verified_at`,
      [challenge.id, challenge.factorId, challenge.ownerId, challenge.createdAt],
    );
    return rows[0]!;
  },

  async findChallengeForUpdate(tx: Sql, id: string, factorId: string): Promise<ChallengeRow | undefined> {
    const { rows } = await tx.query<ChallengeRow>(
      `SELECT id, factor_id, owner_id, created_at, verified_at FROM made_open.auth_mfa_challenges
       WHERE id = $1 AND factor_id = $2 FOR UPDATE`,
      [id, factorId],
    );
    return rows[0];
  },

  async markChallengeVerified(tx: Sql, id: string): Promise<void> {
    await tx.query(`UPDATE made_open.auth_mfa_challenges SET verified_at = now() WHERE id = $1`, [id]);
  },

  async sessionAssurance(tx: Sql, sessionId: string): Promise<SessionAssuranceRow | undefined> {
    const { rows } = await tx.query<SessionAssuranceRow>(
      `SELECT aal, aal2_at, aal2_method, sign_in_method, created_at FROM made_open.auth_sessions WHERE id = $1`,
      [sessionId],
    );
    return rows[0];
  },

  async raiseSession(tx: Sql, sessionId: string, method: 'totp' | 'recovery_code'): Promise<void> {
    await tx.query(
      `UPDATE made_open.auth_sessions SET aal = 'aal2', aal2_at = now(), aal2_method = $2, updated_at = now()
       WHERE id = $1`,
      [sessionId, method],
    );
  },

  /** Back to aal1: the user has no verified factor left. */
  async lowerSessions(tx: Sql, ownerId: string): Promise<void> {
    await tx.query(
      `UPDATE made_open.auth_sessions SET aal = 'aal1', aal2_at = NULL, aal2_method = NULL, updated_at = now()
       WHERE owner_id = $1 AND aal <> 'aal1'`,
      [ownerId],
    );
  },

  async replaceRecoveryCodes(tx: Sql, ownerId: string, hashesHex: readonly string[]): Promise<void> {
    await tx.query(`DELETE FROM made_open.auth_mfa_recovery_codes WHERE owner_id = $1`, [ownerId]);
    await tx.query(
      `INSERT INTO made_open.auth_mfa_recovery_codes (owner_id, code_hash)
       SELECT $1, decode(h, 'hex') FROM unnest($2::text[]) AS h`,
      [ownerId, hashesHex],
    );
  },

  /** Spends one unused recovery code; false when it is unknown or spent. */
  async spendRecoveryCode(tx: Sql, ownerId: string, hashHex: string): Promise<boolean> {
    const { rows } = await tx.query(
      `UPDATE made_open.auth_mfa_recovery_codes SET used_at = now()
       WHERE owner_id = $1 AND code_hash = decode($2, 'hex') AND used_at IS NULL RETURNING id`,
      [ownerId, hashHex],
    );
    return rows.length > 0;
  },

  async deleteRecoveryCodes(tx: Sql, ownerId: string): Promise<void> {
    await tx.query(`DELETE FROM made_open.auth_mfa_recovery_codes WHERE owner_id = $1`, [ownerId]);
  },

  async unusedRecoveryCodes(tx: Sql, ownerId: string): Promise<number> {
    const { rows } = await tx.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM made_open.auth_mfa_recovery_codes WHERE owner_id = $1 AND used_at IS NULL`,
      [ownerId],
    );
    return rows[0]?.n ?? 0;
  },
};

export type MfaRepository = typeof mfaRepository;
