import type { Sql } from '../../platform/db/index.ts';

export interface InstallationRow {
  owner_id: string;
  plugin_id: string;
  version: string;
  manifest: unknown;
  bundle: string;
  bundle_sha256: string;
  status: 'pending_consent' | 'enabled' | 'disabled';
  /** Set when the hub changed the status (a crash), cleared by any change the user makes. */
  status_reason: string | null;
  config: Record<string, string | number | boolean>;
  credential_bindings: Record<string, { credentialId: string; handle: string }>;
  installed_at: Date | string;
  updated_at: Date | string;
}

const columns =
  'owner_id, plugin_id, version, manifest, bundle, bundle_sha256, status, status_reason, config, credential_bindings, installed_at, updated_at';
type R = InstallationRow & Record<string, unknown>;

/** The only file with the plugin manager's SQL. */
export const pluginsRepository = {
  async get(tx: Sql, ownerId: string, pluginId: string): Promise<InstallationRow | undefined> {
    const { rows } = await tx.query<R>(
      `SELECT ${columns} FROM made_open.plugin_installations WHERE owner_id = $1 AND plugin_id = $2`,
      [ownerId, pluginId],
    );
    return rows[0];
  },

  async list(tx: Sql, ownerId: string): Promise<InstallationRow[]> {
    const { rows } = await tx.query<R>(
      `SELECT ${columns} FROM made_open.plugin_installations WHERE owner_id = $1 ORDER BY plugin_id`,
      [ownerId],
    );
    return rows;
  },

  /** System: every enabled installation (trigger index). */
  async listEnabled(tx: Sql): Promise<Pick<InstallationRow, 'owner_id' | 'plugin_id' | 'manifest'>[]> {
    const { rows } = await tx.query<
      Pick<InstallationRow, 'owner_id' | 'plugin_id' | 'manifest'> & Record<string, unknown>
    >(`SELECT owner_id, plugin_id, manifest FROM made_open.plugin_installations WHERE status = 'enabled'`);
    return rows;
  },

  async insert(
    tx: Sql,
    row: Pick<
      InstallationRow,
      'owner_id' | 'plugin_id' | 'version' | 'manifest' | 'bundle' | 'bundle_sha256' | 'status'
    >,
  ): Promise<InstallationRow> {
    const { rows } = await tx.query<R>(
      `INSERT INTO made_open.plugin_installations (owner_id, plugin_id, version, manifest, bundle, bundle_sha256, status)
       VALUES ($1, $2, $3, $4::jsonb, $5, $6, $7) RETURNING ${columns}`,
      [
        row.owner_id,
        row.plugin_id,
        row.version,
        JSON.stringify(row.manifest),
        row.bundle,
        row.bundle_sha256,
        row.status,
      ],
    );
    return rows[0]!;
  },

  async upgrade(
    tx: Sql,
    row: Pick<
      InstallationRow,
      'owner_id' | 'plugin_id' | 'version' | 'manifest' | 'bundle' | 'bundle_sha256' | 'status'
    >,
  ): Promise<InstallationRow> {
    const { rows } = await tx.query<R>(
      `UPDATE made_open.plugin_installations SET version = $3, manifest = $4::jsonb, bundle = $5, bundle_sha256 = $6, status = $7, status_reason = NULL, updated_at = now()
        WHERE owner_id = $1 AND plugin_id = $2 RETURNING ${columns}`,
      [
        row.owner_id,
        row.plugin_id,
        row.version,
        JSON.stringify(row.manifest),
        row.bundle,
        row.bundle_sha256,
        row.status,
      ],
    );
    return rows[0]!;
  },

  async setStatus(
    tx: Sql,
    ownerId: string,
    pluginId: string,
    status: InstallationRow['status'],
    reason: string | null = null,
  ): Promise<InstallationRow | undefined> {
    const { rows } = await tx.query<R>(
      `UPDATE made_open.plugin_installations SET status = $3, status_reason = $4, updated_at = now() WHERE owner_id = $1 AND plugin_id = $2 RETURNING ${columns}`,
      [ownerId, pluginId, status, reason],
    );
    return rows[0];
  },

  async configure(
    tx: Sql,
    ownerId: string,
    pluginId: string,
    config: unknown,
    bindings: unknown,
    status: InstallationRow['status'],
  ): Promise<InstallationRow | undefined> {
    const { rows } = await tx.query<R>(
      `UPDATE made_open.plugin_installations SET config = $3::jsonb, credential_bindings = $4::jsonb, status = $5, status_reason = NULL, updated_at = now()
        WHERE owner_id = $1 AND plugin_id = $2 RETURNING ${columns}`,
      [ownerId, pluginId, JSON.stringify(config), JSON.stringify(bindings), status],
    );
    return rows[0];
  },

  async delete(tx: Sql, ownerId: string, pluginId: string): Promise<boolean> {
    const result = await tx.query(`DELETE FROM made_open.plugin_installations WHERE owner_id = $1 AND plugin_id = $2`, [
      ownerId,
      pluginId,
    ]);
    return result.rowCount > 0;
  },

  async storageGet(tx: Sql, ownerId: string, pluginId: string, key: string): Promise<unknown> {
    const { rows } = await tx.query<{ value: unknown }>(
      `SELECT value FROM made_open.plugin_storage WHERE owner_id = $1 AND plugin_id = $2 AND key = $3`,
      [ownerId, pluginId, key],
    );
    return rows[0]?.value ?? null;
  },

  async storageSet(
    tx: Sql,
    ownerId: string,
    pluginId: string,
    key: string,
    value: string,
    maxKeys: number,
  ): Promise<boolean> {
    const { rows } = await tx.query<{ ok: boolean }>(
      `WITH n AS (SELECT count(*) AS c FROM made_open.plugin_storage WHERE owner_id = $1 AND plugin_id = $2 AND key <> $3)
       INSERT INTO made_open.plugin_storage (owner_id, plugin_id, key, value)
       SELECT $1, $2, $3, $4::jsonb FROM n WHERE n.c < $5
       ON CONFLICT (owner_id, plugin_id, key) DO UPDATE SET value = EXCLUDED.value, updated_at = now()
       RETURNING true AS ok`,
      [ownerId, pluginId, key, value, maxKeys],
    );
    return rows.length > 0;
  },

  async storageDelete(tx: Sql, ownerId: string, pluginId: string, key: string): Promise<void> {
    await tx.query(`DELETE FROM made_open.plugin_storage WHERE owner_id = $1 AND plugin_id = $2 AND key = $3`, [
      ownerId,
      pluginId,
      key,
    ]);
  },

  async storageList(tx: Sql, ownerId: string, pluginId: string, prefix: string): Promise<string[]> {
    const { rows } = await tx.query<{ key: string }>(
      `SELECT key FROM made_open.plugin_storage WHERE owner_id = $1 AND plugin_id = $2 AND left(key, char_length($3::text)) = $3::text ORDER BY key LIMIT 1000`,
      [ownerId, pluginId, prefix],
    );
    return rows.map((r) => r.key);
  },

  async storageClear(tx: Sql, ownerId: string, pluginId: string): Promise<void> {
    await tx.query(`DELETE FROM made_open.plugin_storage WHERE owner_id = $1 AND plugin_id = $2`, [ownerId, pluginId]);
  },

  async insertRuns(
    tx: Sql,
    runs: readonly {
      id: string;
      ownerId: string;
      pluginId: string;
      version: string;
      trigger: string;
      triggerRef: string | null;
      startedAt: string;
      durationMs: number;
      outcome: string;
      error: string | null;
    }[],
  ) {
    if (runs.length === 0) return;
    await tx.query(
      `INSERT INTO made_open.plugin_runs (id, owner_id, plugin_id, version, trigger, trigger_ref, started_at, duration_ms, outcome, error)
       SELECT r.id, r.owner_id, r.plugin_id, r.version, r.trigger, r.trigger_ref, r.started_at, r.duration_ms, r.outcome, r.error
         FROM jsonb_to_recordset($1::jsonb) AS r(id uuid, owner_id uuid, plugin_id text, version text, trigger text, trigger_ref text, started_at timestamptz, duration_ms double precision, outcome text, error text)
        WHERE EXISTS (SELECT 1 FROM made_open.plugin_installations i WHERE i.owner_id = r.owner_id AND i.plugin_id = r.plugin_id)`,
      [
        JSON.stringify(
          runs.map((r) => ({
            id: r.id,
            owner_id: r.ownerId,
            plugin_id: r.pluginId,
            version: r.version,
            trigger: r.trigger,
            trigger_ref: r.triggerRef,
            started_at: r.startedAt,
            duration_ms: r.durationMs,
            outcome: r.outcome,
            error: r.error,
          })),
        ),
      ],
    );
  },

  async runs(tx: Sql, ownerId: string, pluginId: string, limit: number) {
    const { rows } = await tx.query<{
      id: string;
      version: string;
      trigger: string;
      trigger_ref: string | null;
      started_at: Date | string;
      duration_ms: number;
      outcome: string;
      error: string | null;
    }>(
      `SELECT id, version, trigger, trigger_ref, started_at, duration_ms, outcome, error FROM made_open.plugin_runs
        WHERE owner_id = $1 AND plugin_id = $2 ORDER BY started_at DESC, id DESC LIMIT $3`,
      [ownerId, pluginId, limit],
    );
    return rows;
  },
};

export type PluginsRepository = typeof pluginsRepository;
