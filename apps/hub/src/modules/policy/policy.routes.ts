import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { requireUser } from '../../platform/http/authentication.ts';
import type { PolicyService } from './policy.service.ts';

const tags = ['policy'];
const params = z.object({ pluginId: z.string().regex(/^[a-z0-9][a-z0-9-]{1,62}[a-z0-9]$/) });
const grantsSchema = z.object({ grants: z.array(z.object({ permission: z.string(), grantedAt: z.string() })) });

/** Users review what they granted each plugin and take it back. */
export function policyRoutes(service: PolicyService) {
  return async function routes(fastify: FastifyInstance) {
    const app = fastify.withTypeProvider<ZodTypeProvider>();
    app.get(
      '/api/v1/plugins/:pluginId/grants',
      { schema: { tags, summary: 'Permissions the caller granted a plugin', params, response: { 200: grantsSchema } } },
      async (request) => ({ grants: await service.listGrants(await requireUser(request), request.params.pluginId) }),
    );
    app.delete(
      '/api/v1/plugins/:pluginId/grants',
      {
        schema: {
          tags,
          summary: 'Revoke one granted permission (takes effect on the next call the plugin makes)',
          params,
          querystring: z.object({ permission: z.string().min(1).max(200) }),
          response: { 200: z.object({ revoked: z.array(z.string()) }) },
        },
      },
      async (request) => ({
        revoked: await service.revoke(await requireUser(request), request.params.pluginId, [request.query.permission]),
      }),
    );
  };
}
