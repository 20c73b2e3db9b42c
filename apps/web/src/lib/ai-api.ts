import 'server-only';
import { z } from 'zod';
import { hubFetch } from '@/lib/hub';

/** The hub's AI settings and egress audit (GET/PUT/DELETE /api/v1/ai/classes, GET /api/v1/ai/egress). */
export const ClassSettingSchema = z.object({
  entityType: z.string(),
  dataClass: z.enum(['normal', 'sensitive']),
  cloudRedacted: z.boolean(),
  isDefault: z.boolean(),
});
export type ClassSetting = z.infer<typeof ClassSettingSchema>;

export const EgressEntrySchema = z.object({
  id: z.string(),
  at: z.string(),
  provider: z.string(),
  model: z.string(),
  purpose: z.string(),
  entityIds: z.array(z.string()),
  bytes: z.number(),
  redactions: z.record(z.string(), z.number()),
  classes: z.array(z.string()),
  outcome: z.string(),
  errorKind: z.string().nullable(),
  costUsd: z.number().nullable(),
});
export type EgressEntry = z.infer<typeof EgressEntrySchema>;

export async function listClasses(): Promise<ClassSetting[]> {
  return z.object({ classes: z.array(ClassSettingSchema) }).parse(await hubFetch('/ai/classes')).classes;
}

export async function setClass(
  entityType: string,
  rule: { dataClass: 'normal' | 'sensitive'; cloudRedacted: boolean } | null,
): Promise<ClassSetting[]> {
  const path = `/ai/classes/${encodeURIComponent(entityType)}`;
  const answer = rule
    ? await hubFetch(path, { method: 'PUT', body: rule })
    : await hubFetch(path, { method: 'DELETE' });
  return z.object({ classes: z.array(ClassSettingSchema) }).parse(answer).classes;
}

export async function listEgress(limit = 50): Promise<EgressEntry[]> {
  return z.object({ entries: z.array(EgressEntrySchema) }).parse(await hubFetch('/ai/egress', { query: { limit } }))
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
