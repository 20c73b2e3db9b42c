import 'server-only';
import { z } from 'zod';
import {
  aiClassSettingSchema,
  aiContactClassSchema,
  aiConversationSchema,
  aiEgressEntrySchema,
  type AiClassSetting,
  type AiContactClass,
  type AiEgressEntry,
  aiStoredMessageSchema,
  aiSummarySchema,
  type AiConversation,
  type AiStoredMessage,
  type AiSummary,
} from '@made-open/shared/ai-api';
import { hubFetch } from '@/lib/hub';

/** The hub's AI settings and egress audit (GET/PUT/DELETE /api/v1/ai/classes, GET /api/v1/ai/egress). */
export type ClassSetting = AiClassSetting;
export type EgressEntry = AiEgressEntry;

export async function listClasses(): Promise<ClassSetting[]> {
  return z.object({ classes: z.array(aiClassSettingSchema) }).parse(await hubFetch('/ai/classes')).classes;
}

export async function setClass(
  entityType: string,
  rule: { dataClass: 'normal' | 'sensitive'; cloudRedacted: boolean } | null,
): Promise<ClassSetting[]> {
  const path = `/ai/classes/${encodeURIComponent(entityType)}`;
  const answer = rule
    ? await hubFetch(path, { method: 'PUT', body: rule })
    : await hubFetch(path, { method: 'DELETE' });
  return z.object({ classes: z.array(aiClassSettingSchema) }).parse(answer).classes;
}

/** Contacts with a class of their own (GET/PUT/DELETE /api/v1/ai/contacts). */
export type ContactClass = AiContactClass;
export type ClassRule = { dataClass: 'normal' | 'sensitive'; cloudRedacted: boolean };
const contactClassesBody = z.object({ contacts: z.array(aiContactClassSchema) });

export async function listContactClasses(): Promise<ContactClass[]> {
  return contactClassesBody.parse(await hubFetch('/ai/contacts')).contacts;
}

/** Sets one contact's class (null: their items follow their kinds' classes again); the whole list comes back. */
export async function setContactClass(personId: string, rule: ClassRule | null): Promise<ContactClass[]> {
  const path = `/ai/contacts/${encodeURIComponent(personId)}`;
  const answer = rule
    ? await hubFetch(path, { method: 'PUT', body: rule })
    : await hubFetch(path, { method: 'DELETE' });
  return contactClassesBody.parse(answer).contacts;
}

export async function listEgress(limit = 50): Promise<EgressEntry[]> {
  return z.object({ entries: z.array(aiEgressEntrySchema) }).parse(await hubFetch('/ai/egress', { query: { limit } }))
    .entries;
}

/** Vector search status and the embedding model (GET /api/v1/ai/embeddings). */
export const EmbeddingStatusSchema = z.object({
  vectors: z.enum(['on', 'off']),
  reason: z.string().nullable(),
  profile: z.string(),
  total: z.number(),
  embedded: z.number(),
  reembedding: z.boolean(),
  problem: z.string().nullable(),
});
export type EmbeddingStatus = z.infer<typeof EmbeddingStatusSchema>;

export async function getEmbeddingStatus(): Promise<EmbeddingStatus> {
  return EmbeddingStatusSchema.parse(await hubFetch('/ai/embeddings'));
}

/** Chooses the embedding model (optional) and embeds everything again (POST /api/v1/ai/embeddings/reembed). */
export async function reembed(profile?: string): Promise<EmbeddingStatus> {
  return EmbeddingStatusSchema.parse(
    await hubFetch('/ai/embeddings/reembed', { method: 'POST', body: profile ? { profile } : {} }),
  );
}

/** The installed models of the user's local (Ollama) provider, for the embedding model choice. */
export async function listLocalModels(): Promise<string[]> {
  const answer = z
    .object({ local: z.object({ configured: z.boolean(), models: z.array(z.object({ id: z.string() })) }) })
    .parse(await hubFetch('/ai/models'));
  return answer.local.models.map((m) => m.id);
}

/** Stored conversations with the assistant (GET/DELETE /api/v1/ai/conversations[/:id]). */
export type Conversation = AiConversation;
export type StoredMessage = AiStoredMessage;

export async function listConversations(limit = 50): Promise<Conversation[]> {
  return z
    .object({ conversations: z.array(aiConversationSchema) })
    .parse(await hubFetch('/ai/conversations', { query: { limit } })).conversations;
}

export async function getConversation(id: string): Promise<{ conversation: Conversation; messages: StoredMessage[] }> {
  return z
    .object({ conversation: aiConversationSchema, messages: z.array(aiStoredMessageSchema) })
    .parse(await hubFetch(`/ai/conversations/${encodeURIComponent(id)}`));
}

export async function deleteConversation(id: string): Promise<void> {
  await hubFetch(`/ai/conversations/${encodeURIComponent(id)}`, { method: 'DELETE' });
}

/** A person's summary (GET/POST /api/v1/ai/people/:id/summary), cached while their data is unchanged. */
export type ContactSummary = AiSummary;

export async function getContactSummary(personId: string): Promise<{ summary: ContactSummary | null; stale: boolean }> {
  return z
    .object({ summary: aiSummarySchema.nullable(), stale: z.boolean() })
    .parse(await hubFetch(`/ai/people/${encodeURIComponent(personId)}/summary`));
}
