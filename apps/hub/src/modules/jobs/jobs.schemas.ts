import type { z } from 'zod';
import type { Logger } from '../../platform/logger.ts';

/**
 * Three classes of work, each its own pg-boss queue and its own share of worker slots:
 * - realtime: someone is waiting on the result right now (starts within ~100 ms of commit);
 * - interactive: the user will look soon (seconds);
 * - background: sync, indexing, maintenance (minutes are fine).
 * The worker always fetches in this order, so with free slots a realtime job never waits
 * behind a background one.
 */
export const jobPriorities = ['realtime', 'interactive', 'background'] as const;
export type JobPriority = (typeof jobPriorities)[number];

export interface JobContext {
  /** pg-boss's job id (a uuid): stable across retries, so handlers can be idempotent on it. */
  id: string;
  /** 0 on the first run, then 1, 2, ... for each retry. */
  attempt: number;
  priority: JobPriority;
  /** Aborted when the hub stops and the job did not finish within the grace period. */
  signal: AbortSignal;
  logger: Logger;
}

export interface RetryPolicy {
  /** Retries after the first attempt; 0 sends a failure straight to the dead letters. */
  limit: number;
  /**
   * exponential: the n-th retry waits delaySeconds * 2^(n-1) times a random factor in
   * [1, 2) (pg-boss's backoff with jitter); fixed: delaySeconds every time.
   */
  backoff: { type: 'exponential' | 'fixed'; delaySeconds: number };
}

export interface CronSpec<S extends z.ZodType> {
  /** A 5-field cron expression (minute granularity), e.g. `*\/15 * * * *`. */
  expression: string;
  payload: z.input<S>;
  /** IANA time zone, default UTC. */
  timezone?: string;
}

export interface JobDefinition<S extends z.ZodType = z.ZodType> {
  /** Dotted, module-prefixed, e.g. `search.reindex`. */
  name: string;
  priority: JobPriority;
  payload: S;
  handler: (payload: z.output<S>, context: JobContext) => Promise<void>;
  retry: RetryPolicy;
  /** A job active longer than this is presumed lost (its worker died) and runs again. Default 15 min. */
  expireInSeconds?: number;
  cron?: CronSpec<S>;
}

const NAME = /^[a-z][a-z0-9_-]*(\.[a-z0-9_-]+)+$/;

/** Declares a job type; register it with `jobs.register(def)` before the hub starts. */
export function defineJob<S extends z.ZodType>(definition: JobDefinition<S>): JobDefinition<S> {
  if (!NAME.test(definition.name) || definition.name.length > 60) {
    throw new Error(
      `Job name "${definition.name}" must be dotted lower-case, module first (e.g. "search.reindex"), at most 60 characters.`,
    );
  }
  const { limit, backoff } = definition.retry;
  if (!Number.isInteger(limit) || limit < 0 || limit > 50) {
    throw new Error(`Job ${definition.name}: retry.limit must be an integer from 0 to 50.`);
  }
  if (!Number.isInteger(backoff.delaySeconds) || backoff.delaySeconds < 0) {
    throw new Error(`Job ${definition.name}: retry.backoff.delaySeconds must be a non-negative integer.`);
  }
  if (
    definition.expireInSeconds !== undefined &&
    (!Number.isInteger(definition.expireInSeconds) || definition.expireInSeconds < 1)
  ) {
    throw new Error(`Job ${definition.name}: expireInSeconds must be a positive integer.`);
  }
  if (definition.cron) {
    const parsed = definition.payload.safeParse(definition.cron.payload);
    if (!parsed.success) throw new Error(`Job ${definition.name}: the cron payload does not match the payload schema.`);
  }
  return Object.freeze({ ...definition });
}

/** A payload failed its job's schema: a bug in the enqueueing code, not the user's fault. */
export class InvalidJobPayloadError extends Error {
  constructor(
    readonly job: string,
    readonly issues: readonly z.core.$ZodIssue[],
  ) {
    super(
      `Invalid payload for job ${job}: ${issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`,
    );
    this.name = 'InvalidJobPayloadError';
  }
}

/** What travels in pg-boss's `data` column. */
export interface JobEnvelope {
  job: string;
  payload: unknown;
}
