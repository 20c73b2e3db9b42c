import pg from 'pg';
import type { Logger } from '../logger.ts';
import { requestRole } from './claims.ts';
import { createHash } from 'node:crypto';
import { claimsSetupSql } from './literal.ts';
import { runCommitted } from './after-commit.ts';
import type { Database, OwnerSql, QueryResult, RequestClaims, Row } from './types.ts';

export interface PostgresOptions {
  url: string;
  poolSize?: number;
  logger: Logger;
}

function wrap(client: pg.PoolClient, committed: (() => void)[]): OwnerSql {
  return {
    afterCommit(callback) {
      committed.push(callback);
    },
    async exec(script: string) {
      await client.query(script);
    },
    async query<R extends Row>(text: string, params?: readonly unknown[]) {
      const result = await client.query<R>(text, params as unknown[] | undefined);
      return { rows: result.rows, rowCount: result.rowCount ?? result.rows.length };
    },
  };
}

const SET_REQUEST = 'made_open_set_request';
const SET_REQUEST_SQL = `SELECT set_config('request.jwt.claims', $1, false), set_config('role', $2, false)`;

/**
 * Prepared statement names: one per distinct statement text (node-postgres requires it).
 * The hub's statements are a fixed set; past the cap, statements run unnamed (parsed each time)
 * so that a generated text can never grow every connection's statement cache.
 */
const MAX_NAMED_STATEMENTS = 1000;
const statementNames = new Map<string, string>();
function statementName(text: string): string | undefined {
  let name = statementNames.get(text);
  if (!name) {
    if (statementNames.size >= MAX_NAMED_STATEMENTS) return undefined;
    name = `made_open_${createHash('sha1').update(text).digest('hex').slice(0, 16)}`;
    statementNames.set(text, name);
  }
  return name;
}

/** node-postgres over DATABASE_URL. */
export async function connectPostgres(options: PostgresOptions): Promise<Database> {
  const newPool = (applicationName: string) =>
    new pg.Pool({
      connectionString: options.url,
      max: options.poolSize ?? 20,
      idleTimeoutMillis: 30_000,
      connectionTimeoutMillis: 5_000,
      application_name: applicationName,
    });
  const pool = newPool('made-open-hub');
  /** What each request connection's session is set to (role and claims JSON), once set. */
  const requestOf = new WeakMap<pg.PoolClient, string>();
  // Connections for queryAsUser only. They carry the request's role and claims at session
  // level (set before every statement), so they are never lent to system or owner work.
  const userPool = newPool('made-open-hub-requests');
  // Connections for querySystem only: service_role at session level, set once per connection,
  // so a system statement on the request path is one round trip. Few: each holds its row
  // lock only while its statement runs.
  const systemPool = new pg.Pool({
    connectionString: options.url,
    max: Math.max(2, Math.ceil((options.poolSize ?? 20) / 4)),
    idleTimeoutMillis: 30_000,
    connectionTimeoutMillis: 5_000,
    application_name: 'made-open-hub-system',
  });
  const systemRoleSet = new WeakSet<pg.PoolClient>();
  // An idle client losing its connection must not crash the process.
  for (const p of [pool, userPool, systemPool])
    p.on('error', (error) => options.logger.warn({ err: error }, 'idle PostgreSQL client failed'));

  async function transaction<T>(opening: string, work: (tx: OwnerSql) => Promise<T>): Promise<T> {
    const client = await pool.connect();
    let broken: Error | undefined;
    const committed: (() => void)[] = [];
    try {
      await client.query(opening);
      const result = await work(wrap(client, committed));
      await client.query('COMMIT');
      runCommitted(committed);
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch((rollbackError: Error) => {
        broken = rollbackError;
      });
      throw error;
    } finally {
      client.release(broken);
    }
  }

  const hasVector = await pool
    .query(`SELECT 1 FROM pg_available_extensions WHERE name = 'vector'`)
    .then((r) => (r.rowCount ?? 0) > 0);

  return {
    kind: 'postgres',
    hasVector,

    async asUser(claims, work) {
      // BEGIN and the claims travel in one simple-protocol message: one round trip.
      return transaction(`BEGIN; ${claimsSetupSql(JSON.stringify(claims), requestRole(claims))}`, work);
    },

    async queryAsUser<R extends Row>(claims: RequestClaims, text: string, params: readonly unknown[] = []) {
      // Named prepared statements on a connection of the request pool: the claims and role
      // (session level), then the statement itself. Both are parsed and planned once per
      // connection. The claims are sent only when they differ from what the connection already
      // carries: a profile showed the hub idle half the time, waiting for the second round trip
      // that re-set the same user's claims (docs/BENCHMARKS.md, API). One person's hub mostly
      // serves one user, so most requests are one round trip, like a bare point read.
      const role = requestRole(claims);
      const setting = JSON.stringify(claims);
      const client = await userPool.connect();
      let broken: Error | undefined;
      try {
        if (requestOf.get(client) !== `${role}\u0000${setting}`) {
          requestOf.delete(client);
          await client.query({ name: SET_REQUEST, text: SET_REQUEST_SQL, values: [setting, role] });
          requestOf.set(client, `${role}\u0000${setting}`);
        }
        const result = await client.query<R>({ name: statementName(text), text, values: params as unknown[] });
        return { rows: result.rows, rowCount: result.rowCount ?? result.rows.length } satisfies QueryResult<R>;
      } catch (error) {
        // A failed statement leaves nothing behind (each ran in its own implicit transaction),
        // but a broken connection must not go back to the pool.
        if (!(error instanceof pg.DatabaseError)) broken = error as Error;
        // Whatever the connection carries now, set it again next time.
        requestOf.delete(client);
        throw error;
      } finally {
        client.release(broken);
      }
    },

    asSystem(work) {
      return transaction('BEGIN; SET LOCAL ROLE service_role', work);
    },

    async querySystem<R extends Row>(text: string, params: readonly unknown[] = []) {
      const client = await systemPool.connect();
      let broken: Error | undefined;
      try {
        // Set before the connection's first statement; a connection whose role is not known
        // to be service_role never runs one (it would run as the owner).
        if (!systemRoleSet.has(client)) {
          await client.query('SET ROLE service_role');
          systemRoleSet.add(client);
        }
        const result = await client.query<R>({ name: statementName(text), text, values: params as unknown[] });
        return { rows: result.rows, rowCount: result.rowCount ?? result.rows.length } satisfies QueryResult<R>;
      } catch (error) {
        // A failed statement leaves nothing behind; a failed SET ROLE or a broken connection is discarded.
        if (!(error instanceof pg.DatabaseError) || !systemRoleSet.has(client)) broken = error as Error;
        throw error;
      } finally {
        client.release(broken);
      }
    },

    asOwner(work) {
      return transaction('BEGIN', work);
    },

    async exec(text) {
      await pool.query(text);
    },

    async ping() {
      await pool.query('SELECT 1');
    },

    async close() {
      await Promise.all([pool.end(), userPool.end(), systemPool.end()]);
    },
  };
}
