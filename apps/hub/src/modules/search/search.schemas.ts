import { entityTypes } from '@made-open/shared';
import { z } from 'zod';

const noNul = (value: string) => !value.includes('\u0000');
const list = /^[a-z_]+(,[a-z_]+)*$/;

export const searchQuerySchema = z.strictObject({
  q: z.string().max(500, 'q is at most 500 characters.').refine(noNul, 'q cannot contain NUL characters.'),
  /** Comma-separated entity types, e.g. person,message. */
  types: z
    .string()
    .max(300)
    .regex(list, `types is a comma-separated list of: ${entityTypes.join(', ')}.`)
    .optional(),
  /** Comma-separated key:value pairs: source:<name> (repeatable), after:<date>, before:<date>. */
  filters: z.string().max(1000).refine(noNul, 'filters cannot contain NUL characters.').optional(),
  /** Comma-separated facets to count: type, source. */
  facets: z.string().max(100).regex(list, 'facets is a comma-separated list of: type, source.').optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  offset: z.coerce.number().int().min(0).max(900).default(0),
});
export type SearchQueryInput = z.infer<typeof searchQuerySchema>;

export const searchHitSchema = z.object({
  id: z.string(),
  type: z.string(),
  title: z.string(),
  /** HTML-escaped text with the matching words wrapped in <mark>…</mark>. */
  snippet: z.string(),
  score: z.number().optional(),
});

export const searchResultSchema = z.object({
  hits: z.array(searchHitSchema),
  facets: z.record(z.string(), z.record(z.string(), z.number())),
  estimatedTotal: z.number().int(),
  processingTimeMs: z.number(),
});

export const peopleQuerySchema = z.strictObject({
  q: z.string().min(1, 'Type something to search for.').max(200).refine(noNul, 'q cannot contain NUL characters.'),
  limit: z.coerce.number().int().min(1).max(20).default(8),
});

export const peopleResultSchema = z.object({
  hits: z.array(searchHitSchema.omit({ type: true })),
  processingTimeMs: z.number(),
});
