import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { requireUser } from '../../platform/http/authentication.ts';
import {
  capabilitiesViewSchema,
  credentialInputSchema,
  credentialViewSchema,
  testResultSchema,
} from './wallet.schemas.ts';
import type { WalletService } from './wallet.service.ts';

const tags = ['wallet'];
const idParams = z.object({ id: z.string().uuid() });

/**
 * /api/v1/credentials and /api/v1/capabilities. Responses carry masked metadata only:
 * no secret, or part of one, ever leaves through this API.
 */
export function walletRoutes(service: WalletService) {
  return async function routes(fastify: FastifyInstance) {
    const app = fastify.withTypeProvider<ZodTypeProvider>();
    // One branch per provider registered by now (the hub is composed after registration).
    const credentialInput = credentialInputSchema();

    app.post(
      '/api/v1/credentials',
      {
        schema: {
          tags,
          summary: 'Store a credential (encrypted at rest); returns its masked metadata',
          body: credentialInput,
          response: { 201: credentialViewSchema },
        },
      },
      async (request, reply) => reply.status(201).send(await service.create(await requireUser(request), request.body)),
    );

    app.get(
      '/api/v1/credentials',
      {
        schema: {
          tags,
          summary: "The caller's credentials: masked metadata only",
          response: { 200: z.object({ credentials: z.array(credentialViewSchema) }) },
        },
      },
      async (request) => ({ credentials: await service.list(await requireUser(request)) }),
    );

    app.get(
      '/api/v1/credentials/:id',
      {
        schema: {
          tags,
          summary: "One credential's masked metadata",
          params: idParams,
          response: { 200: credentialViewSchema },
        },
      },
      async (request) => service.get(await requireUser(request), request.params.id),
    );

    app.put(
      '/api/v1/credentials/:id',
      {
        schema: {
          tags,
          summary: 'Replace a credential (name and secret); its id stays the same',
          params: idParams,
          body: credentialInput,
          response: { 200: credentialViewSchema },
        },
      },
      async (request) => service.replace(await requireUser(request), request.params.id, request.body),
    );

    app.delete(
      '/api/v1/credentials/:id',
      { schema: { tags, summary: 'Delete a credential', params: idParams, response: { 204: z.null() } } },
      async (request, reply) => {
        await service.remove(await requireUser(request), request.params.id);
        return reply.status(204).send(null);
      },
    );

    app.post(
      '/api/v1/credentials/:id/test',
      {
        schema: {
          tags,
          summary: 'Check a credential against its provider; the result and reason are kept until the next test',
          params: idParams,
          response: { 200: testResultSchema },
        },
      },
      async (request) => service.test(await requireUser(request), request.params.id),
    );

    app.get(
      '/api/v1/capabilities',
      {
        schema: {
          tags,
          summary:
            "What the caller's hub can do: on once a credential passed its test (and, where needed, is connected)",
          response: { 200: capabilitiesViewSchema },
        },
      },
      async (request) => service.capabilities(await requireUser(request)),
    );
  };
}
