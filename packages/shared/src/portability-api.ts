import { z } from 'zod';

/** What a takeout restore brought back, per kind, and what it did not and why (GET /api/v1/takeouts/restore/:id). */
export const restoreReportSchema = z.object({
  counts: z.object({
    entities: z.number(),
    links: z.number(),
    identifiers: z.number(),
    rules: z.number(),
    ruleVersions: z.number(),
    plugins: z.number(),
    pluginStorageKeys: z.number(),
    buckets: z.number(),
    files: z.number(),
    references: z.number(),
    aiDataClasses: z.number(),
    aiConversations: z.number(),
    aiMessages: z.number(),
  }),
  rules: z.array(
    z.object({
      id: z.string(),
      previousId: z.string(),
      name: z.string(),
      versions: z.number(),
      enabled: z.literal(false),
      webhook: z.boolean(),
      permissions: z.array(z.string()),
      previouslyGranted: z.array(z.string()),
    }),
  ),
  plugins: z.array(
    z.object({
      pluginId: z.string(),
      version: z.string(),
      status: z.literal('pending_consent'),
      config: z.array(z.string()),
      storageKeys: z.number(),
      previouslyGranted: z.array(z.string()),
      credentials: z.array(z.string()),
    }),
  ),
  buckets: z.array(z.object({ from: z.string(), to: z.string() })),
  notRestored: z.array(z.object({ kind: z.string(), name: z.string(), reason: z.string() })),
});
export type RestoreReport = z.infer<typeof restoreReportSchema>;
