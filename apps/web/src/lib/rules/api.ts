import 'server-only';
import { ruleRunStatuses } from '@made-open/shared/rules';
import { z } from 'zod';
import { hubFetch } from '@/lib/hub';
import { listPlugins } from '@/lib/settings/api';
import type { PluginChoice } from './registry';

/** The hub's /api/v1/rules (apps/hub/src/modules/rules), read and checked with zod. */
const definition = z.record(z.string(), z.unknown());

export const ruleSchema = z.object({
  id: z.string(),
  version: z.number(),
  enabled: z.boolean(),
  name: z.string(),
  definition,
  webhook: z.boolean(),
  createdAt: z.string(),
  updatedAt: z.string(),
  lastRun: z
    .object({ at: z.string(), status: z.enum(ruleRunStatuses) })
    .nullable()
    .optional(),
  failures7d: z.number().optional(),
});
export type Rule = z.infer<typeof ruleSchema>;

const savedSchema = z.object({ rule: ruleSchema, webhookSecret: z.string().optional() });
export type SavedRule = z.infer<typeof savedSchema>;

export const versionSchema = z.object({
  version: z.number(),
  author: z.string(),
  note: z.string(),
  createdAt: z.string(),
  definition,
});
export type RuleVersion = z.infer<typeof versionSchema>;

const traceEntrySchema = z.object({
  kind: z.string(),
  path: z.string(),
  stepId: z.string().optional(),
  status: z.string(),
  input: z.unknown().optional(),
  output: z.unknown().optional(),
  error: z.object({ code: z.string(), message: z.string() }).optional(),
  t0: z.string(),
  t1: z.string(),
});
export type TraceEntry = z.infer<typeof traceEntrySchema>;

export const runSchema = z.object({
  id: z.string(),
  ruleId: z.string(),
  version: z.number(),
  status: z.enum(ruleRunStatuses),
  reason: z.string().nullable(),
  triggerId: z.string(),
  triggerEventId: z.string().nullable(),
  rerunOf: z.string().nullable(),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
  trigger: z.record(z.string(), z.unknown()).optional(),
  trace: z.array(traceEntrySchema).optional(),
});
export type RuleRun = z.infer<typeof runSchema>;

export const dryRunSchema = z.object({
  from: z.string(),
  to: z.string(),
  examined: z.number(),
  matched: z.number(),
  skippedByCondition: z.number(),
  rateLimited: z.number(),
  loopsDetected: z.number(),
  skippedBackfill: z.number(),
  wouldRun: z.array(
    z.object({
      eventId: z.string(),
      type: z.string(),
      at: z.string(),
      triggerId: z.string(),
      outcome: z.string(),
      reason: z.string().nullable(),
      trace: z.array(traceEntrySchema),
    }),
  ),
});
export type DryRun = z.infer<typeof dryRunSchema>;

export const templateSchema = z.object({
  id: z.string(),
  title: z.string(),
  description: z.string(),
  definition,
  fill: z.array(z.object({ pointer: z.string(), label: z.string() })),
});
export type RuleTemplate = z.infer<typeof templateSchema>;

const diffSchema = z.object({
  from: z.number(),
  to: z.number(),
  operations: z.array(z.record(z.string(), z.unknown())),
});
export type RuleDiff = z.infer<typeof diffSchema>;

const items = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item) });
const ifMatch = (version: number) => ({ 'if-match': `"${version}"` });

export async function listRules() {
  return items(ruleSchema).parse(await hubFetch('/rules')).items;
}
export async function listTemplates() {
  return items(templateSchema).parse(await hubFetch('/rules/templates')).items;
}
export async function getRule(id: string) {
  return ruleSchema.parse(await hubFetch(`/rules/${id}`));
}
export async function createRule(input: { definition: unknown; approve: string[]; note: string }) {
  return savedSchema.parse(await hubFetch('/rules', { method: 'POST', body: input }));
}
/** A new version; `version` is the one edited (If-Match): a stale one is a 412 with the newer one. */
export async function saveRule(
  id: string,
  version: number,
  input: { definition: unknown; approve: string[]; note: string },
) {
  return savedSchema.parse(await hubFetch(`/rules/${id}`, { method: 'PUT', body: input, headers: ifMatch(version) }));
}
export async function deleteRule(id: string) {
  await hubFetch(`/rules/${id}`, { method: 'DELETE' });
}
export async function setRuleEnabled(id: string, enabled: boolean) {
  return ruleSchema.parse(
    await hubFetch(`/rules/${id}/${enabled ? 'enable' : 'disable'}`, { method: 'POST', body: {} }),
  );
}
export async function listVersions(id: string) {
  return items(versionSchema).parse(await hubFetch(`/rules/${id}/versions`)).items;
}
export async function diffVersions(id: string, from: number, to: number) {
  return diffSchema.parse(await hubFetch(`/rules/${id}/diff`, { query: { from, to } }));
}
export async function rollbackRule(id: string, current: number, version: number) {
  return savedSchema.parse(
    await hubFetch(`/rules/${id}/rollback`, { method: 'POST', body: { version }, headers: ifMatch(current) }),
  );
}
export async function dryRunRule(id: string | null, input: { definition?: unknown; version?: number; days: number }) {
  return dryRunSchema.parse(
    await hubFetch(id ? `/rules/${id}/dry-run` : '/rules/dry-run', { method: 'POST', body: input }),
  );
}
export async function listRuns(id: string) {
  return z
    .object({ items: z.array(runSchema), nextBefore: z.string().nullable() })
    .parse(await hubFetch(`/rules/${id}/runs`, { query: { limit: 30 } }));
}
export async function getRun(id: string, runId: string) {
  return runSchema.parse(await hubFetch(`/rules/${id}/runs/${runId}`));
}
export async function runRuleNow(id: string) {
  return z
    .object({ runId: z.string(), status: z.string() })
    .parse(await hubFetch(`/rules/${id}/run`, { method: 'POST', body: { data: {}, checkConditions: false } }));
}
export async function rerunRule(id: string, runId: string) {
  return z
    .object({ runId: z.string(), status: z.string() })
    .parse(await hubFetch(`/rules/${id}/runs/${runId}/rerun`, { method: 'POST', body: {} }));
}

/** The user's installed plugins as "Run a plugin" steps offer them (the plugins API, as the user). */
export async function listPluginChoices(): Promise<PluginChoice[]> {
  return (await listPlugins()).map((p) => ({
    id: p.id,
    name: p.name,
    status: p.status,
    runnable: p.triggers.some((t) => t.type === 'manual'),
  }));
}
