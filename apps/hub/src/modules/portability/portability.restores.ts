import type { Readable } from 'node:stream';
import { uuidv7 } from 'uuidv7';
import type { Sql } from '../../platform/db/index.ts';
import { ConflictError, NotFoundError, UserError } from '../../platform/errors.ts';
import type { AuthenticatedUser } from '../../platform/http/authentication.ts';
import type { Logger } from '../../platform/logger.ts';
import type { FileStore } from './portability.files.ts';
import { restoreTakeout, type RestoreDeps, type RestoreReport } from './portability.restore.ts';

export interface RestoresDeps {
  restore: RestoreDeps;
  files: FileStore;
  logger: Logger;
  /** Largest archive the upload takes. */
  maxUploadBytes: number;
  enqueue: (tx: Sql, payload: { restoreId: string; ownerId: string }) => Promise<void>;
}

export type RestoreRow = {
  id: string;
  status: 'queued' | 'running' | 'restored' | 'failed';
  /** Archive bytes read, of its size. */
  progress: { done: number; total: number };
  report: RestoreReport | null;
  /** Why it was refused: the HTTP status the refusal would have had, its code and message. */
  error: { status: number; code: string; message: string } | null;
  createdAt: string;
  finishedAt: string | null;
};

const iso = (c: string) => `to_char(${c} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
const columns = `id, status, json_build_object('done', progress_done, 'total', byte_size) AS progress, report, error,
  ${iso('created_at')} AS "createdAt", ${iso('finished_at')} AS "finishedAt"`;
const archiveFile = (id: string) => `restore-${id}`;
/** Progress is written at most this often (archive bytes). */
const progressStep = 4 * 1024 * 1024;

/**
 * Restore as a background job: the upload is streamed to disk and queued; the job restores it
 * (portability.restore.ts, one transaction) with its progress, and keeps the report or the refusal.
 */
export function createRestores(deps: RestoresDeps) {
  const { db } = deps.restore;
  const asUser = <T>(user: AuthenticatedUser, work: (tx: Sql) => Promise<T>) => db.asUser(user.claims, work);
  const get = async (tx: Sql, id: string, lock = false) =>
    (
      await tx.query<RestoreRow>(
        `SELECT ${columns} FROM made_open.portability_restores WHERE id = $1${lock ? ' FOR UPDATE' : ''}`,
        [id],
      )
    ).rows[0] ?? null;
  const finish = (
    user: AuthenticatedUser,
    id: string,
    status: 'restored' | 'failed',
    report: unknown,
    error: unknown,
  ) =>
    asUser(user, (tx) =>
      tx.query(
        `UPDATE made_open.portability_restores SET status = $2, report = $3, error = $4,
           progress_done = CASE WHEN $2 = 'restored' THEN byte_size ELSE progress_done END,
           finished_at = now(), updated_at = now() WHERE id = $1`,
        [id, status, report === null ? null : JSON.stringify(report), error === null ? null : JSON.stringify(error)],
      ),
    );

  return {
    /** 202: the archive is on disk and queued. 409 when the account has a graph or a restore is under way. */
    async upload(user: AuthenticatedUser, body: Readable): Promise<RestoreRow> {
      await asUser(user, async (tx) => {
        const { rows } = await tx.query<{ graph: number; running: number }>(
          `SELECT (SELECT count(*)::int FROM public.entities) AS graph,
                  (SELECT count(*)::int FROM made_open.portability_restores WHERE status IN ('queued', 'running')) AS running`,
        );
        if (rows[0]!.running > 0)
          throw new ConflictError('A restore is under way already: wait for it to finish.', 'restore_running');
        if (rows[0]!.graph > 0)
          throw new ConflictError(
            'This account has a graph already: restore a takeout into a fresh account.',
            'graph_not_empty',
          );
      });
      const id = uuidv7();
      const size = await deps.files.save(user.id, archiveFile(id), body, deps.maxUploadBytes);
      try {
        return await asUser(user, async (tx) => {
          await tx.query(
            `INSERT INTO made_open.portability_restores (id, owner_id, status, byte_size) VALUES ($1, $2, 'queued', $3)`,
            [id, user.id, size],
          );
          await deps.enqueue(tx, { restoreId: id, ownerId: user.id });
          return (await get(tx, id))!;
        });
      } catch (error) {
        await deps.files.remove(user.id, archiveFile(id));
        throw error;
      }
    },

    async get(user: AuthenticatedUser, id: string): Promise<RestoreRow> {
      const row = await asUser(user, (tx) => get(tx, id));
      if (!row) throw new NotFoundError('restore');
      return row;
    },

    /** The job: restores the archive, then keeps the report (or the refusal) and deletes the file. */
    async run(restoreId: string, ownerId: string) {
      const user: AuthenticatedUser = { id: ownerId, claims: { role: 'authenticated', sub: ownerId } };
      const row = await asUser(user, async (tx) => {
        const found = await get(tx, restoreId, true);
        if (found && (found.status === 'queued' || found.status === 'running'))
          await tx.query(
            `UPDATE made_open.portability_restores SET status = 'running', updated_at = now() WHERE id = $1`,
            [restoreId],
          );
        return found;
      });
      // Running: an attempt whose process died (its transaction rolled back); it starts again.
      if (!row || (row.status !== 'queued' && row.status !== 'running')) return;
      let written = 0;
      let pending: Promise<unknown> = Promise.resolve();
      const progress = (done: number) => {
        if (done - written < progressStep) return;
        written = done;
        pending = pending.then(() =>
          asUser(user, (tx) =>
            tx.query(`UPDATE made_open.portability_restores SET progress_done = $2, updated_at = now() WHERE id = $1`, [
              restoreId,
              done,
            ]),
          ),
        );
      };
      try {
        const report = await restoreTakeout(
          deps.restore,
          user,
          deps.files.open(ownerId, archiveFile(restoreId)),
          progress,
        );
        await pending;
        await finish(user, restoreId, 'restored', report, null);
      } catch (error) {
        await pending.catch(() => undefined);
        if (error instanceof UserError) {
          await finish(user, restoreId, 'failed', null, {
            status: error.status,
            code: error.code,
            message: error.message,
          });
          return;
        }
        deps.logger.error({ err: error, restoreId }, 'restore failed');
        await finish(user, restoreId, 'failed', null, {
          status: 500,
          code: 'restore_failed',
          message: 'The restore failed on the hub; nothing was restored. Try again, or tell the hub operator.',
        });
        throw error;
      } finally {
        await deps.files.remove(ownerId, archiveFile(restoreId));
      }
    },
  };
}
export type Restores = ReturnType<typeof createRestores>;
