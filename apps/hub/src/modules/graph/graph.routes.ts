import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { requireUser } from '../../platform/http/authentication.ts';
import {
  entityCreateInputSchema,
  entityLinksSchema,
  entityListQuerySchema,
  entityOrPersonSchema,
  entityPageSchema,
  entityUpdateInputSchema,
  errorResponses,
  errorSchema,
  identifierCreateInputSchema,
  identifierParamsSchema,
  idParamsSchema,
  linkCreateInputSchema,
  linkSchema,
  linksQuerySchema,
  personCreateInputSchema,
  personCreatedSchema,
  personLookupQuerySchema,
  personMergeInputSchema,
  personMergedSchema,
  personSchema,
} from './graph.schemas.ts';
import type { GraphService } from './graph.service.ts';

const entityTags = ['graph'];
const conflict = { 409: errorSchema.describe('Conflict: see error.code') };

/**
 * JSON rendered by the database (the hot paths): sent as is, without a parse and a
 * re-serialisation. Fastify skips the serializer for string payloads with a JSON type.
 */
function sendJson(reply: FastifyReply, status: number, json: string) {
  return reply
    .status(status)
    .type('application/json; charset=utf-8')
    .send(json as never);
}

/** /api/v1 entities, links and persons (DESIGN §3, §6). */
export function graphRoutes(service: GraphService) {
  return async function routes(fastify: FastifyInstance) {
    const app = fastify.withTypeProvider<ZodTypeProvider>();

    app.post(
      '/api/v1/entities',
      {
        schema: {
          tags: entityTags,
          summary: 'Create an entity',
          description:
            "Properties are validated by the type's schema (packages/shared/src/entities.ts). source + externalId are unique per owner (409 already_exists).",
          body: entityCreateInputSchema,
          response: { 201: entityOrPersonSchema, ...errorResponses, ...conflict },
        },
      },
      async (request, reply) => {
        const user = await requireUser(request);
        return sendJson(reply, 201, await service.createEntityJson(user, request.body as never));
      },
    );

    app.get(
      '/api/v1/entities',
      {
        schema: {
          tags: entityTags,
          summary: 'List entities, newest first (oldest first with updatedSince)',
          description:
            'Filters: type, q (title prefix, case-insensitive), updatedSince (ISO date-time; the list then runs oldest first, for sync), includeDeleted. ' +
            'Pages of `limit` (1-500, default 50); pass `nextCursor` back as `cursor` for the next page (null on the last).',
          querystring: entityListQuerySchema,
          response: { 200: entityPageSchema, ...errorResponses },
        },
      },
      async (request, reply) => {
        const user = await requireUser(request);
        return sendJson(reply, 200, await service.listEntitiesJson(user, request.query));
      },
    );

    app.get(
      '/api/v1/entities/:id',
      {
        schema: {
          tags: entityTags,
          summary: 'Get an entity (a person with its identifiers)',
          description:
            'Deleted and unknown ids are 404 not_found. A person merged into another is 404 with code `merged` and `details.mergedIntoId`.',
          params: idParamsSchema,
          response: { 200: entityOrPersonSchema, ...errorResponses },
        },
      },
      async (request, reply) => {
        const user = await requireUser(request);
        return sendJson(reply, 200, await service.getEntityJson(user, request.params.id));
      },
    );

    app.patch(
      '/api/v1/entities/:id',
      {
        schema: {
          tags: entityTags,
          summary: 'Change an entity (optimistic concurrency)',
          description:
            "`version` is the version you read; a stale one is 409 version_conflict with details.currentVersion. `properties` replace the old ones whole and are validated by the type's schema.",
          params: idParamsSchema,
          body: entityUpdateInputSchema,
          response: { 200: entityOrPersonSchema, ...errorResponses, ...conflict },
        },
      },
      async (request) => {
        const user = await requireUser(request);
        return service.updateEntity(user, request.params.id, request.body);
      },
    );

    app.delete(
      '/api/v1/entities/:id',
      {
        schema: {
          tags: entityTags,
          summary: 'Delete an entity (soft delete; a person releases its identifiers)',
          params: idParamsSchema,
          response: { 204: z.null().describe('Deleted'), ...errorResponses },
        },
      },
      async (request, reply) => {
        const user = await requireUser(request);
        await service.deleteEntity(user, request.params.id);
        return reply.status(204).send(null);
      },
    );

    app.get(
      '/api/v1/entities/:id/links',
      {
        schema: {
          tags: entityTags,
          summary: "An entity's links, each with the entity at the other end",
          description: 'Oldest first; links to deleted entities are left out. At most `limit` (default 500, max 1000).',
          params: idParamsSchema,
          querystring: linksQuerySchema,
          response: { 200: entityLinksSchema, ...errorResponses },
        },
      },
      async (request) => {
        const user = await requireUser(request);
        return { items: await service.linksOf(user, request.params.id, request.query.limit) };
      },
    );

    app.post(
      '/api/v1/links',
      {
        schema: {
          tags: entityTags,
          summary: 'Link two entities (a typed edge: from, to, with, attendee, works_at, ...)',
          description:
            'Both must be your own live entities (404 otherwise). The same kind between the same two is 409 link_exists.',
          body: linkCreateInputSchema,
          response: { 201: linkSchema, ...errorResponses, ...conflict },
        },
      },
      async (request, reply) => {
        const user = await requireUser(request);
        return reply.status(201).send(await service.createLink(user, request.body));
      },
    );

    app.delete(
      '/api/v1/links/:id',
      {
        schema: {
          tags: entityTags,
          summary: 'Delete a link',
          params: idParamsSchema,
          response: { 204: z.null().describe('Deleted'), ...errorResponses },
        },
      },
      async (request, reply) => {
        const user = await requireUser(request);
        await service.deleteLink(user, request.params.id);
        return reply.status(204).send(null);
      },
    );

    app.post(
      '/api/v1/persons',
      {
        schema: {
          tags: entityTags,
          summary: 'Create a person with phones and emails',
          description:
            'Phones are normalised to E.164 (national numbers without a country code use defaultCountry, else the account default region), emails trimmed and lowercased. ' +
            'A phone or email that already belongs to another person stays with that person: the new one is created all the same, keeps it as a display copy in its properties, ' +
            'and `duplicates` names the other person with the reasons (same_email, same_phone), so a client can offer to merge them (POST /persons/:id/merge). ' +
            'The pair also appears in GET /persons/suggestions.',
          body: personCreateInputSchema,
          response: { 201: personCreatedSchema, ...errorResponses, ...conflict },
        },
      },
      async (request, reply) => {
        const user = await requireUser(request);
        return reply.status(201).send(await service.createPerson(user, request.body));
      },
    );

    app.get(
      '/api/v1/persons/lookup',
      {
        schema: {
          tags: entityTags,
          summary: 'Find the person with a phone number or email address, in any format',
          querystring: personLookupQuerySchema,
          response: { 200: personSchema, ...errorResponses },
        },
      },
      async (request) => {
        const user = await requireUser(request);
        return service.lookupPerson(user, request.query);
      },
    );

    app.post(
      '/api/v1/persons/:id/identifiers',
      {
        schema: {
          tags: entityTags,
          summary: 'Add a phone or email to a person',
          params: idParamsSchema,
          body: identifierCreateInputSchema,
          response: { 201: personSchema, ...errorResponses, ...conflict },
        },
      },
      async (request, reply) => {
        const user = await requireUser(request);
        return reply.status(201).send(await service.addIdentifier(user, request.params.id, request.body));
      },
    );

    app.delete(
      '/api/v1/persons/:id/identifiers/:identifierId',
      {
        schema: {
          tags: entityTags,
          summary: 'Remove a phone or email from a person',
          params: identifierParamsSchema,
          response: { 200: personSchema, ...errorResponses },
        },
      },
      async (request) => {
        const user = await requireUser(request);
        return service.removeIdentifier(user, request.params.id, request.params.identifierId);
      },
    );

    app.post(
      '/api/v1/persons/:id/merge',
      {
        schema: {
          tags: entityTags,
          summary: 'Merge another person into this one',
          description:
            "Links and identifiers of `otherId` move to this person, which takes the other's properties it lacks. The other is kept as a tombstone: " +
            'GET of its id is then 404 with code `merged` and details.mergedIntoId. The merge is journalled: `mergeId` in the answer undoes it (POST /persons/merges/:mergeId/undo).',
          params: idParamsSchema,
          body: personMergeInputSchema,
          response: { 200: personMergedSchema, ...errorResponses },
        },
      },
      async (request) => {
        const user = await requireUser(request);
        return service.mergePersons(user, request.params.id, request.body.otherId);
      },
    );
  };
}
