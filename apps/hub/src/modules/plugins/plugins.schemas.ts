import { z } from 'zod';

export const pluginIdParams = z.object({ pluginId: z.string().regex(/^[a-z0-9][a-z0-9-]{1,62}[a-z0-9]$/) });

/** A package: a base64 .tgz (manifest.json + bundle), or the two parts as JSON. */
export const packageBodySchema = z.union([
  z.object({
    package: z
      .string()
      .min(1)
      .max(4 * 1024 * 1024)
      .describe('base64 of a .tgz holding manifest.json and the bundle'),
  }),
  z.object({
    manifest: z.record(z.string(), z.unknown()),
    bundle: z
      .string()
      .min(1)
      .max(2 * 1024 * 1024),
  }),
]);

export const consentBodySchema = z.object({
  permissions: z.array(z.string().max(200)).max(100),
  config: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
  credentials: z.record(z.string(), z.string().uuid()).optional(),
});

export const pluginViewSchema = z.object({
  id: z.string(),
  name: z.string(),
  version: z.string(),
  description: z.string(),
  status: z.enum(['pending_consent', 'enabled', 'disabled']),
  /** Why the hub disabled it (it brought the plugin runtime down); null when the user chose. */
  statusReason: z.string().nullable(),
  permissions: z.array(z.string()),
  triggers: z.array(z.record(z.string(), z.unknown())),
  credentials: z.array(
    z.object({
      name: z.string(),
      type: z.string(),
      description: z.string().optional(),
      boundTo: z.string().nullable(),
    }),
  ),
  config: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])),
  /** The manifest's config fields (type, description, default), so a consent screen can ask for them. */
  configFields: z.record(
    z.string(),
    z.object({
      type: z.enum(['string', 'number', 'boolean']),
      description: z.string().optional(),
      default: z.union([z.string(), z.number(), z.boolean()]).optional(),
    }),
  ),
  installedAt: z.string(),
  updatedAt: z.string(),
});

export {
  pluginRunResultSchema as runResultSchema,
  pluginRunViewSchema as runViewSchema,
} from '@made-open/shared/plugins-api';
