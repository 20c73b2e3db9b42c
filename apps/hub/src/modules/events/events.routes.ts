import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { requireUser } from '../../platform/http/authentication.ts';
import { deadLettersQuery, deadLettersSchema, eventPageSchema, listEventsQuery } from './events.schemas.ts';
import type { EventsService } from './events.service.ts';

export interface EventsRouteDeps {
  service: EventsService;
  /** Resolves on the next relay commit (or after `ms`): wakes SSE streams. */
  nextPublication(ms: number): Promise<void>;
}

export function eventsRoutes(deps: EventsRouteDeps) {
  const { service } = deps;
  return async function routes(fastify: FastifyInstance) {
    const app = fastify.withTypeProvider<ZodTypeProvider>();

    app.get(
      '/api/v1/events',
      {
        schema: {
          tags: ['events'],
          summary: "The caller's own events, oldest first, after a cursor or event id",
          description:
            "JSON page by default. With `Accept: text/event-stream` the response is a Server-Sent Events stream that stays open; each event's `id:` is its cursor, so `Last-Event-ID` resumes.",
          querystring: listEventsQuery,
          response: { 200: eventPageSchema },
        },
      },
      async (request, reply) => {
        const user = await requireUser(request);
        const lastEventId = request.headers['last-event-id'];
        const after =
          request.query.after ??
          (typeof lastEventId === 'string' && /^\d{1,19}$/.test(lastEventId) ? lastEventId : undefined);
        let cursor = await service.resolveCursor(user.claims, after);
        const wantsStream = (request.headers.accept ?? '').includes('text/event-stream');
        if (!wantsStream) return service.page(user.claims, cursor, request.query.limit);

        reply.hijack();
        const raw = reply.raw;
        raw.writeHead(200, {
          'content-type': 'text/event-stream; charset=utf-8',
          'cache-control': 'no-cache, no-transform',
          connection: 'keep-alive',
          'x-accel-buffering': 'no',
        });
        raw.write(': connected\n\n');
        let open = true;
        request.raw.on('close', () => {
          open = false;
        });
        let lastWrite = Date.now();
        while (open) {
          try {
            const page = await service.page(user.claims, cursor, 200);
            for (const event of page.events) {
              raw.write(`id: ${event.cursor}\nevent: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
            }
            if (page.events.length > 0) lastWrite = Date.now();
            cursor = page.nextCursor;
            if (page.events.length === 200) continue;
          } catch (error) {
            request.log.warn({ err: error }, 'event stream read failed');
          }
          if (Date.now() - lastWrite > 15_000) {
            raw.write(': keep-alive\n\n');
            lastWrite = Date.now();
          }
          await deps.nextPublication(1_000);
        }
        raw.end();
      },
    );

    app.get(
      '/api/v1/events/dead-letters',
      {
        schema: {
          tags: ['events'],
          summary: "Events of the caller's that a consumer gave up on",
          querystring: deadLettersQuery,
          response: { 200: deadLettersSchema },
        },
      },
      async (request) => {
        const user = await requireUser(request);
        return { deadLetters: await service.deadLetters(user.claims, request.query.limit) };
      },
    );
  };
}
