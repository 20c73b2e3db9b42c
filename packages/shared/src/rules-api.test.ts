import { describe, expect, it } from 'vitest';
import {
  ruleManualRunInputSchema,
  ruleSaveInputSchema,
  ruleTemplateViewSchema,
  ruleViewSchema,
  savedRuleSchema,
} from './rules-api.ts';
import { ruleTemplates } from './rules-templates.ts';

const rule = {
  id: '01900000-0000-7000-8000-000000000000',
  version: 2,
  enabled: true,
  name: 'Notify on notes',
  definition: { name: 'Notify on notes' },
  webhook: false,
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-02T00:00:00.000Z',
  lastRun: { at: '2026-01-02T00:00:00.000Z', status: 'succeeded' },
};

describe('rules API shapes', () => {
  it('fills a save body with no approvals and no note, and refuses keys it does not know', () => {
    expect(ruleSaveInputSchema.parse({ definition: { name: 'x' } })).toEqual({
      definition: { name: 'x' },
      approve: [],
      note: '',
    });
    expect(ruleSaveInputSchema.safeParse({ definition: {}, approved: ['notify'] }).success).toBe(false);
    expect(ruleSaveInputSchema.safeParse({ definition: {}, note: 'x'.repeat(501) }).success).toBe(false);
  });

  it('runs a rule now with empty data when the body is absent', () => {
    expect(ruleManualRunInputSchema.parse(undefined)).toEqual({ data: {}, checkConditions: false });
  });

  it('reads a rule as the hub sends it, and refuses one with an unknown run status or a non-uuid id', () => {
    expect(savedRuleSchema.parse({ rule, webhookSecret: 's' }).rule.lastRun?.status).toBe('succeeded');
    expect(ruleViewSchema.safeParse({ ...rule, lastRun: { at: rule.updatedAt, status: 'done' } }).success).toBe(false);
    expect(ruleViewSchema.safeParse({ ...rule, id: '42' }).success).toBe(false);
  });

  it('describes every built-in template as the templates route serves it', () => {
    for (const template of ruleTemplates) expect(ruleTemplateViewSchema.safeParse(template).success).toBe(true);
  });
});
