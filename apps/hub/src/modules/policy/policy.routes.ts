import {
  grantInputSchema,
  grantSchema,
  grantsOverviewSchema,
  principalKinds,
  principalKindSchema,
} from '@made-open/shared/principals';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { requireUser } from '../../platform/http/authentication.ts';
import type { PolicyService } from './policy.service.ts';

const tags = ['policy'];
const params = z.object({ pluginId: z.string().regex(/^[a-z0-9][a-z0-9-]{1,62}[a-z0-9]$/) });
const grantsSchema = z.object({ grants: z.array(grantSchema) });
/** A query value the grants table can be searched for: a NUL reached PostgreSQL as a 22021. */
const queryText = (max: number) =>
  z
    .string()
    .min(1)
    .max(max)
    .refine((value) => !value.includes('\u0000'), 'Text cannot contain NUL characters (%00): remove them.');
/** Revoking works for every kind a user can have granted to (a plugin too). */
const revokeQuerySchema = z.strictObject({
  kind: z.enum(principalKinds.filter((k) => k !== 'user') as ['plugin', 'rule', 'connector', 'ai']),
  id: queryText(64),
  permission: queryText(200),
});

/** Users review what they granted each principal (plugins, rules, connectors, assistants) and take it back. */
export function policyRoutes(service: PolicyService) {
  return async function routes(fastify: FastifyInstance) {
    const app = fastify.withTypeProvider<ZodTypeProvider>();
    app.get(
      '/api/v1/plugins/:pluginId/grants',
      { schema: { tags, summary: 'Permissions the caller granted a plugin', params, response: { 200: grantsSchema } } },
      async (request) => ({
        grants: await service.listGrants(await requireUser(request), { kind: 'plugin', id: request.params.pluginId }),
      }),
    );
    app.delete(
      '/api/v1/plugins/:pluginId/grants',
      {
        schema: {
          tags,
          summary: 'Revoke one granted permission (takes effect on the next call the plugin makes)',
          params,
          querystring: z.object({ permission: queryText(200) }),
          response: { 200: z.object({ revoked: z.array(z.string()) }) },
        },
      },
      async (request) => ({
        revoked: await service.revoke(await requireUser(request), { kind: 'plugin', id: request.params.pluginId }, [
          request.query.permission,
        ]),
      }),
    );

    app.get(
      '/api/v1/grants',
      {
        schema: {
          tags,
          summary: 'Every permission the caller granted, grouped by principal (plugin, rule, connector, ai)',
          querystring: z.strictObject({ kind: principalKindSchema.optional() }),
          response: { 200: grantsOverviewSchema },
        },
      },
      async (request) => ({ principals: await service.overview(await requireUser(request), request.query.kind) }),
    );
    app.post(
      '/api/v1/grants',
      {
        schema: {
          tags,
          summary: 'Grant one permission to a rule, connector or AI assistant (within what its kind may ask for)',
          body: grantInputSchema,
          response: { 201: grantSchema },
        },
      },
      async (request, reply) => {
        const { kind, id, permission } = request.body;
        const grant = await service.grantChecked(await requireUser(request), { kind, id }, permission);
        return reply.code(201).send(grant);
      },
    );
    app.delete(
      '/api/v1/grants',
      {
        schema: {
          tags,
          summary: 'Revoke one granted permission of any principal (takes effect on its next action)',
          querystring: revokeQuerySchema,
          response: { 200: z.object({ revoked: z.array(z.string()) }) },
        },
      },
      async (request) => {
        const { kind, id, permission } = request.query;
        return { revoked: await service.revoke(await requireUser(request), { kind, id }, [permission]) };
      },
    );
  };
}
