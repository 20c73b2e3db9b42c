import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { requireUser } from '../../platform/http/authentication.ts';
import {
  eventCreateInput,
  eventIdParams,
  eventUpdateInput,
  eventView,
  eventWindowView,
  respondInput,
  scopeQuery,
  windowQuery,
} from './calendar.schemas.ts';
import type { CalendarService } from './calendar.service.ts';

const tags = ['calendar'];
const errorBody = z.object({
  error: z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() }),
});

/** /api/v1/calendar/events: a window of events, and writes (through the provider for a connected calendar). */
export function calendarRoutes(service: CalendarService) {
  return async function routes(fastify: FastifyInstance) {
    const app = fastify.withTypeProvider<ZodTypeProvider>();

    app.get(
      '/api/v1/calendar/events',
      {
        schema: {
          tags,
          summary: 'Events overlapping [from, to) (at most 400 days), hub series expanded into occurrences',
          querystring: windowQuery,
          response: { 200: eventWindowView, 400: errorBody },
        },
      },
      async (request) => service.window(await requireUser(request), request.query),
    );

    app.get(
      '/api/v1/calendar/events/:id',
      { schema: { tags, summary: 'One event', params: eventIdParams, response: { 200: eventView, 404: errorBody } } },
      async (request) => service.get(await requireUser(request), request.params.id),
    );

    app.post(
      '/api/v1/calendar/events',
      {
        schema: {
          tags,
          summary: 'Create an event: in the hub, or with connectionId on that connected calendar',
          body: eventCreateInput,
          response: { 201: eventView, 400: errorBody, 404: errorBody, 409: errorBody },
        },
      },
      async (request, reply) => reply.status(201).send(await service.create(await requireUser(request), request.body)),
    );

    app.patch(
      '/api/v1/calendar/events/:id',
      {
        schema: {
          tags,
          summary:
            'Change an event (version as read); a provider copy changed meanwhile answers 409 with a recorded conflict. ' +
            'On an occurrence of a series, ?scope=following changes it and every later one: the series is split there ' +
            '(the answer is the new series); on its first occurrence, the whole series',
          params: eventIdParams,
          querystring: scopeQuery,
          body: eventUpdateInput,
          response: { 200: eventView, 400: errorBody, 404: errorBody, 409: errorBody, 422: errorBody, 502: errorBody },
        },
      },
      async (request) =>
        service.update(await requireUser(request), request.params.id, request.body, request.query.scope),
    );

    app.delete(
      '/api/v1/calendar/events/:id',
      {
        schema: {
          tags,
          summary:
            'Delete an event (an occurrence of a series: only that one; with ?scope=following it and every later ' +
            'one, the series ending before it; on its first occurrence, the whole series)',
          params: eventIdParams,
          querystring: scopeQuery,
          response: { 204: z.null(), 400: errorBody, 404: errorBody, 409: errorBody, 422: errorBody, 502: errorBody },
        },
      },
      async (request, reply) => {
        await service.remove(await requireUser(request), request.params.id, request.query.scope);
        return reply.status(204).send(null);
      },
    );

    app.post(
      '/api/v1/calendar/events/:id/respond',
      {
        schema: {
          tags,
          summary: 'Answer an invitation (accepted, tentative, declined) on the calendar it came from',
          params: eventIdParams,
          body: respondInput,
          response: { 200: eventView, 404: errorBody, 409: errorBody },
        },
      },
      async (request) =>
        service.respond(await requireUser(request), request.params.id, request.body.response, request.body.comment),
    );
  };
}
