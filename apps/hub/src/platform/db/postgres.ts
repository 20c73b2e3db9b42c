import pg from 'pg';
import type { Logger } from '../logger.ts';
import { requestRole } from './claims.ts';
import { claimsSetupSql, inlineParams } from './literal.ts';
import type { Database, OwnerSql, QueryResult, RequestClaims, Row } from './types.ts';

export interface PostgresOptions {
  url: string;
  poolSize?: number;
  logger: Logger;
}

function wrap(client: pg.PoolClient): OwnerSql {
  return {
    async exec(script: string) {
      await client.query(script);
    },
    async query<R extends Row>(text: string, params?: readonly unknown[]) {
      const result = await client.query<R>(text, params as unknown[] | undefined);
      return { rows: result.rows, rowCount: result.rowCount ?? result.rows.length };
    },
  };
}

/** node-postgres over DATABASE_URL. */
export async function connectPostgres(options: PostgresOptions): Promise<Database> {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolSize ?? 20,
    idleTimeoutMillis: 30_000,
    connectionTimeoutMillis: 5_000,
    application_name: 'made-open-hub',
  });
  // An idle client losing its connection must not crash the process.
  pool.on('error', (error) => options.logger.warn({ err: error }, 'idle PostgreSQL client failed'));

  async function transaction<T>(opening: string, work: (tx: OwnerSql) => Promise<T>): Promise<T> {
    const client = await pool.connect();
    let broken: Error | undefined;
    try {
      await client.query(opening);
      const result = await work(wrap(client));
      await client.query('COMMIT');
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
      // A multi-statement simple query runs as one implicit transaction, so the local
      // settings hold for exactly this statement: one round trip per request.
      const message = `${claimsSetupSql(JSON.stringify(claims), requestRole(claims))}; ${inlineParams(text, params)}`;
      const results = (await pool.query(message)) as unknown as pg.QueryResult<R>[];
      const last = results[results.length - 1]!;
      return { rows: last.rows, rowCount: last.rowCount ?? last.rows.length } satisfies QueryResult<R>;
    },

    asSystem(work) {
      return transaction('BEGIN; SET LOCAL ROLE service_role', work);
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
      await pool.end();
    },
  };
}
