import { ruleRunStatuses } from '@made-open/shared/rules';
import { z } from 'zod';

/**
 * Request and response shapes of /api/v1/rules. The definition travels as JSON and is
 * checked by the service against the rule model (@made-open/shared/rules) and the event
 * and actions registries, so its issues come back with JSON-pointer paths.
 */
export const exampleDefinition = {
  name: 'Text back favourites I miss',
  mode: 'single',
  triggers: [{ id: 'missed', type: 'event', event: 'comms.CallMissed' }],
  conditions: {
    all: [
      { cmp: { left: 'trigger.data.direction', op: 'eq', right: 'inbound' } },
      { person: { tag: 'favourite' } },
      { time: { after: '08:00', before: '21:00', weekdays: [1, 2, 3, 4, 5], tz: 'Europe/London' } },
      { atMost: { times: 1, perSeconds: 3600 } },
    ],
  },
  steps: [
    {
      id: 'reply',
      type: 'action',
      action: 'messages.send',
      with: { to: '{{ trigger.data.from }}', body: "Sorry I missed you, I'll call back soon." },
    },
    { id: 'wait', type: 'delay', seconds: 900 },
    { id: 'remind', type: 'action', action: 'notify', with: { title: 'Call {{ person.title }} back' } },
  ],
  limits: { perHour: 20, maxDepth: 3 },
};

/** A second example: a calendar event starting soon (its trigger takes minutesBefore). */
export const startingSoonExample = {
  name: 'Meeting link by text',
  mode: 'parallel',
  triggers: [
    {
      id: 'soon',
      type: 'event',
      event: 'calendar.EventStarting',
      minutesBefore: 5,
      filter: { cmp: { left: 'trigger.data.onlineMeetingUrl', op: 'exists' } },
    },
  ],
  steps: [
    {
      id: 'text',
      type: 'action',
      action: 'messages.send',
      with: {
        to: '+447700900123',
        body: '{{ trigger.data.title }} starts in 5 minutes: {{ trigger.data.onlineMeetingUrl }}',
      },
    },
  ],
};

const definitionJson = z
  .record(z.string(), z.unknown())
  .describe(
    'A rule definition: name, mode (single | restart | queued | parallel), max, triggers (event, with minutesBefore for calendar.EventStarting | schedule | manual | webhook), ' +
      'conditions (all | any | not | cmp | time | person | atMost), steps (action | delay | choose | stop), limits.',
  )
  .meta({ example: exampleDefinition });

export const saveInput = z
  .strictObject({
    definition: definitionJson,
    /** Permissions the owner approves for this rule now (what a 400 grants_required listed). */
    approve: z.array(z.string().max(200)).max(50).default([]),
    /** Create only: enable at once (default false: try a dry run first). */
    enabled: z.boolean().optional(),
    note: z.string().max(500).default(''),
  })
  .meta({
    examples: [
      { definition: exampleDefinition, approve: ['messages:send:sms', 'notify'] },
      { definition: startingSoonExample, approve: ['messages:send:sms'], enabled: true },
    ],
  });
export type SaveInput = z.infer<typeof saveInput>;

export const rollbackInput = z.strictObject({ version: z.number().int().min(1).max(1_000_000) });

export const dryRunInput = z.strictObject({
  /** A draft to try (not saved); otherwise a saved version (default: the current one). */
  definition: definitionJson.optional(),
  version: z.number().int().min(1).max(1_000_000).optional(),
  /** How far back to replay the owner's own events (the event log keeps 7 days). */
  days: z.number().int().min(1).max(7).default(7),
  limit: z.number().int().min(1).max(1000).default(1000),
});
export type DryRunInput = z.infer<typeof dryRunInput>;

export const manualRunInput = z
  .strictObject({
    /** What trigger.data holds for this run. */
    data: z.record(z.string(), z.unknown()).default({}),
    checkConditions: z.boolean().default(false),
  })
  .default({ data: {}, checkConditions: false });
export type ManualRunInput = z.infer<typeof manualRunInput>;

export const runListQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(30),
  before: z.string().datetime({ offset: true }).optional(),
  status: z.enum(ruleRunStatuses).optional(),
});
export type RunListQuery = z.infer<typeof runListQuery>;

export const idParams = z.strictObject({ id: z.string().uuid() });
export const runParams = z.strictObject({ id: z.string().uuid(), runId: z.string().uuid() });
export const diffQuery = z.strictObject({
  from: z.coerce.number().int().min(1).max(1_000_000),
  to: z.coerce.number().int().min(1).max(1_000_000),
});

export const ruleView = z.object({
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

export const savedView = z.object({ rule: ruleView, webhookSecret: z.string().optional() });

export const versionView = z.object({
  version: z.number(),
  author: z.string(),
  note: z.string(),
  createdAt: z.string(),
  definition: z.record(z.string(), z.unknown()),
});

export const traceEntryView = z.object({
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

export const runView = z.object({
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
  trace: z.array(traceEntryView).optional(),
});

export const startedView = z.object({ runId: z.string(), status: z.string() });

export const dryRunView = z.object({
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
      trace: z.array(traceEntryView),
    }),
  ),
});

export const templateView = z.object({
  id: z.string(),
  title: z.string(),
  description: z.string(),
  definition: z.record(z.string(), z.unknown()),
  fill: z.array(z.object({ pointer: z.string(), label: z.string() })),
});
