import type { Sql } from '../../platform/db/index.ts';

/** The only file with the Policy Service's SQL. */
export const policyRepository = {
  async grants(
    tx: Sql,
    ownerId: string,
    pluginId: string,
  ): Promise<{ permission: string; granted_at: Date | string }[]> {
    const { rows } = await tx.query<{ permission: string; granted_at: Date | string }>(
      `SELECT permission, granted_at FROM made_open.plugin_grants WHERE owner_id = $1 AND plugin_id = $2 ORDER BY permission`,
      [ownerId, pluginId],
    );
    return rows;
  },

  async grant(tx: Sql, ownerId: string, pluginId: string, permissions: readonly string[]): Promise<string[]> {
    if (permissions.length === 0) return [];
    const { rows } = await tx.query<{ permission: string }>(
      `INSERT INTO made_open.plugin_grants (owner_id, plugin_id, permission)
       SELECT $1, $2, p FROM unnest($3::text[]) AS p
       ON CONFLICT (owner_id, plugin_id, permission) DO NOTHING RETURNING permission`,
      [ownerId, pluginId, permissions],
    );
    return rows.map((r) => r.permission);
  },

  async revoke(tx: Sql, ownerId: string, pluginId: string, permissions: readonly string[]): Promise<string[]> {
    const { rows } = await tx.query<{ permission: string }>(
      `DELETE FROM made_open.plugin_grants WHERE owner_id = $1 AND plugin_id = $2 AND permission = ANY($3::text[]) RETURNING permission`,
      [ownerId, pluginId, permissions],
    );
    return rows.map((r) => r.permission);
  },

  async revokeAll(tx: Sql, ownerId: string, pluginId: string): Promise<string[]> {
    const { rows } = await tx.query<{ permission: string }>(
      `DELETE FROM made_open.plugin_grants WHERE owner_id = $1 AND plugin_id = $2 RETURNING permission`,
      [ownerId, pluginId],
    );
    return rows.map((r) => r.permission);
  },
};

export type PolicyRepository = typeof policyRepository;
