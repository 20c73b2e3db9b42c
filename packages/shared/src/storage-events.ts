import { z } from 'zod';
import { defineEvent } from './events.ts';

/**
 * Storage events (the hub's Supabase-compatible object store). ownerId is the bucket's
 * and object's owner; subject is the bucket id or `<bucket>/<object name>`.
 * The file's graph entity raises its own data.Entity* events beside these.
 */
export const bucketCreated = defineEvent(
  'storage.BucketCreated',
  1,
  z.object({
    bucketId: z.string(),
    public: z.boolean(),
    fileSizeLimit: z.number().int().nonnegative().nullable(),
    allowedMimeTypes: z.array(z.string()).nullable(),
  }),
);

export const bucketUpdated = defineEvent(
  'storage.BucketUpdated',
  1,
  z.object({
    bucketId: z.string(),
    public: z.boolean(),
    fileSizeLimit: z.number().int().nonnegative().nullable(),
    allowedMimeTypes: z.array(z.string()).nullable(),
  }),
);

export const bucketDeleted = defineEvent('storage.BucketDeleted', 1, z.object({ bucketId: z.string() }));

export const objectStored = defineEvent(
  'storage.ObjectStored',
  1,
  z.object({
    objectId: z.string().uuid(),
    bucketId: z.string(),
    name: z.string(),
    size: z.number().int().nonnegative(),
    mimeType: z.string(),
    /** The `file` entity in the graph that represents this object, when there is one. */
    entityId: z.string().uuid().nullable(),
    /** True when an upsert replaced an existing object. */
    replaced: z.boolean(),
  }),
);

export const objectMoved = defineEvent(
  'storage.ObjectMoved',
  1,
  z.object({
    objectId: z.string().uuid(),
    fromBucketId: z.string(),
    fromName: z.string(),
    bucketId: z.string(),
    name: z.string(),
  }),
);

export const objectRemoved = defineEvent(
  'storage.ObjectRemoved',
  1,
  z.object({
    objectId: z.string().uuid(),
    bucketId: z.string(),
    name: z.string(),
    entityId: z.string().uuid().nullable(),
  }),
);

export const storageEvents = [
  bucketCreated,
  bucketUpdated,
  bucketDeleted,
  objectStored,
  objectMoved,
  objectRemoved,
] as const;
