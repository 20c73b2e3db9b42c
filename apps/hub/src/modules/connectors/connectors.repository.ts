import type { Sql } from '../../platform/db/index.ts';
import type { Json, JsonObject } from './connectors.contract.ts';

export type ConnectionStatus = 'connecting' | 'active' | 'error' | 'needs_reauth' | 'disconnected';
export type SyncState = 'idle' | 'queued' | 'running';

export interface ConnectionRow {
  id: string;
  owner_id: string;
  provider: string;
  credential_id: string;
  options: Record<string, unknown>;
  capabilities: string[];
  account_id: string | null;
  label: string;
  state: JsonObject;
  status: ConnectionStatus;
  status_reason: string | null;
  cursor: Json | null;
  sync_state: SyncState;
  sync_job_id: string | null;
  sync_run_id: string | null;
  sync_phase: 'initial' | 'incremental' | null;
  sync_heartbeat_at: Date | string | null;
  sync_requested_at: Date | string | null;
  sync_progress: Record<string, unknown>;
  items_synced: string | number;
  sync_failures: number;
  last_success_at: Date | string | null;
  last_error: string | null;
  last_error_at: Date | string | null;
  created_at: Date | string;
  updated_at: Date | string;
  disconnected_at: Date | string | null;
}

type Row = ConnectionRow & Record<string, unknown>;

const table = 'made_open.connections';
const json = (value: unknown) => JSON.stringify(value ?? null);

/** The only file that knows the connectors' SQL. Every method takes the transaction. */
export const connectorsRepository = {
  async insertConnecting(
    tx: Sql,
    row: {
      id: string;
      ownerId: string;
      provider: string;
      credentialId: string;
      options: unknown;
      capabilities: string[];
    },
  ): Promise<ConnectionRow> {
    const { rows } = await tx.query<Row>(
      `INSERT INTO ${table} (id, owner_id, provider, credential_id, options, capabilities, status)
       VALUES ($1, $2, $3, $4, $5::jsonb, $6::text[], 'connecting') RETURNING *`,
      [row.id, row.ownerId, row.provider, row.credentialId, json(row.options), row.capabilities],
    );
    return rows[0]!;
  },

  /** connecting -> active with what connect returned; the unique index refuses a second live one. */
  async activate(
    tx: Sql,
    id: string,
    result: { accountId: string; label: string; state: JsonObject },
  ): Promise<ConnectionRow | undefined> {
    const { rows } = await tx.query<Row>(
      `UPDATE ${table} SET status = 'active', status_reason = NULL, account_id = $2, label = $3, state = $4::jsonb, updated_at = now()
        WHERE id = $1 AND status = 'connecting' RETURNING *`,
      [id, result.accountId, result.label, json(result.state)],
    );
    return rows[0];
  },

  async remove(tx: Sql, id: string): Promise<void> {
    await tx.query(`DELETE FROM ${table} WHERE id = $1`, [id]);
  },

  /** Live connections first (newest first), then the disconnected ones. */
  async list(tx: Sql, ownerId: string): Promise<ConnectionRow[]> {
    const { rows } = await tx.query<Row>(
      `SELECT * FROM ${table} WHERE owner_id = $1 ORDER BY (status = 'disconnected'), created_at DESC, id DESC LIMIT 500`,
      [ownerId],
    );
    return rows;
  },

  async get(tx: Sql, id: string, options: { lock?: boolean } = {}): Promise<ConnectionRow | undefined> {
    const { rows } = await tx.query<Row>(`SELECT * FROM ${table} WHERE id = $1${options.lock ? ' FOR UPDATE' : ''}`, [
      id,
    ]);
    return rows[0];
  },

  async markDisconnected(tx: Sql, id: string): Promise<ConnectionRow | undefined> {
    const { rows } = await tx.query<Row>(
      `UPDATE ${table} SET status = 'disconnected', status_reason = NULL, sync_state = 'idle', sync_job_id = NULL,
              sync_run_id = NULL, disconnected_at = now(), updated_at = now()
        WHERE id = $1 AND status <> 'disconnected' RETURNING *`,
      [id],
    );
    return rows[0];
  },

  /** active or error (with the reason a person acts on); a disconnected one keeps its reason (what undo said). */
  async setStatus(
    tx: Sql,
    id: string,
    status: ConnectionStatus,
    reason: string | null,
  ): Promise<ConnectionRow | undefined> {
    const { rows } = await tx.query<Row>(
      `UPDATE ${table} SET status = $2, status_reason = $3, updated_at = now()
        WHERE id = $1 AND (status IN ('active', 'error') OR $2 = 'disconnected') RETURNING *`,
      [id, status, reason?.slice(0, 1000) ?? null],
    );
    return rows[0];
  },

  /** New options (PATCH): the capabilities stay, editable options never change them. */
  async setOptions(tx: Sql, id: string, options: unknown): Promise<ConnectionRow | undefined> {
    const { rows } = await tx.query<Row>(
      `UPDATE ${table} SET options = $2::jsonb, updated_at = now()
        WHERE id = $1 AND status NOT IN ('connecting', 'disconnected') RETURNING *`,
      [id, json(options)],
    );
    return rows[0];
  },

  /** Active again after the owner signed in again (needs_reauth or error before). */
  async reactivate(tx: Sql, id: string): Promise<ConnectionRow | undefined> {
    const { rows } = await tx.query<Row>(
      `UPDATE ${table} SET status = 'active', status_reason = NULL, updated_at = now()
        WHERE id = $1 AND status IN ('active', 'error', 'needs_reauth') RETURNING *`,
      [id],
    );
    return rows[0];
  },

  /** A new run is asked for: its counts start again at zero. */
  async queueSync(tx: Sql, id: string, jobId: string): Promise<ConnectionRow> {
    const { rows } = await tx.query<Row>(
      `UPDATE ${table} SET sync_state = 'queued', sync_job_id = $2, sync_run_id = NULL,
              sync_phase = CASE WHEN last_success_at IS NULL THEN 'initial' ELSE 'incremental' END,
              sync_requested_at = now(), sync_heartbeat_at = now(),
              sync_progress = '{"pages":0,"items":0,"created":0,"updated":0,"unchanged":0,"percent":null}'::jsonb,
              updated_at = now()
        WHERE id = $1 RETURNING *`,
      [id, jobId],
    );
    return rows[0]!;
  },

  /**
   * Takes the lease for a run of job `jobId`: only when that job is the one queued (or a
   * run of it is presumed dead: no page for `staleSeconds`). Two runs never hold it at once.
   */
  async claimRun(
    tx: Sql,
    id: string,
    jobId: string,
    runId: string,
    staleSeconds: number,
  ): Promise<ConnectionRow | undefined> {
    const { rows } = await tx.query<Row>(
      `UPDATE ${table} SET sync_state = 'running', sync_run_id = $3, sync_heartbeat_at = now(), updated_at = now()
        WHERE id = $1 AND status IN ('active', 'error') AND sync_job_id = $2
          AND (sync_run_id IS NULL OR sync_heartbeat_at < now() - make_interval(secs => $4))
        RETURNING *`,
      [id, jobId, runId, staleSeconds],
    );
    return rows[0];
  },

  /** The page's cursor and counts, only while this run holds the lease; false: it lost it. */
  async savePage(
    tx: Sql,
    id: string,
    runId: string,
    page: { cursor: Json; progress: Record<string, unknown>; items: number },
  ): Promise<boolean> {
    const { rowCount } = await tx.query(
      `UPDATE ${table} SET cursor = $3::jsonb, sync_progress = $4::jsonb, items_synced = items_synced + $5,
              sync_heartbeat_at = now(), updated_at = now()
        WHERE id = $1 AND sync_run_id = $2 AND status IN ('active', 'error')`,
      [id, runId, json(page.cursor), json(page.progress), page.items],
    );
    return rowCount > 0;
  },

  /** Renews the run's lease between the parts of a page; false once another run holds it. */
  async renewRun(tx: Sql, id: string, runId: string): Promise<boolean> {
    const { rowCount } = await tx.query(
      `UPDATE ${table} SET sync_heartbeat_at = now()
        WHERE id = $1 AND sync_run_id = $2 AND status IN ('active', 'error')`,
      [id, runId],
    );
    return rowCount > 0;
  },

  async finishRun(tx: Sql, id: string, runId: string): Promise<ConnectionRow | undefined> {
    const { rows } = await tx.query<Row>(
      `UPDATE ${table} SET sync_state = 'idle', sync_job_id = NULL, sync_run_id = NULL, sync_failures = 0,
              last_success_at = now(), last_error = NULL, last_error_at = NULL, updated_at = now(),
              status = 'active', status_reason = NULL
        WHERE id = $1 AND sync_run_id = $2 RETURNING *`,
      [id, runId],
    );
    return rows[0];
  },

  /** The run ran out of its time slice: job `nextJobId` carries on from the saved cursor. */
  async handOver(tx: Sql, id: string, runId: string, nextJobId: string): Promise<boolean> {
    const { rowCount } = await tx.query(
      `UPDATE ${table} SET sync_state = 'queued', sync_job_id = $3, sync_run_id = NULL, sync_heartbeat_at = now(), updated_at = now()
        WHERE id = $1 AND sync_run_id = $2`,
      [id, runId, nextJobId],
    );
    return rowCount > 0;
  },

  /** The hub is stopping: the job goes back to its queue and the next run may claim at once. */
  async releaseRun(tx: Sql, id: string, runId: string): Promise<void> {
    await tx.query(
      `UPDATE ${table} SET sync_state = 'queued', sync_run_id = NULL, updated_at = now() WHERE id = $1 AND sync_run_id = $2`,
      [id, runId],
    );
  },

  /**
   * A failed run. willRetry: the job runs again (state queued, lease released); otherwise
   * the sync is over (idle). `error` sets the connection's status to error with the reason.
   */
  async failRun(
    tx: Sql,
    id: string,
    jobId: string,
    failure: { reason: string; willRetry: boolean; status: 'error' | 'needs_reauth' | null },
  ): Promise<ConnectionRow | undefined> {
    const { rows } = await tx.query<Row>(
      `UPDATE ${table} SET
              sync_state = CASE WHEN $3 THEN 'queued' ELSE 'idle' END,
              sync_job_id = CASE WHEN $3 THEN sync_job_id ELSE NULL END,
              sync_run_id = NULL,
              sync_failures = sync_failures + CASE WHEN $3 THEN 0 ELSE 1 END,
              last_error = $4, last_error_at = now(),
              status = CASE WHEN $5 = 'error' AND status = 'active' THEN 'error'
                            WHEN $5 = 'needs_reauth' AND status IN ('active', 'error') THEN 'needs_reauth'
                            ELSE status END,
              status_reason = CASE WHEN ($5 = 'error' AND status = 'active') OR ($5 = 'needs_reauth' AND status IN ('active', 'error'))
                                   THEN $4 ELSE status_reason END,
              updated_at = now()
        WHERE id = $1 AND sync_job_id = $2 RETURNING *`,
      [id, jobId, failure.willRetry, failure.reason.slice(0, 1000), failure.status],
    );
    return rows[0];
  },

  /** For the wallet: "provider/capability" of the owner's active connections. */
  async activeCapabilities(tx: Sql, ownerId: string): Promise<Set<string>> {
    const { rows } = await tx.query<{ key: string }>(
      `SELECT DISTINCT provider || '/' || capability AS key
         FROM ${table}, unnest(capabilities) AS capability
        WHERE owner_id = $1 AND status = 'active'`,
      [ownerId],
    );
    return new Set(rows.map((r) => r.key));
  },

  /** /health: counts by provider and status, and the oldest last success of live connections. No per-user data. */
  async summary(tx: Sql): Promise<{
    counts: { provider: string; status: ConnectionStatus; count: number }[];
    syncing: number;
    oldestLastSuccessAt: Date | string | null;
  }> {
    const counts = await tx.query<{ provider: string; status: ConnectionStatus; count: string }>(
      `SELECT provider, status, count(*)::text AS count FROM ${table} GROUP BY provider, status ORDER BY provider, status`,
    );
    const totals = await tx.query<{ syncing: string; oldest: Date | string | null }>(
      `SELECT count(*) FILTER (WHERE sync_state <> 'idle')::text AS syncing,
              min(last_success_at) FILTER (WHERE status IN ('active', 'error')) AS oldest
         FROM ${table}`,
    );
    return {
      counts: counts.rows.map((r) => ({ provider: r.provider, status: r.status, count: Number(r.count) })),
      syncing: Number(totals.rows[0]?.syncing ?? 0),
      oldestLastSuccessAt: totals.rows[0]?.oldest ?? null,
    };
  },
};

export type ConnectorsRepository = typeof connectorsRepository;
