import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { requireUser } from '../../platform/http/authentication.ts';
import type { ChannelGrantsService } from './realtime.grants.service.ts';

const tags = ['realtime'];
const topic = z
  .string()
  .regex(/^[A-Za-z0-9_.:-]{1,255}$/, 'A topic is the channel name without "realtime:", like user:<your id>:<name>.')
  .describe('The channel name as passed to supabase.channel(), e.g. user:<your id> or user:<your id>:chat');
const topicParams = z.object({ topic });
const grantParams = z.object({ topic, userId: z.string().uuid().describe('The user the grant is for') });
const grantSchema = z.object({
  topic: z.string(),
  granteeId: z.string(),
  read: z.boolean().describe('May join the private channel and receive its broadcasts'),
  write: z.boolean().describe('May send broadcasts on it'),
  grantedAt: z.string(),
});

/** Owners of private realtime topics grant and revoke other users' access to them. */
export function channelGrantsRoutes(service: ChannelGrantsService) {
  return async function routes(fastify: FastifyInstance) {
    const app = fastify.withTypeProvider<ZodTypeProvider>();
    app.get(
      '/api/v1/realtime/topics/:topic/grants',
      {
        schema: {
          tags,
          summary: 'Users you let receive or send on one of your private realtime topics',
          params: topicParams,
          response: { 200: z.object({ grants: z.array(grantSchema) }) },
        },
      },
      async (request) => ({ grants: await service.list(await requireUser(request), request.params.topic) }),
    );
    app.put(
      '/api/v1/realtime/topics/:topic/grants/:userId',
      {
        schema: {
          tags,
          summary: 'Let another user receive (read) and/or send (write) on one of your private topics',
          description:
            'You own user:<your id> and user:<your id>:<name>; other topics get 404. Open channels of the user on this instance are re-checked at once, others at their next access_token refresh.',
          params: grantParams,
          body: z.object({ read: z.boolean(), write: z.boolean() }).strict(),
          response: { 200: grantSchema },
        },
      },
      async (request) =>
        service.grant(await requireUser(request), request.params.topic, request.params.userId, request.body),
    );
    app.delete(
      '/api/v1/realtime/topics/:topic/grants/:userId',
      {
        schema: {
          tags,
          summary: 'Revoke a grant: the user is refused on their next join or token refresh',
          params: grantParams,
          response: { 204: z.null() },
        },
      },
      async (request, reply) => {
        await service.revoke(await requireUser(request), request.params.topic, request.params.userId);
        return reply.status(204).send(null);
      },
    );
  };
}
