import type { RuleStep, TraceEntry } from '@made-open/shared/rules';
import { evaluateCondition, renderInput, traceValue, type RunScope } from './rules.conditions.ts';

/** What stepping through a rule does to the world: live (actions, durable delays) or simulated (dry run). */
export interface StepEffects {
  /** Runs one action with its rendered input: its output, or an error to trace. */
  action(
    step: Extract<RuleStep, { type: 'action' }>,
    input: unknown,
  ): Promise<{ output: unknown } | { error: { code: string; message: string } }>;
  /** A delay: true when the run suspends here (live) and resumes at `next`; false to go on (dry run). */
  delay(step: Extract<RuleStep, { type: 'delay' }>, next: string, trace: TraceEntry[]): Promise<boolean>;
  /** After each step (`next`: where a recovered run continues): false when the run was cancelled meanwhile, which stops it. */
  checkpoint(trace: TraceEntry[], next: string): Promise<boolean>;
  /** Called just before an action starts (the benchmark's trigger-to-action latency). */
  onActionStart?(step: Extract<RuleStep, { type: 'action' }>): void;
}

export type StepOutcome =
  | { outcome: 'succeeded'; reason?: string }
  | { outcome: 'failed'; reason: string }
  | { outcome: 'waiting'; resumeAt: string }
  | { outcome: 'cancelled' };

type ListResult =
  'continue' | Exclude<StepOutcome, { outcome: 'succeeded' }> | { outcome: 'succeeded'; reason: string };

const now = () => new Date().toISOString();

/**
 * Steps through a rule's steps from `resumeAt` (a JSON pointer to the next step, such as
 * /steps/2 or /steps/1/choices/0/steps/1), appending a trace entry per step. Outputs become
 * visible to later steps as steps.<id>.output.
 */
export async function runSteps(
  steps: readonly RuleStep[],
  scope: RunScope,
  trace: TraceEntry[],
  effects: StepEffects,
  resumeAt = '/steps/0',
): Promise<StepOutcome> {
  const segments = resumeAt.split('/').slice(2);
  const result = await runList(steps, '/steps', segments, scope, trace, effects);
  return result === 'continue' ? { outcome: 'succeeded' } : result;
}

async function runList(
  list: readonly RuleStep[],
  listAt: string,
  resume: string[] | null,
  scope: RunScope,
  trace: TraceEntry[],
  effects: StepEffects,
): Promise<ListResult> {
  const start = resume && resume.length > 0 ? Number(resume[0]) : 0;
  const inner = resume && resume.length > 1 ? resume.slice(1) : null;
  for (let i = start; i < list.length; i++) {
    const step = list[i]!;
    const at = `${listAt}/${i}`;
    if (i === start && inner && step.type === 'choose') {
      // Resuming inside a branch chosen before the delay.
      const [branch, branchAt, rest] =
        inner[0] === 'choices'
          ? [step.choices[Number(inner[1])]?.steps ?? [], `${at}/choices/${inner[1]}/steps`, inner.slice(3)]
          : [step.otherwise ?? [], `${at}/otherwise`, inner.slice(1)];
      const result = await runList(branch, branchAt, rest, scope, trace, effects);
      if (result !== 'continue') return result;
      continue;
    }
    const t0 = now();
    switch (step.type) {
      case 'action': {
        let input: unknown;
        try {
          input = await renderInput(step.with, scope);
        } catch (error) {
          input = null;
          trace.push({
            kind: 'step',
            path: at,
            stepId: step.id,
            status: 'error',
            error: { code: 'render', message: (error as Error).message },
            t0,
            t1: now(),
          });
          return { outcome: 'failed', reason: `step ${step.id}: its input could not be rendered` };
        }
        effects.onActionStart?.(step);
        const result = await effects.action(step, input);
        if ('error' in result) {
          trace.push({
            kind: 'step',
            path: at,
            stepId: step.id,
            status: 'error',
            input: traceValue(input),
            error: result.error,
            t0,
            t1: now(),
          });
          if (!step.continueOnError) {
            await effects.checkpoint(trace, `${listAt}/${i + 1}`);
            return { outcome: 'failed', reason: `step ${step.id}: ${result.error.message}`.slice(0, 500) };
          }
        } else {
          scope.steps[step.id] = { output: result.output };
          const simulated = (result.output as { simulated?: boolean } | null)?.simulated === true;
          trace.push({
            kind: 'step',
            path: at,
            stepId: step.id,
            status: simulated ? 'simulated' : 'ok',
            input: traceValue(input),
            output: traceValue(result.output),
            t0,
            t1: now(),
          });
        }
        break;
      }
      case 'delay': {
        const suspend = await effects.delay(step, `${listAt}/${i + 1}`, trace);
        trace.push({
          kind: 'step',
          path: at,
          stepId: step.id,
          status: suspend ? 'waiting' : 'simulated',
          input: { seconds: step.seconds },
          t0,
          t1: now(),
        });
        if (suspend) return { outcome: 'waiting', resumeAt: `${listAt}/${i + 1}` };
        break;
      }
      case 'choose': {
        let chosen: { steps: readonly RuleStep[]; at: string } | null = null;
        for (const [c, choice] of step.choices.entries()) {
          if (await evaluateCondition(choice.when, scope, `${at}/choices/${c}/when`, trace)) {
            chosen = { steps: choice.steps, at: `${at}/choices/${c}/steps` };
            break;
          }
        }
        if (!chosen && step.otherwise) chosen = { steps: step.otherwise, at: `${at}/otherwise` };
        trace.push({
          kind: 'step',
          path: at,
          stepId: step.id,
          status: chosen ? 'ok' : 'skipped',
          output: { chose: chosen?.at ?? null },
          t0,
          t1: now(),
        });
        if (chosen) {
          const result = await runList(chosen.steps, chosen.at, null, scope, trace, effects);
          if (result !== 'continue') return result;
        }
        break;
      }
      case 'stop':
        trace.push({
          kind: 'step',
          path: at,
          stepId: step.id,
          status: 'ok',
          output: { reason: step.reason ?? null },
          t0,
          t1: now(),
        });
        return { outcome: 'succeeded', reason: step.reason ?? 'stopped' };
    }
    if (!(await effects.checkpoint(trace, `${listAt}/${i + 1}`))) return { outcome: 'cancelled' };
  }
  return 'continue';
}

/** Rebuilds steps.<id>.output from a trace (a run resuming after a delay or a restart). */
export function outputsOf(trace: readonly TraceEntry[]): Record<string, { output: unknown }> {
  const out: Record<string, { output: unknown }> = {};
  for (const entry of trace)
    if (entry.kind === 'step' && entry.stepId && entry.status === 'ok') out[entry.stepId] = { output: entry.output };
  return out;
}
