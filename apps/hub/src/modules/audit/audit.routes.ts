import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { requireUser } from '../../platform/http/authentication.ts';
import { auditPageSchema, auditQuery } from './audit.schemas.ts';
import type { AuditService } from './audit.service.ts';

export function auditRoutes(service: AuditService) {
  return async function routes(fastify: FastifyInstance) {
    const app = fastify.withTypeProvider<ZodTypeProvider>();
    app.get(
      '/api/v1/audit',
      {
        schema: {
          tags: ['audit'],
          summary: "The caller's audit trail, newest first",
          querystring: auditQuery,
          response: { 200: auditPageSchema },
        },
      },
      async (request) => {
        const user = await requireUser(request);
        return service.page(user.claims, request.query.cursor, request.query.limit);
      },
    );
  };
}
