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

/**
 * The caller's transaction as a pg-boss executor: `send`/`insert` then commit or roll back
 * with it. The request roles have no grant in pg-boss's schema (a role that can insert a
 * job can run any job type as the system), so pg-boss's statements run as service_role and
 * the caller's role comes back afterwards. A failed statement aborts the transaction (or
 * its savepoint), which undoes the switch too.
 */
export function transactionExecutor(tx: Sql): BossExecutor {
  return {
    async executeSql(text, values) {
      const { rows } = await tx.query<{ role: string }>(
        `SELECT current_setting('role') AS role, set_config('role', 'service_role', true)`,
      );
      const result = await tx.query(text, values);
      await tx.query(`SELECT set_config('role', $1, true)`, [rows[0]!.role]);
      return result;
    },
  };
}

export interface RolePrivilege {
  role: string;
  object: string;
  privilege: string;
}

/** has_*_privilege counts grants to PUBLIC and through role membership, not only direct ones. */
const requestRolePrivilegesSql = `
  WITH r(role) AS (VALUES ('anon'), ('authenticated')),
  ns AS (SELECT oid, nspname FROM pg_namespace WHERE nspname = $1)
  SELECT r.role, 'schema ' || ns.nspname AS object, p AS privilege
    FROM r, ns, unnest(ARRAY['USAGE', 'CREATE']) p
   WHERE has_schema_privilege(r.role, ns.oid, p)
  UNION ALL
  SELECT r.role, 'table ' || c.relname, p
    FROM r, ns JOIN pg_class c ON c.relnamespace = ns.oid,
         unnest(ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER']) p
   WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND has_table_privilege(r.role, c.oid, p)
  UNION ALL
  SELECT r.role, 'columns of ' || c.relname, p
    FROM r, ns JOIN pg_class c ON c.relnamespace = ns.oid, unnest(ARRAY['SELECT', 'INSERT', 'UPDATE', 'REFERENCES']) p
   WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND has_any_column_privilege(r.role, c.oid, p)
  UNION ALL
  SELECT r.role, 'sequence ' || c.relname, p
    FROM r, ns JOIN pg_class c ON c.relnamespace = ns.oid, unnest(ARRAY['USAGE', 'SELECT', 'UPDATE']) p
   WHERE c.relkind = 'S' AND has_sequence_privilege(r.role, c.oid, p)
  UNION ALL
  SELECT r.role, 'function ' || f.proname, 'EXECUTE'
    FROM r, ns JOIN pg_proc f ON f.pronamespace = ns.oid
   WHERE has_function_privilege(r.role, f.oid, 'EXECUTE')
  ORDER BY 1, 2, 3`;

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
   * Idempotent, after pg-boss has created or upgraded its schema and queue partitions:
   * service_role gets exactly what an enqueue touches (read the queue row, insert a job,
   * read back its id); anon, authenticated and PUBLIC get nothing, functions included.
   * The lock keeps hub instances starting together from updating the same ACLs at once.
   */
  async restrictToSystem(tx: Sql) {
    await tx.query(`SELECT pg_advisory_xact_lock(hashtext('made_open.jobs.privileges'))`);
    for (const what of [
      `SCHEMA ${BOSS_SCHEMA}`,
      ...['TABLES', 'SEQUENCES', 'FUNCTIONS'].map((k) => `ALL ${k} IN SCHEMA ${BOSS_SCHEMA}`),
    ])
      await tx.query(`REVOKE ALL ON ${what} FROM PUBLIC, anon, authenticated`);
    await tx.query(`GRANT USAGE ON SCHEMA ${BOSS_SCHEMA} TO service_role`);
    await tx.query(`GRANT SELECT ON ${BOSS_SCHEMA}.queue TO service_role`);
    await tx.query(`GRANT INSERT ON ${BOSS_SCHEMA}.job TO service_role`);
    // id: read back after an insert; name, singleton_key, state: the singleton check below.
    await tx.query(`GRANT SELECT (id, name, singleton_key, state) ON ${BOSS_SCHEMA}.job TO service_role`);
  },

  /**
   * Whether a job with this key still waits in the queue (created, or waiting to retry).
   * pg-boss enforces singleton keys only under queue policies that would limit every job of
   * a shared queue, so the hub checks itself. The lock, held to the end of the caller's
   * transaction, makes check-then-insert atomic: a second enqueuer waits, then (in a new
   * statement, so a new snapshot) sees the first one's job.
   */
  async singletonQueued(executor: BossExecutor, queue: string, key: string): Promise<boolean> {
    await executor.executeSql(`SELECT pg_advisory_xact_lock(hashtext('made_open.jobs.singleton'), hashtext($1))`, [
      `${queue}:${key}`,
    ]);
    const { rows } = await executor.executeSql(
      `SELECT EXISTS (SELECT 1 FROM ${BOSS_SCHEMA}.job
                       WHERE name = $1 AND singleton_key = $2 AND state IN ('created', 'retry')) AS queued`,
      [queue, key],
    );
    return rows[0]!.queued === true;
  },

  /** Every privilege anon or authenticated holds in pg-boss's schema: must be none. */
  async requestRolePrivileges(tx: Sql): Promise<RolePrivilege[]> {
    const { rows } = await tx.query<RolePrivilege & Record<string, unknown>>(requestRolePrivilegesSql, [BOSS_SCHEMA]);
    return rows;
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
