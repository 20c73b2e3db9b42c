import rateLimit from '@fastify/rate-limit';
import type { RateLimiting } from '../../platform/http/rate-limit/index.ts';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { requireUser } from '../../platform/http/authentication.ts';
import {
  callListQuery,
  callPage,
  guestTokenInput,
  guestTokenView,
  roomParams,
  tokenInput,
  videoRoomView,
  videoTokenInput,
  voiceTokenView,
} from './calls.schemas.ts';
import type { CallsService } from './calls.service.ts';

const errorBody = z.object({ error: z.object({ code: z.string(), message: z.string() }) });

/** Guest link exchanges per client IP per minute: a link's token cannot be guessed at this rate. */
export const guestTokensPerMinute = 20;

/** POST /api/v1/calls/token, POST /api/v1/calls/video-token, video rooms, GET /api/v1/calls. */
export function callsRoutes(service: CallsService, rateLimiting: RateLimiting) {
  return async function routes(fastify: FastifyInstance) {
    // The guest-link limit guards a token: refused (503) rather than uncounted when the shared count fails (ADR 0035).
    await fastify.register(rateLimit, rateLimiting.plugin('refuse'));
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
          description:
            'Opens a room (`call-<uuid>`) and its single guest link, `guest.path` on the web app, valid two hours ' +
            'or until the room is ended. The link is shown only here, to its owner; the hub keeps its sha256.',
          body: videoTokenInput,
          response: { 200: videoRoomView, 409: errorBody },
        },
      },
      async (request) => {
        const user = await requireUser(request);
        return service.videoToken(user, request.body.personId);
      },
    );
    app.post(
      '/api/v1/calls/video-rooms/:room/end',
      {
        schema: {
          tags: ['calls'],
          summary: 'End your video room: its guest link stops working (404 for a room that is not yours)',
          params: roomParams,
          response: { 200: z.object({ room: z.string(), ended: z.literal(true) }), 404: errorBody },
        },
      },
      async (request) => {
        const user = await requireUser(request);
        return service.endRoom(user, request.params.room);
      },
    );
    app.post(
      '/api/v1/calls/video-guest-token',
      {
        config: {
          rateLimit: {
            max: guestTokensPerMinute,
            timeWindow: '1 minute',
            errorResponseBuilder: (_request, context) => ({
              statusCode: 429,
              code: 'rate_limited',
              message: `Too many tries to join from here: wait ${context.after} and try again.`,
            }),
          },
        },
        schema: {
          tags: ['calls'],
          summary: "A guest's 10-minute Video Access Token for the one room of a guest link (no account)",
          description:
            `No sign-in: the link's token is the credential. 404 for an unknown, expired or ended link; ` +
            `rate limited to ${guestTokensPerMinute} a minute per client IP. Answers the host's display name and nothing else of theirs.`,
          security: [],
          body: guestTokenInput,
          response: { 200: guestTokenView, 404: errorBody },
        },
      },
      async (request) => service.guestToken(request.body.token, request.body.name),
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
