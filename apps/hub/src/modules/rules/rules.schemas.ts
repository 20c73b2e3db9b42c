import { ruleRunStatuses } from '@made-open/shared/rules';
import {
  ruleDefinitionJsonSchema,
  ruleDryRunInputSchema,
  ruleSaveInputSchema,
  type ruleManualRunInputSchema,
} from '@made-open/shared/rules-api';
import { z } from 'zod';

/**
 * The hub's side of /api/v1/rules: path and query parameters, and the OpenAPI examples on
 * the bodies. The bodies and responses themselves are @made-open/shared/rules-api.
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

// The request and response shapes are shared with the web app; the hub adds OpenAPI examples.
const definitionJson = ruleDefinitionJsonSchema.meta({ example: exampleDefinition });

export const saveInput = ruleSaveInputSchema.extend({ definition: definitionJson }).meta({
  examples: [
    { definition: exampleDefinition, approve: ['messages:send:sms', 'notify'] },
    { definition: startingSoonExample, approve: ['messages:send:sms'], enabled: true },
  ],
});
export type SaveInput = z.infer<typeof saveInput>;

export const dryRunInput = ruleDryRunInputSchema.extend({ definition: definitionJson.optional() });
export type DryRunInput = z.infer<typeof dryRunInput>;

export type ManualRunInput = z.infer<typeof ruleManualRunInputSchema>;

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
