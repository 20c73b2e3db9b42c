import type { EventEnvelope } from '@made-open/shared';
import type { RuleDefinition, TraceEntry } from '@made-open/shared/rules';
import type { Sql } from '../../platform/db/index.ts';
import { evaluateCondition, type RunScope } from './rules.conditions.ts';
import { eventRefusal, findPersonFor, leadTimeMatches, triggerOfEvent } from './rules.engine.ts';
import { runSteps } from './rules.executor.ts';
import { rulesRepository as repo } from './rules.repository.ts';

export interface DryRunOptions {
  days: number;
  limit: number;
}

export interface DryRunResult {
  from: string;
  to: string;
  examined: number;
  matched: number;
  skippedByCondition: number;
  rateLimited: number;
  loopsDetected: number;
  skippedBackfill: number;
  wouldRun: {
    eventId: string;
    type: string;
    at: string;
    triggerId: string;
    outcome: string;
    reason: string | null;
    trace: TraceEntry[];
  }[];
}

/**
 * Replays the owner's own stored events of the last `days` through the same matcher and
 * executor as live runs, with every action simulated (its rendered input is what it would
 * have done) and the clock at each event's time (integrations.md §3.5). Schedule, manual
 * and webhook triggers have no stored events and are not replayed.
 */
export async function dryRun(
  tx: Sql,
  ownerId: string,
  ruleId: string | null,
  definition: RuleDefinition,
  options: DryRunOptions,
): Promise<DryRunResult> {
  const to = new Date();
  const from = new Date(to.getTime() - options.days * 86_400_000);
  const triggers = definition.triggers.filter((t) => t.type === 'event');
  const types = [...new Set(triggers.map((t) => t.event))];
  const events = types.length > 0 ? await repo.eventsSince(tx, ownerId, types, from, options.limit) : [];
  const result: DryRunResult = {
    from: from.toISOString(),
    to: to.toISOString(),
    examined: events.length,
    matched: 0,
    skippedByCondition: 0,
    rateLimited: 0,
    loopsDetected: 0,
    skippedBackfill: 0,
    wouldRun: [],
  };
  /** Simulated run starts (ms), for perHour and atMost. */
  const starts: number[] = [];
  const countSince = (at: number, seconds: number) => starts.filter((s) => s > at - seconds * 1000 && s <= at).length;
  for (const row of events) {
    const event = { ...row, ownerId, v: 1, time: new Date(row.time).toISOString() } as EventEnvelope;
    const at = Date.parse(event.time);
    for (const trigger of triggers) {
      if (trigger.event !== event.type || !leadTimeMatches(trigger, event)) continue;
      const refusal = eventRefusal({ ruleId: ruleId ?? 'draft', definition, trigger }, event);
      if (refusal === 'backfill') {
        result.skippedBackfill++;
        continue;
      }
      if (refusal) {
        result.loopsDetected++;
        continue;
      }
      const people = new Map<string, ReturnType<RunScope['findPerson']>>();
      const scope: RunScope = {
        trigger: triggerOfEvent(trigger.id, event),
        steps: {},
        now: new Date(at),
        findPerson(value) {
          const key = typeof value === 'string' ? value : '';
          let found = people.get(key);
          if (!found) people.set(key, (found = findPersonFor(tx, ownerId, value)));
          return found;
        },
        countRecentRuns: async (seconds) => countSince(at, seconds),
      };
      if (trigger.filter && !(await evaluateCondition(trigger.filter, scope, `/triggers/${trigger.id}/filter`, [])))
        continue;
      result.matched++;
      const trace: TraceEntry[] = [];
      if (definition.conditions && !(await evaluateCondition(definition.conditions, scope, '/conditions', trace))) {
        result.skippedByCondition++;
        continue;
      }
      if (countSince(at, 3600) >= definition.limits.perHour) {
        result.rateLimited++;
        continue;
      }
      starts.push(at);
      const outcome = await runSteps(definition.steps, scope, trace, {
        action: async (step, input) => ({ output: { simulated: true, action: step.action, input } }),
        delay: async () => false,
        checkpoint: async () => true,
      });
      result.wouldRun.push({
        eventId: event.id,
        type: event.type,
        at: event.time,
        triggerId: trigger.id,
        outcome: outcome.outcome,
        reason: 'reason' in outcome ? (outcome.reason ?? null) : null,
        trace,
      });
    }
  }
  return result;
}
