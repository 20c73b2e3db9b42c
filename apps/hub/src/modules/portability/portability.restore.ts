import type { Readable } from 'node:stream';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { extract as tarExtract } from 'tar-stream';
import { z } from 'zod';
import type { Database, Sql } from '../../platform/db/index.ts';
import { ConflictError, UserError, ValidationError } from '../../platform/errors.ts';
import type { AuthenticatedUser } from '../../platform/http/authentication.ts';
import { readLines } from './formats/lines.ts';

export interface RestoreLimits {
  /** Bytes the archive may unpack to in all (a zip bomb stops here). */
  maxUnpackedBytes: number;
  /** Unpacked bytes per compressed byte beyond which the archive is refused, once past 64 MiB. */
  maxRatio: number;
  maxEntries: number;
}

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

const order = ['graph/entities.jsonl', 'graph/links.jsonl', 'graph/identifiers.jsonl'] as const;
const batch = 500;

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
const schemas = {
  'graph/entities.jsonl': entityLine,
  'graph/links.jsonl': linkLine,
  'graph/identifiers.jsonl': identifierLine,
} as const;

/**
 * Restores a takeout's graph into an account that has none yet, with the same ids, in one
 * transaction (all or nothing). The archive is read as a stream: entries are checked for
 * names, count and unpacked size before anything is trusted; entries other than the graph
 * are skipped.
 */
export async function restoreTakeout(db: Database, user: AuthenticatedUser, body: Readable, limits: RestoreLimits) {
  return db.asUser(user.claims, async (tx) => {
    const { rows } = await tx.query<{ n: number }>(`SELECT count(*)::int AS n FROM public.entities`);
    if (rows[0]!.n > 0)
      throw new ConflictError(
        'This account has a graph already: restore a takeout into a fresh account.',
        'graph_not_empty',
      );
    const counts: Record<string, number> = { entities: 0, links: 0, identifiers: 0 };
    const merges: { id: string; mergedIntoId: string }[] = [];
    let packed = 0;
    let unpacked = 0;
    let entries = 0;
    let next = 0;
    const countPacked = new Transform({
      transform(chunk: Buffer, _e, done) {
        packed += chunk.length;
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
    const extract = tarExtract();
    extract.on('entry', (header, stream, done) => {
      // A failure anywhere destroys the entry too; the pipeline below reports it once.
      stream.on('error', () => {});
      void (async () => {
        entries += 1;
        if (entries > limits.maxEntries)
          throw new ValidationError(`The archive has more than ${limits.maxEntries} entries: refused.`);
        const name = header.name;
        if (name.startsWith('/') || name.split('/').includes('..') || name.includes('\u0000'))
          throw new ValidationError(`The archive entry "${name.slice(0, 100)}" points outside the archive: refused.`);
        const index = order.indexOf(name as (typeof order)[number]);
        if (index === -1 || header.type !== 'file') {
          stream.resume();
          await new Promise((resolve) => stream.on('end', resolve));
          return;
        }
        if (index < next) throw new ValidationError(`${name} comes twice or out of order: refused.`);
        next = index + 1;
        await restoreSection(tx, user.id, order[index]!, stream, counts, merges);
      })().then(() => done(), done);
    });
    try {
      await pipeline(body, countPacked, createGunzip(), countUnpacked, extract);
    } catch (error) {
      if (error instanceof UserError) throw error;
      throw new ValidationError(`This is not a takeout archive (tar.gz): ${(error as Error).message}`);
    }
    if (next === 0) throw new ValidationError('The archive has no graph/entities.jsonl: is it a Made Open takeout?');
    for (let i = 0; i < merges.length; i += batch) {
      await tx.query(
        `UPDATE public.entities e SET merged_into_id = r."mergedIntoId" FROM jsonb_to_recordset($1::jsonb) AS r(id uuid, "mergedIntoId" uuid) WHERE e.id = r.id`,
        [JSON.stringify(merges.slice(i, i + batch))],
      );
    }
    return counts;
  });
}

async function restoreSection(
  tx: Sql,
  ownerId: string,
  name: (typeof order)[number],
  stream: Readable,
  counts: Record<string, number>,
  merges: { id: string; mergedIntoId: string }[],
) {
  let rows: unknown[] = [];
  const key = name.slice(6, -6);
  const flush = async () => {
    if (rows.length === 0) return;
    try {
      await tx.query(insert[name], [ownerId, JSON.stringify(rows)]);
    } catch (error) {
      throw new ValidationError(`${name}: these rows could not be restored: ${(error as Error).message}`);
    }
    counts[key]! += rows.length;
    rows = [];
  };
  for await (const l of readLines(stream, 2 * 1024 * 1024)) {
    if (l.tooLong) throw new ValidationError(`${name} line ${l.line} is longer than 2 MiB: refused.`);
    if (l.text === '') continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(l.text);
    } catch {
      throw new ValidationError(`${name} line ${l.line} is not JSON.`);
    }
    const checked = schemas[name].safeParse(parsed);
    if (!checked.success)
      throw new ValidationError(
        `${name} line ${l.line}: ${checked.error.issues[0]!.message} at ${checked.error.issues[0]!.path.join('.')}`,
      );
    const row = checked.data as { id: string; mergedIntoId?: string | null };
    if (row.mergedIntoId) merges.push({ id: row.id, mergedIntoId: row.mergedIntoId });
    rows.push(row);
    if (rows.length >= batch) await flush();
  }
  await flush();
}
