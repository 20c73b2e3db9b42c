import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { requireUser } from '../../../platform/http/authentication.ts';
import { callbackPath, type AuthorizeFlow } from './msgraph.authorize.ts';
import type { SaveToContacts } from './msgraph.contacts-save.ts';

const authorizeBody = z.strictObject({
  credentialId: z.string().uuid('The id of a Microsoft 365 credential in your wallet.'),
  options: z.record(z.string(), z.unknown()).default({}),
  connectionId: z.string().uuid().optional(),
  returnTo: z.string().min(1).max(2000),
});

/** POST /api/v1/connections/microsoft/authorize and GET /oauth/microsoft/callback. */
export function msgraphRoutes(flow: AuthorizeFlow) {
  return async function routes(fastify: FastifyInstance) {
    const app = fastify.withTypeProvider<ZodTypeProvider>();
    app.post(
      '/api/v1/connections/microsoft/authorize',
      {
        schema: {
          tags: ['connections'],
          summary: 'Start signing in to Microsoft 365 (authorization code + PKCE): the URL to send the browser to',
          body: authorizeBody,
          response: { 200: z.object({ authorizeUrl: z.string(), redirectUri: z.string(), expiresAt: z.string() }) },
        },
      },
      async (request) => flow.start(await requireUser(request), request.body),
    );
    app.get(
      callbackPath,
      {
        schema: {
          tags: ['connections'],
          summary: 'Where Microsoft sends the browser back after signing in (no bearer token: the state is the key)',
          querystring: z.record(z.string(), z.string()),
        },
      },
      async (request, reply) => {
        const answer = await flow.callback(request.query as Record<string, string | undefined>);
        if ('redirect' in answer) return reply.redirect(answer.redirect, 303);
        return reply.status(answer.status).type('text/plain; charset=utf-8').send(answer.message);
      },
    );
  };
}

/** POST /api/v1/connections/:id/contacts: save a hub person to this account's contacts ("Save to Outlook"). */
export function saveContactRoutes(save: SaveToContacts) {
  return async function routes(fastify: FastifyInstance) {
    const app = fastify.withTypeProvider<ZodTypeProvider>();
    app.post(
      '/api/v1/connections/:id/contacts',
      {
        schema: {
          tags: ['connections'],
          summary: 'Save a person to this account as a contact; the person is that contact from then on',
          params: z.object({ id: z.string().uuid() }),
          body: z.strictObject({ personId: z.string().uuid('The id of one of your persons.') }),
          response: { 201: z.object({ id: z.string().uuid(), externalId: z.string() }) },
        },
      },
      async (request, reply) =>
        reply.status(201).send(await save(await requireUser(request), request.params.id, request.body.personId)),
    );
  };
}
