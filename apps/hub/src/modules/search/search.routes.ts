import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { requireUser } from '../../platform/http/authentication.ts';
import { peopleQuerySchema, peopleResultSchema, searchQuerySchema, searchResultSchema } from './search.schemas.ts';
import type { SearchService } from './search.service.ts';

export function searchRoutes(service: SearchService) {
  return async function routes(fastify: FastifyInstance) {
    const app = fastify.withTypeProvider<ZodTypeProvider>();
    app.get(
      '/api/v1/search',
      {
        schema: {
          tags: ['search'],
          summary:
            "Full-text search over the caller's own graph: typo-tolerant, prefix (as you type), with facets and filters",
          querystring: searchQuerySchema,
          response: { 200: searchResultSchema },
        },
      },
      async (request) => {
        const user = await requireUser(request);
        return service.search(user.id, request.query);
      },
    );
    app.get(
      '/api/v1/search/people',
      {
        schema: {
          tags: ['search'],
          summary: 'Quick person search for the command palette: name, email, or phone number in any format',
          querystring: peopleQuerySchema,
          response: { 200: peopleResultSchema },
        },
      },
      async (request) => {
        const user = await requireUser(request);
        return service.people(user.id, request.query.q, request.query.limit);
      },
    );
  };
}
