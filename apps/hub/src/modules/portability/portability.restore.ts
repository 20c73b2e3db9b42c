import type { Readable } from 'node:stream';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { extract as tarExtract, type Headers } from 'tar-stream';
import { z } from 'zod';
import type { Database, Sql } from '../../platform/db/index.ts';
import { ConflictError, UserError, ValidationError } from '../../platform/errors.ts';
import type { AuthenticatedUser } from '../../platform/http/authentication.ts';
import type { PluginsService } from '../plugins/index.ts';
import type { RulesService } from '../rules/index.ts';
import type { StorageService } from '../storage/index.ts';
import type { RestoreReport } from '@made-open/shared/portability-api';
import { readLines } from './formats/lines.ts';
import {
  aiTableSchemas,
  emptyHeldAi,
  holdAi,
  restoreAi,
  type AiSection,
  type HeldAi,
} from './portability.restore.ai.ts';

export interface RestoreLimits {
  /** Bytes the archive may unpack to in all (a zip bomb stops here). */
  maxUnpackedBytes: number;
  /** Unpacked bytes per compressed byte beyond which the archive is refused, once past 64 MiB. */
  maxRatio: number;
  maxEntries: number;
}

export interface RestoreDeps {
  db: Database;
  limits: RestoreLimits;
  rules: Pick<RulesService, 'restore'>;
  plugins: Pick<PluginsService, 'restore'>;
  storage: Pick<StorageService, 'restoreBucket' | 'restoreObject' | 'dropRestoredBlobs'>;
}

/** What came back, per kind, and what did not and why (the API's answer). */
export type { RestoreReport };

const iso = z.string().datetime({ offset: true }).nullable();
const entityLine = z.strictObject({
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
const linkLine = z.strictObject({ id: z.uuid(), kind: z.string(), fromId: z.uuid(), toId: z.uuid(), createdAt: iso });
const identifierLine = z.strictObject({
  id: z.uuid(),
  kind: z.enum(['phone', 'email']),
  value: z.string(),
  entityId: z.uuid(),
  createdAt: iso,
});

// The other tables' rows (to_jsonb of the source row, see takeoutTables): the columns restore reads.
const ruleLine = z.object({ id: z.uuid() });
const ruleVersionLine = z.object({
  rule_id: z.uuid(),
  version: z.number().int().min(1),
  definition: z.unknown(),
  note: z.string().max(500).default(''),
});
const installationLine = z.object({
  plugin_id: z.string().max(64),
  manifest: z.unknown(),
  bundle: z.string(),
  config: z.record(z.string(), z.unknown()).default({}),
});
const pluginStorageLine = z.object({ plugin_id: z.string().max(64), key: z.string(), value: z.unknown() });
const grantLine = z.object({
  principal_kind: z.string().max(20),
  principal_id: z.string().max(200),
  permission: z.string().max(200),
});
const bucketLine = z.object({
  id: z.string().max(63),
  owner_id: z.uuid(),
  public: z.boolean(),
  file_size_limit: z.union([z.number(), z.string()]).nullable(),
  allowed_mime_types: z.array(z.string()).nullable(),
});
const objectLine = z.object({
  id: z.uuid(),
  bucket_id: z.string().max(63),
  name: z.string().max(1024),
  size: z.union([z.number(), z.string()]),
  mime_type: z.string().max(255).nullable(),
  cache_control: z.string().max(1000).nullable(),
  user_metadata: z.record(z.string(), z.unknown()).nullable(),
  entity_id: z.uuid().nullable(),
});

const graphOrder = ['graph/entities.jsonl', 'graph/links.jsonl', 'graph/identifiers.jsonl'] as const;
type GraphSection = (typeof graphOrder)[number];
const tableSchemas = {
  'rules/rules.jsonl': ruleLine,
  'rules/rule_versions.jsonl': ruleVersionLine,
  'plugins/installations.jsonl': installationLine,
  'plugins/storage.jsonl': pluginStorageLine,
  'grants.jsonl': grantLine,
  'files/buckets.jsonl': bucketLine,
  'files/objects.jsonl': objectLine,
  ...aiTableSchemas,
} as const;
type TableSection = keyof typeof tableSchemas;
/** Read, kept in the archive only, and said so in the report. */
const keptOnly: Record<string, string> = {
  'settings/account.jsonl': 'account settings are not restored: set them again in Settings',
  'devices/devices.jsonl': 'devices are not restored: pair each device again',
  'devices/event_summaries.jsonl': 'device event summaries stay in the archive (history of the old devices)',
  'devices/app_usage_days.jsonl': 'daily app-usage summaries stay in the archive (history of the old devices)',
  'ai/egress.jsonl': 'the AI egress audit stays in the archive (what the old hub sent to cloud models)',
};
const batch = 500;
/** Rows besides the graph are held until the end of the archive; this many bytes of them at most. */
const maxHeldBytes = 256 * 1024 * 1024;

const insert = {
  'graph/entities.jsonl': `INSERT INTO public.entities (id, owner_id, type, title, body, properties, source, external_id, occurred_at, created_at, updated_at, deleted_at, version)
    SELECT r.id, $1, r.type, r.title, r.body, r.properties, r.source, r."externalId", r."occurredAt", r."createdAt", r."updatedAt", r."deletedAt", r.version
    FROM jsonb_to_recordset($2::jsonb) AS r(id uuid, type text, title text, body text, properties jsonb, source text, "externalId" text,
      "occurredAt" timestamptz, "createdAt" timestamptz, "updatedAt" timestamptz, "deletedAt" timestamptz, version int)`,
  'graph/links.jsonl': `INSERT INTO public.entity_links (id, owner_id, kind, from_id, to_id, created_at)
    SELECT r.id, $1, r.kind, r."fromId", r."toId", r."createdAt" FROM jsonb_to_recordset($2::jsonb) AS r(id uuid, kind text, "fromId" uuid, "toId" uuid, "createdAt" timestamptz)`,
  'graph/identifiers.jsonl': `INSERT INTO public.identifiers (id, owner_id, kind, value, entity_id, created_at)
    SELECT r.id, $1, r.kind, r.value, r."entityId", r."createdAt" FROM jsonb_to_recordset($2::jsonb) AS r(id uuid, kind text, value text, "entityId" uuid, "createdAt" timestamptz)`,
} as const;
const graphSchemas = {
  'graph/entities.jsonl': entityLine,
  'graph/links.jsonl': linkLine,
  'graph/identifiers.jsonl': identifierLine,
} as const;

const uuidPattern = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;

/**
 * The bucket a restored bucket becomes: the storage module's rule is that a bucket id may
 * carry only its owner's account id, so the old owner's id in it becomes the new one's
 * (`contact-photos-<old>` -> `contact-photos-<new>`); other names are kept.
 */
export function restoredBucketId(id: string, oldOwnerId: string, newOwnerId: string): string {
  return id.replace(uuidPattern, (found) => (found.toLowerCase() === oldOwnerId.toLowerCase() ? newOwnerId : found));
}

/**
 * Rewrites every storage reference in an entity's properties through `paths` (old
 * `bucket/name` -> new): `{ bucket, path }` objects (a contact's photo) and `path` /
 * `storageKey` strings (MMS media, mail attachments, a file entity's key). Undefined when
 * nothing changed.
 */
export function rewriteStorageReferences(value: unknown, paths: ReadonlyMap<string, string>): unknown {
  let changed = false;
  const walk = (node: unknown, key: string | null): unknown => {
    if (Array.isArray(node)) return node.map((item) => walk(item, null));
    if (node !== null && typeof node === 'object') {
      const object = node as Record<string, unknown>;
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(object)) out[k] = walk(v, k);
      if (typeof object.bucket === 'string' && typeof object.path === 'string') {
        const to = paths.get(`${object.bucket}/${object.path}`);
        if (to) {
          const slash = to.indexOf('/');
          out.bucket = to.slice(0, slash);
          out.path = to.slice(slash + 1);
          changed = true;
        }
      }
      return out;
    }
    if (typeof node === 'string' && (key === 'path' || key === 'storageKey')) {
      const to = paths.get(node);
      if (to) {
        changed = true;
        return to;
      }
    }
    return node;
  };
  const out = walk(value, null);
  return changed ? out : undefined;
}

/** What the restore holds until the end of the archive, besides the graph it writes as it reads. */
interface Held {
  rules: string[];
  versions: Map<string, z.infer<typeof ruleVersionLine>[]>;
  installations: z.infer<typeof installationLine>[];
  pluginStorage: Map<string, { key: string; value: unknown }[]>;
  grants: z.infer<typeof grantLine>[];
  buckets: z.infer<typeof bucketLine>[];
  objects: Map<string, z.infer<typeof objectLine>>;
  ai: HeldAi;
}

/**
 * Restores a takeout into an account that has no graph yet, in one transaction (all or
 * nothing): the graph with the same ids; rules as new, disabled rules with every version;
 * plugins waiting for consent with their config and storage; files into the new account's
 * buckets, every reference to them rewritten. The archive is read as a stream: entries are
 * checked for names, count and unpacked size before anything is trusted. The bytes of
 * restored files are dropped again if the transaction does not commit.
 */
export async function restoreTakeout(
  deps: RestoreDeps,
  user: AuthenticatedUser,
  body: Readable,
  onProgress?: (packedBytes: number) => void,
): Promise<RestoreReport> {
  const { limits } = deps;
  const blobKeys: string[] = [];
  try {
    return await deps.db.asUser(user.claims, async (tx) => {
      const { rows } = await tx.query<{ n: number }>(`SELECT count(*)::int AS n FROM public.entities`);
      if (rows[0]!.n > 0)
        throw new ConflictError(
          'This account has a graph already: restore a takeout into a fresh account.',
          'graph_not_empty',
        );
      const report: RestoreReport = {
        counts: {
          entities: 0,
          links: 0,
          identifiers: 0,
          rules: 0,
          ruleVersions: 0,
          plugins: 0,
          pluginStorageKeys: 0,
          buckets: 0,
          files: 0,
          references: 0,
          aiDataClasses: 0,
          aiConversations: 0,
          aiMessages: 0,
        },
        rules: [],
        plugins: [],
        buckets: [],
        notRestored: [],
      };
      const merges: { id: string; mergedIntoId: string }[] = [];
      const held: Held = {
        rules: [],
        versions: new Map(),
        installations: [],
        pluginStorage: new Map(),
        grants: [],
        buckets: [],
        objects: new Map(),
        ai: emptyHeldAi(),
      };
      const seen = new Set<string>();
      let heldBytes = 0;
      let packed = 0;
      let unpacked = 0;
      let entries = 0;
      let nextGraph = 0;
      // Set once files/objects.jsonl is read: old bucket -> new bucket (null: not restored).
      let bucketMap: Map<string, string | null> | null = null;
      const paths = new Map<string, string>();
      const fileObjects = new Map<string, string>();
      const countPacked = new Transform({
        transform(chunk: Buffer, _e, done) {
          packed += chunk.length;
          onProgress?.(packed);
          done(null, chunk);
        },
      });
      const countUnpacked = new Transform({
        transform(chunk: Buffer, _e, done) {
          unpacked += chunk.length;
          if (unpacked > limits.maxUnpackedBytes)
            return done(
              new UserError(
                413,
                'archive_too_large',
                `The archive unpacks to more than ${limits.maxUnpackedBytes} bytes: refused.`,
              ),
            );
          if (unpacked > 64 * 1024 * 1024 && unpacked > packed * limits.maxRatio)
            return done(
              new UserError(
                413,
                'archive_ratio',
                'The archive unpacks to far more than its size (a compression bomb): refused.',
              ),
            );
          done(null, chunk);
        },
      });

      const skip = async (stream: Readable) => {
        stream.resume();
        await new Promise((resolve) => stream.on('end', resolve));
      };

      async function readTable(name: TableSection, stream: Readable) {
        const maxLine = name === 'plugins/installations.jsonl' ? 8 * 1024 * 1024 : 2 * 1024 * 1024;
        for await (const l of readLines(stream, maxLine)) {
          if (l.tooLong) throw new ValidationError(`${name} line ${l.line} is longer than ${maxLine} bytes: refused.`);
          if (l.text === '') continue;
          heldBytes += l.text.length;
          if (heldBytes > maxHeldBytes)
            throw new UserError(413, 'archive_too_large', `The archive's rules, plugins and file lists are too large.`);
          const row = parseLine<unknown>(name, l.line, l.text, tableSchemas[name] as z.ZodType<unknown>);
          hold(name, row, l.line);
        }
      }

      function hold(name: TableSection, row: unknown, line: number) {
        switch (name) {
          case 'rules/rules.jsonl':
            held.rules.push((row as z.infer<typeof ruleLine>).id);
            break;
          case 'rules/rule_versions.jsonl': {
            const v = row as z.infer<typeof ruleVersionLine>;
            const list = held.versions.get(v.rule_id) ?? [];
            list.push(v);
            held.versions.set(v.rule_id, list);
            break;
          }
          case 'plugins/installations.jsonl':
            held.installations.push(row as z.infer<typeof installationLine>);
            break;
          case 'plugins/storage.jsonl': {
            const s = row as z.infer<typeof pluginStorageLine>;
            const list = held.pluginStorage.get(s.plugin_id) ?? [];
            list.push({ key: s.key, value: s.value });
            held.pluginStorage.set(s.plugin_id, list);
            break;
          }
          case 'grants.jsonl':
            held.grants.push(row as z.infer<typeof grantLine>);
            break;
          case 'files/buckets.jsonl':
            held.buckets.push(row as z.infer<typeof bucketLine>);
            break;
          case 'files/objects.jsonl': {
            const o = row as z.infer<typeof objectLine>;
            const key = `${o.bucket_id}/${o.name}`;
            if (held.objects.has(key))
              throw new ValidationError(`files/objects.jsonl line ${line}: ${key} comes twice.`);
            held.objects.set(key, o);
            break;
          }
          default:
            holdAi(held.ai, name as AiSection, row);
        }
      }

      /** The buckets, made once the object list is read (before the first file's bytes). */
      async function restoreBuckets() {
        const map = new Map<string, string | null>();
        for (const b of held.buckets) {
          const wanted = restoredBucketId(b.id, b.owner_id, user.id);
          const candidates =
            wanted === b.id && !b.id.toLowerCase().includes(user.id.toLowerCase())
              ? [wanted, `${wanted.slice(0, 26)}-${user.id}`]
              : [wanted];
          let restored: string | null = null;
          let reason = `the bucket name ${wanted} is another account's on this hub`;
          for (const id of candidates) {
            try {
              const row = await deps.storage.restoreBucket(tx, user, {
                id,
                public: b.public,
                fileSizeLimit: b.file_size_limit === null ? null : Number(b.file_size_limit),
                allowedMimeTypes: b.allowed_mime_types,
              });
              if (row) {
                restored = row.id;
                break;
              }
            } catch (error) {
              if (!(error instanceof UserError)) throw error;
              reason = error.message;
            }
          }
          map.set(b.id, restored);
          if (restored) {
            report.counts.buckets += 1;
            report.buckets.push({ from: b.id, to: restored });
          } else report.notRestored.push({ kind: 'bucket', name: b.id, reason });
        }
        // A file entity an object row names must be one of the restored ones (the owner's, by RLS).
        const named = [...held.objects.values()].flatMap((o) => (o.entity_id ? [o.entity_id] : []));
        const known = new Set<string>();
        for (let i = 0; i < named.length; i += batch) {
          const { rows: found } = await tx.query<{ id: string }>(
            `SELECT id FROM public.entities WHERE id = ANY($1::uuid[])`,
            [named.slice(i, i + batch)],
          );
          for (const r of found) known.add(r.id);
        }
        for (const o of held.objects.values()) if (o.entity_id && !known.has(o.entity_id)) o.entity_id = null;
        return map;
      }

      async function restoreFile(name: string, header: Headers, stream: Readable) {
        const path = name.slice('files/'.length);
        const object = held.objects.get(path);
        if (!bucketMap || !object)
          throw new ValidationError(`${name.slice(0, 200)} is not listed in files/objects.jsonl: refused.`);
        if (header.type !== 'file')
          throw new ValidationError(`${name.slice(0, 200)} is a ${header.type}, not a file: refused.`);
        const bucket = bucketMap.get(object.bucket_id);
        if (!bucket) {
          report.notRestored.push({ kind: 'file', name: path, reason: 'its bucket was not restored' });
          await skip(stream);
          return;
        }
        const { row, blobKey } = await deps.storage.restoreObject(tx, {
          bucketId: bucket,
          name: object.name,
          ownerId: user.id,
          body: stream,
          declaredSize: header.size ?? 0,
          contentType: object.mime_type,
          cacheControl: object.cache_control,
          userMetadata: object.user_metadata,
          entityId: object.entity_id,
        });
        blobKeys.push(blobKey);
        paths.set(path, `${bucket}/${object.name}`);
        if (object.entity_id) fileObjects.set(object.entity_id, row.id);
        report.counts.files += 1;
      }

      const extract = tarExtract();
      extract.on('entry', (header, stream, done) => {
        // A failure anywhere destroys the entry too; the pipeline below reports it once.
        stream.on('error', () => {});
        void (async () => {
          entries += 1;
          if (entries > limits.maxEntries)
            throw new ValidationError(`The archive has more than ${limits.maxEntries} entries: refused.`);
          const name = header.name;
          if (name.startsWith('/') || name.split('/').includes('..') || name.includes('\u0000') || name.includes('\\'))
            throw new ValidationError(`The archive entry "${name.slice(0, 100)}" points outside the archive: refused.`);
          if (header.type === 'directory') return skip(stream);
          const graphIndex = graphOrder.indexOf(name as GraphSection);
          if (graphIndex !== -1 || name in tableSchemas) {
            if (header.type !== 'file') throw new ValidationError(`${name} is not a file: refused.`);
            if (seen.has(name)) throw new ValidationError(`${name} comes twice: refused.`);
            seen.add(name);
          }
          if (graphIndex !== -1) {
            if (graphIndex < nextGraph) throw new ValidationError(`${name} comes out of order: refused.`);
            nextGraph = graphIndex + 1;
            return restoreSection(tx, user.id, graphOrder[graphIndex]!, stream, report.counts, merges);
          }
          if (name in tableSchemas) {
            if (bucketMap && name.startsWith('files/'))
              throw new ValidationError(`${name} comes after the files it lists: refused.`);
            await readTable(name as TableSection, stream);
            if (name === 'files/objects.jsonl') bucketMap = await restoreBuckets();
            return;
          }
          if (name.startsWith('files/')) return restoreFile(name, header, stream);
          if (keptOnly[name]) report.notRestored.push({ kind: 'settings', name, reason: keptOnly[name] });
          return skip(stream);
        })().then(() => done(), done);
      });
      try {
        await pipeline(body, countPacked, createGunzip(), countUnpacked, extract);
      } catch (error) {
        if (error instanceof UserError) throw error;
        throw new ValidationError(`This is not a takeout archive (tar.gz): ${(error as Error).message}`);
      }
      if (nextGraph === 0)
        throw new ValidationError('The archive has no graph/entities.jsonl: is it a Made Open takeout?');
      for (let i = 0; i < merges.length; i += batch) {
        await tx.query(
          `UPDATE public.entities e SET merged_into_id = r."mergedIntoId" FROM jsonb_to_recordset($1::jsonb) AS r(id uuid, "mergedIntoId" uuid) WHERE e.id = r.id`,
          [JSON.stringify(merges.slice(i, i + batch))],
        );
      }
      // Buckets without an object list (empty ones) are made too.
      if (!bucketMap && (held.buckets.length > 0 || held.objects.size > 0)) bucketMap = await restoreBuckets();
      for (const [path, object] of held.objects)
        if (!paths.has(path) && bucketMap?.get(object.bucket_id))
          report.notRestored.push({ kind: 'file', name: path, reason: 'listed, but its bytes are not in the archive' });
      report.counts.references = await rewriteReferences(tx, paths, fileObjects, [
        ...new Set([...held.objects.values()].map((o) => o.bucket_id)),
      ]);
      const ai = await restoreAi(tx, user.id, held.ai);
      report.counts.aiDataClasses = ai.dataClasses + ai.contactClasses;
      report.counts.aiConversations = ai.conversations;
      report.counts.aiMessages = ai.aiMessages;
      await restoreRules(deps, tx, user, held, report);
      await restorePlugins(deps, tx, user, held, report);
      const otherGrants = held.grants.filter((g) => g.principal_kind !== 'rule' && g.principal_kind !== 'plugin');
      if (otherGrants.length > 0)
        report.notRestored.push({
          kind: 'grants',
          name: [...new Set(otherGrants.map((g) => `${g.principal_kind}:${g.principal_id}`))].join(', ').slice(0, 500),
          reason: `${otherGrants.length} grants are not restored: each is asked for again when that app or connector is set up`,
        });
      report.notRestored.push({
        kind: 'credentials',
        name: 'wallet, connected accounts, device tokens',
        reason: 'credentials are not in a takeout: connect your accounts and pair your devices again',
      });
      return report;
    });
  } catch (error) {
    await deps.storage.dropRestoredBlobs(blobKeys);
    throw error;
  }
}

function parseLine<T>(name: string, line: number, text: string, schema: z.ZodType<T>): T {
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

/**
 * The single old -> new path map applied to every entity that mentions an old bucket; a
 * restored object's `file` entity gets the new object id as its external id.
 */
async function rewriteReferences(
  tx: Sql,
  paths: ReadonlyMap<string, string>,
  fileObjects: ReadonlyMap<string, string>,
  oldBuckets: string[],
): Promise<number> {
  if (paths.size === 0) return 0;
  let rewritten = 0;
  let after: string | null = null;
  for (;;) {
    const { rows }: { rows: { id: string; properties: Record<string, unknown> }[] } = await tx.query(
      `SELECT id, properties FROM public.entities
        WHERE ($1::uuid IS NULL OR id > $1) AND EXISTS (SELECT 1 FROM unnest($2::text[]) b WHERE strpos(properties::text, b) > 0)
        ORDER BY id LIMIT ${batch}`,
      [after, oldBuckets],
    );
    const changes = rows.flatMap((r) => {
      const properties = rewriteStorageReferences(r.properties, paths);
      return properties === undefined ? [] : [{ id: r.id, properties, externalId: fileObjects.get(r.id) ?? null }];
    });
    if (changes.length > 0) {
      await tx.query(
        `UPDATE public.entities e SET properties = r.properties,
           external_id = CASE WHEN r."externalId" IS NOT NULL AND e.source = 'storage' THEN r."externalId" ELSE e.external_id END
         FROM jsonb_to_recordset($1::jsonb) AS r(id uuid, properties jsonb, "externalId" text) WHERE e.id = r.id`,
        [JSON.stringify(changes)],
      );
      rewritten += changes.length;
    }
    if (rows.length < batch) return rewritten;
    after = rows.at(-1)!.id;
  }
}

async function restoreRules(deps: RestoreDeps, tx: Sql, user: AuthenticatedUser, held: Held, report: RestoreReport) {
  for (const previousId of held.rules) {
    const versions = (held.versions.get(previousId) ?? []).sort((a, b) => a.version - b.version);
    try {
      const restored = await deps.rules.restore(tx, user, versions);
      report.counts.rules += 1;
      report.counts.ruleVersions += restored.versions;
      report.rules.push({
        id: restored.id,
        previousId,
        name: restored.name,
        versions: restored.versions,
        enabled: false,
        webhook: restored.webhook,
        permissions: restored.permissions,
        previouslyGranted: held.grants
          .filter((g) => g.principal_kind === 'rule' && g.principal_id === previousId)
          .map((g) => g.permission),
      });
    } catch (error) {
      // The rules service refuses a rule before it writes anything.
      if (!(error instanceof UserError)) throw error;
      const name = versions.at(-1)?.definition as { name?: unknown } | undefined;
      report.notRestored.push({
        kind: 'rule',
        name: typeof name?.name === 'string' ? name.name.slice(0, 200) : previousId,
        reason: error.message,
      });
    }
  }
}

async function restorePlugins(deps: RestoreDeps, tx: Sql, user: AuthenticatedUser, held: Held, report: RestoreReport) {
  for (const installation of held.installations) {
    const storage = held.pluginStorage.get(installation.plugin_id) ?? [];
    try {
      const restored = await deps.plugins.restore(tx, user, {
        manifest: installation.manifest,
        bundle: installation.bundle,
        config: installation.config,
        storage,
      });
      report.counts.plugins += 1;
      report.counts.pluginStorageKeys += storage.length;
      report.plugins.push({
        pluginId: restored.pluginId,
        version: restored.version,
        status: 'pending_consent',
        config: Object.keys(installation.config).filter((k) => !restored.droppedConfig.includes(k)),
        storageKeys: storage.length,
        previouslyGranted: held.grants
          .filter((g) => g.principal_kind === 'plugin' && g.principal_id === restored.pluginId)
          .map((g) => g.permission),
        credentials: restored.credentials,
      });
      for (const key of restored.droppedConfig)
        report.notRestored.push({
          kind: 'plugin config',
          name: `${restored.pluginId}: ${key}`.slice(0, 200),
          reason: 'the plugin no longer declares this setting with this type',
        });
    } catch (error) {
      // The plugins service refuses a package before it writes anything.
      if (!(error instanceof UserError)) throw error;
      report.notRestored.push({ kind: 'plugin', name: installation.plugin_id, reason: error.message });
    }
  }
}

async function restoreSection(
  tx: Sql,
  ownerId: string,
  name: GraphSection,
  stream: Readable,
  counts: RestoreReport['counts'],
  merges: { id: string; mergedIntoId: string }[],
) {
  let rows: unknown[] = [];
  const key = name.slice(6, -6) as 'entities' | 'links' | 'identifiers';
  const flush = async () => {
    if (rows.length === 0) return;
    try {
      await tx.query(insert[name], [ownerId, JSON.stringify(rows)]);
    } catch (error) {
      throw new ValidationError(`${name}: these rows could not be restored: ${(error as Error).message}`);
    }
    counts[key] += rows.length;
    rows = [];
  };
  for await (const l of readLines(stream, 2 * 1024 * 1024)) {
    if (l.tooLong) throw new ValidationError(`${name} line ${l.line} is longer than 2 MiB: refused.`);
    if (l.text === '') continue;
    const row = parseLine(
      name,
      l.line,
      l.text,
      graphSchemas[name] as z.ZodType<{ id: string; mergedIntoId?: string | null }>,
    );
    if (row.mergedIntoId) merges.push({ id: row.id, mergedIntoId: row.mergedIntoId });
    rows.push(row);
    if (rows.length >= batch) await flush();
  }
  await flush();
}
