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
