import type { PrincipalKind, PrincipalRef } from '@made-open/shared/principals';
import type { Sql } from '../../platform/db/index.ts';

export interface GrantRow extends Record<string, unknown> {
  principal_kind: PrincipalKind;
  principal_id: string;
  permission: string;
  granted_at: Date | string;
}

/** The only file with the Policy Service's SQL (table made_open.grants). */
export const policyRepository = {
  async grants(
    tx: Sql,
    ownerId: string,
    principal: PrincipalRef,
  ): Promise<{ permission: string; granted_at: Date | string }[]> {
    const { rows } = await tx.query<{ permission: string; granted_at: Date | string }>(
      `SELECT permission, granted_at FROM made_open.grants
       WHERE owner_id = $1 AND principal_kind = $2 AND principal_id = $3 ORDER BY permission`,
      [ownerId, principal.kind, principal.id],
    );
    return rows;
  },

  /** Every grant of the owner (RLS decides which rows a user transaction sees), optionally of one kind. */
  async allGrants(tx: Sql, ownerId: string, kind?: PrincipalKind): Promise<GrantRow[]> {
    const { rows } = await tx.query<GrantRow>(
      `SELECT principal_kind, principal_id, permission, granted_at FROM made_open.grants
       WHERE owner_id = $1 AND ($2::text IS NULL OR principal_kind = $2)
       ORDER BY principal_kind, principal_id, permission`,
      [ownerId, kind ?? null],
    );
    return rows;
  },

  async grant(tx: Sql, ownerId: string, principal: PrincipalRef, permissions: readonly string[]): Promise<string[]> {
    if (permissions.length === 0) return [];
    const { rows } = await tx.query<{ permission: string }>(
      `INSERT INTO made_open.grants (owner_id, principal_kind, principal_id, permission)
       SELECT $1, $2, $3, p FROM unnest($4::text[]) AS p
       ON CONFLICT (owner_id, principal_kind, principal_id, permission) DO NOTHING RETURNING permission`,
      [ownerId, principal.kind, principal.id, permissions],
    );
    return rows.map((r) => r.permission);
  },

  async revoke(tx: Sql, ownerId: string, principal: PrincipalRef, permissions: readonly string[]): Promise<string[]> {
    const { rows } = await tx.query<{ permission: string }>(
      `DELETE FROM made_open.grants
       WHERE owner_id = $1 AND principal_kind = $2 AND principal_id = $3 AND permission = ANY($4::text[])
       RETURNING permission`,
      [ownerId, principal.kind, principal.id, permissions],
    );
    return rows.map((r) => r.permission);
  },

  async revokeAll(tx: Sql, ownerId: string, principal: PrincipalRef): Promise<string[]> {
    const { rows } = await tx.query<{ permission: string }>(
      `DELETE FROM made_open.grants WHERE owner_id = $1 AND principal_kind = $2 AND principal_id = $3
       RETURNING permission`,
      [ownerId, principal.kind, principal.id],
    );
    return rows.map((r) => r.permission);
  },
};

export type PolicyRepository = typeof policyRepository;
