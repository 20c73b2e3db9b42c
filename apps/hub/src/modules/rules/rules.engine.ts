import { normalizeEmail, normalizePhone, type EventEnvelope } from '@made-open/shared';
import {
  cronMatches,
  parseCron,
  type RuleDefinition,
  type RuleTrigger,
  type TraceEntry,
} from '@made-open/shared/rules';
import { uuidv7 } from 'uuidv7';
import { z } from 'zod';
import type { Database, Sql } from '../../platform/db/index.ts';
import { UserError } from '../../platform/errors.ts';
import type { Logger } from '../../platform/logger.ts';
import type { ActionsService } from '../actions/index.ts';
import { defineJob, type JobsModule } from '../jobs/index.ts';
import { evaluateCondition, type PersonView, type RunScope, type TriggerView } from './rules.conditions.ts';
import { outputsOf, runSteps, type StepEffects } from './rules.executor.ts';
import { rulesRepository as repo } from './rules.repository.ts';

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface RulesEngineDeps {
  db: Database;
  logger: Logger;
  actions: Pick<ActionsService, 'invoke'>;
  jobs: Pick<JobsModule, 'register' | 'enqueue'>;
  /** How long an owner's rule index is reused before it is read again (saves on other instances). Default 10 s. */
  indexTtlMs?: number;
  /** Benchmarks: called when a live run's first action starts, with the run's trigger. */
  onActionStart?: (runId: string, trigger: TriggerView) => void;
}

interface IndexedTrigger {
  ruleId: string;
  version: number;
  definition: RuleDefinition;
  trigger: Extract<RuleTrigger, { type: 'event' }>;
}

/** A started run's facts the executor needs. */
interface RunStart {
  ruleId: string;
  ownerId: string;
  version: number;
  definition: RuleDefinition;
  trigger: TriggerView;
  depth: number;
  dedupeKey: string | null;
  rerunOf?: string | null;
  skipConditions?: boolean;
}

/** Finished runs kept per rule, and how long failures are kept regardless. */
export const runRetention = { perRule: 200, failureDays: 30 };

const resumePayload = z.object({ runId: z.string().uuid(), ownerId: z.string().uuid() });

/** The owner's person for a person id, phone number or email address. */
export async function findPersonFor(tx: Sql, ownerId: string, value: unknown): Promise<PersonView | null> {
  if (typeof value !== 'string' || value.length === 0 || value.length > 320) return null;
  if (uuid.test(value)) return (await repo.findPerson(tx, ownerId, { id: value })) ?? null;
  const email = value.includes('@') ? normalizeEmail(value) : null;
  if (email) return (await repo.findPerson(tx, ownerId, { kind: 'email', value: email })) ?? null;
  const phone = normalizePhone(value);
  return phone ? ((await repo.findPerson(tx, ownerId, { kind: 'phone', value: phone })) ?? null) : null;
}

export function triggerOfEvent(triggerId: string, event: EventEnvelope): TriggerView {
  return {
    triggerId,
    type: event.type,
    id: event.id,
    subject: event.subject,
    time: event.time,
    actor: event.actor as Record<string, unknown>,
    data: event.data,
  };
}

/** The loop guard and backfill rule: why an event must not fire this rule's trigger, or null. */
export function eventRefusal(
  entry: { ruleId: string; definition: RuleDefinition; trigger: { includeBackfill: boolean } },
  event: Pick<EventEnvelope, 'actor'>,
): 'backfill' | 'self' | 'loop_guard' | null {
  if (event.actor.backfill && !entry.trigger.includeBackfill) return 'backfill';
  if (event.actor.kind === 'rule') {
    // A rule never fires on what it did itself; chains of rules stop at maxDepth.
    if (event.actor.id === entry.ruleId) return 'self';
    if ((event.actor.depth ?? 0) >= entry.definition.limits.maxDepth) return 'loop_guard';
  }
  return null;
}

/** A trigger with a lead time (calendar.EventStarting's minutesBefore) matches only the event made for that lead time. */
export function leadTimeMatches(
  trigger: { minutesBefore?: number | undefined },
  event: Pick<EventEnvelope, 'data'>,
): boolean {
  return (
    trigger.minutesBefore === undefined ||
    (event.data as { minutesBefore?: unknown }).minutesBefore === trigger.minutesBefore
  );
}

/**
 * The rules engine (ADR 0016): an index of each owner's enabled rules by trigger event
 * type, the decision to start a run (conditions, rate limit, mode) inside the event
 * consumer's transaction, and the executor, which runs the steps after that commit
 * through the actions service as the principal `rule`, saving the trace as it goes.
 */
export function createRulesEngine(deps: RulesEngineDeps) {
  const { db, logger } = deps;
  const ttl = deps.indexTtlMs ?? 10_000;
  const index = new Map<string, { at: number; byType: Map<string, IndexedTrigger[]> }>();
  let running = 0;
  let stopping = false;
  const idle = new Set<() => void>();

  async function indexFor(tx: Sql, ownerId: string) {
    const cached = index.get(ownerId);
    if (cached && Date.now() - cached.at < ttl) return cached.byType;
    const byType = new Map<string, IndexedTrigger[]>();
    for (const rule of await repo.enabledOf(tx, ownerId)) {
      for (const trigger of rule.definition.triggers) {
        if (trigger.type !== 'event') continue;
        const list = byType.get(trigger.event) ?? [];
        list.push({ ruleId: rule.id, version: rule.version, definition: rule.definition, trigger });
        byType.set(trigger.event, list);
      }
    }
    index.set(ownerId, { at: Date.now(), byType });
    return byType;
  }

  function scopeFor(
    tx: Sql | null,
    start: Pick<RunStart, 'ruleId' | 'ownerId' | 'trigger'>,
    steps: RunScope['steps'] = {},
  ): RunScope {
    const people = new Map<string, Promise<PersonView | null>>();
    const withTx = <T>(work: (tx: Sql) => Promise<T>) => (tx ? work(tx) : db.asSystem(work));
    return {
      trigger: start.trigger,
      steps,
      now: new Date(),
      findPerson(value) {
        const key = typeof value === 'string' ? value : '';
        let found = people.get(key);
        if (!found) people.set(key, (found = withTx((t) => findPersonFor(t, start.ownerId, value))));
        return found;
      },
      countRecentRuns: (seconds) => withTx((t) => repo.countRecent(t, start.ruleId, seconds)),
    };
  }

  /**
   * Decides and records a run in `tx` (a system transaction): conditions, the rate limit,
   * the mode. A started run executes after `tx` commits. Returns the run id, or null when
   * the same event (or minute) already started one.
   */
  async function begin(tx: Sql, start: RunStart): Promise<{ runId: string; status: string } | null> {
    const runId = uuidv7();
    const trace: TraceEntry[] = [
      {
        kind: 'trigger',
        path: `/triggers/${start.trigger.triggerId}`,
        status: 'ok',
        input: { type: start.trigger.type, id: start.trigger.id },
        t0: new Date().toISOString(),
        t1: new Date().toISOString(),
      },
    ];
    const record = async (status: 'running' | 'queued' | 'skipped' | 'rate_limited', reason: string | null) => {
      const inserted = await repo.insertRun(tx, {
        id: runId,
        ruleId: start.ruleId,
        ownerId: start.ownerId,
        version: start.version,
        status,
        reason,
        triggerId: start.trigger.triggerId,
        triggerEventId: start.trigger.id,
        trigger: start.trigger,
        depth: start.depth,
        dedupeKey: start.dedupeKey,
        rerunOf: start.rerunOf ?? null,
        trace,
        finished: status === 'skipped' || status === 'rate_limited',
      });
      if (!inserted) return null;
      if (status === 'running') {
        // The run starts from what was just decided: no need to read it back.
        const go = () =>
          void execute(runId, start.ownerId, {
            ruleId: start.ruleId,
            depth: start.depth,
            trigger: start.trigger,
            definition: start.definition,
            trace,
          });
        if (tx.afterCommit) tx.afterCommit(go);
        else setImmediate(go);
      }
      return { runId, status };
    };
    const { definition } = start;
    if (definition.conditions && !start.skipConditions) {
      const passed = await evaluateCondition(definition.conditions, scopeFor(tx, start), '/conditions', trace);
      if (!passed) return record('skipped', 'conditions');
    }
    // One decision at a time per rule: the mode and the rate limit see every run before this one.
    await repo.lockRuleRow(tx, start.ruleId);
    const { lastHour, active } = await repo.runLoad(tx, start.ruleId);
    if (lastHour >= definition.limits.perHour)
      return record('rate_limited', `more than ${definition.limits.perHour} runs in an hour`);
    const busy = active.filter((run) => run.status !== 'queued').length;
    switch (definition.mode) {
      case 'single':
        if (active.length > 0) return record('skipped', 'single mode: a run is already active');
        break;
      case 'restart':
        if (active.length > 0) await repo.cancelActive(tx, start.ruleId, 'restart mode: a newer run replaced it');
        break;
      case 'queued':
        if (active.length >= definition.max)
          return record('skipped', `queued mode: ${definition.max} runs wait already`);
        if (busy > 0) return record('queued', null);
        break;
      case 'parallel':
        if (active.length >= definition.max)
          return record('skipped', `parallel mode: ${definition.max} runs are active`);
        break;
    }
    return record('running', null);
  }

  async function considerEvent(tx: Sql, event: EventEnvelope) {
    const entries = (await indexFor(tx, event.ownerId)).get(event.type);
    if (!entries) return;
    for (const entry of entries) {
      if (!leadTimeMatches(entry.trigger, event)) continue;
      const refusal = eventRefusal(entry, event);
      if (refusal === 'backfill' || refusal === 'self') continue;
      const trigger = triggerOfEvent(entry.trigger.id, event);
      if (refusal === 'loop_guard') {
        await repo.insertRun(tx, {
          id: uuidv7(),
          ruleId: entry.ruleId,
          ownerId: event.ownerId,
          version: entry.version,
          status: 'skipped',
          reason: `loop guard: the event was caused by rules ${event.actor.depth} deep`,
          triggerId: entry.trigger.id,
          triggerEventId: event.id,
          trigger,
          depth: (event.actor.depth ?? 0) + 1,
          dedupeKey: `${event.id}:${entry.trigger.id}`,
          rerunOf: null,
          trace: [],
          finished: true,
        });
        continue;
      }
      if (entry.trigger.filter) {
        // The trigger's own filter is part of matching: an event it refuses leaves no run.
        const scope = scopeFor(tx, { ruleId: entry.ruleId, ownerId: event.ownerId, trigger });
        if (!(await evaluateCondition(entry.trigger.filter, scope, `/triggers/${entry.trigger.id}/filter`, [])))
          continue;
      }
      await begin(tx, {
        ruleId: entry.ruleId,
        ownerId: event.ownerId,
        version: entry.version,
        definition: entry.definition,
        trigger,
        depth: (event.actor.depth ?? 0) + 1,
        dedupeKey: `${event.id}:${entry.trigger.id}`,
      });
    }
  }

  const resumeJob = defineJob({
    name: 'rules.resume',
    priority: 'interactive',
    payload: resumePayload,
    retry: { limit: 5, backoff: { type: 'exponential', delaySeconds: 5 } },
    handler: async ({ runId, ownerId }) => {
      const moved = await db.asSystem(async (tx) => {
        const run = await repo.getRun(tx, ownerId, null, runId);
        if (!run || run.status !== 'waiting') return false;
        return repo.updateRun(tx, runId, ['waiting'], { status: 'running', trace: run.trace, resumeAt: run.resume_at });
      });
      if (moved) await execute(runId, ownerId);
    },
  });

  /** Every minute: schedule triggers due now, and runs whose process died mid-run. */
  const tickJob = defineJob({
    name: 'rules.tick',
    priority: 'interactive',
    payload: z.object({}),
    retry: { limit: 0, backoff: { type: 'fixed', delaySeconds: 0 } },
    cron: { expression: '* * * * *', payload: {} },
    handler: async () => {
      await tick(new Date());
    },
  });

  const pruneJob = defineJob({
    name: 'rules.prune',
    priority: 'background',
    payload: z.object({}),
    retry: { limit: 2, backoff: { type: 'exponential', delaySeconds: 60 } },
    cron: { expression: '41 3 * * *', payload: {} },
    handler: async () => {
      const removed = await db.asSystem((tx) => repo.prune(tx, runRetention.perRule, runRetention.failureDays));
      if (removed > 0) logger.info({ removed }, 'pruned rule runs');
    },
  });

  async function tick(at: Date) {
    const minute = new Date(Math.floor(at.getTime() / 60_000) * 60_000);
    const due = (await db.asSystem((tx) => repo.schedules(tx))).filter((s) => {
      const fields = parseCron(s.cron);
      return fields !== null && cronMatches(fields, minute, s.tz);
    });
    for (const schedule of due) {
      await db.asSystem(async (tx) => {
        const rule = await repo.get(tx, schedule.owner_id, schedule.rule_id);
        if (!rule?.enabled) return;
        await begin(tx, {
          ruleId: rule.id,
          ownerId: rule.owner_id,
          version: rule.current_version,
          definition: rule.definition,
          trigger: {
            triggerId: schedule.trigger_id,
            type: 'schedule',
            id: null,
            subject: null,
            time: minute.toISOString(),
            actor: null,
            data: { cron: schedule.cron, tz: schedule.tz },
          },
          depth: 1,
          dedupeKey: `schedule:${schedule.trigger_id}:${minute.toISOString()}`,
        });
      });
    }
    // A run whose process died mid-step continues from its last saved step (actions are idempotent by run and step).
    for (const stale of await db.asSystem((tx) => repo.staleRunning(tx, 120))) void execute(stale.id, stale.owner_id);
    // Queued runs left behind by a run that ended without starting the next one (its process died).
    for (const idle of await db.asSystem((tx) => repo.idleQueues(tx)))
      await startNextQueued(idle.rule_id, idle.owner_id);
  }

  /** Runs a started run's steps from where it stands, saving its trace after each step. */
  async function execute(
    runId: string,
    ownerId: string,
    fresh?: { ruleId: string; depth: number; trigger: TriggerView; definition: RuleDefinition; trace?: TraceEntry[] },
  ): Promise<void> {
    if (stopping) return;
    running++;
    try {
      const loaded = fresh
        ? {
            run: {
              rule_id: fresh.ruleId,
              depth: fresh.depth,
              trigger: fresh.trigger,
              trace: [] as TraceEntry[],
              resume_at: null,
            },
            definition: fresh.definition,
          }
        : await db.asSystem(async (tx) => {
            const run = await repo.getRun(tx, ownerId, null, runId);
            if (!run || run.status !== 'running') return null;
            const version = await repo.version(tx, ownerId, run.rule_id, run.version);
            return version ? { run, definition: version.definition } : null;
          });
      if (!loaded) return;
      const { run, definition } = loaded;
      const trace = fresh?.trace ? [...fresh.trace] : [...run.trace];
      const trigger = run.trigger as unknown as TriggerView;
      const scope = scopeFor(null, { ruleId: run.rule_id, ownerId, trigger }, outputsOf(trace));
      const actor = {
        kind: 'rule' as const,
        id: run.rule_id,
        ...(trigger.id ? { causedBy: trigger.id } : {}),
        depth: run.depth,
        runId,
      };
      const principal = { kind: 'rule' as const, id: run.rule_id, ownerId, actor };
      let first = true;
      const effects: StepEffects = {
        async action(step, input) {
          // Effects are idempotent by run and step: a resumed run sends the same key again.
          const withKey =
            (step.action === 'messages.send' || step.action === 'messages.sendEmail') &&
            input &&
            typeof input === 'object'
              ? { ...input, idempotencyKey: `${runId}:${step.id}` }
              : input;
          try {
            return { output: await deps.actions.invoke(principal, step.action, withKey) };
          } catch (error) {
            if (error instanceof UserError) return { error: { code: error.code, message: error.message } };
            logger.error({ err: error, ruleId: run.rule_id, runId }, 'rule step failed');
            return { error: { code: 'error', message: 'The action failed unexpectedly.' } };
          }
        },
        async delay(step, next, soFar) {
          await db.asSystem(async (tx) => {
            await repo.updateRun(tx, runId, ['running'], { status: 'waiting', trace: soFar, resumeAt: next });
            await deps.jobs.enqueue(tx, resumeJob, { runId, ownerId }, { startAfter: step.seconds });
          });
          return true;
        },
        checkpoint: (soFar, next) =>
          db.asSystem((tx) =>
            repo.updateRun(tx, runId, ['running'], { status: 'running', trace: soFar, resumeAt: next }),
          ),
        onActionStart: () => {
          if (first && deps.onActionStart) deps.onActionStart(runId, trigger);
          first = false;
        },
      };
      const result = await runSteps(definition.steps, scope, trace, effects, run.resume_at ?? '/steps/0');
      if (result.outcome === 'waiting') {
        // The delay saved the resume point with the job; this adds the delay's own trace entry.
        await db.asSystem((tx) =>
          repo.updateRun(tx, runId, ['waiting'], { status: 'waiting', trace, resumeAt: result.resumeAt }),
        );
        return;
      }
      if (result.outcome !== 'cancelled') {
        await db.asSystem((tx) =>
          repo.updateRun(tx, runId, ['running'], {
            status: result.outcome,
            trace,
            reason: 'reason' in result ? (result.reason ?? null) : null,
          }),
        );
      }
      await startNextQueued(run.rule_id, ownerId);
    } catch (error) {
      logger.error({ err: error, runId }, 'rule run failed');
      await db
        .asSystem((tx) =>
          repo.updateRun(tx, runId, ['running'], { status: 'failed', trace: [], reason: 'the engine failed' }),
        )
        .catch(() => undefined);
    } finally {
      running--;
      if (running === 0) for (const resolve of idle) resolve();
    }
  }

  async function startNextQueued(ruleId: string, ownerId: string) {
    const next = await db.asSystem((tx) => repo.claimNextQueued(tx, ruleId));
    if (next) void execute(next, ownerId);
  }

  return {
    begin,
    considerEvent,
    execute,
    tick,
    scopeFor,
    jobs: [resumeJob, tickJob, pruneJob] as const,
    /** Each owner's lead times (minutesBefore) its enabled rules ask of `eventType`, for the calendar's emitter. */
    leadTimes: (eventType: string) => db.asSystem((tx) => repo.leadTimes(tx, eventType)),
    /** Drops an owner's cached index (after a save, enable or disable commits). */
    invalidate(ownerId: string) {
      index.delete(ownerId);
    },
    /** Waits for runs executing in this process (tests, shutdown). */
    async drain() {
      if (running === 0) return;
      await new Promise<void>((resolve) => {
        const done = () => {
          idle.delete(done);
          resolve();
        };
        idle.add(done);
      });
    },
    stop() {
      stopping = true;
    },
  };
}

export type RulesEngine = ReturnType<typeof createRulesEngine>;
