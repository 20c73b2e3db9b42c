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
  sentMessageView,
  threadIdParam,
  threadView,
} from './messages.schemas.ts';
import type { MessagesService } from './messages.service.ts';
import type { ThreadsService } from './messages.threads.ts';

const errorBody = z.object({ error: z.object({ code: z.string(), message: z.string() }) });

const pagingNote = 'Pages of `limit` (1-200, default 50); pass `nextCursor` back as `cursor` (null on the last page).';
const threadParams = z.strictObject({ threadId: threadIdParam });

/** POST /api/v1/messages (send) and the thread reads under /api/v1/messages/threads. */
export function messagesRoutes(service: MessagesService, threads: ThreadsService) {
  return async function routes(fastify: FastifyInstance) {
    const app = fastify.withTypeProvider<ZodTypeProvider>();
    app.post(
      '/api/v1/messages',
      {
        schema: {
          tags: ['messages'],
          summary: 'Send an SMS/MMS (idempotent with an Idempotency-Key header)',
          body: sendMessageInput,
          response: { 201: z.object({ message: sentMessageView }), 422: errorBody },
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
          summary: 'Your SMS/MMS threads (one per person and own number), newest first, with unread counts',
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
        await threads.markRead(await requireUser(request), request.params.threadId);
        return reply.status(204).send(null);
      },
    );
  };
}
