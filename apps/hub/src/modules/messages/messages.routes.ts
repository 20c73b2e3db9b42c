import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ValidationError } from '../../platform/errors.ts';
import { requireUser } from '../../platform/http/authentication.ts';
import {
  idempotencyKeyHeader,
  messageView,
  pageQuery,
  sendMessageInput,
  sentEmailView,
  sentMessageView,
  threadIdParam,
  threadView,
} from './messages.schemas.ts';
import type { AttachmentsService } from './messages.attachments.ts';
import type { ReadsService } from './messages.reads.ts';
import type { MessagesService } from './messages.service.ts';
import type { ThreadsService } from './messages.threads.ts';

const errorBody = z.object({ error: z.object({ code: z.string(), message: z.string() }) });

const pagingNote = 'Pages of `limit` (1-200, default 50); pass `nextCursor` back as `cursor` (null on the last page).';
const threadParams = z.strictObject({ threadId: threadIdParam });
const attachmentParams = z.strictObject({
  messageId: z.string().uuid(),
  attachmentId: z.string().min(1).max(500),
});

/** RFC 6266: an ASCII fallback and the UTF-8 name. */
const contentDisposition = (name: string) =>
  `attachment; filename="${name.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_')}"; filename*=UTF-8''${encodeURIComponent(name)}`;

/** POST /api/v1/messages (send), the threads under /api/v1/messages/threads, email attachments. */
export function messagesRoutes({
  service,
  threads,
  reads,
  attachments,
}: {
  service: MessagesService;
  threads: ThreadsService;
  reads: ReadsService;
  attachments: AttachmentsService;
}) {
  return async function routes(fastify: FastifyInstance) {
    const app = fastify.withTypeProvider<ZodTypeProvider>();
    app.post(
      '/api/v1/messages',
      {
        schema: {
          tags: ['messages'],
          summary: 'Send an SMS/MMS, or an email with channel "email" (idempotent with an Idempotency-Key header)',
          body: sendMessageInput,
          response: {
            201: z.object({ message: z.union([sentMessageView, sentEmailView]) }),
            422: errorBody,
            502: errorBody,
          },
        },
      },
      async (request, reply) => {
        const user = await requireUser(request);
        const header = request.headers['idempotency-key'];
        let key: string | undefined;
        if (header !== undefined) {
          const parsed = idempotencyKeyHeader.safeParse(Array.isArray(header) ? header.join(',') : header);
          if (!parsed.success) throw new ValidationError('Idempotency-Key: 1 to 200 characters.');
          key = parsed.data;
        }
        const outcome = await service.send(user, request.body, key);
        return reply.status(outcome.status).send(outcome.body);
      },
    );

    app.get(
      '/api/v1/messages/threads',
      {
        schema: {
          tags: ['messages'],
          summary:
            'Your threads, texts (one per person and own number) and email (one per conversation), newest first, with unread counts',
          description: pagingNote,
          querystring: pageQuery,
          response: { 200: z.object({ threads: z.array(threadView), nextCursor: z.string().nullable() }) },
        },
      },
      async (request) => threads.threads(await requireUser(request), request.query),
    );
    app.get(
      '/api/v1/messages/threads/:threadId',
      {
        schema: {
          tags: ['messages'],
          summary: "A thread's messages: the newest page, oldest first; `nextCursor` pages further back",
          description: `${pagingNote} Another user's thread, or one with no messages: 404.`,
          params: threadParams,
          querystring: pageQuery,
          response: {
            200: z.object({ thread: threadView, messages: z.array(messageView), nextCursor: z.string().nullable() }),
            404: errorBody,
          },
        },
      },
      async (request) => threads.thread(await requireUser(request), request.params.threadId, request.query),
    );
    app.post(
      '/api/v1/messages/threads/:threadId/read',
      {
        schema: {
          tags: ['messages'],
          summary: 'Marks a thread read up to its newest message (for you only)',
          params: threadParams,
          response: { 204: z.null(), 404: errorBody },
        },
      },
      async (request, reply) => {
        await reads.markRead(await requireUser(request), request.params.threadId);
        return reply.status(204).send(null);
      },
    );
    app.post(
      '/api/v1/messages/threads/:threadId/unread',
      {
        schema: {
          tags: ['messages'],
          summary: 'Marks a thread unread again from its newest message (email: on the mail account too)',
          params: threadParams,
          response: { 204: z.null(), 404: errorBody },
        },
      },
      async (request, reply) => {
        await reads.markUnread(await requireUser(request), request.params.threadId);
        return reply.status(204).send(null);
      },
    );
    app.get(
      '/api/v1/messages/:messageId/attachments/:attachmentId',
      {
        schema: {
          tags: ['messages'],
          summary: "An email attachment's content (fetched from the mail account into your Storage on first open)",
          description: "A download (Content-Disposition: attachment). Over 25 MiB: 413. Another user's message: 404.",
          params: attachmentParams,
        },
      },
      async (request, reply) => {
        const user = await requireUser(request);
        const file = await attachments.open(user, request.params.messageId, request.params.attachmentId);
        return reply
          .header('content-type', file.contentType)
          .header('content-length', String(file.size))
          .header('content-disposition', contentDisposition(file.name))
          .header('x-content-type-options', 'nosniff')
          .header('content-security-policy', "default-src 'none'; sandbox")
          .header('cache-control', 'private, no-store')
          .send(file.body);
      },
    );
  };
}
