import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { requireUser } from '../../platform/http/authentication.ts';
import {
  connectionIdParams,
  connectionInputSchema,
  connectionPatchSchema,
  connectionTestViewSchema,
  connectionViewSchema,
  syncRequestViewSchema,
} from './connectors.schemas.ts';
import type { ConnectorsService } from './connectors.service.ts';

const tags = ['connections'];

/** /api/v1/connections: one API for every provider's connections, with their sync status. */
export function connectorsRoutes(service: ConnectorsService) {
  return async function routes(fastify: FastifyInstance) {
    const app = fastify.withTypeProvider<ZodTypeProvider>();

    app.post(
      '/api/v1/connections',
      {
        schema: {
          tags,
          summary: 'Connect an account with a tested wallet credential; its first sync is queued',
          body: connectionInputSchema,
          response: { 201: connectionViewSchema },
        },
      },
      async (request, reply) => reply.status(201).send(await service.connect(await requireUser(request), request.body)),
    );

    app.get(
      '/api/v1/connections',
      {
        schema: {
          tags,
          summary: "The caller's connections with their sync status (live ones first)",
          response: { 200: z.object({ connections: z.array(connectionViewSchema) }) },
        },
      },
      async (request) => ({ connections: await service.list(await requireUser(request)) }),
    );

    app.get(
      '/api/v1/connections/:id',
      {
        schema: {
          tags,
          summary: 'One connection and its sync status',
          params: connectionIdParams,
          response: { 200: connectionViewSchema },
        },
      },
      async (request) => service.get(await requireUser(request), request.params.id),
    );

    app.patch(
      '/api/v1/connections/:id',
      {
        schema: {
          tags,
          summary: "Change a connection's editable options; a sync with them is queued",
          params: connectionIdParams,
          body: connectionPatchSchema,
          response: { 200: connectionViewSchema },
        },
      },
      async (request) => service.reconfigure(await requireUser(request), request.params.id, request.body.options),
    );

    app.delete(
      '/api/v1/connections/:id',
      {
        schema: {
          tags,
          summary: 'Disconnect: webhooks stop at once, then the connector undoes its setup at the provider',
          params: connectionIdParams,
          response: { 200: connectionViewSchema },
        },
      },
      async (request) => service.disconnect(await requireUser(request), request.params.id),
    );

    app.post(
      '/api/v1/connections/:id/sync',
      {
        schema: {
          tags,
          summary: 'Queue a sync (202); while one is queued or running, that one is returned',
          params: connectionIdParams,
          response: { 202: syncRequestViewSchema },
        },
      },
      async (request, reply) =>
        reply.status(202).send(await service.requestSync(await requireUser(request), request.params.id)),
    );

    app.post(
      '/api/v1/connections/:id/test',
      {
        schema: {
          tags,
          summary: 'Ask the provider whether the connection still works; its status follows',
          params: connectionIdParams,
          response: { 200: connectionTestViewSchema },
        },
      },
      async (request) => service.test(await requireUser(request), request.params.id),
    );
  };
}
