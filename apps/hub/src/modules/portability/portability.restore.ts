import type { Readable } from 'node:stream';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { extract as tarExtract, type Headers } from 'tar-stream';
import type { z } from 'zod';
import type { Database, Sql } from '../../platform/db/index.ts';
import { ConflictError, UserError, ValidationError } from '../../platform/errors.ts';
import type { AuthenticatedUser } from '../../platform/http/authentication.ts';
import type { PluginsService } from '../plugins/index.ts';
import type { RulesService } from '../rules/index.ts';
import type { StorageService } from '../storage/index.ts';
import type { RestoreReport } from '@made-open/shared/portability-api';
import { readLines } from './formats/lines.ts';
import { emptyHeldAi, holdAi, restoreAi, type AiSection } from './portability.restore.ai.ts';
import { restorePlugins, restoreRules } from './portability.restore.apps.ts';
import { restoredBucketId, rewriteReferences } from './portability.restore.files.ts';
import type {
  bucketLine,
  grantLine,
  installationLine,
  objectLine,
  pluginStorageLine,
  ruleLine,
  ruleVersionLine,
} from './portability.restore.lines.ts';
import {
  batch,
  graphOrder,
  graphSchemas,
  insert,
  keptOnly,
  maxHeldBytes,
  parseLine,
  tableSchemas,
  type GraphSection,
  type Held,
  type TableSection,
} from './portability.restore.lines.ts';

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
