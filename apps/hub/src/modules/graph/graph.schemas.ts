import {
  entityCreateInputSchema,
  entityLinksSchema,
  entityListQuerySchema,
  entityPageSchema,
  entitySchema,
  entityUpdateInputSchema,
  identifierCreateInputSchema,
  linkCreateInputSchema,
  linkSchema,
  personCreateInputSchema,
  personCreatedSchema,
  personLookupQuerySchema,
  personMergeInputSchema,
  personMergedSchema,
  personSchema,
  uuidSchema,
} from '@made-open/shared';
import { z } from 'zod';

/** HTTP shapes of the graph routes; the DTOs themselves live in packages/shared (entities.ts). */
export {
  entityCreateInputSchema,
  entityLinksSchema,
  entityListQuerySchema,
  entityPageSchema,
  entityUpdateInputSchema,
  identifierCreateInputSchema,
  linkCreateInputSchema,
  linkSchema,
  personCreateInputSchema,
  personCreatedSchema,
  personLookupQuerySchema,
  personMergeInputSchema,
  personMergedSchema,
  personSchema,
};

export const idParamsSchema = z.strictObject({ id: uuidSchema });
export const identifierParamsSchema = z.strictObject({ id: uuidSchema, identifierId: uuidSchema });
export const linksQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(1000).default(500),
});

/** An entity; persons also carry their identifiers. */
export const entityOrPersonSchema = z.union([personSchema, entitySchema]);

export const errorSchema = z.object({
  error: z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() }),
});

export const errorResponses = {
  400: errorSchema.describe('Malformed id, body or query'),
  401: errorSchema.describe('No or invalid access token'),
  404: errorSchema.describe(
    "Unknown id, or another user's (code merged: the person was merged; details.mergedIntoId names the survivor)",
  ),
} as const;
