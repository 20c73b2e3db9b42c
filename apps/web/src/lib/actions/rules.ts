'use server';
import { revalidatePath } from 'next/cache';
import type { RuleDiff, RuleDryRun, RuleRun, RuleRunStarted, RuleView, SavedRule } from '@made-open/shared/rules-api';
import { z } from 'zod';
import { HubError } from '@/lib/errors';
import {
  createRule,
  deleteRule,
  diffVersions,
  dryRunRule,
  getRun,
  rerunRule,
  rollbackRule,
  runRuleNow,
  saveRule,
  setRuleEnabled,
} from '@/lib/rules/api';

/**
 * The rules screens' Server Actions. A failure keeps the hub's code and details: the editor
 * shows a rule's issues at their fields, asks to approve the permissions a save needs
 * (grants_required), and offers the newer version when someone saved in between (412).
 */
export type RuleActionResult<T = undefined> =
  { ok: true; data: T } | { ok: false; error: string; code?: string; details?: unknown };

async function attempt<T>(fn: () => Promise<T>): Promise<RuleActionResult<T>> {
  try {
    return { ok: true, data: await fn() };
  } catch (error) {
    if (error instanceof HubError) return { ok: false, error: error.message, code: error.code, details: error.details };
    throw error;
  }
}

const ruleId = z.string().uuid();
const version = z.number().int().min(1);
const saveInput = z.object({
  definition: z.record(z.string(), z.unknown()),
  approve: z.array(z.string().max(200)).max(50),
  note: z.string().max(500),
});
const notARule = { ok: false as const, error: 'Not a rule.' };

export async function createRuleAction(input: unknown): Promise<RuleActionResult<SavedRule>> {
  const checked = saveInput.safeParse(input);
  if (!checked.success) return { ok: false, error: 'The rule could not be read.' };
  const result = await attempt(() => createRule(checked.data));
  revalidatePath('/rules');
  return result;
}

export async function saveRuleAction(id: string, edited: number, input: unknown): Promise<RuleActionResult<SavedRule>> {
  const checked = saveInput.safeParse(input);
  if (!ruleId.safeParse(id).success || !version.safeParse(edited).success) return notARule;
  if (!checked.success) return { ok: false, error: 'The rule could not be read.' };
  const result = await attempt(() => saveRule(id, edited, checked.data));
  revalidatePath(`/rules/${id}`);
  return result;
}

export async function deleteRuleAction(id: string): Promise<RuleActionResult> {
  if (!ruleId.safeParse(id).success) return notARule;
  const result = await attempt(async () => {
    await deleteRule(id);
    return undefined;
  });
  revalidatePath('/rules');
  return result;
}

export async function setRuleEnabledAction(id: string, enabled: boolean): Promise<RuleActionResult<RuleView>> {
  if (!ruleId.safeParse(id).success) return notARule;
  const result = await attempt(() => setRuleEnabled(id, enabled === true));
  revalidatePath('/rules');
  revalidatePath(`/rules/${id}`);
  return result;
}

export async function diffVersionsAction(id: string, from: number, to: number): Promise<RuleActionResult<RuleDiff>> {
  if (!ruleId.safeParse(id).success || !version.safeParse(from).success || !version.safeParse(to).success)
    return notARule;
  return attempt(() => diffVersions(id, from, to));
}

export async function rollbackRuleAction(
  id: string,
  current: number,
  to: number,
): Promise<RuleActionResult<SavedRule>> {
  if (!ruleId.safeParse(id).success || !version.safeParse(current).success || !version.safeParse(to).success)
    return notARule;
  const result = await attempt(() => rollbackRule(id, current, to));
  revalidatePath(`/rules/${id}`);
  return result;
}

export async function dryRunAction(
  id: string | null,
  definition: unknown,
  days: number,
): Promise<RuleActionResult<RuleDryRun>> {
  if (id !== null && !ruleId.safeParse(id).success) return notARule;
  const checked = z.record(z.string(), z.unknown()).safeParse(definition);
  const span = z.number().int().min(1).max(7).safeParse(days);
  if (!checked.success) return { ok: false, error: 'The rule could not be read.' };
  if (!span.success) return { ok: false, error: 'Choose 1 to 7 days.' };
  return attempt(() => dryRunRule(id, { definition: checked.data, days: span.data }));
}

export async function getRunAction(id: string, runId: string): Promise<RuleActionResult<RuleRun>> {
  if (!ruleId.safeParse(id).success || !ruleId.safeParse(runId).success) return notARule;
  return attempt(() => getRun(id, runId));
}

export async function runNowAction(id: string): Promise<RuleActionResult<RuleRunStarted>> {
  if (!ruleId.safeParse(id).success) return notARule;
  const result = await attempt(() => runRuleNow(id));
  revalidatePath(`/rules/${id}`);
  return result;
}

export async function rerunAction(id: string, runId: string): Promise<RuleActionResult<RuleRunStarted>> {
  if (!ruleId.safeParse(id).success || !ruleId.safeParse(runId).success) return notARule;
  const result = await attempt(() => rerunRule(id, runId));
  revalidatePath(`/rules/${id}`);
  return result;
}
