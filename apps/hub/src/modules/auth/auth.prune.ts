import { z } from 'zod';
import type { Database, Sql } from '../../platform/db/index.ts';
import type { Logger } from '../../platform/logger.ts';
import { defineJob, type JobDefinition } from '../jobs/index.ts';

/**
 * How long a spent refresh token is kept: presenting it again within this time is reuse and
 * ends its session (GoTrue's theft detection); later it is simply unknown (400). Ended
 * sessions are kept as long, for the account's session list.
 */
export const SPENT_TOKEN_RETENTION_DAYS = 30;
/** Rows per delete statement: short transactions beside sign-ins and refreshes. */
const CHUNK = 5_000;

export interface AuthPruneResult {
  sessions: number;
  tokens: number;
}

/** One chunk: ids picked through the partial indexes, then deleted (their tokens with a session). */
async function pruneChunk(tx: Sql, table: 'sessions' | 'tokens', olderThan: Date): Promise<number> {
  const { rows } =
    table === 'sessions'
      ? await tx.query<{ n: number }>(
          `WITH gone AS (
             DELETE FROM made_open.auth_sessions WHERE id IN (
               SELECT id FROM made_open.auth_sessions WHERE revoked_at IS NOT NULL AND revoked_at < $1 LIMIT $2)
             RETURNING 1)
           SELECT count(*)::int AS n FROM gone`,
          [olderThan, CHUNK],
        )
      : await tx.query<{ n: number }>(
          `WITH gone AS (
             DELETE FROM made_open.auth_refresh_tokens WHERE id IN (
               SELECT id FROM made_open.auth_refresh_tokens WHERE revoked AND updated_at < $1 LIMIT $2)
             RETURNING 1)
           SELECT count(*)::int AS n FROM gone`,
          [olderThan, CHUNK],
        );
  return rows[0]!.n;
}

/** Deletes sessions that ended, and refresh tokens spent, before `olderThan`. */
export async function pruneAuth(db: Database, olderThan: Date): Promise<AuthPruneResult> {
  const result: AuthPruneResult = { sessions: 0, tokens: 0 };
  for (const table of ['sessions', 'tokens'] as const) {
    for (;;) {
      const n = await db.asSystem((tx) => pruneChunk(tx, table, olderThan));
      result[table] += n;
      if (n < CHUNK) break;
    }
  }
  return result;
}

/** auth.prune: every night at 03:29. */
export function authPruneJob(db: Database, logger: Logger): JobDefinition {
  return defineJob({
    name: 'auth.prune',
    priority: 'background',
    payload: z.object({}),
    retry: { limit: 3, backoff: { type: 'exponential', delaySeconds: 60 } },
    cron: { expression: '29 3 * * *', payload: {} },
    handler: async () => {
      const olderThan = new Date(Date.now() - SPENT_TOKEN_RETENTION_DAYS * 24 * 3600 * 1000);
      const pruned = await pruneAuth(db, olderThan);
      logger.info({ ...pruned, olderThan }, 'pruned ended sessions and spent refresh tokens');
    },
  });
}
