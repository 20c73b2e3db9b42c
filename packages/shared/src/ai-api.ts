import { z } from 'zod';
import { entityTypes } from './entities.ts';

/**
 * The AI assistant's answers as the hub sends them (the /api/v1/ai/chat stream's events and
 * stored conversations): the hub declares its responses with these, the web app parses them.
 */

/** An entity the answer drew on, numbered as the answer cites it ([1], [2] ...). */
export const aiSourceSchema = z.object({
  number: z.number(),
  entityId: z.string(),
  type: z.string(),
  title: z.string(),
  occurredAt: z.string().nullable(),
  sensitive: z.boolean(),
});
export type AiSource = z.infer<typeof aiSourceSchema>;

export const aiCitationSchema = z.object({ number: z.number(), entityId: z.string() });
export type AiCitation = z.infer<typeof aiCitationSchema>;

/** How an answer was produced: the route, the model, what was redacted, what it cost. */
export const aiDoneSchema = z.object({
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
  /** A cloud model began; a tool read sensitive data, so the local model finished (absent on answers stored before). */
  handoff: z.object({ fromModel: z.string() }).nullable().optional(),
});
export type AiDone = z.infer<typeof aiDoneSchema>;

/** A tool the assistant called (reads through the hub's actions as the principal "ai"; sends only proposed). */
export const aiToolReportSchema = z.object({
  name: z.string(),
  outcome: z.enum(['ok', 'denied', 'invalid', 'not_found', 'failed', 'proposed']),
  message: z.string().nullable(),
  entityIds: z.array(z.string()),
  // local: the local model took over from the cloud one to read it.
  privacy: z.enum(['sent', 'redacted', 'withheld', 'local']).optional(),
  proposal: z
    .object({
      to: z.string(),
      /** The contact's name when `to` is a person id. */
      toName: z.string().optional(),
      body: z.string(),
      channel: z.enum(['sms', 'email']),
      subject: z.string().optional(),
      /** Stored files to attach (email only): `path` is the Storage path the send API takes. */
      attachments: z
        .array(z.object({ id: z.string(), name: z.string(), path: z.string(), sizeBytes: z.number().nullable() }))
        .optional(),
    })
    .optional(),
});
export type AiToolReport = z.infer<typeof aiToolReportSchema>;

/** A stored conversation, as listed. */
export const aiConversationSchema = z.object({
  id: z.string(),
  title: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type AiConversation = z.infer<typeof aiConversationSchema>;

/** One stored message of a conversation: a question, or an answer with its sources and tools. */
export const aiStoredMessageSchema = z.object({
  id: z.string(),
  role: z.enum(['user', 'assistant']),
  content: z.string(),
  sources: z.array(aiSourceSchema),
  citations: z.array(aiCitationSchema),
  tools: z.array(aiToolReportSchema),
  done: aiDoneSchema.nullable(),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
  sensitive: z.boolean(),
  createdAt: z.string(),
});
export type AiStoredMessage = z.infer<typeof aiStoredMessageSchema>;

/** "Draft a reply" (POST /api/v1/ai/drafts): text for the user to edit and send; nothing is sent. */
export const aiDraftSchema = z.object({
  draft: z.string().nullable(),
  threadId: z.string(),
  channel: z.enum(['sms', 'email']),
  replyTo: z.string().nullable(),
  messageIds: z.array(z.string()),
  done: aiDoneSchema,
});
export type AiDraft = z.infer<typeof aiDraftSchema>;

/** A person's summary (/api/v1/ai/people/:id/summary), cached while their data is unchanged. */
export const aiSummarySchema = z.object({
  personId: z.string(),
  summary: z.string().nullable(),
  sources: z.array(aiSourceSchema),
  citations: z.array(aiCitationSchema),
  done: aiDoneSchema,
  createdAt: z.string(),
  cached: z.boolean(),
});
export type AiSummary = z.infer<typeof aiSummarySchema>;

/** One entity type's data class for AI (GET/PUT/DELETE /api/v1/ai/classes). */
export const aiClassSettingSchema = z.object({
  entityType: z.enum(entityTypes),
  dataClass: z.enum(['normal', 'sensitive']),
  cloudRedacted: z.boolean(),
  isDefault: z.boolean(),
});
export type AiClassSetting = z.infer<typeof aiClassSettingSchema>;

/**
 * A contact whose data class replaces the types' for them and everything linked to them
 * (GET /api/v1/ai/contacts, PUT/DELETE /api/v1/ai/contacts/:personId).
 */
export const aiContactClassSchema = z.object({
  personId: z.string(),
  name: z.string(),
  dataClass: z.enum(['normal', 'sensitive']),
  cloudRedacted: z.boolean(),
});
export type AiContactClass = z.infer<typeof aiContactClassSchema>;

/** One request that left the hub for a cloud model, as the egress audit shows it (GET /api/v1/ai/egress). */
export const aiEgressEntrySchema = z.object({
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
export type AiEgressEntry = z.infer<typeof aiEgressEntrySchema>;
