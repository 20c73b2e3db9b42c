import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { requireUser } from '../../platform/http/authentication.ts';
import {
  callListQuery,
  callPage,
  tokenInput,
  videoTokenInput,
  videoTokenView,
  voiceTokenView,
} from './calls.schemas.ts';
import type { CallsService } from './calls.service.ts';

const errorBody = z.object({ error: z.object({ code: z.string(), message: z.string() }) });

/** POST /api/v1/calls/token, POST /api/v1/calls/video-token, GET /api/v1/calls. */
export function callsRoutes(service: CallsService) {
  return async function routes(fastify: FastifyInstance) {
    const app = fastify.withTypeProvider<ZodTypeProvider>();
    app.post(
      '/api/v1/calls/token',
      {
        schema: {
          tags: ['calls'],
          summary: "A one-hour Voice Access Token for the browser (calls through the connected number's TwiML App)",
          body: tokenInput,
          response: { 200: voiceTokenView, 409: errorBody },
        },
      },
      async (request) => {
        const user = await requireUser(request);
        return service.voiceToken(user, request.body?.connectionId);
      },
    );
    app.post(
      '/api/v1/calls/video-token',
      {
        schema: {
          tags: ['calls'],
          summary: 'A one-hour Video Access Token for a new room for a call with a person (capability video)',
          body: videoTokenInput,
          response: { 200: videoTokenView, 409: errorBody },
        },
      },
      async (request) => {
        const user = await requireUser(request);
        return service.videoToken(user, request.body.personId);
      },
    );
    app.get(
      '/api/v1/calls',
      {
        schema: {
          tags: ['calls'],
          summary: 'Your calls, newest first, with the person each was with (filter missed, incoming, outgoing)',
          querystring: callListQuery,
          response: { 200: callPage },
        },
      },
      async (request) => {
        const user = await requireUser(request);
        return service.list(user, request.query);
      },
    );
  };
}
