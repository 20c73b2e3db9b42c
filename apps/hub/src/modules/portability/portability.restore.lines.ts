import { z } from 'zod';
import { ValidationError } from '../../platform/errors.ts';
import { aiTableSchemas, type HeldAi } from './portability.restore.ai.ts';

/** The takeout's sections as restore reads them: one schema per JSON line, checked before use. */
export const iso = z.string().datetime({ offset: true }).nullable();
export const entityLine = z.strictObject({
  id: z.uuid(),
  type: z.string(),
  title: z.string(),
  body: z.string(),
  properties: z.record(z.string(), z.unknown()),
  source: z.string().nullable(),
  externalId: z.string().nullable(),
  occurredAt: iso,
  createdAt: iso,
  updatedAt: iso,
  deletedAt: iso,
  version: z.number().int().min(1),
  mergedIntoId: z.uuid().nullable(),
});
export const linkLine = z.strictObject({
  id: z.uuid(),
  kind: z.string(),
  fromId: z.uuid(),
  toId: z.uuid(),
  createdAt: iso,
});
export const identifierLine = z.strictObject({
  id: z.uuid(),
  kind: z.enum(['phone', 'email']),
  value: z.string(),
  entityId: z.uuid(),
  createdAt: iso,
});

// The other tables' rows (to_jsonb of the source row, see takeoutTables): the columns restore reads.
export const ruleLine = z.object({ id: z.uuid() });
export const ruleVersionLine = z.object({
  rule_id: z.uuid(),
  version: z.number().int().min(1),
  definition: z.unknown(),
  note: z.string().max(500).default(''),
});
export const installationLine = z.object({
  plugin_id: z.string().max(64),
  manifest: z.unknown(),
  bundle: z.string(),
  config: z.record(z.string(), z.unknown()).default({}),
});
export const pluginStorageLine = z.object({ plugin_id: z.string().max(64), key: z.string(), value: z.unknown() });
export const grantLine = z.object({
  principal_kind: z.string().max(20),
  principal_id: z.string().max(200),
  permission: z.string().max(200),
});
export const bucketLine = z.object({
  id: z.string().max(63),
  owner_id: z.uuid(),
  public: z.boolean(),
  file_size_limit: z.union([z.number(), z.string()]).nullable(),
  allowed_mime_types: z.array(z.string()).nullable(),
});
export const objectLine = z.object({
  id: z.uuid(),
  bucket_id: z.string().max(63),
  name: z.string().max(1024),
  size: z.union([z.number(), z.string()]),
  mime_type: z.string().max(255).nullable(),
  cache_control: z.string().max(1000).nullable(),
  user_metadata: z.record(z.string(), z.unknown()).nullable(),
  entity_id: z.uuid().nullable(),
});

export const graphOrder = ['graph/entities.jsonl', 'graph/links.jsonl', 'graph/identifiers.jsonl'] as const;
export type GraphSection = (typeof graphOrder)[number];
export const tableSchemas = {
  'rules/rules.jsonl': ruleLine,
  'rules/rule_versions.jsonl': ruleVersionLine,
  'plugins/installations.jsonl': installationLine,
  'plugins/storage.jsonl': pluginStorageLine,
  'grants.jsonl': grantLine,
  'files/buckets.jsonl': bucketLine,
  'files/objects.jsonl': objectLine,
  ...aiTableSchemas,
} as const;
export type TableSection = keyof typeof tableSchemas;
/** Read, kept in the archive only, and said so in the report. */
export const keptOnly: Record<string, string> = {
  'settings/account.jsonl': 'account settings are not restored: set them again in Settings',
  'devices/devices.jsonl': 'devices are not restored: pair each device again',
  'devices/event_summaries.jsonl': 'device event summaries stay in the archive (history of the old devices)',
  'devices/app_usage_days.jsonl': 'daily app-usage summaries stay in the archive (history of the old devices)',
  'ai/egress.jsonl': 'the AI egress audit stays in the archive (what the old hub sent to cloud models)',
};
export const batch = 500;
/** Rows besides the graph are held until the end of the archive; this many bytes of them at most. */
export const maxHeldBytes = 256 * 1024 * 1024;

export const insert = {
  'graph/entities.jsonl': `INSERT INTO public.entities (id, owner_id, type, title, body, properties, source, external_id, occurred_at, created_at, updated_at, deleted_at, version)
    SELECT r.id, $1, r.type, r.title, r.body, r.properties, r.source, r."externalId", r."occurredAt", r."createdAt", r."updatedAt", r."deletedAt", r.version
    FROM jsonb_to_recordset($2::jsonb) AS r(id uuid, type text, title text, body text, properties jsonb, source text, "externalId" text,
      "occurredAt" timestamptz, "createdAt" timestamptz, "updatedAt" timestamptz, "deletedAt" timestamptz, version int)`,
  'graph/links.jsonl': `INSERT INTO public.entity_links (id, owner_id, kind, from_id, to_id, created_at)
    SELECT r.id, $1, r.kind, r."fromId", r."toId", r."createdAt" FROM jsonb_to_recordset($2::jsonb) AS r(id uuid, kind text, "fromId" uuid, "toId" uuid, "createdAt" timestamptz)`,
  'graph/identifiers.jsonl': `INSERT INTO public.identifiers (id, owner_id, kind, value, entity_id, created_at)
    SELECT r.id, $1, r.kind, r.value, r."entityId", r."createdAt" FROM jsonb_to_recordset($2::jsonb) AS r(id uuid, kind text, value text, "entityId" uuid, "createdAt" timestamptz)`,
} as const;
export const graphSchemas = {
  'graph/entities.jsonl': entityLine,
  'graph/links.jsonl': linkLine,
  'graph/identifiers.jsonl': identifierLine,
} as const;

/** What the restore holds until the end of the archive, besides the graph it writes as it reads. */
export interface Held {
  rules: string[];
  versions: Map<string, z.infer<typeof ruleVersionLine>[]>;
  installations: z.infer<typeof installationLine>[];
  pluginStorage: Map<string, { key: string; value: unknown }[]>;
  grants: z.infer<typeof grantLine>[];
  buckets: z.infer<typeof bucketLine>[];
  objects: Map<string, z.infer<typeof objectLine>>;
  ai: HeldAi;
}

/** One JSON line of a section, checked against its schema; a bad line names the section and line. */
export function parseLine<T>(name: string, line: number, text: string, schema: z.ZodType<T>): T {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new ValidationError(`${name} line ${line} is not JSON.`);
  }
  const checked = schema.safeParse(parsed);
  if (!checked.success)
    throw new ValidationError(
      `${name} line ${line}: ${checked.error.issues[0]!.message} at ${checked.error.issues[0]!.path.join('.')}`,
    );
  return checked.data;
}
