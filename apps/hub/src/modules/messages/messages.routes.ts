import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ValidationError } from '../../platform/errors.ts';
import { requireUser } from '../../platform/http/authentication.ts';
import { idempotencyKeyHeader, sendMessageInput, sentMessageView } from './messages.schemas.ts';
import type { MessagesService } from './messages.service.ts';

const errorBody = z.object({ error: z.object({ code: z.string(), message: z.string() }) });

/** POST /api/v1/messages: text a person or a number from a connected Twilio number. */
export function messagesRoutes(service: MessagesService) {
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
  };
}
