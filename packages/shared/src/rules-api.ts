import { z } from 'zod';
import { ruleRunStatuses } from './rules.ts';

/**
 * The rules API's shapes (/api/v1/rules, issue 14), shared by the hub, which validates its
 * bodies and declares its responses with them, and the web app, which parses what it gets.
 * A definition travels as plain JSON: the hub checks it against the rule model (rules.ts)
 * and its registries, so its issues come back with JSON-pointer paths.
 */

/** A rule definition as it travels; the hub adds an example to it in its OpenAPI document. */
export const ruleDefinitionJsonSchema = z
  .record(z.string(), z.unknown())
  .describe(
    'A rule definition: name, mode (single | restart | queued | parallel), max, triggers (event, with minutesBefore for calendar.EventStarting | schedule | manual | webhook), ' +
      'conditions (all | any | not | cmp | time | person | atMost), steps (action | delay | choose | stop), limits.',
  );

const versionNumber = z.number().int().min(1).max(1_000_000);

/* ---------- requests ---------- */

/** POST /rules (create) and, without `enabled`, PUT and PATCH /rules/:id (a new version). */
export const ruleSaveInputSchema = z.strictObject({
  definition: ruleDefinitionJsonSchema,
  /** Permissions the owner approves for this rule now (what a 400 grants_required listed). */
  approve: z.array(z.string().max(200)).max(50).default([]),
  /** Create only: enable at once (default false: try a dry run first). */
  enabled: z.boolean().optional(),
  note: z.string().max(500).default(''),
});
export type RuleSaveInput = z.input<typeof ruleSaveInputSchema>;

/** POST /rules/:id/rollback: a new version copying this one. */
export const ruleRollbackInputSchema = z.strictObject({ version: versionNumber });
export type RuleRollbackInput = z.input<typeof ruleRollbackInputSchema>;

/** POST /rules/dry-run and /rules/:id/dry-run. */
export const ruleDryRunInputSchema = z.strictObject({
  /** A draft to try (not saved); otherwise a saved version (default: the current one). */
  definition: ruleDefinitionJsonSchema.optional(),
  version: versionNumber.optional(),
  /** How far back to replay the owner's own events (the event log keeps 7 days). */
  days: z.number().int().min(1).max(7).default(7),
  limit: z.number().int().min(1).max(1000).default(1000),
});
export type RuleDryRunInput = z.input<typeof ruleDryRunInputSchema>;

/** POST /rules/:id/run: a run now, its trigger skipped. */
export const ruleManualRunInputSchema = z
  .strictObject({
    /** What trigger.data holds for this run. */
    data: z.record(z.string(), z.unknown()).default({}),
    checkConditions: z.boolean().default(false),
  })
  .default({ data: {}, checkConditions: false });
export type RuleManualRunInput = z.input<typeof ruleManualRunInputSchema>;

/* ---------- responses ---------- */

export const ruleViewSchema = z.object({
  id: z.string().uuid(),
  version: z.number(),
  enabled: z.boolean(),
  name: z.string(),
  definition: z.record(z.string(), z.unknown()),
  /** Whether it has an incoming-webhook secret (the secret itself is shown once, at creation or rotation). */
  webhook: z.boolean(),
  createdAt: z.string(),
  updatedAt: z.string(),
  lastRun: z
    .object({ at: z.string(), status: z.enum(ruleRunStatuses) })
    .nullable()
    .optional(),
  failures7d: z.number().optional(),
});
export type RuleView = z.infer<typeof ruleViewSchema>;

export const ruleListSchema = z.object({ items: z.array(ruleViewSchema) });

/** A create, save or rollback: the rule, with a new webhook's secret (shown only here). */
export const savedRuleSchema = z.object({ rule: ruleViewSchema, webhookSecret: z.string().optional() });
export type SavedRule = z.infer<typeof savedRuleSchema>;

export const ruleVersionSchema = z.object({
  version: z.number(),
  author: z.string(),
  note: z.string(),
  createdAt: z.string(),
  definition: z.record(z.string(), z.unknown()),
});
export type RuleVersion = z.infer<typeof ruleVersionSchema>;

export const ruleVersionListSchema = z.object({ items: z.array(ruleVersionSchema) });

/** GET /rules/:id/diff: the JSON Patch (RFC 6902) from one version to another. */
export const ruleDiffSchema = z.object({
  from: z.number(),
  to: z.number(),
  operations: z.array(z.record(z.string(), z.unknown())),
});
export type RuleDiff = z.infer<typeof ruleDiffSchema>;

/** A trace entry as the API shows it: kind and status as plain strings, looser than the engine's traceEntrySchema. */
export const ruleTraceEntryViewSchema = z.object({
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
export type RuleTraceEntryView = z.infer<typeof ruleTraceEntryViewSchema>;

export const ruleRunSchema = z.object({
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
  trace: z.array(ruleTraceEntryViewSchema).optional(),
});
export type RuleRun = z.infer<typeof ruleRunSchema>;

/** GET /rules/:id/runs: newest first; the next page is before=nextBefore. */
export const ruleRunPageSchema = z.object({ items: z.array(ruleRunSchema), nextBefore: z.string().nullable() });
export type RuleRunPage = z.infer<typeof ruleRunPageSchema>;

/** A run started now (manual, rerun, webhook): answered 202 before it finishes. */
export const ruleRunStartedSchema = z.object({ runId: z.string(), status: z.string() });
export type RuleRunStarted = z.infer<typeof ruleRunStartedSchema>;

export const ruleDryRunSchema = z.object({
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
      trace: z.array(ruleTraceEntryViewSchema),
    }),
  ),
});
export type RuleDryRun = z.infer<typeof ruleDryRunSchema>;

/** GET /rules/templates: rules-templates.ts as the API sends them. */
export const ruleTemplateViewSchema = z.object({
  id: z.string(),
  title: z.string(),
  description: z.string(),
  definition: z.record(z.string(), z.unknown()),
  fill: z.array(z.object({ pointer: z.string(), label: z.string() })),
});
export type RuleTemplateView = z.infer<typeof ruleTemplateViewSchema>;

export const ruleTemplateListSchema = z.object({ items: z.array(ruleTemplateViewSchema) });
