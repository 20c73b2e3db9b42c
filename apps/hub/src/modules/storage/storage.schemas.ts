import { z } from 'zod';
import type { BucketRow, ListingRow, ObjectRow } from './storage.repository.ts';

/** Request and response shapes of Supabase Storage, as @supabase/storage-js sends and reads them. */
const sizeLimit = z
  .union([z.number().int().nonnegative(), z.string().max(32)])
  .nullable()
  .optional();
const mimeTypes = z.array(z.string().max(255)).max(200).nullable().optional();

export const createBucketBody = z.object({
  id: z.string().max(63).optional(),
  name: z.string().max(63),
  public: z.boolean().optional(),
  type: z.string().optional(),
  file_size_limit: sizeLimit,
  allowed_mime_types: mimeTypes,
});

export const updateBucketBody = z.object({
  id: z.string().max(63).optional(),
  name: z.string().max(63).optional(),
  public: z.boolean().optional(),
  file_size_limit: sizeLimit,
  allowed_mime_types: mimeTypes,
});

export const listBucketsQuery = z.object({
  limit: z.coerce.number().int().min(1).max(1000).optional(),
  offset: z.coerce.number().int().min(0).optional(),
  search: z.string().max(200).optional(),
  sortColumn: z.enum(['id', 'name', 'created_at', 'updated_at']).optional(),
  sortOrder: z.enum(['asc', 'desc']).optional(),
});

export const bucketParams = z.object({ bucketId: z.string().min(1).max(200) });
export const objectParams = z.object({ bucketId: z.string().min(1).max(200), '*': z.string().max(2048) });

export const bucketResponse = z.object({
  id: z.string(),
  name: z.string(),
  owner: z.string(),
  public: z.boolean(),
  type: z.literal('STANDARD'),
  file_size_limit: z.number().nullable(),
  allowed_mime_types: z.array(z.string()).nullable(),
  created_at: z.string(),
  updated_at: z.string(),
});

export const messageResponse = z.object({ message: z.string() });

export const listObjectsBody = z.object({
  prefix: z.string().max(1024).optional(),
  limit: z.number().int().min(1).max(1000).optional(),
  offset: z.number().int().min(0).optional(),
  search: z.string().max(1024).optional(),
  sortBy: z
    .object({
      column: z.enum(['name', 'created_at', 'updated_at', 'last_accessed_at']).optional(),
      order: z.enum(['asc', 'desc']).optional(),
    })
    .optional(),
});

const fileMetadata = z.object({
  eTag: z.string(),
  size: z.number(),
  mimetype: z.string(),
  cacheControl: z.string(),
  lastModified: z.string(),
  contentLength: z.number(),
  httpStatusCode: z.number(),
});

export const fileObjectResponse = z.object({
  name: z.string(),
  id: z.string().nullable(),
  bucket_id: z.string().optional(),
  owner: z.string().optional(),
  updated_at: z.string().nullable(),
  created_at: z.string().nullable(),
  last_accessed_at: z.string().nullable(),
  metadata: fileMetadata.nullable(),
  user_metadata: z.record(z.string(), z.unknown()).nullable().optional(),
});

export const objectInfoResponse = z.object({
  id: z.string(),
  version: z.string(),
  name: z.string(),
  bucket_id: z.string(),
  size: z.number(),
  content_type: z.string(),
  cache_control: z.string(),
  etag: z.string(),
  metadata: z.record(z.string(), z.unknown()),
  created_at: z.string(),
  last_modified: z.string(),
});

export const removeObjectsBody = z.object({ prefixes: z.array(z.string().min(1).max(1024)).min(1).max(1000) });

export const moveCopyBody = z.object({
  bucketId: z.string().min(1).max(63),
  sourceKey: z.string().min(1).max(1024),
  destinationKey: z.string().min(1).max(1024),
  destinationBucket: z.string().min(1).max(63).optional(),
});

export const signBody = z.object({ expiresIn: z.number().int().min(1).max(31_536_000) });
export const signManyBody = z.object({
  expiresIn: z.number().int().min(1).max(31_536_000),
  paths: z.array(z.string().min(1).max(1024)).min(1).max(1000),
});

export const uploadResponse = z.object({ Id: z.string(), Key: z.string() });

const iso = (value: Date | string | null) => (value === null ? null : new Date(value).toISOString());

export function toBucket(row: BucketRow): z.infer<typeof bucketResponse> {
  return {
    id: row.id,
    name: row.id,
    owner: row.owner_id,
    public: row.public,
    type: 'STANDARD',
    file_size_limit: row.file_size_limit === null ? null : Number(row.file_size_limit),
    allowed_mime_types: row.allowed_mime_types,
    created_at: iso(row.created_at)!,
    updated_at: iso(row.updated_at)!,
  };
}

const cacheControlOf = (value: string | null) => value ?? 'max-age=3600';

export function toFileObject(row: ObjectRow | ListingRow, name: string): z.infer<typeof fileObjectResponse> {
  if (row.id === null) {
    return { name, id: null, updated_at: null, created_at: null, last_accessed_at: null, metadata: null };
  }
  const size = Number(row.size);
  return {
    name,
    id: row.id,
    ...('bucket_id' in row ? { bucket_id: row.bucket_id } : {}),
    updated_at: iso(row.updated_at),
    created_at: iso(row.created_at),
    last_accessed_at: iso(row.last_accessed_at),
    metadata: {
      eTag: row.etag!,
      size,
      mimetype: row.mime_type!,
      cacheControl: cacheControlOf(row.cache_control),
      lastModified: iso(row.updated_at)!,
      contentLength: size,
      httpStatusCode: 200,
    },
    user_metadata: row.user_metadata ?? {},
  };
}

export function toObjectInfo(row: ObjectRow): z.infer<typeof objectInfoResponse> {
  return {
    id: row.id,
    version: row.blob_key,
    name: row.name,
    bucket_id: row.bucket_id,
    size: Number(row.size),
    content_type: row.mime_type,
    cache_control: cacheControlOf(row.cache_control),
    etag: row.etag,
    metadata: row.user_metadata ?? {},
    created_at: iso(row.created_at)!,
    last_modified: iso(row.updated_at)!,
  };
}

export const listV2Body = z.object({
  prefix: z.string().max(1024).optional(),
  limit: z.number().int().min(1).max(100_000).optional(),
  cursor: z.string().max(8192).optional(),
  with_delimiter: z.boolean().optional(),
  sortBy: z
    .object({
      column: z.enum(['name', 'updated_at', 'created_at']),
      order: z.enum(['asc', 'desc']).optional(),
    })
    .optional(),
});

const {
  user_metadata: _userMetadata,
  bucket_id: _bucketId,
  owner: _owner,
  ...listV2ObjectFields
} = fileObjectResponse.shape;
export const listV2Response = z.object({
  hasNext: z.boolean(),
  nextCursor: z.string().optional(),
  nextCursorKey: z.string().optional(),
  folders: z.array(z.object({ name: z.string() })),
  objects: z.array(z.object({ ...listV2ObjectFields, key: z.string().optional() })),
});
