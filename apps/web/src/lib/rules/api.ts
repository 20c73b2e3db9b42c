import 'server-only';
import {
  ruleDiffSchema,
  ruleDryRunSchema,
  ruleListSchema,
  ruleRunPageSchema,
  ruleRunSchema,
  ruleRunStartedSchema,
  ruleTemplateListSchema,
  ruleVersionListSchema,
  ruleViewSchema,
  savedRuleSchema,
  type RuleDryRunInput,
  type RuleManualRunInput,
  type RuleRollbackInput,
  type RuleSaveInput,
} from '@made-open/shared/rules-api';
import { hubFetch } from '@/lib/hub';
import { listPlugins } from '@/lib/settings/api';
import type { PluginChoice } from './registry';

/** The hub's /api/v1/rules (apps/hub/src/modules/rules), read and checked with the shapes it declares. */

const ifMatch = (version: number) => ({ 'if-match': `"${version}"` });

export async function listRules() {
  return ruleListSchema.parse(await hubFetch('/rules')).items;
}
export async function listTemplates() {
  return ruleTemplateListSchema.parse(await hubFetch('/rules/templates')).items;
}
export async function getRule(id: string) {
  return ruleViewSchema.parse(await hubFetch(`/rules/${id}`));
}
export async function createRule(input: RuleSaveInput) {
  return savedRuleSchema.parse(await hubFetch('/rules', { method: 'POST', body: input }));
}
/** A new version; `version` is the one edited (If-Match): a stale one is a 412 with the newer one. */
export async function saveRule(id: string, version: number, input: Omit<RuleSaveInput, 'enabled'>) {
  return savedRuleSchema.parse(
    await hubFetch(`/rules/${id}`, { method: 'PUT', body: input, headers: ifMatch(version) }),
  );
}
export async function deleteRule(id: string) {
  await hubFetch(`/rules/${id}`, { method: 'DELETE' });
}
export async function setRuleEnabled(id: string, enabled: boolean) {
  return ruleViewSchema.parse(
    await hubFetch(`/rules/${id}/${enabled ? 'enable' : 'disable'}`, { method: 'POST', body: {} }),
  );
}
export async function listVersions(id: string) {
  return ruleVersionListSchema.parse(await hubFetch(`/rules/${id}/versions`)).items;
}
export async function diffVersions(id: string, from: number, to: number) {
  return ruleDiffSchema.parse(await hubFetch(`/rules/${id}/diff`, { query: { from, to } }));
}
export async function rollbackRule(id: string, current: number, version: number) {
  const body: RuleRollbackInput = { version };
  return savedRuleSchema.parse(
    await hubFetch(`/rules/${id}/rollback`, { method: 'POST', body, headers: ifMatch(current) }),
  );
}
export async function dryRunRule(id: string | null, input: RuleDryRunInput) {
  return ruleDryRunSchema.parse(
    await hubFetch(id ? `/rules/${id}/dry-run` : '/rules/dry-run', { method: 'POST', body: input }),
  );
}
export async function listRuns(id: string) {
  return ruleRunPageSchema.parse(await hubFetch(`/rules/${id}/runs`, { query: { limit: 30 } }));
}
export async function getRun(id: string, runId: string) {
  return ruleRunSchema.parse(await hubFetch(`/rules/${id}/runs/${runId}`));
}
export async function runRuleNow(id: string) {
  const body: RuleManualRunInput = { data: {}, checkConditions: false };
  return ruleRunStartedSchema.parse(await hubFetch(`/rules/${id}/run`, { method: 'POST', body }));
}
export async function rerunRule(id: string, runId: string) {
  return ruleRunStartedSchema.parse(await hubFetch(`/rules/${id}/runs/${runId}/rerun`, { method: 'POST', body: {} }));
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
