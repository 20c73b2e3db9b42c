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

export const contactParams = z.strictObject({
  personId: z.uuid('personId is the id of one of your contacts.'),
});

export const conversationParams = z.strictObject({
  conversationId: z.uuid('conversationId is the id of one of your conversations.'),
});

export const conversationsQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

// The answers' contract (stream events, stored conversations) is shared with the web app.
export {
  aiContactClassSchema as contactClass,
  aiConversationSchema as conversationView,
  aiDoneSchema as doneView,
  aiDraftSchema as draftView,
  aiStoredMessageSchema as storedMessageView,
  aiSummarySchema as summaryView,
  aiToolReportSchema as toolReportView,
} from '@made-open/shared/ai-api';

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

export const summaryInput = z.strictObject({ refresh: z.boolean().optional(), ...modelChoice });
