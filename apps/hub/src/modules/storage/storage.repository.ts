import type { Sql } from '../../platform/db/index.ts';

export type BucketRow = {
  id: string;
  owner_id: string;
  public: boolean;
  file_size_limit: string | number | null;
  allowed_mime_types: string[] | null;
  created_at: Date | string;
  updated_at: Date | string;
};

export type ObjectRow = {
  id: string;
  bucket_id: string;
  name: string;
  owner_id: string;
  blob_key: string;
  size: string | number;
  mime_type: string;
  cache_control: string | null;
  etag: string;
  user_metadata: Record<string, unknown> | null;
  entity_id: string | null;
  created_at: Date | string;
  updated_at: Date | string;
  last_accessed_at: Date | string;
};

/** A row of a folder listing: a file (id set) or a folder (id null). */
export type ListingRow = {
  entry: string;
  id: string | null;
  size: string | number | null;
  mime_type: string | null;
  cache_control: string | null;
  etag: string | null;
  user_metadata: Record<string, unknown> | null;
  created_at: Date | string | null;
  updated_at: Date | string | null;
  last_accessed_at: Date | string | null;
};

export type ObjectSortColumn = 'name' | 'created_at' | 'updated_at' | 'last_accessed_at';
export type BucketSortColumn = 'id' | 'name' | 'created_at' | 'updated_at';

const objectColumns = `id, bucket_id, name, owner_id, blob_key, size, mime_type, cache_control, etag, user_metadata,
  entity_id, created_at, updated_at, last_accessed_at`;
const bucketColumns = 'id, owner_id, public, file_size_limit, allowed_mime_types, created_at, updated_at';

export interface NewObject {
  id: string;
  bucketId: string;
  name: string;
  ownerId: string;
  blobKey: string;
  size: number;
  mimeType: string;
  cacheControl: string | null;
  etag: string;
  userMetadata: Record<string, unknown> | null;
}

export const storageRepository = {
  async insertBucket(
    tx: Sql,
    b: {
      id: string;
      ownerId: string;
      public: boolean;
      fileSizeLimit: number | null;
      allowedMimeTypes: string[] | null;
    },
  ): Promise<BucketRow | undefined> {
    const result = await tx.query<BucketRow>(
      `INSERT INTO made_open.storage_buckets (id, owner_id, public, file_size_limit, allowed_mime_types)
       VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id) DO NOTHING RETURNING ${bucketColumns}`,
      [b.id, b.ownerId, b.public, b.fileSizeLimit, b.allowedMimeTypes],
    );
    return result.rows[0];
  },

  async listBuckets(
    tx: Sql,
    q: { limit: number; offset: number; search: string | undefined; sortColumn: BucketSortColumn; descending: boolean },
  ): Promise<BucketRow[]> {
    const column = q.sortColumn === 'name' ? 'id' : q.sortColumn;
    const result = await tx.query<BucketRow>(
      `SELECT ${bucketColumns} FROM made_open.storage_buckets
       WHERE $1::text IS NULL OR position(lower($1::text) IN lower(id)) > 0
       ORDER BY ${column} ${q.descending ? 'DESC' : 'ASC'}, id LIMIT $2 OFFSET $3`,
      [q.search ?? null, q.limit, q.offset],
    );
    return result.rows;
  },

  async getBucket(tx: Sql, id: string, forUpdate = false): Promise<BucketRow | undefined> {
    const result = await tx.query<BucketRow>(
      `SELECT ${bucketColumns} FROM made_open.storage_buckets WHERE id = $1${forUpdate ? ' FOR UPDATE' : ''}`,
      [id],
    );
    return result.rows[0];
  },

  async updateBucket(
    tx: Sql,
    id: string,
    b: { public: boolean; fileSizeLimit: number | null | undefined; allowedMimeTypes: string[] | null | undefined },
  ): Promise<BucketRow | undefined> {
    const result = await tx.query<BucketRow>(
      `UPDATE made_open.storage_buckets SET
         public = $2,
         file_size_limit = CASE WHEN $3::boolean THEN $4::bigint ELSE file_size_limit END,
         allowed_mime_types = CASE WHEN $5::boolean THEN $6::text[] ELSE allowed_mime_types END,
         updated_at = now()
       WHERE id = $1 RETURNING ${bucketColumns}`,
      [
        id,
        b.public,
        b.fileSizeLimit !== undefined,
        b.fileSizeLimit ?? null,
        b.allowedMimeTypes !== undefined,
        b.allowedMimeTypes ?? null,
      ],
    );
    return result.rows[0];
  },

  async deleteBucket(tx: Sql, id: string): Promise<boolean> {
    const result = await tx.query(`DELETE FROM made_open.storage_buckets WHERE id = $1`, [id]);
    return result.rowCount > 0;
  },

  async bucketHasObjects(tx: Sql, id: string): Promise<boolean> {
    const result = await tx.query(`SELECT 1 FROM made_open.storage_objects WHERE bucket_id = $1 LIMIT 1`, [id]);
    return result.rows.length > 0;
  },

  async getObject(tx: Sql, bucketId: string, name: string, forUpdate = false): Promise<ObjectRow | undefined> {
    const result = await tx.query<ObjectRow>(
      `SELECT ${objectColumns} FROM made_open.storage_objects WHERE bucket_id = $1 AND name = $2${forUpdate ? ' FOR UPDATE' : ''}`,
      [bucketId, name],
    );
    return result.rows[0];
  },

  /** Public (or signed) reads: the object with its bucket's public flag, whoever asks. */
  async getObjectWithBucket(
    tx: Sql,
    bucketId: string,
    name: string,
  ): Promise<(ObjectRow & { bucket_public: boolean }) | undefined> {
    const result = await tx.query<ObjectRow & { bucket_public: boolean }>(
      `SELECT o.id, o.bucket_id, o.name, o.owner_id, o.blob_key, o.size, o.mime_type, o.cache_control, o.etag,
              o.user_metadata, o.entity_id, o.created_at, o.updated_at, o.last_accessed_at, b.public AS bucket_public
       FROM made_open.storage_objects o JOIN made_open.storage_buckets b ON b.id = o.bucket_id
       WHERE o.bucket_id = $1 AND o.name = $2`,
      [bucketId, name],
    );
    return result.rows[0];
  },

  async insertObject(tx: Sql, o: NewObject): Promise<ObjectRow | undefined> {
    const result = await tx.query<ObjectRow>(
      `INSERT INTO made_open.storage_objects (id, bucket_id, name, owner_id, blob_key, size, mime_type, cache_control, etag, user_metadata)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
       ON CONFLICT (bucket_id, name) DO NOTHING RETURNING ${objectColumns}`,
      [o.id, o.bucketId, o.name, o.ownerId, o.blobKey, o.size, o.mimeType, o.cacheControl, o.etag, o.userMetadata],
    );
    return result.rows[0];
  },

  /** Replaces the bytes (and their metadata) of an existing object. */
  async replaceObject(
    tx: Sql,
    id: string,
    o: Omit<NewObject, 'id' | 'bucketId' | 'name' | 'ownerId'>,
  ): Promise<ObjectRow | undefined> {
    const result = await tx.query<ObjectRow>(
      `UPDATE made_open.storage_objects SET blob_key = $2, size = $3, mime_type = $4, cache_control = $5, etag = $6,
         user_metadata = $7, updated_at = now(), last_accessed_at = now()
       WHERE id = $1 RETURNING ${objectColumns}`,
      [id, o.blobKey, o.size, o.mimeType, o.cacheControl, o.etag, o.userMetadata],
    );
    return result.rows[0];
  },

  async setEntity(tx: Sql, id: string, entityId: string): Promise<void> {
    await tx.query(`UPDATE made_open.storage_objects SET entity_id = $2 WHERE id = $1`, [id, entityId]);
  },

  async renameObject(tx: Sql, id: string, bucketId: string, name: string): Promise<ObjectRow | undefined> {
    const result = await tx.query<ObjectRow>(
      `UPDATE made_open.storage_objects SET bucket_id = $2, name = $3, updated_at = now() WHERE id = $1 RETURNING ${objectColumns}`,
      [id, bucketId, name],
    );
    return result.rows[0];
  },

  async deleteObjects(tx: Sql, bucketId: string, names: readonly string[]): Promise<ObjectRow[]> {
    const result = await tx.query<ObjectRow>(
      `DELETE FROM made_open.storage_objects WHERE bucket_id = $1 AND name = ANY($2::text[]) RETURNING ${objectColumns}`,
      [bucketId, names],
    );
    return result.rows;
  },

  async deleteAllObjects(tx: Sql, bucketId: string, limit: number): Promise<ObjectRow[]> {
    const result = await tx.query<ObjectRow>(
      `DELETE FROM made_open.storage_objects WHERE id IN (
         SELECT id FROM made_open.storage_objects WHERE bucket_id = $1 ORDER BY id LIMIT $2
       ) RETURNING ${objectColumns}`,
      [bucketId, limit],
    );
    return result.rows;
  },

  /**
   * One level of a bucket, as Supabase lists it: the files directly under `folder`
   * ('' or 'a/b/') and the sub-folders (distinct next path segments), filtered by
   * `search` (case-insensitive substring of the entry), sorted, then paged.
   */
  async listFolder(
    tx: Sql,
    q: {
      bucketId: string;
      folder: string;
      search: string | undefined;
      sortColumn: ObjectSortColumn;
      descending: boolean;
      limit: number;
      offset: number;
    },
  ): Promise<ListingRow[]> {
    const direction = q.descending ? 'DESC' : 'ASC';
    const order =
      q.sortColumn === 'name'
        ? `entry COLLATE "C" ${direction}`
        : `${q.sortColumn} ${direction} NULLS LAST, entry COLLATE "C" ASC`;
    const result = await tx.query<ListingRow>(
      `WITH level AS (
         SELECT o.*, substr(o.name, char_length($2::text) + 1) AS rest
         FROM made_open.storage_objects o
         WHERE o.bucket_id = $1 AND left(o.name, char_length($2::text)) = $2::text
       ), entries AS (
         SELECT rest AS entry, id, size, mime_type, cache_control, etag, user_metadata, created_at, updated_at, last_accessed_at
         FROM level WHERE position('/' IN rest) = 0
         UNION ALL
         SELECT DISTINCT split_part(rest, '/', 1), NULL::uuid, NULL::bigint, NULL::text, NULL::text, NULL::text, NULL::jsonb,
                NULL::timestamptz, NULL::timestamptz, NULL::timestamptz
         FROM level WHERE position('/' IN rest) > 0
       )
       SELECT * FROM entries
       WHERE $3::text IS NULL OR position(lower($3::text) IN lower(entry)) > 0
       ORDER BY ${order}
       LIMIT $4 OFFSET $5`,
      [q.bucketId, q.folder, q.search ?? null, q.limit, q.offset],
    );
    return result.rows;
  },
};

export type StorageRepository = typeof storageRepository;

/** A row of a list-v2 page: a file (id set) or a folder (id null, name ending in "/"). */
export type ListV2Row = ListingRow & { sort_at: string | null };

/** Where a list-v2 page starts: after this entry, in this order. */
export interface ListV2Position {
  name: string;
  /** The sort column's value of that entry (ISO, milliseconds), when sorting by a timestamp. */
  at: string | undefined;
}

export const listV2Repository = {
  /**
   * Supabase's list-v2: every key starting with `prefix` (a plain string prefix), or with
   * `delimited`, the files directly under it and its common prefixes ("a/b/") as folders.
   * Folders sort by their earliest object's created_at for both timestamp columns, as
   * Supabase's search_v2 does. Full names are returned; `limit` rows at most.
   */
  async page(
    tx: Sql,
    q: {
      bucketId: string;
      prefix: string;
      delimited: boolean;
      sortColumn: 'name' | 'created_at' | 'updated_at';
      descending: boolean;
      after: ListV2Position | undefined;
      limit: number;
    },
  ): Promise<ListV2Row[]> {
    const direction = q.descending ? 'DESC' : 'ASC';
    const beyond = q.descending ? '<' : '>';
    const byName = q.sortColumn === 'name';
    const at = byName ? 'NULL::timestamptz' : `date_trunc('milliseconds', ${q.sortColumn})`;
    const params: unknown[] = [q.bucketId, q.prefix, q.delimited, q.limit];
    let condition = 'true';
    if (q.after) {
      params.push(q.after.name);
      const name = `entry COLLATE "C" ${beyond} $${params.length}::text`;
      if (byName || q.after.at === undefined) condition = name;
      else {
        params.push(q.after.at);
        const t = `$${params.length}::timestamptz`;
        condition = `(sort_at ${beyond} ${t} OR (sort_at = ${t} AND ${name}))`;
      }
    }
    const result = await tx.query<ListV2Row>(
      `WITH matching AS (
         SELECT o.*, substr(o.name, char_length($2::text) + 1) AS rest
         FROM made_open.storage_objects o
         WHERE o.bucket_id = $1 AND left(o.name, char_length($2::text)) = $2::text
       ), entries AS (
         SELECT name AS entry, id, size, mime_type, cache_control, etag, user_metadata, created_at, updated_at,
                last_accessed_at, ${at} AS sort_at
         FROM matching WHERE NOT $3::boolean OR position('/' IN rest) = 0
         UNION ALL
         SELECT $2::text || split_part(rest, '/', 1) || '/', NULL::uuid, NULL::bigint, NULL::text, NULL::text,
                NULL::text, NULL::jsonb, min(created_at), min(created_at), NULL::timestamptz,
                ${byName ? 'NULL::timestamptz' : "date_trunc('milliseconds', min(created_at))"}
         FROM matching WHERE $3::boolean AND position('/' IN rest) > 0
         GROUP BY split_part(rest, '/', 1)
       )
       SELECT entry, id, size, mime_type, cache_control, etag, user_metadata, created_at, updated_at,
              last_accessed_at, to_char(sort_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS sort_at
       FROM entries WHERE ${condition}
       ORDER BY ${byName ? '' : `sort_at ${direction}, `}entry COLLATE "C" ${direction}
       LIMIT $4`,
      params,
    );
    return result.rows;
  },
};
