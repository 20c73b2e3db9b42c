import { z } from 'zod';

/**
 * The plugin API's run shapes (/api/v1/plugins/:id/runs and /run), shared by the hub, which
 * validates what it sends, and the web app, which parses what it gets.
 */

export const pluginRunOutcomeSchema = z.enum(['ok', 'error', 'timeout', 'memory', 'killed', 'refused']);
export type PluginRunOutcome = z.infer<typeof pluginRunOutcomeSchema>;

/** The result of a manual run. */
export const pluginRunResultSchema = z.object({
  runId: z.string(),
  outcome: pluginRunOutcomeSchema,
  result: z.unknown(),
  error: z.string().nullable(),
  durationMs: z.number(),
});
export type PluginRunResult = z.infer<typeof pluginRunResultSchema>;

/** One row of a plugin's run log. */
export const pluginRunViewSchema = z.object({
  id: z.string(),
  version: z.string(),
  trigger: z.string(),
  triggerRef: z.string().nullable(),
  startedAt: z.string(),
  durationMs: z.number(),
  outcome: z.string(),
  error: z.string().nullable(),
});
export type PluginRunView = z.infer<typeof pluginRunViewSchema>;
