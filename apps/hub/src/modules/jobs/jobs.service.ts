import pg from 'pg';
import PgBoss from 'pg-boss';
import type { z } from 'zod';
import type { Database, Sql } from '../../platform/db/index.ts';
import type { Logger } from '../../platform/logger.ts';
import {
  bossExecutor,
  BOSS_SCHEMA,
  jobsRepository as repo,
  transactionExecutor,
  WAKE_CHANNEL,
} from './jobs.repository.ts';
import {
  InvalidJobPayloadError,
  jobPriorities,
  type JobDefinition,
  type JobEnvelope,
  type JobPriority,
} from './jobs.schemas.ts';
import { createWorker, type Worker, type WorkerOptions } from './jobs.worker.ts';

export const QUEUE_PREFIX = 'made-open';
export const DEAD_LETTER_QUEUE = `${QUEUE_PREFIX}.dead-letter`;
const priorityQueue = (priority: JobPriority) => `${QUEUE_PREFIX}.${priority}`;
const cronQueue = (job: string) => `${QUEUE_PREFIX}.cron.${job}`;

export interface JobsOptions extends Partial<WorkerOptions> {
  /** false: this instance only enqueues (no dispatcher, no cron, no maintenance). */
  work?: boolean;
  /** How long stop() lets running jobs finish before releasing them. Default 10 s. */
  stopGraceMs?: number;
  /**
   * PostgreSQL only (DATABASE_URL): pg-boss gets its own small pool on it, and a LISTEN
   * connection wakes the worker when an enqueue commits. Without it pg-boss runs through
   * the hub's Database, and jobs committed elsewhere start on the next poll.
   */
  databaseUrl?: string;
  /** Connections in pg-boss's own pool (PostgreSQL with databaseUrl). Default 4. */
  poolSize?: number;
  /** pg-boss timers (tests shorten them). */
  maintenanceIntervalSeconds?: number;
  cronMonitorIntervalSeconds?: number;
  cronWorkerIntervalSeconds?: number;
}

export interface EnqueueOptions {
  /** Run no earlier than this (a Date, or seconds from now). */
  startAfter?: Date | number;
  /** At most one queued job per key (pg-boss singleton); a duplicate enqueue returns null. */
  singletonKey?: string;
}

export interface JobsStats {
  queued: Record<JobPriority, number>;
  active: Record<JobPriority, number>;
  /** Jobs that failed their last attempt and wait in the dead-letter queue. */
  deadLetters: number;
}

export interface DeadLetter {
  id: string;
  job: string;
  payload: unknown;
  error: unknown;
  at: Date;
}

export interface JobsService {
  /** Adds a job type. Before start() only: the worker and cron schedules are fixed then. */
  register(definition: JobDefinition): void;
  /**
   * Validates the payload and adds the job inside the caller's transaction: it exists
   * (and runs) only if that transaction commits. Returns the job id (null for a
   * duplicate singleton key).
   */
  enqueue<S extends z.ZodType>(
    tx: Sql,
    definition: JobDefinition<S>,
    payload: z.input<S>,
    options?: EnqueueOptions,
  ): Promise<string | null>;
  /** Many jobs of one type in one statement, inside the caller's transaction. */
  enqueueMany<S extends z.ZodType>(
    tx: Sql,
    definition: JobDefinition<S>,
    payloads: readonly z.input<S>[],
  ): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
  stats(): Promise<JobsStats>;
  deadLetters(limit?: number): Promise<DeadLetter[]>;
  /** This process's dispatcher counters (Prometheus counters). */
  counters(): Worker['counters'] | undefined;
  readonly started: boolean;
}

export interface JobsServiceDeps {
  db: Database;
  logger: Logger;
  options?: JobsOptions;
}

const defaults = {
  concurrency: { realtime: 50, interactive: 50, background: 25 },
  batchSize: 100,
  pollIntervalMs: 1_000,
  stopGraceMs: 10_000,
};

export function createJobsService({ db, logger, options = {} }: JobsServiceDeps): JobsService {
  const definitions = new Map<string, JobDefinition>();
  const executor = bossExecutor(db);
  const concurrency = { ...defaults.concurrency, ...options.concurrency };
  const workerOptions: WorkerOptions = {
    concurrency,
    maxActive: options.maxActive ?? concurrency.realtime + concurrency.interactive + concurrency.background,
    batchSize: options.batchSize ?? defaults.batchSize,
    pollIntervalMs: options.pollIntervalMs ?? defaults.pollIntervalMs,
  };
  const working = options.work ?? true;
  // On PostgreSQL pg-boss's statements are single round trips on its own pool (the
  // adapter would wrap each in BEGIN/COMMIT on the request pool); on PGlite, and on
  // PostgreSQL without a URL, they go through the hub's Database.
  const ownPool = db.kind === 'postgres' && options.databaseUrl !== undefined;
  const boss = new PgBoss({
    ...(ownPool
      ? { connectionString: options.databaseUrl, max: options.poolSize ?? 4, application_name: 'made-open-jobs' }
      : { db: executor }),
    schema: BOSS_SCHEMA,
    migrate: true,
    supervise: working,
    schedule: working,
    ...(options.maintenanceIntervalSeconds ? { maintenanceIntervalSeconds: options.maintenanceIntervalSeconds } : {}),
    ...(options.cronMonitorIntervalSeconds ? { cronMonitorIntervalSeconds: options.cronMonitorIntervalSeconds } : {}),
    ...(options.cronWorkerIntervalSeconds ? { cronWorkerIntervalSeconds: options.cronWorkerIntervalSeconds } : {}),
  });
  boss.on('error', (error: Error) => logger.error({ err: error }, 'pg-boss error'));

  let worker: Worker | undefined;
  let listener: { close(): Promise<void> } | undefined;
  let started = false;

  function queuesByPriority(): Record<JobPriority, string[]> {
    const queues: Record<JobPriority, string[]> = {
      realtime: [priorityQueue('realtime')],
      interactive: [priorityQueue('interactive')],
      background: [priorityQueue('background')],
    };
    for (const definition of definitions.values()) {
      if (definition.cron) queues[definition.priority].push(cronQueue(definition.name));
    }
    return queues;
  }
  const allQueues = () => Object.values(queuesByPriority()).flat();

  function jobOptions(definition: JobDefinition) {
    return {
      retryLimit: definition.retry.limit,
      retryDelay: definition.retry.backoff.delaySeconds,
      retryBackoff: definition.retry.backoff.type === 'exponential',
      ...(definition.expireInSeconds ? { expireInSeconds: definition.expireInSeconds } : {}),
    };
  }

  function checkEnqueue(definition: JobDefinition, payload: unknown) {
    if (definitions.get(definition.name) !== definition) {
      throw new Error(
        `Job ${definition.name} is not registered: call jobs.register(definition) when building the module.`,
      );
    }
    if (!started)
      throw new Error('The jobs module has not started yet: enqueue from request handlers or after start().');
    const parsed = definition.payload.safeParse(payload);
    if (!parsed.success) throw new InvalidJobPayloadError(definition.name, parsed.error.issues);
  }

  async function afterEnqueue(tx: Sql, priority: JobPriority) {
    if (db.kind === 'postgres') {
      // Delivered at commit, to every instance listening (this one included); never on rollback.
      await repo.notifyWake(tx, priority);
    } else {
      // PGlite is one backend behind one mutex: a fetch started now queues behind the
      // caller's transaction, so it runs right after the commit (or finds nothing).
      worker?.wake(priority);
    }
  }

  async function openListener(url: string) {
    let client: pg.Client | undefined;
    let closed = false;
    let retry: NodeJS.Timeout | undefined;
    const connect = async () => {
      const next = new pg.Client({ connectionString: url, application_name: 'made-open-jobs-listener' });
      next.on('notification', (message) => {
        const priority = jobPriorities.find((p) => p === message.payload);
        worker?.wake(priority);
      });
      next.on('error', (error) => {
        logger.warn({ err: error }, 'jobs wake-up connection failed; reconnecting');
        next.end().catch(() => undefined);
        if (!closed) retry = setTimeout(() => void connect().catch(() => undefined), 1_000);
      });
      await next.connect();
      await next.query(`LISTEN ${WAKE_CHANNEL}`);
      client = next;
      // Anything committed while we were not listening is picked up now.
      worker?.wake();
    };
    await connect();
    return {
      async close() {
        closed = true;
        clearTimeout(retry);
        await client?.end().catch(() => undefined);
      },
    };
  }

  return {
    get started() {
      return started;
    },

    register(definition) {
      if (started) throw new Error(`Register job ${definition.name} before the hub starts.`);
      const existing = definitions.get(definition.name);
      if (existing && existing !== definition) throw new Error(`Job ${definition.name} is already registered.`);
      definitions.set(definition.name, definition);
    },

    async enqueue(tx, definition, payload, enqueueOptions = {}) {
      checkEnqueue(definition, payload);
      const envelope: JobEnvelope = { job: definition.name, payload };
      const { startAfter, singletonKey } = enqueueOptions;
      const queue = priorityQueue(definition.priority);
      const inTransaction = transactionExecutor(tx);
      if (singletonKey !== undefined && (await repo.singletonQueued(inTransaction, queue, singletonKey))) return null;
      const id = await boss.send(queue, envelope as object, {
        db: inTransaction,
        ...jobOptions(definition),
        ...(startAfter !== undefined ? { startAfter } : {}),
        ...(singletonKey !== undefined ? { singletonKey } : {}),
      });
      if (id === null && singletonKey === undefined) {
        throw new Error(`pg-boss did not create job ${definition.name}: its queue is missing.`);
      }
      if (id !== null) await afterEnqueue(tx, definition.priority);
      return id;
    },

    async enqueueMany(tx, definition, payloads) {
      if (payloads.length === 0) return;
      for (const payload of payloads) checkEnqueue(definition, payload);
      const shared = jobOptions(definition);
      await boss.insert(
        payloads.map((payload) => ({
          name: priorityQueue(definition.priority),
          data: { job: definition.name, payload } satisfies JobEnvelope,
          ...shared,
        })),
        { db: transactionExecutor(tx) },
      );
      await afterEnqueue(tx, definition.priority);
    },

    async start() {
      if (started) return;
      await boss.start();
      await boss.createQueue(DEAD_LETTER_QUEUE, { name: DEAD_LETTER_QUEUE, policy: 'standard' });
      for (const priority of jobPriorities) {
        const name = priorityQueue(priority);
        await boss.createQueue(name, { name, policy: 'standard', deadLetter: DEAD_LETTER_QUEUE });
      }
      for (const definition of definitions.values()) {
        if (!definition.cron) continue;
        const name = cronQueue(definition.name);
        await boss.createQueue(name, { name, policy: 'standard', deadLetter: DEAD_LETTER_QUEUE });
      }
      // After pg-boss's own schema work and the queue partitions it just created.
      const leftover = await db.asOwner(async (tx) => {
        await repo.restrictToSystem(tx);
        return repo.requestRolePrivileges(tx);
      });
      if (leftover.length > 0) {
        const shown = leftover.map((p) => `${p.role}: ${p.privilege} on ${p.object}`).join(', ');
        throw new Error(`The request roles still hold privileges in schema ${BOSS_SCHEMA} (${shown}): revoke them.`);
      }
      if (working) {
        // Schedules live in the database: drop those whose job type this hub no longer has.
        const wanted = new Map([...definitions.values()].filter((d) => d.cron).map((d) => [cronQueue(d.name), d]));
        for (const schedule of await boss.getSchedules()) {
          if (schedule.name.startsWith(`${QUEUE_PREFIX}.cron.`) && !wanted.has(schedule.name))
            await boss.unschedule(schedule.name);
        }
        for (const [name, definition] of wanted) {
          const cron = definition.cron!;
          await boss.schedule(
            name,
            cron.expression,
            { job: definition.name, payload: cron.payload } satisfies JobEnvelope as object,
            {
              tz: cron.timezone ?? 'UTC',
              ...jobOptions(definition),
            },
          );
        }
        worker = createWorker({
          boss,
          logger,
          options: workerOptions,
          definitions,
          queues: queuesByPriority,
          release: (queue, ids) => db.asOwner((tx) => repo.release(tx, queue, ids)),
        });
        worker.start();
        if (ownPool) listener = await openListener(options.databaseUrl!);
        else if (db.kind === 'postgres') {
          logger.warn('DATABASE_URL is not set for the jobs module: jobs start on the next poll instead of at commit');
        }
      }
      started = true;
      logger.info({ definitions: [...definitions.keys()], working }, 'jobs started');
    },

    async stop() {
      if (!started) return;
      started = false;
      await listener?.close();
      listener = undefined;
      await worker?.stop(options.stopGraceMs ?? defaults.stopGraceMs);
      await boss.stop({ graceful: true, close: true, wait: true, timeout: 5_000 });
    },

    async stats() {
      const counts = await db.asOwner((tx) => repo.countStates(tx, [...allQueues(), DEAD_LETTER_QUEUE]));
      const priorityOf = new Map<string, JobPriority>();
      for (const [priority, queues] of Object.entries(queuesByPriority()) as [JobPriority, string[]][]) {
        for (const queue of queues) priorityOf.set(queue, priority);
      }
      const stats: JobsStats = {
        queued: { realtime: 0, interactive: 0, background: 0 },
        active: { realtime: 0, interactive: 0, background: 0 },
        deadLetters: 0,
      };
      for (const { name, state, count } of counts) {
        if (name === DEAD_LETTER_QUEUE) {
          if (state === 'created' || state === 'retry') stats.deadLetters += count;
          continue;
        }
        const priority = priorityOf.get(name);
        if (!priority) continue;
        if (state === 'created' || state === 'retry') stats.queued[priority] += count;
        else if (state === 'active') stats.active[priority] += count;
      }
      return stats;
    },

    async deadLetters(limit = 50) {
      const rows = await db.asOwner((tx) => repo.listDeadLetters(tx, DEAD_LETTER_QUEUE, limit));
      return rows.map((row) => {
        const envelope = (row.data ?? {}) as Partial<JobEnvelope>;
        return {
          id: row.id,
          job: String(envelope.job),
          payload: envelope.payload,
          error: row.output,
          at: row.createdOn,
        };
      });
    },

    counters: () => worker?.counters,
  };
}
