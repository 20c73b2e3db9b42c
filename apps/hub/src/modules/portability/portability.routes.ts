import { uuidSchema } from '@made-open/shared';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { Readable } from 'node:stream';
import { z } from 'zod';
import { ValidationError } from '../../platform/errors.ts';
import { requireUser } from '../../platform/http/authentication.ts';
import { errorResponses } from '../graph/graph.schemas.ts';
import { csvFields } from './formats/index.ts';
import type { Exports } from './portability.exports.ts';
import type { Imports } from './portability.imports.ts';
import { restoreReportSchema } from '@made-open/shared/portability-api';
import type { Restores } from './portability.restores.ts';
import type { Takeouts } from './portability.takeout.ts';
import { importKinds, kindOf } from './portability.records.ts';
import { duplicatesChoices } from './portability.repository.ts';

const tags = ['portability'];
const idParams = z.strictObject({ id: uuidSchema });
const line = z.object({ line: z.number(), message: z.string() });
export const importSchema = z.object({
  id: z.string(),
  kind: z.enum(importKinds),
  fileName: z.string(),
  byteSize: z.number(),
  status: z.enum(['previewed', 'queued', 'running', 'committed', 'failed', 'undone']),
  duplicates: z.enum(duplicatesChoices),
  mapping: z.array(z.string()).nullable(),
  preview: z.object({
    counts: z.object({
      contacts: z.number(),
      events: z.number(),
      messages: z.number(),
      errors: z.number(),
      warnings: z.number(),
    }),
    duplicates: z.array(
      z.object({
        line: z.number(),
        name: z.string(),
        personId: z.string(),
        personName: z.string(),
        reasons: z.array(z.string()),
      }),
    ),
    duplicatesTotal: z.number(),
    errors: z.array(line),
    warnings: z.array(line),
    csv: z.object({ header: z.array(z.string()), preset: z.string(), mapping: z.array(z.string()) }).optional(),
  }),
  progress: z.object({ done: z.number(), total: z.number() }),
  result: z.record(z.string(), z.unknown()).nullable(),
  error: z.string().nullable(),
  createdAt: z.string(),
  committedAt: z.string().nullable(),
  undoneAt: z.string().nullable(),
});

const uploadQuery = z.strictObject({
  name: z
    .string()
    .min(1)
    .max(255)
    .refine(
      (n) => ![...n].some((c) => c.charCodeAt(0) < 0x20 || c === '/' || c === '\\'),
      'A file name without slashes or control characters.',
    ),
  kind: z.enum(importKinds).optional(),
});

async function sendStream(reply: FastifyReply, type: string, fileName: string, body: AsyncIterable<string>) {
  reply.header('content-type', type).header('content-disposition', `attachment; filename="${fileName}"`);
  return reply.send(Readable.from(body));
}

/** /api/v1/imports (upload, preview, mapping, commit, undo) and /api/v1/exports/* (vCard, iCalendar, mbox). */
export const takeoutSchema = z.object({
  id: z.string(),
  status: z.enum(['queued', 'running', 'ready', 'downloaded', 'failed']),
  progress: z.object({ done: z.number(), total: z.number() }),
  byteSize: z.number().nullable(),
  manifest: z.record(z.string(), z.unknown()).nullable(),
  error: z.string().nullable(),
  createdAt: z.string(),
  readyAt: z.string().nullable(),
  downloadedAt: z.string().nullable(),
});

export const restoreSchema = z.object({
  id: z.string(),
  status: z.enum(['queued', 'running', 'restored', 'failed']),
  progress: z.object({ done: z.number(), total: z.number() }),
  report: restoreReportSchema.nullable(),
  error: z.object({ status: z.number(), code: z.string(), message: z.string() }).nullable(),
  createdAt: z.string(),
  finishedAt: z.string().nullable(),
});

export function portabilityRoutes(deps: {
  imports: Imports;
  exports: Exports;
  takeouts: Takeouts;
  restores: Restores;
}) {
  return async (app: FastifyInstance) => {
    const r = app.withTypeProvider<ZodTypeProvider>();

    // The upload is streamed from the socket to disk, never parsed or buffered.
    await app.register(async (uploads) => {
      uploads.removeAllContentTypeParsers();
      uploads.addContentTypeParser('*', (_request, _payload, done) => done(null, undefined));
      uploads.withTypeProvider<ZodTypeProvider>().post(
        '/api/v1/imports',
        {
          schema: {
            tags,
            summary: 'Upload a vCard, CSV, iCalendar, mbox or .eml file (raw body) and get its preview',
            querystring: uploadQuery,
            response: { 201: importSchema, ...errorResponses },
          },
        },
        async (request, reply) => {
          const user = await requireUser(request);
          const kind = request.query.kind ?? kindOf(request.query.name, request.headers['content-type']);
          if (!kind)
            throw new ValidationError(
              'Say what the file is (kind=vcard, csv, ics, mbox or eml) or give it its usual extension.',
              [{ path: '/kind', message: 'unknown file kind' }],
            );
          const row = await deps.imports.upload(user, { kind, fileName: request.query.name, body: request.raw });
          return reply.code(201).send(row as z.infer<typeof importSchema>);
        },
      );
      uploads.withTypeProvider<ZodTypeProvider>().post(
        '/api/v1/takeouts/restore',
        {
          schema: {
            tags,
            summary:
              'Restore a takeout (tar.gz, raw body) into this account, which must have no graph yet, as a background job (202; poll its progress and report): graph, rules (disabled), plugins (waiting for consent), files',
            response: { 202: restoreSchema, ...errorResponses },
          },
        },
        async (request, reply) => {
          const user = await requireUser(request);
          return reply.code(202).send((await deps.restores.upload(user, request.raw)) as z.infer<typeof restoreSchema>);
        },
      );
    });

    r.get(
      '/api/v1/imports',
      {
        schema: {
          tags,
          summary: 'Your imports, newest first',
          response: { 200: z.object({ items: z.array(importSchema) }) },
        },
      },
      async (request) => {
        const user = await requireUser(request);
        return { items: (await deps.imports.list(user)) as z.infer<typeof importSchema>[] };
      },
    );
    r.get(
      '/api/v1/imports/:id',
      {
        schema: {
          tags,
          summary: 'An import: preview, status and progress',
          params: idParams,
          response: { 200: importSchema, ...errorResponses },
        },
      },
      async (request) => {
        const user = await requireUser(request);
        return (await deps.imports.get(user, request.params.id)) as z.infer<typeof importSchema>;
      },
    );
    r.put(
      '/api/v1/imports/:id/mapping',
      {
        schema: {
          tags,
          summary: 'CSV: map each column to a contact field; answers the new preview',
          params: idParams,
          body: z.strictObject({ mapping: z.array(z.enum(csvFields)).max(500) }),
          response: { 200: importSchema, ...errorResponses },
        },
      },
      async (request) => {
        const user = await requireUser(request);
        return (await deps.imports.setMapping(user, request.params.id, request.body.mapping)) as z.infer<
          typeof importSchema
        >;
      },
    );
    r.post(
      '/api/v1/imports/:id/commit',
      {
        schema: {
          tags,
          summary:
            "Write the import as a background job (202; poll its progress). duplicates: 'suggest' (default) or 'merge' into the existing persons",
          params: idParams,
          body: z.strictObject({ duplicates: z.enum(duplicatesChoices).optional() }).nullish(),
          response: { 202: importSchema, ...errorResponses },
        },
      },
      async (request, reply) => {
        const user = await requireUser(request);
        return reply
          .code(202)
          .send(
            (await deps.imports.commit(user, request.params.id, request.body?.duplicates ?? 'suggest')) as z.infer<
              typeof importSchema
            >,
          );
      },
    );
    r.post(
      '/api/v1/imports/:id/undo',
      {
        schema: {
          tags,
          summary: 'Remove everything the import created, as one unit',
          params: idParams,
          response: { 200: importSchema, ...errorResponses },
        },
      },
      async (request) => {
        const user = await requireUser(request);
        return (await deps.imports.undo(user, request.params.id)) as z.infer<typeof importSchema>;
      },
    );

    r.post(
      '/api/v1/takeouts',
      {
        schema: {
          tags,
          summary: 'Start a takeout of everything (202; poll its progress)',
          response: { 202: takeoutSchema, ...errorResponses },
        },
      },
      async (request, reply) => {
        const user = await requireUser(request);
        return reply.code(202).send((await deps.takeouts.create(user)) as z.infer<typeof takeoutSchema>);
      },
    );
    r.get(
      '/api/v1/takeouts',
      {
        schema: {
          tags,
          summary: 'Your takeouts, newest first',
          response: { 200: z.object({ items: z.array(takeoutSchema) }) },
        },
      },
      async (request) => {
        const user = await requireUser(request);
        return { items: (await deps.takeouts.list(user)) as z.infer<typeof takeoutSchema>[] };
      },
    );
    r.get(
      '/api/v1/takeouts/restore/:id',
      {
        schema: {
          tags,
          summary:
            'A restore: status, progress (archive bytes read), and its report (what came back, what did not and why) or why it was refused',
          params: idParams,
          response: { 200: restoreSchema, ...errorResponses },
        },
      },
      async (request) => {
        const user = await requireUser(request);
        return (await deps.restores.get(user, request.params.id)) as z.infer<typeof restoreSchema>;
      },
    );
    r.get(
      '/api/v1/takeouts/:id',
      {
        schema: {
          tags,
          summary: 'A takeout: status and progress',
          params: idParams,
          response: { 200: takeoutSchema, ...errorResponses },
        },
      },
      async (request) => {
        const user = await requireUser(request);
        return (await deps.takeouts.get(user, request.params.id)) as z.infer<typeof takeoutSchema>;
      },
    );
    r.get(
      '/api/v1/takeouts/:id/download',
      { schema: { tags, summary: 'The archive (tar.gz), once; 410 after', params: idParams } },
      async (request, reply) => {
        const user = await requireUser(request);
        const { row, stream } = await deps.takeouts.download(user, request.params.id);
        reply
          .header('content-type', 'application/gzip')
          .header('content-length', String(row.byteSize))
          .header(
            'content-disposition',
            `attachment; filename="made-open-takeout-${row.createdAt.slice(0, 10)}.tar.gz"`,
          );
        return reply.send(stream);
      },
    );

    const idsQuery = z.strictObject({
      ids: z
        .string()
        .max(37 * 1000)
        .transform((s) => s.split(',').filter(Boolean))
        .pipe(z.array(uuidSchema).min(1).max(1000))
        .optional(),
    });
    r.get(
      '/api/v1/exports/contacts.vcf',
      {
        schema: {
          tags,
          summary: 'Persons as vCard 4.0: ids=a,b for a selection, else everyone',
          querystring: idsQuery,
        },
      },
      async (request, reply) => {
        const user = await requireUser(request);
        const body = await deps.exports.contacts(user, request.query.ids ?? null);
        return sendStream(reply, 'text/vcard; charset=utf-8', 'contacts.vcf', body);
      },
    );
    r.get(
      '/api/v1/exports/events.ics',
      { schema: { tags, summary: 'Calendar events as iCalendar' } },
      async (request, reply) => {
        const user = await requireUser(request);
        return sendStream(reply, 'text/calendar; charset=utf-8', 'events.ics', deps.exports.events(user));
      },
    );
    r.get(
      '/api/v1/exports/messages.mbox',
      { schema: { tags, summary: 'Messages (email and texts) as mboxrd' } },
      async (request, reply) => {
        const user = await requireUser(request);
        return sendStream(reply, 'application/mbox', 'messages.mbox', deps.exports.messages(user));
      },
    );
  };
}
