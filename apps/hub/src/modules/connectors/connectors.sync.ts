import type { SyncCounts } from '@made-open/shared/connector-events';
import { providerRegistry } from '@made-open/shared/providers';
import { uuidv7 } from 'uuidv7';
import { z } from 'zod';
import type { Database, RequestClaims, Sql } from '../../platform/db/index.ts';
import { UserError } from '../../platform/errors.ts';
import { partsOf } from '../../platform/parts.ts';
import { OutboundRefused, OutboundUnreachable, ProviderRateLimited } from '../../platform/http/outbound/index.ts';
import type { EventOutbox } from '../events/index.ts';
import type { Ingest, IngestItem, IngestItemResult, RemoveExternal } from '../graph/index.ts';
import { defineJob, type JobContext, type JobDefinition, type JobsModule, type RetryPolicy } from '../jobs/index.ts';
import type { WalletService } from '../wallet/index.ts';
import { ConnectorError, type AnyConnector, type SyncPage } from './connectors.contract.ts';
import { connectionContext, type ContextDeps } from './connectors.context.ts';
import type { ConnectorRegistry } from './connectors.registry.ts';
import { connectorsRepository as repo, type ConnectionRow } from './connectors.repository.ts';
import { countsOf } from './connectors.views.ts';

export const syncPayloadSchema = z.object({ connectionId: z.string().uuid(), ownerId: z.string().uuid() });
export type SyncPayload = z.infer<typeof syncPayloadSchema>;

export interface SyncTuning {
  /** A run hands over to a fresh job after this long, well inside the job's expiry. Default 10 min. */
  runBudgetMs?: number;
  /** A lease not renewed by a page for this long belongs to a dead run. Default 5 min. */
  staleLeaseSeconds?: number;
  /** Retries of a failed run (a provider error, the network). Default 3, exponential from 30 s. */
  retry?: RetryPolicy;
  /**
   * Items stored per transaction; a bigger page is stored in parts, its cursor with the last.
   * Default: 100 on PGlite, where a transaction holds the only connection and the API's
   * requests wait for it (a 200-message page held it ~170 ms); no limit on PostgreSQL.
   */
  itemsPerTransaction?: number;
}

/** Most items one page may carry (one ingest call, one transaction). */
const maxPageItems = 5_000;
const defaultRetry: RetryPolicy = { limit: 3, backoff: { type: 'exponential', delaySeconds: 30 } };

/** The owner's claims: a connector acts for one user, under their RLS, never as the system. */
export const ownerClaims = (ownerId: string): RequestClaims => ({ role: 'authenticated', sub: ownerId });

/** This run no longer holds the connection's lease (disconnected, or another run took over). */
class LeaseLost extends Error {}

type FailureKind = 'credential' | 'account' | 'provider' | 'transient' | 'internal' | 'reauth';

/** What went wrong, for a person, and whether another attempt can help. */
function classify(error: unknown, providerLabel: string): { kind: FailureKind; reason: string; retryable: boolean } {
  if (error instanceof ConnectorError) {
    return { kind: error.kind, reason: error.message, retryable: error.kind === 'provider' };
  }
  if (error instanceof ProviderRateLimited)
    return {
      kind: 'transient',
      reason: `${providerLabel} is rate limiting the hub: the sync tries again later.`,
      retryable: true,
    };
  if (error instanceof OutboundUnreachable)
    return {
      kind: 'transient',
      reason: `Could not reach ${providerLabel} (${error.reason}): the hub tries again; if it keeps failing, check the hub's network access.`,
      retryable: true,
    };
  if (error instanceof OutboundRefused)
    return {
      kind: 'account',
      reason: `The hub refused to contact ${providerLabel}: ${error.message}`,
      retryable: false,
    };
  if (error instanceof UserError)
    // ingest refused what the connector produced: a bug in the connector, not something the person can fix.
    return {
      kind: 'internal',
      reason: `The ${providerLabel} connector produced data the graph refused (${error.message}): this is a bug; report it.`,
      retryable: false,
    };
  return {
    kind: 'internal',
    reason: 'The sync failed unexpectedly; it will be retried. If it persists, report it.',
    retryable: true,
  };
}

function countsAfter(before: SyncCounts, page: SyncPage, stored: readonly IngestItemResult[]): SyncCounts {
  const tally = { created: 0, updated: 0, unchanged: 0 };
  for (const item of stored) if (item.status !== 'deleted') tally[item.status] += 1;
  const items = before.items + page.items.length;
  const percent = page.done
    ? 100
    : page.remaining !== undefined && page.remaining >= 0
      ? Math.min(99, Math.floor((items / Math.max(1, items + page.remaining)) * 100))
      : null;
  return {
    pages: before.pages + 1,
    items,
    created: before.created + tally.created,
    updated: before.updated + tally.updated,
    unchanged: before.unchanged + tally.unchanged,
    percent,
    step: page.step?.slice(0, 200) ?? before.step ?? null,
  };
}

export interface SyncRunnerDeps extends ContextDeps {
  db: Database;
  outbox: EventOutbox;
  ingest: Ingest;
  removeExternal: RemoveExternal;
  jobs: Pick<JobsModule, 'register' | 'enqueue'>;
  wallet: Pick<WalletService, 'unseal'>;
  registry: ConnectorRegistry;
  tuning?: SyncTuning;
}

/**
 * Sync as pg-boss jobs (ADR 0011). One job runs one connection from its saved cursor, page
 * by page; each page's ingest, cursor, counts and connector.SyncProgress commit together.
 * A lease on the connection row (sync_run_id, renewed by each page) keeps two runs apart;
 * a hub that stops releases it, so the job resumes on the next start from the last page.
 */
export function createSyncRunner(deps: SyncRunnerDeps) {
  const { db, outbox, registry, logger } = deps;
  const runBudgetMs = deps.tuning?.runBudgetMs ?? 10 * 60_000;
  const staleSeconds = deps.tuning?.staleLeaseSeconds ?? 300;
  const retry = deps.tuning?.retry ?? defaultRetry;
  const itemsPerTransaction = deps.tuning?.itemsPerTransaction ?? (db.kind === 'pglite' ? 100 : Infinity);

  const ref = (row: ConnectionRow) => ({ connectionId: row.id, provider: row.provider, label: row.label });
  const actorOf = (row: ConnectionRow) => ({ kind: 'connector' as const, id: row.id });

  // An initial sync brings history, not news: its items are backfill, which fires no rule unless one opts in.
  const ingestActor = (row: ConnectionRow, phase: 'initial' | 'incremental') =>
    phase === 'initial' ? { ...actorOf(row), backfill: true } : actorOf(row);

  /**
   * One leading part of a page stored in parts: its items only, under the run's lease. If the
   * run stops before the page's last part, the next run asks for the page again from the
   * saved cursor and stores these items again by their external ids: upserts, no duplicates.
   */
  async function storePart(
    tx: Sql,
    row: ConnectionRow,
    context: { runId: string; phase: 'initial' | 'incremental'; items: IngestItem[] },
  ): Promise<IngestItemResult[]> {
    if (!(await repo.renewRun(tx, row.id, context.runId))) throw new LeaseLost();
    const actor = ingestActor(row, context.phase);
    return (await deps.ingest(tx, { ownerId: row.owner_id, actor, items: context.items })).items;
  }

  async function commitPage(
    tx: Sql,
    row: ConnectionRow,
    context: {
      jobId: string;
      runId: string;
      phase: 'initial' | 'incremental';
      counts: SyncCounts;
      page: SyncPage;
      /** The page's last part (all of it unless stored in parts) and what its earlier parts stored. */
      items: IngestItem[];
      stored: IngestItemResult[];
      overBudget: boolean;
    },
  ): Promise<{ counts: SyncCounts; finished: boolean }> {
    const { page } = context;
    const actor = ingestActor(row, context.phase);
    const result = await deps.ingest(tx, {
      ownerId: row.owner_id,
      actor,
      items: context.items,
      ...(page.completeIncoming ? { completeIncoming: page.completeIncoming } : {}),
    });
    if (page.removed?.length)
      await deps.removeExternal(tx, { ownerId: row.owner_id, actor: actorOf(row), items: page.removed });
    await page.commit?.(
      tx,
      result.items.filter((item) => item.status === 'created' || item.status === 'updated').map((item) => item.id),
    );
    const counts = countsAfter(context.counts, page, [...context.stored, ...result.items]);
    const saved = await repo.savePage(tx, row.id, context.runId, {
      cursor: page.cursor,
      progress: counts,
      items: page.items.length,
    });
    if (!saved) throw new LeaseLost();
    const run = { ...ref(row), jobId: context.jobId, phase: context.phase };
    await outbox.append(tx, {
      type: 'connector.SyncProgress',
      ownerId: row.owner_id,
      subject: row.id,
      actor: actorOf(row),
      data: { ...run, ...counts },
    });
    if (page.done) {
      await repo.finishRun(tx, row.id, context.runId);
      await outbox.append(tx, {
        type: 'connector.SyncCompleted',
        ownerId: row.owner_id,
        subject: row.id,
        actor: actorOf(row),
        data: { ...run, ...counts },
      });
      return { counts, finished: true };
    }
    if (context.overBudget) {
      // A long initial sync continues in a fresh job, so no job outlives its expiry (and other work gets slots).
      const next = await deps.jobs.enqueue(tx, definition, { connectionId: row.id, ownerId: row.owner_id });
      if (!next || !(await repo.handOver(tx, row.id, context.runId, next))) throw new LeaseLost();
      return { counts, finished: true };
    }
    return { counts, finished: false };
  }

  async function recordFailure(
    row: ConnectionRow,
    jobId: string,
    phase: 'initial' | 'incremental',
    error: unknown,
    attempt: number,
  ) {
    const { kind, reason, retryable } = classify(error, providerRegistry.get(row.provider)?.label ?? row.provider);
    const willRetry = retryable && attempt < retry.limit;
    const status = kind === 'reauth' ? 'needs_reauth' : kind === 'credential' || kind === 'account' ? 'error' : null;
    (kind === 'internal' ? logger.error : logger.warn).call(
      logger,
      { err: error, connectionId: row.id, provider: row.provider, kind, willRetry },
      'connection sync failed',
    );
    await db.asUser(ownerClaims(row.owner_id), async (tx) => {
      const failed = await repo.failRun(tx, row.id, jobId, { reason, willRetry, status });
      if (!failed) return;
      if (status === 'needs_reauth')
        await outbox.append(tx, {
          type: 'connector.SignInRequired',
          ownerId: row.owner_id,
          subject: row.id,
          actor: actorOf(row),
          data: { ...ref(row), reason: reason.slice(0, 500) },
        });
      await outbox.append(tx, {
        type: 'connector.SyncFailed',
        ownerId: row.owner_id,
        subject: row.id,
        actor: actorOf(row),
        data: { ...ref(row), jobId, phase, reason, kind, willRetry },
      });
    });
    return willRetry;
  }

  async function run(payload: SyncPayload, job: JobContext) {
    const { connectionId, ownerId } = payload;
    const claims = ownerClaims(ownerId);
    const runId = uuidv7();
    const row = await db.asUser(claims, (tx) => repo.claimRun(tx, connectionId, job.id, runId, staleSeconds));
    if (!row) {
      const current = await db.asUser(claims, (tx) => repo.get(tx, connectionId));
      // This job's turn, but a run of it still holds the lease (a stopping hub has not released
      // it yet): fail this attempt so pg-boss tries again after its backoff.
      if (current?.sync_job_id === job.id && current.status !== 'disconnected')
        throw new Error('Another run of this sync still holds the connection; trying again later.');
      // Not this job's turn: disconnected or superseded. Nothing to do.
      return;
    }
    const release = () =>
      void db
        .asUser(claims, (tx) => repo.releaseRun(tx, connectionId, runId))
        .catch((error: unknown) =>
          logger.warn({ err: error, connectionId }, 'could not release a sync lease; it expires on its own'),
        );
    job.signal.addEventListener('abort', release, { once: true });
    const phase = row.sync_phase ?? (row.last_success_at ? 'incremental' : 'initial');
    const started = Date.now();
    try {
      const connector: AnyConnector | undefined = registry.get(row.provider);
      if (!connector?.sync)
        throw new ConnectorError(
          'account',
          `This hub has no connector that syncs ${row.provider} any more: disconnect it.`,
        );
      const credential = await deps.wallet.unseal(ownerId, row.credential_id);
      if (!credential)
        throw new ConnectorError(
          'credential',
          'The credential this connection uses was removed from the wallet: add it again, then connect again.',
        );
      const options = connector.options.safeParse(row.options);
      if (!options.success)
        throw new ConnectorError(
          'account',
          "This connection's options are no longer valid for its connector: disconnect and connect again.",
        );
      const context = connectionContext(deps, connector, row, options.data, credential);
      let cursor = row.cursor;
      let counts = countsOf(row.sync_progress);
      for (;;) {
        if (job.signal.aborted) return;
        const page = await connector.sync.page({ ...context, cursor, phase, signal: job.signal });
        // Fetched but not committed: the next run asks for this page again from the same cursor.
        if (job.signal.aborted) return;
        if (!Array.isArray(page.items) || page.items.length > maxPageItems)
          throw new ConnectorError(
            'provider',
            `A page had more than ${maxPageItems} items: the connector must page smaller.`,
          );
        const overBudget = Date.now() - started > runBudgetMs;
        const parts = partsOf(page.items, itemsPerTransaction);
        const stored: IngestItemResult[] = [];
        for (const [n, items] of parts.slice(0, -1).entries())
          stored.push(
            ...(await db.asUser(claims, (tx) => storePart(tx, row, { runId, phase, items }), { continues: n > 0 })),
          );
        const step = await db.asUser(
          claims,
          (tx) =>
            commitPage(tx, row, {
              jobId: job.id,
              runId,
              phase,
              counts,
              page,
              items: parts.at(-1)!,
              stored,
              overBudget,
            }),
          { continues: parts.length > 1 },
        );
        counts = step.counts;
        if (step.finished) return;
        cursor = page.cursor;
      }
    } catch (error) {
      if (error instanceof LeaseLost || job.signal.aborted) return;
      const willRetry = await recordFailure(row, job.id, phase, error, job.attempt);
      // pg-boss retries the job with backoff; a final failure is recorded, not dead-lettered.
      if (willRetry) throw error;
    } finally {
      job.signal.removeEventListener('abort', release);
    }
  }

  const definition: JobDefinition<typeof syncPayloadSchema> = defineJob({
    name: 'connectors.sync',
    priority: 'background',
    payload: syncPayloadSchema,
    retry,
    expireInSeconds: 15 * 60,
    handler: run,
  });
  deps.jobs.register(definition);

  return {
    definition,
    /** Queues a run inside the caller's transaction; its counts start at zero. */
    async enqueue(tx: Sql, row: Pick<ConnectionRow, 'id' | 'owner_id'>): Promise<ConnectionRow> {
      const jobId = await deps.jobs.enqueue(tx, definition, { connectionId: row.id, ownerId: row.owner_id });
      if (!jobId) throw new Error('pg-boss did not create the sync job.');
      return repo.queueSync(tx, row.id, jobId);
    },
  };
}

export type SyncRunner = ReturnType<typeof createSyncRunner>;
