import type { IncomingMessage } from 'node:http';
import { PassThrough, type Readable } from 'node:stream';
import busboy from 'busboy';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { InvalidJwtError, UserError, ValidationError } from '../../platform/errors.ts';
import { requireUser, requireUserOrServiceRole } from '../../platform/http/authentication.ts';
import { dropRepresentationHeaders, mapError } from '../../platform/http/error-handler.ts';
import {
  bucketParams,
  bucketResponse,
  createBucketBody,
  fileObjectResponse,
  listBucketsQuery,
  listObjectsBody,
  listV2Body,
  listV2Response,
  messageResponse,
  moveCopyBody,
  objectInfoResponse,
  objectParams,
  removeObjectsBody,
  signBody,
  signManyBody,
  toBucket,
  toFileObject,
  toObjectInfo,
  updateBucketBody,
  uploadResponse,
} from './storage.schemas.ts';
import {
  cacheControlFrom,
  headerValue,
  parseMetadata,
  refuseControlCharacters,
  sendableHeader,
  upsertFrom,
} from './storage.headers.ts';
import { IncompleteUploadError, type ObjectContent, type StorageService } from './storage.service.ts';

const tags = ['storage'];

/**
 * Supabase Storage's `code` and `error` for the hub's error codes, so storage-js users who
 * match on them see what Supabase sends. Codes not listed keep the hub's own.
 */
const supabaseCodes: Record<string, { code: string; error: string }> = {
  bucket_not_found: { code: 'NoSuchBucket', error: 'Bucket not found' },
  not_found: { code: 'NoSuchKey', error: 'not_found' },
  payload_too_large: { code: 'EntityTooLarge', error: 'Payload too large' },
  invalid_mime_type: { code: 'InvalidMimeType', error: 'invalid_mime_type' },
  already_exists: { code: 'ResourceAlreadyExists', error: 'Duplicate' },
  bucket_not_empty: { code: 'ResourceNotEmpty', error: 'bucket_not_empty' },
  validation_failed: { code: 'InvalidRequest', error: 'validation_failed' },
  route_not_found: { code: 'InvalidRequest', error: 'Not Found' },
  bad_jwt: { code: 'AccessDenied', error: 'Unauthorized' },
  unauthorized: { code: 'AccessDenied', error: 'Unauthorized' },
  session_ended: { code: 'AccessDenied', error: 'Unauthorized' },
};

/** How Storage (jose) words a token it cannot verify. */
function storageJwtMessage(error: InvalidJwtError): string {
  switch (error.problem) {
    case 'malformed':
      return 'Invalid Compact JWS';
    case 'signature':
      return 'signature verification failed';
    case 'expired':
      return '"exp" claim timestamp check failed';
    default:
      return error.message;
  }
}

/** Supabase Storage's error shape, which storage-js turns into a StorageApiError. */
function storageErrors(app: FastifyInstance) {
  app.setErrorHandler((error: unknown, request: FastifyRequest, reply: FastifyReply) => {
    dropRepresentationHeaders(reply);
    const { status, body } = mapError(contentTypeError(error, request) ?? error);
    if (status >= 500) request.log.error({ err: error }, 'storage request failed');
    // A rejected upload may still be sending: do not keep reading it on this connection.
    if (request.method === 'POST' || request.method === 'PUT') {
      if (!request.raw.readableEnded) reply.header('connection', 'close');
    }
    const supabase = supabaseCodes[body.error.code];
    const message = error instanceof InvalidJwtError ? storageJwtMessage(error) : body.error.message;
    return reply.status(status).send({
      statusCode: String(status),
      code: supabase?.code ?? body.error.code,
      error: supabase?.error ?? body.error.code,
      message,
    });
  });
  // Paths the hub does not serve: Supabase's route-level 404, never a bucket's.
  app.setNotFoundHandler((request) => {
    throw new UserError(404, 'route_not_found', `Route ${request.method}:${request.url} not found`);
  });
}

/** Fastify refuses an unparsable content-type (415) before the route: say which character. */
function contentTypeError(error: unknown, request: FastifyRequest): ValidationError | undefined {
  if (!String((error as { code?: unknown }).code).startsWith('FST_ERR_CTP_')) return undefined;
  try {
    headerValue('content-type', request.headers['content-type']);
    return undefined;
  } catch (refused) {
    return refused as ValidationError;
  }
}

function sendContent(reply: FastifyReply, content: ObjectContent, download: string | undefined) {
  const { object, body, range } = content;
  reply
    .header('content-type', object.mime_type)
    .header('etag', object.etag)
    .header('last-modified', new Date(object.updated_at).toUTCString())
    .header('cache-control', sendableHeader(object.cache_control) ?? 'max-age=3600')
    .header('accept-ranges', 'bytes')
    .header('x-content-type-options', 'nosniff')
    // User content must never run as the hub's origin.
    .header('content-security-policy', "default-src 'none'; sandbox");
  if (download !== undefined) {
    const filename = download || object.name.split('/').pop() || 'download';
    reply.header('content-disposition', `attachment; filename*=UTF-8''${encodeURIComponent(filename)}`);
  }
  if (range) {
    reply.status(206).header('content-range', `bytes ${range.start}-${range.end}/${range.total}`);
    reply.header('content-length', String(range.end - range.start + 1));
  } else {
    reply.header('content-length', String(object.size));
  }
  return reply.send(body);
}

interface ParsedUpload {
  body: Readable;
  declaredSize: number | undefined;
  contentType: string | undefined;
  cacheControl: string | undefined;
  userMetadata: Record<string, unknown> | null;
}

/**
 * A file part's bytes, its failure typed for the caller: a form cut off anywhere (inside the
 * file part, or in a part after it) is an incomplete upload (400), not an internal error. The
 * bytes end only when the whole form has been read, so an upload is all or nothing: a form
 * that fails after its file part still fails the body, and nothing is stored. Whoever reads
 * the body hears the failure through its pipeline; a body never read (the upload was refused
 * first) fails quietly instead of crashing the process.
 */
function fileBody(part: Readable, form: busboy.Busboy): Readable {
  const body = new PassThrough();
  body.on('error', () => undefined);
  const fail = (error: Error) =>
    body.destroy(
      new IncompleteUploadError(
        `The multipart form ended before it was complete (${error.message}): nothing was stored. Send the whole form again.`,
      ),
    );
  let partEnded = false;
  let formRead = false;
  const endWhenBothDone = () => {
    if (partEnded && formRead && !body.destroyed) body.end();
  };
  part.on('error', fail);
  part.on('end', () => {
    partEnded = true;
    endWhenBothDone();
  });
  form.on('error', fail);
  // busboy closes after its last byte was parsed, and after an error (heard above first).
  form.on('close', () => {
    formRead = true;
    endWhenBothDone();
  });
  part.pipe(body, { end: false });
  return body;
}

/** The upload's byte stream: the raw body, or the first file part of a multipart form. */
function parseUpload(raw: IncomingMessage): Promise<ParsedUpload> {
  const contentType = raw.headers['content-type'];
  const length = raw.headers['content-length'];
  if (!contentType?.toLowerCase().startsWith('multipart/form-data')) {
    return Promise.resolve({
      body: raw,
      declaredSize: length === undefined ? undefined : Number(length),
      contentType: headerValue('content-type', contentType),
      cacheControl: cacheControlFrom('cache-control', raw.headers['cache-control']),
      userMetadata: parseMetadata('x-metadata', raw.headers['x-metadata'] as string | undefined, true),
    });
  }
  return new Promise((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({ headers: raw.headers, limits: { files: 1, fields: 10, fieldSize: 16 * 1024 } });
    } catch {
      reject(new ValidationError('The multipart form is malformed.'));
      return;
    }
    const fields: Record<string, string> = {};
    let settled = false;
    parser.on('field', (name, value) => {
      fields[name] = value;
    });
    parser.on('file', (_name, stream, info) => {
      // When the form ends inside a file part, busboy fails that part's stream. Unheard (a
      // part nobody reads, or one not read yet while the bucket is looked up) the error
      // was uncaught and ended the hub's process.
      if (settled) {
        stream.on('error', () => undefined).resume();
        return;
      }
      settled = true;
      const body = fileBody(stream, parser);
      try {
        resolve({
          body,
          declaredSize: undefined,
          contentType: headerValue("the file part's content-type", info.mimeType),
          cacheControl: cacheControlFrom('cacheControl', fields.cacheControl),
          userMetadata: parseMetadata('metadata', fields.metadata, false),
        });
      } catch (error) {
        body.resume();
        reject(error);
      }
    });
    parser.on('error', (error) => {
      if (!settled) {
        settled = true;
        reject(new ValidationError(`The multipart form is malformed: ${(error as Error).message}`));
      }
    });
    parser.on('close', () => {
      if (!settled) {
        settled = true;
        reject(new ValidationError('The multipart form has no file part.'));
      }
    });
    raw.on('aborted', () => parser.destroy(new Error('aborted')));
    raw.pipe(parser);
  });
}

export function storageRoutes(service: StorageService) {
  return async function routes(root: FastifyInstance) {
    await root.register(
      async (scope) => {
        storageErrors(scope);
        const app = scope.withTypeProvider<ZodTypeProvider>();

        // ---- buckets ----
        app.get(
          '/bucket',
          {
            schema: {
              tags,
              summary: 'List your buckets',
              querystring: listBucketsQuery,
              response: { 200: z.array(bucketResponse) },
            },
          },
          async (request) => {
            const caller = await requireUserOrServiceRole(request);
            const rows =
              caller === 'service_role'
                ? await service.admin.listBuckets(request.query)
                : await service.listBuckets(caller, request.query);
            return rows.map(toBucket);
          },
        );
        app.get(
          '/bucket/:bucketId',
          { schema: { tags, summary: 'Get a bucket', params: bucketParams, response: { 200: bucketResponse } } },
          async (request) => {
            const caller = await requireUserOrServiceRole(request);
            const { bucketId } = request.params;
            return toBucket(
              caller === 'service_role'
                ? await service.admin.getBucket(bucketId)
                : await service.getBucket(caller, bucketId),
            );
          },
        );
        app.post(
          '/bucket',
          {
            schema: {
              tags,
              summary: 'Create a bucket',
              body: createBucketBody,
              response: { 200: z.object({ name: z.string() }) },
            },
          },
          async (request) => {
            const user = await requireUser(request);
            const b = request.body;
            refuseControlCharacters('name', b.name);
            const row = await service.createBucket(user, {
              id: b.id ?? b.name,
              public: b.public,
              fileSizeLimit: b.file_size_limit,
              allowedMimeTypes: b.allowed_mime_types,
            });
            return { name: row.id };
          },
        );
        app.put(
          '/bucket/:bucketId',
          {
            schema: {
              tags,
              summary: 'Update a bucket',
              params: bucketParams,
              body: updateBucketBody,
              response: { 200: messageResponse },
            },
          },
          async (request) => {
            const caller = await requireUserOrServiceRole(request);
            const b = request.body;
            if (b.name !== undefined) refuseControlCharacters('name', b.name);
            const changes = {
              public: b.public,
              fileSizeLimit: b.file_size_limit,
              allowedMimeTypes: b.allowed_mime_types,
            };
            if (caller === 'service_role') await service.admin.updateBucket(request.params.bucketId, changes);
            else await service.updateBucket(caller, request.params.bucketId, changes);
            return { message: 'Successfully updated' };
          },
        );
        app.post(
          '/bucket/:bucketId/empty',
          {
            schema: {
              tags,
              summary: 'Delete every object in a bucket',
              params: bucketParams,
              response: { 200: messageResponse },
            },
          },
          async (request) => {
            const user = await requireUser(request);
            await service.emptyBucket(user, request.params.bucketId);
            // Supabase's words; the hub has emptied the bucket before it answers.
            return { message: 'Empty bucket has been queued. Completion may take up to an hour.' };
          },
        );
        app.delete(
          '/bucket/:bucketId',
          {
            schema: {
              tags,
              summary: 'Delete an empty bucket',
              params: bucketParams,
              response: { 200: messageResponse },
            },
          },
          async (request) => {
            const caller = await requireUserOrServiceRole(request);
            if (caller === 'service_role') await service.admin.deleteBucket(request.params.bucketId);
            else await service.deleteBucket(caller, request.params.bucketId);
            return { message: 'Successfully deleted' };
          },
        );

        // ---- object operations with JSON bodies ----
        app.post(
          '/object/list/:bucketId',
          {
            schema: {
              tags,
              summary: 'List one folder of a bucket',
              params: bucketParams,
              body: listObjectsBody,
              response: { 200: z.array(fileObjectResponse) },
            },
          },
          async (request) => {
            const user = await requireUser(request);
            const b = request.body;
            const rows = await service.list(user, request.params.bucketId, {
              prefix: b.prefix,
              search: b.search,
              limit: b.limit,
              offset: b.offset,
              sortColumn: b.sortBy?.column,
              sortOrder: b.sortBy?.order,
            });
            return rows.map((row) => toFileObject(row, row.entry));
          },
        );
        app.post(
          '/object/list-v2/:bucketId',
          {
            schema: {
              tags,
              summary: 'List keys under a prefix, a page at a time (with_delimiter: folders too)',
              params: bucketParams,
              body: listV2Body,
              response: { 200: listV2Response },
            },
          },
          async (request) => {
            const user = await requireUser(request);
            const b = request.body;
            const listed = await service.listV2(user, request.params.bucketId, {
              prefix: b.prefix,
              limit: b.limit,
              cursor: b.cursor,
              withDelimiter: b.with_delimiter,
              sortColumn: b.sortBy?.column,
              sortOrder: b.sortBy?.order,
            });
            const folders = listed.rows.filter((row) => row.id === null).map((row) => ({ name: row.entry }));
            const objects = listed.rows
              .filter((row) => row.id !== null)
              .map((row) => {
                const { user_metadata: _ignored, ...object } = toFileObject(row, row.entry);
                const key = listed.keyOf(row.entry);
                return key === undefined ? object : { ...object, key };
              });
            return {
              hasNext: listed.hasNext,
              nextCursor: listed.nextCursor,
              nextCursorKey: listed.nextCursorKey,
              folders,
              objects,
            };
          },
        );
        app.delete(
          '/object/:bucketId',
          {
            schema: {
              tags,
              summary: 'Remove objects',
              params: bucketParams,
              body: removeObjectsBody,
              response: { 200: z.array(fileObjectResponse) },
            },
          },
          async (request) => {
            const user = await requireUser(request);
            const rows = await service.remove(user, request.params.bucketId, request.body.prefixes);
            return rows.map((row) => toFileObject(row, row.name));
          },
        );
        app.post(
          '/object/move',
          {
            schema: {
              tags,
              summary: 'Move (rename) an object',
              body: moveCopyBody,
              response: { 200: messageResponse },
            },
          },
          async (request) => {
            const user = await requireUser(request);
            await service.move(user, request.body);
            return { message: 'Successfully moved' };
          },
        );
        app.post(
          '/object/copy',
          { schema: { tags, summary: 'Copy an object', body: moveCopyBody, response: { 200: uploadResponse } } },
          async (request) => {
            const user = await requireUser(request);
            const row = await service.copy(user, request.body);
            return { Id: row.id, Key: `${row.bucket_id}/${row.name}` };
          },
        );
        app.post(
          '/object/sign/:bucketId/*',
          {
            schema: {
              tags,
              summary: 'Create a signed URL for one object',
              params: objectParams,
              body: signBody,
              response: { 200: z.object({ signedURL: z.string() }) },
            },
          },
          async (request) => {
            const user = await requireUser(request);
            const signedURL = await service.createSignedUrl(
              user,
              request.params.bucketId,
              request.params['*'],
              request.body.expiresIn,
            );
            return { signedURL };
          },
        );
        app.post(
          '/object/sign/:bucketId',
          {
            schema: {
              tags,
              summary: 'Create signed URLs for several objects',
              params: bucketParams,
              body: signManyBody,
              response: {
                200: z.array(
                  z.object({ error: z.string().nullable(), path: z.string(), signedURL: z.string().nullable() }),
                ),
              },
            },
          },
          async (request) => {
            const user = await requireUser(request);
            return service.createSignedUrls(user, request.params.bucketId, request.body.paths, request.body.expiresIn);
          },
        );
        // storage-js asks at /object/info/…; Supabase also serves it under /authenticated/.
        for (const path of ['/object/info/:bucketId/*', '/object/info/authenticated/:bucketId/*']) {
          app.get(
            path,
            {
              schema: {
                tags,
                summary: "An object's metadata",
                params: objectParams,
                response: { 200: objectInfoResponse },
              },
            },
            async (request) => {
              const user = await requireUser(request);
              return toObjectInfo(await service.getObjectInfo(user, request.params.bucketId, request.params['*']));
            },
          );
        }
        app.get(
          '/object/info/public/:bucketId/*',
          {
            schema: {
              tags,
              summary: "An object's metadata, from a public bucket",
              params: objectParams,
              security: [],
              response: { 200: objectInfoResponse },
            },
          },
          async (request) =>
            toObjectInfo(await service.getPublicObjectInfo(request.params.bucketId, request.params['*'])),
        );

        // ---- downloads ----
        const downloadQuery = z.object({
          download: z.string().optional(),
          token: z.string().max(4096).optional(),
          cacheNonce: z.string().optional(),
        });
        const authenticated = async (
          request: FastifyRequest<{ Params: z.infer<typeof objectParams>; Querystring: z.infer<typeof downloadQuery> }>,
          reply: FastifyReply,
        ) => {
          const user = await requireUser(request);
          const content = await service.download(
            user,
            request.params.bucketId,
            request.params['*'],
            request.headers.range,
          );
          return sendContent(reply, content, request.query.download);
        };
        app.get(
          '/object/:bucketId/*',
          { schema: { tags, summary: 'Download your object', params: objectParams, querystring: downloadQuery } },
          authenticated,
        );
        app.get(
          '/object/authenticated/:bucketId/*',
          { schema: { tags, summary: 'Download your object', params: objectParams, querystring: downloadQuery } },
          authenticated,
        );
        app.get(
          '/object/public/:bucketId/*',
          {
            schema: {
              tags,
              summary: 'Download an object from a public bucket',
              params: objectParams,
              querystring: downloadQuery,
              security: [],
            },
          },
          async (request, reply) => {
            const content = await service.downloadPublic(
              request.params.bucketId,
              request.params['*'],
              request.headers.range,
            );
            return sendContent(reply, content, request.query.download);
          },
        );
        app.get(
          '/object/sign/:bucketId/*',
          {
            schema: {
              tags,
              summary: 'Download an object with a signed URL',
              params: objectParams,
              querystring: downloadQuery,
              security: [],
            },
          },
          async (request, reply) => {
            const content = await service.downloadSigned(
              request.params.bucketId,
              request.params['*'],
              request.query.token,
              request.headers.range,
            );
            return sendContent(reply, content, request.query.download);
          },
        );

        // ---- uploads: the body is streamed from the socket, never parsed or buffered ----
        await app.register(async (uploads) => {
          uploads.removeAllContentTypeParsers();
          uploads.addContentTypeParser('*', (_request, _payload, done) => done(null, undefined));
          const u = uploads.withTypeProvider<ZodTypeProvider>();
          const upload =
            (upsertByDefault: boolean) => async (request: FastifyRequest<{ Params: z.infer<typeof objectParams> }>) => {
              const user = await requireUser(request);
              const upsert = upsertFrom(request.headers['x-upsert'], upsertByDefault);
              const parsed = await parseUpload(request.raw);
              const row = await service.upload(user, {
                bucketId: request.params.bucketId,
                name: request.params['*'],
                upsert,
                ...parsed,
              });
              return { Id: row.id, Key: `${row.bucket_id}/${row.name}` };
            };
          u.post(
            '/object/:bucketId/*',
            {
              schema: {
                tags,
                summary: 'Upload an object (raw body or multipart form; x-upsert: true replaces)',
                params: objectParams,
                response: { 200: uploadResponse },
              },
            },
            upload(false),
          );
          // PUT on list-v2 would otherwise match /object/:bucketId/* (as bucket "list-v2"):
          // answer it as the unknown route it is, as Supabase does.
          const notServed = async (request: FastifyRequest) => {
            throw new UserError(404, 'route_not_found', `Route ${request.method}:${request.url} not found`);
          };
          u.put('/object/list-v2/:bucketId', { schema: { hide: true } }, notServed);

          // Signed upload URLs (storage-js createSignedUploadUrl / uploadToSignedUrl). Creating
          // one reads no body (storage-js sends `{}`); x-upsert decides whether it may replace.
          u.post(
            '/object/upload/sign/:bucketId/*',
            {
              schema: {
                tags,
                summary: 'Create a signed URL to upload one object (valid 2 hours; x-upsert: true lets it replace)',
                params: objectParams,
                response: { 200: z.object({ url: z.string(), token: z.string() }) },
              },
            },
            async (request) => {
              const user = await requireUser(request);
              const upsert = upsertFrom(request.headers['x-upsert'], false);
              return service.createSignedUploadUrl(user, request.params.bucketId, request.params['*'], upsert);
            },
          );
          u.put(
            '/object/upload/sign/:bucketId/*',
            {
              schema: {
                tags,
                summary: 'Upload one object with a signed upload URL (no Authorization needed)',
                params: objectParams,
                querystring: z.object({ token: z.string().min(1).max(4096) }),
                security: [],
                response: { 200: z.object({ Key: z.string() }) },
              },
            },
            async (request) => {
              // The token is checked before the body is read; its upsert, not x-upsert, decides.
              const { owner, upsert } = await service.signedUploader(
                request.query.token,
                request.params.bucketId,
                request.params['*'],
              );
              const parsed = await parseUpload(request.raw);
              const row = await service.upload(owner, {
                bucketId: request.params.bucketId,
                name: request.params['*'],
                upsert,
                ...parsed,
              });
              return { Key: `${row.bucket_id}/${row.name}` };
            },
          );
          // What clients send when a path such as "../x" was collapsed by URL normalisation.
          const noPath = async () => {
            throw new ValidationError(
              'The upload has no object path: send it to /storage/v1/object/<bucket>/<path>, without "." or ".." segments.',
            );
          };
          u.post(
            '/object/:bucketId',
            { schema: { tags, summary: 'Refused: an upload needs an object path', params: bucketParams } },
            noPath,
          );
          u.put(
            '/object/:bucketId',
            { schema: { tags, summary: 'Refused: an upload needs an object path', params: bucketParams } },
            noPath,
          );
          u.put(
            '/object/:bucketId/*',
            { schema: { tags, summary: 'Replace an object', params: objectParams, response: { 200: uploadResponse } } },
            upload(true),
          );
        });
      },
      { prefix: '/storage/v1' },
    );
  };
}
