import {
  mergeUndoneSchema,
  suggestionAcceptInputSchema,
  suggestionAcceptedSchema,
  suggestionListQuerySchema,
  suggestionPageSchema,
  uuidSchema,
} from '@made-open/shared';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { requireUser } from '../../platform/http/authentication.ts';
import { errorResponses, errorSchema } from '../graph/graph.schemas.ts';
import type { IdentityService } from './identity.service.ts';

const tags = ['identity'];
const conflict = { 409: errorSchema.describe('Conflict: see error.code') };
const idParams = z.strictObject({ id: uuidSchema });
const mergeParams = z.strictObject({ mergeId: uuidSchema });

/** /api/v1/persons/suggestions and merge undo (issue 17). */
export function identityRoutes(service: IdentityService) {
  return async function routes(fastify: FastifyInstance) {
    const app = fastify.withTypeProvider<ZodTypeProvider>();

    app.get(
      '/api/v1/persons/suggestions',
      {
        schema: {
          tags,
          summary: 'Suggested duplicates to review, best first',
          description:
            'Open suggestions whose two persons both still exist, by score (0..1) then id, with both persons summarised side by side and the reasons ' +
            '(same_email, same_phone, same_name, similar_name, nickname, swapped_names, same_organization, and what lowered the score). ' +
            '`total` counts every open one (a badge). One statement: `?limit=3` is cheap enough for a home page. Pass `nextCursor` back as `cursor`.',
          querystring: suggestionListQuerySchema,
          response: { 200: suggestionPageSchema, ...errorResponses },
        },
      },
      async (request) => {
        const user = await requireUser(request);
        return service.list(user, request.query);
      },
    );

    app.post(
      '/api/v1/persons/suggestions/:id/accept',
      {
        schema: {
          tags,
          summary: 'Accept a suggestion: merge the two persons',
          description:
            'Keeps `keepId` (one of the pair; default the older person) and folds the other into it as POST /persons/:id/merge does. ' +
            'The answer carries `mergeId` for POST /persons/merges/:mergeId/undo. A suggestion accepted or dismissed already is 409 suggestion_closed.',
          params: idParams,
          body: suggestionAcceptInputSchema,
          response: { 200: suggestionAcceptedSchema, ...errorResponses, ...conflict },
        },
      },
      async (request) => {
        const user = await requireUser(request);
        return service.accept(user, request.params.id, request.body?.keepId);
      },
    );

    app.post(
      '/api/v1/persons/suggestions/:id/dismiss',
      {
        schema: {
          tags,
          summary: 'Dismiss a suggestion: these are two people',
          description:
            'The pair stays dismissed whatever arrives later. Dismissing again is a no-op; an accepted one is 409.',
          params: idParams,
          response: { 204: z.null().describe('Dismissed'), ...errorResponses, ...conflict },
        },
      },
      async (request, reply) => {
        const user = await requireUser(request);
        await service.dismiss(user, request.params.id);
        return reply.status(204).send(null);
      },
    );

    app.post(
      '/api/v1/persons/merges/:mergeId/undo',
      {
        schema: {
          tags,
          summary: 'Undo a merge',
          description:
            'The merged person lives again with its title, body, properties, identifiers and every link it had (links made by other entities to it included; ' +
            'links the merge dropped come back with their ids), and the kept person loses what the merge gave it (its own later edits stay). ' +
            'Both get a new version. A suggestion the merge accepted is open again. 409 already_undone; 409 undo_later_merge_first when the kept person ' +
            'was merged into another since (details.mergeId names that merge).',
          params: mergeParams,
          response: { 200: mergeUndoneSchema, ...errorResponses, ...conflict },
        },
      },
      async (request) => {
        const user = await requireUser(request);
        return service.undoMerge(user, request.params.mergeId);
      },
    );
  };
}
