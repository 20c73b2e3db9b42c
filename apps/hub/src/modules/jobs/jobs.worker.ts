import type PgBoss from 'pg-boss';
import type { Logger } from '../../platform/logger.ts';
import { type JobDefinition, type JobEnvelope, type JobPriority } from './jobs.schemas.ts';

export interface WorkerOptions {
  /** Jobs running at once, per priority. */
  concurrency: Record<JobPriority, number>;
  /** Jobs running at once in total (realtime is fetched first, so it gets free slots first). */
  maxActive: number;
  /** Most jobs taken by one fetch. */
  batchSize: number;
  /** Longest sleep between fetches when nothing wakes the worker (retries, cron, other instances without LISTEN). */
  pollIntervalMs: number;
}

export interface WorkerDeps {
  boss: PgBoss;
  logger: Logger;
  options: WorkerOptions;
  definitions: ReadonlyMap<string, JobDefinition>;
  /** The queues each priority fetches from, most important first. */
  queues: () => Record<JobPriority, readonly string[]>;
  /** Puts jobs that did not finish during shutdown back in their queue without using a retry. */
  release: (queue: string, ids: readonly string[]) => Promise<void>;
}

interface Running {
  queue: string;
  priority: JobPriority;
  controller: AbortController;
  done: Promise<void>;
}

export interface WorkerCounters {
  started: Record<JobPriority, number>;
  completed: Record<JobPriority, number>;
  failed: Record<JobPriority, number>;
}

const zeroes = () => ({ realtime: 0, interactive: 0, background: 0 });

/**
 * PGlite answers in promise continuations only: a busy dispatcher would otherwise run from
 * microtask to microtask and starve timers and HTTP I/O for as long as a backlog lasts.
 */
const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * The dispatcher. pg-boss 10's `work()` sleeps its polling interval (>= 0.5 s) after every
 * fetch, which caps both latency and throughput; instead this loop fetches with
 * `boss.fetch` as soon as it is woken (an enqueue committed, a slot freed), runs the
 * handlers itself, and completes them in batches.
 */
export function createWorker(deps: WorkerDeps) {
  const { boss, logger, options, definitions } = deps;
  const running = new Map<string, Running>();
  const activeByPriority = zeroes();
  const counters: WorkerCounters = { started: zeroes(), completed: zeroes(), failed: zeroes() };
  /** Queues that answered with fewer jobs than asked: skipped until woken or the poll timer. */
  const drained = new Set<string>();
  const completions = new Map<string, string[]>();
  let flushing: Promise<void> | undefined;
  let stopping = false;
  let woken = false;
  let wakeUp: (() => void) | undefined;
  let loop: Promise<void> | undefined;

  let realtimeFetch: Promise<void> | undefined;
  let realtimeAgain = false;

  function wake(priority?: JobPriority) {
    if (priority) for (const queue of deps.queues()[priority]) drained.delete(queue);
    if (priority === undefined || priority === 'realtime') pumpRealtime();
    woken = true;
    wakeUp?.();
  }

  function sleep(ms: number) {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        drained.clear();
        pumpRealtime();
        finish();
      }, ms);
      function finish() {
        clearTimeout(timer);
        wakeUp = undefined;
        resolve();
      }
      wakeUp = finish;
      if (woken) finish();
    });
  }

  function flushCompletions(): Promise<void> {
    if (flushing) return flushing;
    flushing = (async () => {
      while (completions.size > 0) {
        await yieldToEventLoop(); // also lets more completions gather into this batch
        const batch = [...completions];
        completions.clear();
        await Promise.all(
          batch.map(([queue, ids]) =>
            boss.complete(queue, ids).catch((error: unknown) => {
              // The jobs stay active until they expire, then run again: handlers are idempotent.
              logger.error({ err: error, queue, count: ids.length }, 'could not mark jobs complete');
            }),
          ),
        );
      }
    })().finally(() => {
      flushing = undefined;
    });
    return flushing;
  }

  async function run(
    job: PgBoss.JobWithMetadata<JobEnvelope>,
    queue: string,
    priority: JobPriority,
    controller: AbortController,
  ) {
    const envelope = job.data;
    const definition = envelope && typeof envelope === 'object' ? definitions.get(envelope.job) : undefined;
    let childLogger: Logger | undefined;
    const jobLogger = () =>
      (childLogger ??= logger.child({ jobId: job.id, job: envelope?.job, attempt: job.retryCount }));
    try {
      if (!definition) throw new Error(`No job type "${String(envelope?.job)}" is registered on this hub.`);
      const parsed = definition.payload.safeParse(envelope.payload);
      if (!parsed.success) {
        throw new Error(
          `Invalid payload for job ${definition.name}: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`,
        );
      }
      await definition.handler(parsed.data, {
        id: job.id,
        attempt: job.retryCount,
        priority,
        signal: controller.signal,
        get logger() {
          return jobLogger();
        },
      });
      if (controller.signal.aborted) return; // released during shutdown: it runs again elsewhere
      counters.completed[priority] += 1;
      const ids = completions.get(queue);
      if (ids) ids.push(job.id);
      else completions.set(queue, [job.id]);
      void flushCompletions();
    } catch (error) {
      if (controller.signal.aborted) return;
      counters.failed[priority] += 1;
      const message = error instanceof Error ? error.message : String(error);
      const willRetry = job.retryCount < job.retryLimit;
      jobLogger()[willRetry ? 'warn' : 'error'](
        { err: error, willRetry },
        willRetry ? 'job failed; it will be retried' : 'job failed for the last time; moved to the dead letters',
      );
      await boss
        .fail(queue, job.id, { message, name: error instanceof Error ? error.name : 'Error', attempt: job.retryCount })
        .catch((failError: unknown) =>
          jobLogger().error({ err: failError }, 'could not record the job failure; it runs again when it expires'),
        );
    }
  }

  function start(job: PgBoss.JobWithMetadata<JobEnvelope>, queue: string, priority: JobPriority) {
    const controller = new AbortController();
    activeByPriority[priority] += 1;
    counters.started[priority] += 1;
    const entry: Running = {
      queue,
      priority,
      controller,
      done: run(job, queue, priority, controller).finally(() => {
        running.delete(job.id);
        activeByPriority[priority] -= 1;
        wake();
      }),
    };
    running.set(job.id, entry);
  }

  /** Takes up to the free slots from one queue; returns how many jobs it started. */
  async function fetchFrom(queue: string, priority: JobPriority): Promise<number> {
    if (stopping || drained.has(queue)) return 0;
    const free = Math.min(
      options.concurrency[priority] - activeByPriority[priority],
      options.maxActive - running.size,
      options.batchSize,
    );
    if (free <= 0) return 0;
    let jobs: PgBoss.JobWithMetadata<JobEnvelope>[];
    try {
      jobs = await boss.fetch<JobEnvelope>(queue, { batchSize: free, includeMetadata: true });
    } catch (error) {
      logger.error({ err: error, queue }, 'job fetch failed');
      return 0;
    }
    if (stopping) {
      // Taken after stop began: hand them straight back.
      if (jobs.length > 0)
        await deps
          .release(
            queue,
            jobs.map((j) => j.id),
          )
          .catch(() => undefined);
      return 0;
    }
    if (jobs.length < free) drained.add(queue);
    for (const job of jobs) start(job, queue, priority);
    return jobs.length;
  }

  /**
   * Realtime has its own fetch, started synchronously by a wake-up, so it never waits
   * for an interactive or background fetch already in flight; those wait for it instead,
   * so realtime always gets free slots first.
   */
  function pumpRealtime() {
    if (stopping) return;
    if (realtimeFetch) {
      realtimeAgain = true;
      return;
    }
    realtimeFetch = (async () => {
      do {
        realtimeAgain = false;
        let fetched: number;
        do {
          fetched = 0;
          for (const queue of deps.queues().realtime) fetched += await fetchFrom(queue, 'realtime');
          if (fetched > 0) await yieldToEventLoop();
        } while (fetched > 0 && !stopping);
      } while (realtimeAgain && !stopping);
    })()
      .catch((error: unknown) => logger.error({ err: error }, 'realtime job fetch failed'))
      .finally(() => {
        realtimeFetch = undefined;
      });
  }

  async function dispatch() {
    let lastSweep = Date.now();
    while (!stopping) {
      await yieldToEventLoop();
      woken = false;
      // Retries and cron jobs become due without any wake-up: look at every queue now and then.
      if (Date.now() - lastSweep >= options.pollIntervalMs) {
        drained.clear();
        lastSweep = Date.now();
        pumpRealtime();
      }
      let fetchedAny = false;
      const queues = deps.queues();
      for (const priority of ['interactive', 'background'] as const) {
        for (const queue of queues[priority]) {
          if (realtimeFetch) await realtimeFetch;
          if ((await fetchFrom(queue, priority)) > 0) fetchedAny = true;
        }
      }
      if (!fetchedAny && !stopping) await sleep(options.pollIntervalMs);
    }
  }

  return {
    counters,
    /** Jobs running in this process, by priority. */
    active: () => ({ ...activeByPriority }),
    wake,
    start() {
      stopping = false;
      drained.clear();
      pumpRealtime();
      loop = dispatch().catch((error: unknown) => logger.error({ err: error }, 'job dispatcher stopped unexpectedly'));
    },
    /**
     * Stops fetching, lets running jobs finish for up to `graceMs`, then aborts the rest and
     * puts them back in their queues so another worker (or the next start) runs them.
     */
    async stop(graceMs: number) {
      stopping = true;
      wakeUp?.();
      await loop;
      await realtimeFetch;
      const pending = [...running.values()];
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.all(pending.map((r) => r.done)),
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, graceMs);
        }),
      ]);
      clearTimeout(timer);
      const leftovers = new Map<string, string[]>();
      for (const [id, r] of running) {
        r.controller.abort(new Error('The hub is stopping.'));
        leftovers.set(r.queue, [...(leftovers.get(r.queue) ?? []), id]);
      }
      for (const [queue, ids] of leftovers) {
        await deps
          .release(queue, ids)
          .catch((error: unknown) =>
            logger.error({ err: error, queue }, 'could not release unfinished jobs; they run again when they expire'),
          );
        logger.warn({ queue, count: ids.length }, 'released jobs that did not finish before shutdown');
      }
      await flushCompletions();
    },
  };
}

export type Worker = ReturnType<typeof createWorker>;
