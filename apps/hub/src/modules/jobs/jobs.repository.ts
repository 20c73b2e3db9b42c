import type { Database, Row, Sql } from '../../platform/db/index.ts';

/** pg-boss keeps its tables here, outside the app schemas that the RLS catalog test covers. */
export const BOSS_SCHEMA = 'pgboss';

/** PostgreSQL NOTIFY channel: a committed enqueue wakes every hub instance's worker. */
export const WAKE_CHANNEL = 'made_open_jobs';

/** What pg-boss's `db` option and `send(..., { db })` call. */
export interface BossExecutor {
  executeSql(text: string, values?: unknown[]): Promise<{ rows: Row[]; rowCount: number }>;
}

/** A parameterless text with more than one statement (pg-boss's schema and maintenance scripts). */
function isScript(text: string, values: readonly unknown[] | undefined): boolean {
  if (values && values.length > 0) return false;
  return text.trim().replace(/;\s*$/, '').includes(';');
}

/**
 * pg-boss over the hub's Database. Scripts (`BEGIN; ...; COMMIT;` with no parameters) go
 * through `db.exec`, which PGlite requires for several statements and which must not be
 * wrapped in another transaction because the script carries its own; every other
 * statement runs in an owner transaction (`asOwner`), which on PGlite also takes the
 * database's single-backend mutex.
 */
export function bossExecutor(db: Database): BossExecutor {
  return {
    async executeSql(text, values) {
      if (isScript(text, values)) {
        await db.exec(text);
        return { rows: [], rowCount: 0 };
      }
      return db.asOwner((tx) => tx.query(text, values));
    },
  };
}

/** The caller's transaction as a pg-boss executor: `send`/`insert` then commit or roll back with it. */
export function transactionExecutor(tx: Sql): BossExecutor {
  return { executeSql: (text, values) => tx.query(text, values) };
}

export interface StateCount {
  name: string;
  state: string;
  count: number;
}

export interface DeadLetterRow {
  id: string;
  data: unknown;
  output: unknown;
  createdOn: Date;
}

export const jobsRepository = {
  /**
   * Request transactions run as `authenticated` or `service_role`; enqueueing inside them
   * needs exactly what pg-boss's insert touches: read the queue row, insert a job, read
   * back its id. Nothing else in the pg-boss schema is reachable by those roles.
   */
  async grantEnqueue(tx: Sql) {
    await tx.query(`GRANT USAGE ON SCHEMA ${BOSS_SCHEMA} TO authenticated, service_role`);
    await tx.query(`GRANT SELECT ON ${BOSS_SCHEMA}.queue TO authenticated, service_role`);
    await tx.query(`GRANT INSERT ON ${BOSS_SCHEMA}.job TO authenticated, service_role`);
    await tx.query(`GRANT SELECT (id) ON ${BOSS_SCHEMA}.job TO authenticated, service_role`);
  },

  /** Wakes listening workers when (and only if) the transaction commits. */
  async notifyWake(tx: Sql, priority: string) {
    await tx.query('SELECT pg_notify($1, $2)', [WAKE_CHANNEL, priority]);
  },

  async countStates(tx: Sql, queues: readonly string[]): Promise<StateCount[]> {
    const { rows } = await tx.query<{ name: string; state: string; count: string }>(
      `SELECT name, state::text AS state, count(*) AS count FROM ${BOSS_SCHEMA}.job
       WHERE name = ANY($1::text[]) GROUP BY name, state`,
      [queues],
    );
    return rows.map((r) => ({ name: r.name, state: r.state, count: Number(r.count) }));
  },

  async listDeadLetters(tx: Sql, queue: string, limit: number): Promise<DeadLetterRow[]> {
    const { rows } = await tx.query<{ id: string; data: unknown; output: unknown; created_on: Date }>(
      `SELECT id, data, output, created_on FROM ${BOSS_SCHEMA}.job
       WHERE name = $1 AND state = 'created' ORDER BY created_on DESC, id LIMIT $2`,
      [queue, limit],
    );
    return rows.map((r) => ({ id: r.id, data: r.data, output: r.output, createdOn: new Date(r.created_on) }));
  },

  /** Jobs a stopping worker could not finish go back to the queue without using a retry. */
  async release(tx: Sql, queue: string, ids: readonly string[]) {
    await tx.query(
      `UPDATE ${BOSS_SCHEMA}.job
       SET state = 'retry', start_after = now(), started_on = NULL
       WHERE name = $1 AND id = ANY($2::uuid[]) AND state = 'active'`,
      [queue, ids],
    );
  },
};
