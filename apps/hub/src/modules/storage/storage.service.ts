import { createHash } from 'node:crypto';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream';
import { uuidv7 } from 'uuidv7';
import type { Database, RequestClaims, Sql } from '../../platform/db/index.ts';
import { ConflictError, ForbiddenError, UserError, ValidationError } from '../../platform/errors.ts';
import type { AuthenticatedUser } from '../../platform/http/authentication.ts';
import type { Logger } from '../../platform/logger.ts';
import type { EventOutbox } from '../events/outbox.ts';
import type { BlobStore } from './storage.blobs.ts';
import {
  baseMimeType,
  folderPrefix,
  storedContentType,
  mimeTypeAllowed,
  parseSizeLimit,
  validateBucketId,
  validateMimeTypes,
  validateObjectName,
} from './storage.names.ts';
import { refuseControlCharacters } from './storage.headers.ts';
import {
  storageRepository as repo,
  listV2Repository,
  type BucketRow,
  type BucketSortColumn,
  type ObjectRow,
  type ObjectSortColumn,
} from './storage.repository.ts';
import type { UrlSigner } from './storage.signing.ts';
import type { UploadTokenSigner } from './storage.upload-tokens.ts';
import { decodeListV2Cursor, encodeListV2Cursor, positionAfter, type ListV2SortColumn } from './storage.list-v2.ts';
import type { FileEntities, FileFacts } from '../graph/graph.files.ts';

// The graph owns how a stored object becomes a `file` entity; storage only calls it.
export type { FileEntities, FileFacts } from '../graph/graph.files.ts';

export class ObjectNotFoundError extends UserError {
  constructor() {
    // Supabase's words (storage-js users match on them); the 404 also covers other users' objects.
    super(404, 'not_found', 'Object not found');
  }
}
export class BucketNotFoundError extends UserError {
  constructor() {
    super(404, 'bucket_not_found', 'Bucket not found');
  }
}
export class PayloadTooLargeError extends UserError {
  constructor(readonly limit: number) {
    super(413, 'payload_too_large', 'The object exceeded the maximum allowed size');
  }
}
export class IncompleteUploadError extends UserError {
  constructor(message: string) {
    super(400, 'incomplete_upload', message);
  }
}

export interface StorageServiceDeps {
  db: Database;
  blobs: BlobStore;
  outbox: EventOutbox;
  signer: UrlSigner;
  uploadSigner: UploadTokenSigner;
  files: FileEntities;
  logger: Logger;
  maxFileSize: number;
}

export interface UploadInput {
  bucketId: string;
  name: string;
  body: Readable;
  /** Exact byte count promised by the client (raw bodies), when known. */
  declaredSize: number | undefined;
  contentType: string | undefined;
  cacheControl: string | undefined;
  userMetadata: Record<string, unknown> | null;
  upsert: boolean;
}

export interface ObjectContent {
  object: ObjectRow;
  body: Readable;
  range: { start: number; end: number; total: number } | undefined;
}

/** Counts and hashes bytes as they pass; fails the stream past `limit`. */
class UploadMeter extends Transform {
  bytes = 0;
  private readonly hash = createHash('md5');
  constructor(private readonly limit: number) {
    super({ highWaterMark: 256 * 1024 });
  }
  override _transform(
    chunk: Buffer,
    _encoding: BufferEncoding,
    callback: (error?: Error | null, data?: Buffer) => void,
  ) {
    this.bytes += chunk.length;
    if (this.bytes > this.limit) return callback(new PayloadTooLargeError(this.limit));
    this.hash.update(chunk);
    callback(null, chunk);
  }
  etag() {
    return `"${this.hash.digest('hex')}"`;
  }
}

/** A uuid anywhere in a bucket id (account ids are uuids). */
const accountIdPattern = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;

export interface BucketListQuery {
  limit?: number;
  offset?: number;
  search?: string;
  sortColumn?: BucketSortColumn;
  sortOrder?: 'asc' | 'desc';
}

/** Who acted when the service_role key did: the operator's key, not a user. */
const serviceRoleActor = { kind: 'system' as const, id: 'service_role' };

const toNumber = (value: string | number | null) => (value === null ? null : Number(value));

export function createStorageService(deps: StorageServiceDeps) {
  const { db, blobs, outbox, signer, uploadSigner, files, logger } = deps;
  const actor = (user: AuthenticatedUser) => ({ kind: 'user' as const, id: user.id });
  const asUser = <T>(user: AuthenticatedUser, work: (tx: Sql) => Promise<T>) =>
    db.asUser(user.claims as RequestClaims, work);
  const facts = (o: ObjectRow): FileFacts => ({
    objectId: o.id,
    bucketId: o.bucket_id,
    name: o.name,
    size: Number(o.size),
    mimeType: baseMimeType(o.mime_type),
  });

  async function requireBucket(tx: Sql, bucketId: string, forUpdate = false): Promise<BucketRow> {
    const bucket = await repo.getBucket(tx, validateBucketId(bucketId), forUpdate);
    if (!bucket) throw new BucketNotFoundError();
    return bucket;
  }

  // Bucket operations shared by a user's token (run under RLS: only their own buckets) and
  // the service_role key (run as the system); the caller picks the transaction and the actor.
  type Actor = ReturnType<typeof actor> | typeof serviceRoleActor;
  type BucketChanges = { public?: boolean; fileSizeLimit?: number | string | null; allowedMimeTypes?: string[] | null };

  function listBucketsIn(tx: Sql, q: BucketListQuery) {
    return repo.listBuckets(tx, {
      limit: q.limit ?? 1000,
      offset: q.offset ?? 0,
      search: q.search || undefined,
      sortColumn: q.sortColumn ?? 'name',
      descending: q.sortOrder === 'desc',
    });
  }

  async function updateBucketIn(tx: Sql, id: string, changes: ReturnType<typeof checkedChanges>, by: Actor) {
    const current = await requireBucket(tx, id, true);
    const row = await repo.updateBucket(tx, current.id, {
      public: changes.public ?? current.public,
      fileSizeLimit: changes.fileSizeLimit,
      allowedMimeTypes: changes.allowedMimeTypes,
    });
    if (!row) throw new BucketNotFoundError();
    await outbox.append(tx, {
      type: 'storage.BucketUpdated',
      ownerId: row.owner_id,
      subject: row.id,
      actor: by,
      data: {
        bucketId: row.id,
        public: row.public,
        fileSizeLimit: toNumber(row.file_size_limit),
        allowedMimeTypes: row.allowed_mime_types,
      },
    });
    return row;
  }

  async function deleteBucketIn(tx: Sql, id: string, by: Actor) {
    const bucket = await requireBucket(tx, id, true);
    if (await repo.bucketHasObjects(tx, bucket.id)) {
      throw new ConflictError(`Bucket "${bucket.id}" is not empty: empty it first.`, 'bucket_not_empty');
    }
    await repo.deleteBucket(tx, bucket.id);
    await outbox.append(tx, {
      type: 'storage.BucketDeleted',
      ownerId: bucket.owner_id,
      subject: bucket.id,
      actor: by,
      data: { bucketId: bucket.id },
    });
  }

  /** Checks changes before any transaction: bad input is refused with nothing opened. */
  const checkedChanges = (input: BucketChanges) => ({
    public: input.public,
    fileSizeLimit: parseSizeLimit(input.fileSizeLimit),
    allowedMimeTypes: validateMimeTypes(input.allowedMimeTypes),
  });

  /** Deletes blobs after their rows are gone; a failure only leaves an orphan, logged. */
  async function dropBlobs(keys: string[]) {
    if (keys.length === 0) return;
    await blobs
      .delete(keys)
      .catch((error: unknown) => logger.warn({ err: error, keys: keys.length }, 'could not delete blobs'));
  }

  /** Removes object rows, their file entities and events; returns them. */
  async function removeRows(tx: Sql, user: AuthenticatedUser, rows: ObjectRow[]) {
    for (const row of rows) {
      if (row.entity_id) await files.remove(tx, user, row.entity_id);
    }
    if (rows.length > 0) {
      await outbox.appendMany(
        tx,
        rows.map((row) => ({
          type: 'storage.ObjectRemoved',
          ownerId: user.id,
          subject: `${row.bucket_id}/${row.name}`,
          actor: actor(user),
          data: { objectId: row.id, bucketId: row.bucket_id, name: row.name, entityId: row.entity_id },
        })),
      );
    }
  }

  const service = {
    // ---- buckets ----------------------------------------------------------------------
    async createBucket(
      user: AuthenticatedUser,
      input: {
        id: string;
        public?: boolean;
        fileSizeLimit?: number | string | null;
        allowedMimeTypes?: string[] | null;
      },
    ) {
      const id = validateBucketId(input.id);
      // Bucket ids are global: a name carrying an account id (contact-photos-<id>) is that
      // account's, so nobody can squat another user's per-account bucket first.
      const foreignId = id.match(accountIdPattern)?.find((found) => found.toLowerCase() !== user.id.toLowerCase());
      if (foreignId)
        throw new ForbiddenError(
          `A bucket name may only carry your own account id, not ${foreignId}: choose another name.`,
          'reserved_name',
        );
      const fileSizeLimit = parseSizeLimit(input.fileSizeLimit) ?? null;
      const allowedMimeTypes = validateMimeTypes(input.allowedMimeTypes) ?? null;
      return asUser(user, async (tx) => {
        const row = await repo.insertBucket(tx, {
          id,
          ownerId: user.id,
          public: input.public ?? false,
          fileSizeLimit,
          allowedMimeTypes,
        });
        if (!row)
          throw new ConflictError(`A bucket named "${id}" already exists: choose another name.`, 'already_exists');
        await outbox.append(tx, {
          type: 'storage.BucketCreated',
          ownerId: user.id,
          subject: id,
          actor: actor(user),
          data: { bucketId: id, public: row.public, fileSizeLimit, allowedMimeTypes },
        });
        return row;
      });
    },

    listBuckets(user: AuthenticatedUser, q: BucketListQuery) {
      if (q.search) refuseControlCharacters('search', q.search);
      return asUser(user, (tx) => listBucketsIn(tx, q));
    },

    getBucket(user: AuthenticatedUser, id: string) {
      return asUser(user, (tx) => requireBucket(tx, id));
    },

    updateBucket(user: AuthenticatedUser, id: string, input: BucketChanges) {
      const changes = checkedChanges(input);
      return asUser(user, (tx) => updateBucketIn(tx, id, changes, actor(user)));
    },

    async emptyBucket(user: AuthenticatedUser, id: string) {
      const keys: string[] = [];
      for (;;) {
        const batch = await asUser(user, async (tx) => {
          const bucket = await requireBucket(tx, id, true);
          const rows = await repo.deleteAllObjects(tx, bucket.id, 500);
          await removeRows(tx, user, rows);
          return rows;
        });
        keys.push(...batch.map((r) => r.blob_key));
        await dropBlobs(batch.map((r) => r.blob_key));
        if (batch.length < 500) break;
      }
      return keys.length;
    },

    async deleteBucket(user: AuthenticatedUser, id: string) {
      await asUser(user, (tx) => deleteBucketIn(tx, id, actor(user)));
    },

    // ---- bucket administration with the service_role key -------------------------------
    // Supabase lets that key manage every bucket (RLS bypassed). The hub opens only these
    // four to it: they touch no user's objects or graph entities. Creating a bucket (it needs
    // an owner) and emptying one (it removes a user's files) stay with the user's token.
    admin: {
      listBuckets(q: BucketListQuery) {
        if (q.search) refuseControlCharacters('search', q.search);
        return db.asSystem((tx) => listBucketsIn(tx, q));
      },
      getBucket(id: string) {
        return db.asSystem((tx) => requireBucket(tx, id));
      },
      updateBucket(id: string, input: BucketChanges) {
        const changes = checkedChanges(input);
        return db.asSystem((tx) => updateBucketIn(tx, id, changes, serviceRoleActor));
      },
      async deleteBucket(id: string) {
        await db.asSystem((tx) => deleteBucketIn(tx, id, serviceRoleActor));
      },
    },

    // ---- objects ----------------------------------------------------------------------
    /**
     * Streams the body into the blob store (never buffering it), then records the object,
     * its file entity and events in one transaction. Anything that fails leaves no blob.
     */
    async upload(user: AuthenticatedUser, input: UploadInput): Promise<ObjectRow> {
      const name = validateObjectName(input.name);
      // The allow-list is checked on the bare type; the stored and served type keeps its
      // parameters (charset), as Supabase keeps the upload's Content-Type.
      const mimeType = baseMimeType(input.contentType);
      const contentType = storedContentType(input.contentType);
      const bucket = await asUser(user, (tx) => requireBucket(tx, input.bucketId));
      const bucketLimit = toNumber(bucket.file_size_limit);
      const limit = bucketLimit === null ? deps.maxFileSize : Math.min(bucketLimit, deps.maxFileSize);
      if (input.declaredSize !== undefined && input.declaredSize > limit) throw new PayloadTooLargeError(limit);
      if (!mimeTypeAllowed(bucket.allowed_mime_types, mimeType)) {
        throw new UserError(415, 'invalid_mime_type', `mime type ${contentType} is not supported`);
      }
      if (!input.upsert) {
        const existing = await asUser(user, (tx) => repo.getObject(tx, bucket.id, name));
        if (existing)
          throw new ConflictError('The resource already exists: upload with upsert to replace it.', 'already_exists');
      }

      const key = blobs.newKey();
      const meter = new UploadMeter(limit);
      pipeline(input.body, meter, () => undefined);
      try {
        await blobs.put(key, meter, input.declaredSize, contentType);
      } catch (error) {
        input.body.destroy();
        if (error instanceof UserError) throw error;
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'ERR_STREAM_PREMATURE_CLOSE' || code === 'ECONNRESET' || (error as Error).message === 'aborted') {
          throw new IncompleteUploadError(
            'The upload ended before all its bytes arrived: nothing was stored. Try again.',
          );
        }
        throw error;
      }
      if (input.declaredSize !== undefined && meter.bytes !== input.declaredSize) {
        await dropBlobs([key]);
        throw new IncompleteUploadError(
          `The upload had ${meter.bytes} bytes but Content-Length said ${input.declaredSize}: nothing was stored.`,
        );
      }
      const stored = {
        blobKey: key,
        size: meter.bytes,
        mimeType: contentType,
        cacheControl: input.cacheControl ?? null,
        etag: meter.etag(),
        userMetadata: input.userMetadata,
      };

      let replacedKey: string | undefined;
      try {
        const row = await asUser(user, async (tx) => {
          await requireBucket(tx, bucket.id);
          const existing = await repo.getObject(tx, bucket.id, name, true);
          let row: ObjectRow | undefined;
          if (existing) {
            if (!input.upsert)
              throw new ConflictError(
                'The resource already exists: upload with upsert to replace it.',
                'already_exists',
              );
            row = await repo.replaceObject(tx, existing.id, stored);
            if (!row) throw new ObjectNotFoundError();
            replacedKey = existing.blob_key;
            if (row.entity_id) await files.update(tx, user, row.entity_id, facts(row));
          } else {
            row = await repo.insertObject(tx, { id: uuidv7(), bucketId: bucket.id, name, ownerId: user.id, ...stored });
            if (!row)
              throw new ConflictError(
                'The resource already exists: upload with upsert to replace it.',
                'already_exists',
              );
            const entityId = await files.create(tx, user, facts(row));
            await repo.setEntity(tx, row.id, entityId);
            row.entity_id = entityId;
          }
          await outbox.append(tx, {
            type: 'storage.ObjectStored',
            ownerId: user.id,
            subject: `${bucket.id}/${name}`,
            actor: actor(user),
            data: {
              objectId: row.id,
              bucketId: bucket.id,
              name,
              size: meter.bytes,
              mimeType,
              entityId: row.entity_id,
              replaced: existing !== undefined,
            },
          });
          return row;
        });
        if (replacedKey) await dropBlobs([replacedKey]);
        return row;
      } catch (error) {
        await dropBlobs([key]);
        throw error;
      }
    },

    // ---- takeout restore (modules/portability) -----------------------------------------
    /**
     * A restored bucket, in the caller's transaction (the restore's, all or nothing): the
     * same checks as createBucket; no event, as restored graph rows write none. Undefined
     * when another account has the id.
     */
    async restoreBucket(
      tx: Sql,
      user: AuthenticatedUser,
      input: { id: string; public: boolean; fileSizeLimit: number | null; allowedMimeTypes: string[] | null },
    ): Promise<BucketRow | undefined> {
      const id = validateBucketId(input.id);
      const foreignId = id.match(accountIdPattern)?.find((found) => found.toLowerCase() !== user.id.toLowerCase());
      if (foreignId) throw new ForbiddenError(`A bucket name may only carry your own account id.`, 'reserved_name');
      const row = await repo.insertBucket(tx, {
        id,
        ownerId: user.id,
        public: input.public,
        fileSizeLimit: parseSizeLimit(input.fileSizeLimit) ?? null,
        allowedMimeTypes: validateMimeTypes(input.allowedMimeTypes) ?? null,
      });
      // Taken: by the caller (an empty bucket made before the restore) it is used as it is.
      return row ?? (await requireBucket(tx, id).catch(() => undefined));
    },

    /**
     * A restored object: the bytes go to the blob store (cut at the bucket's and the hub's
     * size limit, and at `declaredSize`), then the row is written in the caller's
     * transaction, linked to the restored `file` entity `entityId`. The returned blob key is
     * the caller's to drop (dropRestoredBlobs) if its transaction does not commit.
     */
    async restoreObject(
      tx: Sql,
      input: {
        bucketId: string;
        name: string;
        ownerId: string;
        body: Readable;
        declaredSize: number;
        contentType: string | null;
        cacheControl: string | null;
        userMetadata: Record<string, unknown> | null;
        entityId: string | null;
      },
    ): Promise<{ row: ObjectRow; blobKey: string }> {
      const name = validateObjectName(input.name);
      const bucket = await requireBucket(tx, input.bucketId);
      const bucketLimit = toNumber(bucket.file_size_limit);
      const limit = bucketLimit === null ? deps.maxFileSize : Math.min(bucketLimit, deps.maxFileSize);
      if (input.declaredSize > limit) throw new PayloadTooLargeError(limit);
      const contentType = storedContentType(input.contentType ?? undefined);
      const key = blobs.newKey();
      const meter = new UploadMeter(limit);
      pipeline(input.body, meter, () => undefined);
      try {
        await blobs.put(key, meter, input.declaredSize, contentType);
        if (meter.bytes !== input.declaredSize)
          throw new IncompleteUploadError(
            `${name} has ${meter.bytes} bytes, not the ${input.declaredSize} it declares.`,
          );
      } catch (error) {
        input.body.destroy();
        await dropBlobs([key]);
        throw error;
      }
      const row = await repo.insertObject(tx, {
        id: uuidv7(),
        bucketId: bucket.id,
        name,
        ownerId: input.ownerId,
        blobKey: key,
        size: meter.bytes,
        mimeType: contentType,
        cacheControl: input.cacheControl,
        etag: meter.etag(),
        userMetadata: input.userMetadata,
      });
      if (!row) {
        await dropBlobs([key]);
        throw new ConflictError(`${bucket.id}/${name} comes twice in the archive.`, 'already_exists');
      }
      if (input.entityId) {
        await repo.setEntity(tx, row.id, input.entityId);
        row.entity_id = input.entityId;
      }
      return { row, blobKey: key };
    },

    /** The blobs of a restore whose transaction did not commit. */
    dropRestoredBlobs: (keys: string[]) => dropBlobs(keys),

    getObjectInfo(user: AuthenticatedUser, bucketId: string, name: string) {
      return asUser(user, async (tx) => {
        const object = await repo.getObject(tx, validateBucketId(bucketId), validateObjectName(name));
        if (!object) throw new ObjectNotFoundError();
        return object;
      });
    },

    /** The caller's own object, streamed; `range` is a Range header value. */
    async download(
      user: AuthenticatedUser,
      bucketId: string,
      name: string,
      range: string | undefined,
    ): Promise<ObjectContent> {
      const object = await service.getObjectInfo(user, bucketId, name);
      return open(object, range);
    },

    /** The metadata of an object in a public bucket, for anyone. */
    async getPublicObjectInfo(bucketId: string, name: string): Promise<ObjectRow> {
      const object = await db.asSystem((tx) =>
        repo.getObjectWithBucket(tx, validateBucketId(bucketId), validateObjectName(name)),
      );
      if (!object || !object.bucket_public) throw new ObjectNotFoundError();
      return object;
    },

    /** An object in a public bucket, for anyone. */
    async downloadPublic(bucketId: string, name: string, range: string | undefined): Promise<ObjectContent> {
      const object = await db.asSystem((tx) =>
        repo.getObjectWithBucket(tx, validateBucketId(bucketId), validateObjectName(name)),
      );
      if (!object || !object.bucket_public) throw new ObjectNotFoundError();
      return open(object, range);
    },

    /** An object named by a signed URL's token, for whoever holds the URL. */
    async downloadSigned(
      bucketId: string,
      name: string,
      token: string | undefined,
      range: string | undefined,
    ): Promise<ObjectContent> {
      if (!token) throw new ValidationError('This signed URL has no token: ask for a new signed URL.');
      const signed = signer.verify(token);
      if (signed !== `${bucketId}/${name}`) {
        throw new UserError(
          400,
          'invalid_signature',
          'The signed URL does not match the object path: it has been altered.',
        );
      }
      const object = await db.asSystem((tx) =>
        repo.getObjectWithBucket(tx, validateBucketId(bucketId), validateObjectName(name)),
      );
      if (!object) throw new ObjectNotFoundError();
      return open(object, range);
    },

    async createSignedUrl(user: AuthenticatedUser, bucketId: string, name: string, expiresIn: number) {
      const object = await service.getObjectInfo(user, bucketId, name);
      const url = `${object.bucket_id}/${object.name}`;
      return `/object/sign/${url}?token=${signer.sign(url, expiresIn)}`;
    },

    async createSignedUrls(user: AuthenticatedUser, bucketId: string, paths: string[], expiresIn: number) {
      const id = validateBucketId(bucketId);
      paths.forEach((path, i) => refuseControlCharacters(`paths[${i}]`, path));
      const found = await asUser(user, async (tx) => {
        const rows = new Map<string, ObjectRow>();
        for (const path of paths) {
          const object = await repo.getObject(tx, id, path);
          if (object) rows.set(path, object);
        }
        return rows;
      });
      return paths.map((path) => {
        const object = found.get(path);
        if (!object)
          return { error: 'Either the object does not exist or you do not have access to it', path, signedURL: null };
        const url = `${object.bucket_id}/${object.name}`;
        return { error: null, path, signedURL: `/object/sign/${url}?token=${signer.sign(url, expiresIn)}` };
      });
    },

    /**
     * A signed upload URL for one object (Supabase's createSignedUploadUrl). The signer must
     * be allowed to write there now: the bucket is theirs (RLS) and, without upsert, the
     * object does not exist yet. The token carries the signer as the object's owner.
     */
    async createSignedUploadUrl(user: AuthenticatedUser, bucketId: string, name: string, upsert: boolean) {
      const objectName = validateObjectName(name);
      const bucket = await asUser(user, async (tx) => {
        const bucket = await requireBucket(tx, bucketId);
        if (!upsert && (await repo.getObject(tx, bucket.id, objectName))) {
          throw new ConflictError('The resource already exists', 'already_exists');
        }
        return bucket;
      });
      const path = `${bucket.id}/${objectName}`;
      const token = await uploadSigner.sign({ owner: user.id, url: path, upsert });
      const encoded = path.split('/').map(encodeURIComponent).join('/');
      return { url: `/object/upload/sign/${encoded}?token=${token}`, token };
    },

    /**
     * Who a signed upload URL writes as, and whether it may replace: checked before a byte of
     * the body is read. The upload then runs as that owner, under their RLS and the bucket's
     * size and type limits, exactly as their own upload would.
     */
    async signedUploader(token: string, bucketId: string, name: string) {
      const grant = await uploadSigner.verify(token, bucketId, name);
      const owner: AuthenticatedUser = { id: grant.owner, claims: { role: 'authenticated', sub: grant.owner } };
      return { owner, upsert: grant.upsert };
    },

    list(
      user: AuthenticatedUser,
      bucketId: string,
      q: {
        prefix?: string;
        search?: string;
        limit?: number;
        offset?: number;
        sortColumn?: ObjectSortColumn;
        sortOrder?: 'asc' | 'desc';
      },
    ) {
      const folder = folderPrefix(q.prefix);
      if (q.search) refuseControlCharacters('search', q.search);
      return asUser(user, async (tx) => {
        const bucket = await requireBucket(tx, bucketId);
        return repo.listFolder(tx, {
          bucketId: bucket.id,
          folder,
          search: q.search || undefined,
          sortColumn: q.sortColumn ?? 'name',
          descending: q.sortOrder === 'desc',
          limit: q.limit ?? 100,
          offset: q.offset ?? 0,
        });
      });
    },

    /**
     * Supabase's list-v2: one page of keys under a string prefix (flat, or with folders),
     * at most `limit` (1000 at most), with a cursor for the next page. A cursor keeps the
     * order it was issued for, as Supabase's does.
     */
    async listV2(
      user: AuthenticatedUser,
      bucketId: string,
      q: {
        prefix?: string;
        limit?: number;
        cursor?: string;
        withDelimiter?: boolean;
        sortColumn?: ListV2SortColumn;
        sortOrder?: 'asc' | 'desc';
      },
    ) {
      const prefix = q.prefix ?? '';
      if (prefix) refuseControlCharacters('prefix', prefix);
      const limit = Math.min(q.limit ?? 1000, 1000);
      const cursor = q.cursor ? decodeListV2Cursor(q.cursor) : undefined;
      const sortColumn = cursor?.sortColumn ?? q.sortColumn ?? 'name';
      const descending = cursor ? cursor.descending : q.sortOrder === 'desc';
      const delimited = q.withDelimiter === true;
      const rows = await asUser(user, async (tx) => {
        const bucket = await requireBucket(tx, bucketId);
        return listV2Repository.page(tx, {
          bucketId: bucket.id,
          prefix,
          delimited,
          sortColumn,
          descending,
          after: cursor?.after,
          limit: limit + 1,
        });
      });
      const hasNext = rows.length > limit;
      const page = rows.slice(0, limit);
      const last = page[page.length - 1];
      return {
        hasNext,
        nextCursor:
          hasNext && last ? encodeListV2Cursor({ after: positionAfter(last), sortColumn, descending }) : undefined,
        nextCursorKey: hasNext && last ? last.entry : undefined,
        rows: page,
        // The file's own name within its folder, as Supabase's `key` when listing with folders.
        keyOf: (name: string) => (delimited ? name.slice(name.lastIndexOf('/') + 1) : undefined),
      };
    },

    async remove(user: AuthenticatedUser, bucketId: string, names: string[]) {
      names.forEach((name, i) => refuseControlCharacters(`prefixes[${i}]`, name));
      const rows = await asUser(user, async (tx) => {
        const bucket = await requireBucket(tx, bucketId);
        const deleted = await repo.deleteObjects(tx, bucket.id, names);
        await removeRows(tx, user, deleted);
        return deleted;
      });
      await dropBlobs(rows.map((r) => r.blob_key));
      return rows;
    },

    async move(
      user: AuthenticatedUser,
      input: { bucketId: string; sourceKey: string; destinationKey: string; destinationBucket?: string },
    ) {
      const from = validateObjectName(input.sourceKey);
      const to = validateObjectName(input.destinationKey);
      await asUser(user, async (tx) => {
        const source = await requireBucket(tx, input.bucketId);
        const target = input.destinationBucket ? await requireBucket(tx, input.destinationBucket) : source;
        const object = await repo.getObject(tx, source.id, from, true);
        if (!object) throw new ObjectNotFoundError();
        if (await repo.getObject(tx, target.id, to)) {
          throw new ConflictError(
            'The destination already exists: remove it first or choose another name.',
            'already_exists',
          );
        }
        const moved = await repo.renameObject(tx, object.id, target.id, to);
        if (!moved) throw new ObjectNotFoundError();
        if (moved.entity_id) await files.update(tx, user, moved.entity_id, facts(moved));
        await outbox.append(tx, {
          type: 'storage.ObjectMoved',
          ownerId: user.id,
          subject: `${target.id}/${to}`,
          actor: actor(user),
          data: { objectId: object.id, fromBucketId: source.id, fromName: from, bucketId: target.id, name: to },
        });
      });
    },

    async copy(
      user: AuthenticatedUser,
      input: { bucketId: string; sourceKey: string; destinationKey: string; destinationBucket?: string },
    ) {
      const from = validateObjectName(input.sourceKey);
      const to = validateObjectName(input.destinationKey);
      const { source, target } = await asUser(user, async (tx) => {
        const sourceBucket = await requireBucket(tx, input.bucketId);
        const target = input.destinationBucket ? await requireBucket(tx, input.destinationBucket) : sourceBucket;
        const source = await repo.getObject(tx, sourceBucket.id, from);
        if (!source) throw new ObjectNotFoundError();
        if (await repo.getObject(tx, target.id, to)) {
          throw new ConflictError(
            'The destination already exists: remove it first or choose another name.',
            'already_exists',
          );
        }
        return { source, target };
      });
      const key = blobs.newKey();
      await blobs.copy(source.blob_key, key);
      try {
        return await asUser(user, async (tx) => {
          const row = await repo.insertObject(tx, {
            id: uuidv7(),
            bucketId: target.id,
            name: to,
            ownerId: user.id,
            blobKey: key,
            size: Number(source.size),
            mimeType: source.mime_type,
            cacheControl: source.cache_control,
            etag: source.etag,
            userMetadata: source.user_metadata,
          });
          if (!row)
            throw new ConflictError(
              'The destination already exists: remove it first or choose another name.',
              'already_exists',
            );
          const entityId = await files.create(tx, user, facts(row));
          await repo.setEntity(tx, row.id, entityId);
          row.entity_id = entityId;
          await outbox.append(tx, {
            type: 'storage.ObjectStored',
            ownerId: user.id,
            subject: `${target.id}/${to}`,
            actor: actor(user),
            data: {
              objectId: row.id,
              bucketId: target.id,
              name: to,
              size: Number(row.size),
              mimeType: row.mime_type,
              entityId,
              replaced: false,
            },
          });
          return row;
        });
      } catch (error) {
        await dropBlobs([key]);
        throw error;
      }
    },

    health: () => blobs.health(),
  };
  return service;

  async function open(object: ObjectRow, rangeHeader: string | undefined): Promise<ObjectContent> {
    const total = Number(object.size);
    const range = parseRange(rangeHeader, total);
    const body = await blobs.get(object.blob_key, range);
    if (!body) {
      logger.error({ objectId: object.id }, 'object row without its blob');
      throw new ObjectNotFoundError();
    }
    return { object, body, range: range && { ...range, total } };
  }
}

/** A single `bytes=a-b` range within the object, or undefined for the whole object. */
export function parseRange(header: string | undefined, total: number): { start: number; end: number } | undefined {
  if (!header) return undefined;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match || (match[1] === '' && match[2] === '')) return undefined;
  let start: number;
  let end: number;
  if (match[1] === '') {
    const suffix = Number(match[2]);
    start = Math.max(0, total - suffix);
    end = total - 1;
  } else {
    start = Number(match[1]);
    end = match[2] === '' ? total - 1 : Math.min(Number(match[2]), total - 1);
  }
  if (start > end || start >= total) {
    throw new UserError(416, 'range_not_satisfiable', `The requested range is outside the object (${total} bytes).`);
  }
  return { start, end };
}

export type StorageService = ReturnType<typeof createStorageService>;
