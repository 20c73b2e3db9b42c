import type { Sql } from '../../platform/db/index.ts';
import { batch } from './portability.restore.lines.ts';

/** Restored files: buckets renamed for the new owner, and every reference to them rewritten. */
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

/**
 * The single old -> new path map applied to every entity that mentions an old bucket; a
 * restored object's `file` entity gets the new object id as its external id.
 */
export async function rewriteReferences(
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
