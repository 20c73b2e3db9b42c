import { entityTypes } from '@made-open/shared';
import { z } from 'zod';

const noNul = (value: string) => !value.includes('\u0000');
const modelId = z
  .string()
  .trim()
  .min(1)
  .max(200)
  .regex(
    /^[A-Za-z0-9._:/@-]+$/,
    'A model id is letters, digits and . _ : / @ - (like openai/gpt-4o-mini or llama3.2:3b).',
  );

export const chatInput = z.strictObject({
  question: z
    .string()
    .trim()
    .min(1, 'Ask a question.')
    .max(2_000, 'A question is at most 2,000 characters.')
    .refine(noNul, 'The question cannot contain NUL characters.'),
  /** Continue this stored conversation; without it a new one starts. */
  conversationId: z.uuid('conversationId is the id of one of your conversations.').optional(),
  /** An OpenRouter model id; default openai/gpt-4o-mini. */
  cloudModel: modelId.optional(),
  /** An installed Ollama model; default the first installed chat model. */
  localModel: modelId.optional(),
});

export const egressQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  before: z.uuid('before is the id of the last entry of the previous page.').optional(),
});

export const egressEntry = z.object({
  id: z.string(),
  at: z.string(),
  provider: z.string(),
  model: z.string(),
  purpose: z.string(),
  entityIds: z.array(z.string()),
  bytes: z.number().int(),
  payloadSha256: z.string(),
  redactions: z.record(z.string(), z.number()),
  classes: z.array(z.string()),
  outcome: z.enum(['sent', 'ok', 'error', 'cancelled']),
  errorKind: z.string().nullable(),
  promptTokens: z.number().nullable(),
  completionTokens: z.number().nullable(),
  costUsd: z.number().nullable(),
  finishedAt: z.string().nullable(),
});

export const classSetting = z.object({
  entityType: z.enum(entityTypes),
  dataClass: z.enum(['normal', 'sensitive']),
  cloudRedacted: z.boolean(),
  isDefault: z.boolean(),
});

export const classParams = z.strictObject({
  entityType: z.enum(entityTypes, { message: `entityType is one of: ${entityTypes.join(', ')}.` }),
});

export const classInput = z.strictObject({
  dataClass: z.enum(['normal', 'sensitive'], { message: 'dataClass is normal or sensitive.' }),
  cloudRedacted: z.boolean({ message: 'cloudRedacted is true or false.' }),
});

export const modelView = z.object({
  id: z.string(),
  name: z.string(),
  contextLength: z.number().nullable(),
  pricing: z.object({ prompt: z.number(), completion: z.number() }).nullable(),
});

export const providerStatus = z.object({
  configured: z.boolean(),
  models: z.array(modelView),
  /** Why the model list is empty: the provider's error, in words a person can act on. */
  problem: z.string().nullable(),
});

export const contactClass = z.object({
  personId: z.string(),
  name: z.string(),
  dataClass: z.enum(['normal', 'sensitive']),
  cloudRedacted: z.boolean(),
});

export const contactParams = z.strictObject({
  personId: z.uuid('personId is the id of one of your contacts.'),
});

export const conversationParams = z.strictObject({
  conversationId: z.uuid('conversationId is the id of one of your conversations.'),
});

export const conversationsQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

export const conversationView = z.object({
  id: z.string(),
  title: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

const storedSource = z.object({
  number: z.number(),
  entityId: z.string(),
  type: z.string(),
  title: z.string(),
  occurredAt: z.string().nullable(),
  sensitive: z.boolean(),
});
const citation = z.object({ number: z.number(), entityId: z.string() });

export const doneView = z.object({
  route: z.enum(['local', 'cloud', 'none', 'needs_local']),
  locality: z.enum(['local', 'cloud']).nullable(),
  provider: z.enum(['openrouter', 'ollama']).nullable(),
  model: z.string().nullable(),
  redacted: z.record(z.string(), z.number()),
  usage: z
    .object({
      promptTokens: z.number(),
      completionTokens: z.number(),
      totalTokens: z.number(),
      costUsd: z.number().nullable(),
    })
    .nullable(),
  notice: z.string().nullable(),
});

export const toolReportView = z.object({
  name: z.string(),
  outcome: z.enum(['ok', 'denied', 'invalid', 'not_found', 'failed', 'proposed']),
  message: z.string().nullable(),
  entityIds: z.array(z.string()),
  privacy: z.enum(['sent', 'redacted', 'withheld']).optional(),
  proposal: z
    .object({
      to: z.string(),
      body: z.string(),
      channel: z.enum(['sms', 'email']),
      subject: z.string().optional(),
    })
    .optional(),
});

export const storedMessageView = z.object({
  id: z.string(),
  role: z.enum(['user', 'assistant']),
  content: z.string(),
  sources: z.array(storedSource),
  citations: z.array(citation),
  tools: z.array(toolReportView),
  done: doneView.nullable(),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
  sensitive: z.boolean(),
  createdAt: z.string(),
});

const modelChoice = { cloudModel: modelId.optional(), localModel: modelId.optional() };

export const draftInput = z.strictObject({
  threadId: z
    .string()
    .min(1)
    .max(800)
    .regex(/^(sms:|email:)./, 'threadId is a message thread id (sms:… or email:…).')
    .refine(noNul, 'threadId cannot contain NUL characters.'),
  instruction: z
    .string()
    .trim()
    .min(1)
    .max(500, 'An instruction is at most 500 characters.')
    .refine(noNul, 'The instruction cannot contain NUL characters.')
    .optional(),
  ...modelChoice,
});

export const draftView = z.object({
  draft: z.string().nullable(),
  threadId: z.string(),
  channel: z.enum(['sms', 'email']),
  replyTo: z.string().nullable(),
  messageIds: z.array(z.string()),
  done: doneView,
});

export const summaryInput = z.strictObject({ refresh: z.boolean().optional(), ...modelChoice });

export const summaryView = z.object({
  personId: z.string(),
  summary: z.string().nullable(),
  sources: z.array(storedSource),
  citations: z.array(citation),
  done: doneView,
  createdAt: z.string(),
  cached: z.boolean(),
});
