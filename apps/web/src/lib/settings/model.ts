/**
 * The web app's view of the hub's wallet, policy and plugin APIs. Parsing is tolerant of
 * fields the hub may add; the ones the screens rely on are checked.
 */
import { capabilityNameSchema, credentialTypeSchema } from '@made-open/shared/wallet-events';
import { z } from 'zod';

export { capabilityNameSchema, credentialTypeSchema };
export type CredentialType = z.infer<typeof credentialTypeSchema>;
export type CapabilityName = z.infer<typeof capabilityNameSchema>;

export {
  capabilitySchema as CapabilitySchema,
  credentialTestResultSchema as TestResultSchema,
  credentialViewSchema as CredentialViewSchema,
  type Capability,
  type CredentialTestResult as TestResult,
  type CredentialView,
} from '@made-open/shared/wallet-api';

const configValue = z.union([z.string(), z.number(), z.boolean()]);
export type ConfigValue = z.infer<typeof configValue>;

export const ConfigFieldSchema = z.object({
  type: z.enum(['string', 'number', 'boolean']),
  description: z.string().optional(),
  default: configValue.optional(),
});
export type ConfigField = z.infer<typeof ConfigFieldSchema>;

export const TriggerSchema = z.union([
  z.object({ type: z.literal('event'), events: z.array(z.string()) }),
  z.object({ type: z.literal('schedule'), name: z.string().optional(), cron: z.string() }),
  z.object({ type: z.literal('manual') }),
  z.object({ type: z.string() }).passthrough(),
]);
export type Trigger = z.infer<typeof TriggerSchema>;

export const PluginStatusSchema = z.enum(['pending_consent', 'enabled', 'disabled']);
export type PluginStatus = z.infer<typeof PluginStatusSchema>;

export const PluginViewSchema = z.object({
  id: z.string(),
  name: z.string(),
  version: z.string(),
  description: z.string(),
  status: PluginStatusSchema,
  /** Why the hub disabled it (it brought the plugin runtime down); older hubs do not send it. */
  statusReason: z.string().nullable().default(null),
  permissions: z.array(z.string()),
  triggers: z.array(TriggerSchema),
  credentials: z.array(
    z.object({
      name: z.string(),
      type: credentialTypeSchema,
      description: z.string().optional(),
      boundTo: z.string().nullable(),
    }),
  ),
  config: z.record(z.string(), configValue),
  /** Older hubs do not send the declared config fields: then the consent screen asks for none. */
  configFields: z.record(z.string(), ConfigFieldSchema).default({}),
  installedAt: z.string(),
  updatedAt: z.string(),
});
export type PluginView = z.infer<typeof PluginViewSchema>;

export {
  pluginRunResultSchema as RunResultSchema,
  pluginRunViewSchema as RunViewSchema,
  type PluginRunResult as RunResult,
  type PluginRunView as RunView,
} from '@made-open/shared/plugins-api';

export const GrantSchema = z.object({ permission: z.string(), grantedAt: z.string() });
export type Grant = z.infer<typeof GrantSchema>;

/** What the user sends with their consent: granted permissions, config values, bound credentials. */
export interface ConsentInput {
  permissions: string[];
  config: Record<string, ConfigValue>;
  credentials: Record<string, string>;
}

/** The same rule as the hub's route parameter: plugin ids are lowercase words with dashes. */
export const PLUGIN_ID = /^[a-z0-9][a-z0-9-]{1,62}[a-z0-9]$/;

export function hasManualTrigger(plugin: Pick<PluginView, 'triggers'>): boolean {
  return plugin.triggers.some((t) => t.type === 'manual');
}

/** Permissions the plugin declares that the user has not granted (new after an upgrade). */
export function ungranted(plugin: Pick<PluginView, 'permissions'>, grants: readonly Grant[]): string[] {
  const held = new Set(grants.map((g) => g.permission));
  return plugin.permissions.filter((p) => !held.has(p));
}

export function formatDuration(ms: number): string {
  if (ms < 1) return '< 1 ms';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
}
