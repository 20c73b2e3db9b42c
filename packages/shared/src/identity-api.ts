import { z } from 'zod';
import { personSchema, uuidSchema } from './entities.ts';

/**
 * Identity resolution (issue 17): suggested duplicates, their review, and merges that can
 * be undone. The hub's identity module serves these under /api/v1/persons.
 */

/** Why two persons look like one, as the matcher found it (apps/hub identity.scoring.ts). */
export const matchReasonSchema = z.discriminatedUnion('code', [
  z.object({ code: z.literal('same_email'), value: z.string() }),
  z.object({ code: z.literal('same_phone'), value: z.string() }),
  z.object({ code: z.literal('same_name') }),
  z.object({ code: z.literal('similar_name'), similarity: z.number() }),
  z.object({ code: z.literal('nickname'), names: z.tuple([z.string(), z.string()]) }),
  z.object({ code: z.literal('swapped_names') }),
  z.object({ code: z.literal('same_organization'), value: z.string() }),
  z.object({ code: z.literal('different_organization') }),
  z.object({ code: z.literal('different_phones') }),
  z.object({ code: z.literal('different_emails') }),
]);
export type MatchReasonDto = z.infer<typeof matchReasonSchema>;

/** What the review queue shows of each person: enough to compare them side by side. */
export const personSummarySchema = z.object({
  id: uuidSchema,
  name: z.string(),
  organization: z.string().nullable(),
  jobTitle: z.string().nullable(),
  emails: z.array(z.string()),
  phones: z.array(z.string()),
  /** Links to messages, calls, notes, events, people: how much history each has. */
  linkCount: z.number().int(),
  createdAt: z.string(),
  source: z.string().nullable(),
});
export type PersonSummary = z.infer<typeof personSummarySchema>;

export const suggestionStatusSchema = z.enum(['open', 'accepted', 'dismissed']);

export const suggestionSchema = z.object({
  id: uuidSchema,
  score: z.number(),
  reasons: z.array(matchReasonSchema),
  status: suggestionStatusSchema,
  /** In uuid order; `accept` keeps `a` unless told otherwise. */
  a: personSummarySchema,
  b: personSummarySchema,
  createdAt: z.string(),
  /** The merge that accepted it, which can be undone. */
  mergeId: uuidSchema.nullable(),
});
export type Suggestion = z.infer<typeof suggestionSchema>;

export const suggestionPageSchema = z.object({
  items: z.array(suggestionSchema),
  /** Open suggestions in all (the badge count); the same for every page. */
  total: z.number().int(),
  nextCursor: z.string().nullable(),
});
export type SuggestionPage = z.infer<typeof suggestionPageSchema>;

export const suggestionListQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(200).optional(),
});

export const suggestionAcceptInputSchema = z
  .strictObject({
    /** The person to keep (one of the pair); the other is folded into it. Default: the older one. */
    keepId: uuidSchema.optional(),
  })
  .default({});

/** The answer to accept: the merged person and the merge to undo. */
export const suggestionAcceptedSchema = z.object({
  suggestionId: uuidSchema,
  mergeId: uuidSchema,
  person: personSchema,
});

export const mergeUndoneSchema = z.object({
  mergeId: uuidSchema,
  survivor: personSchema,
  restored: personSchema,
});

/** POST /persons: the person, and the persons it looks like (an email or phone they already have). */
export const duplicateNoticeSchema = z.object({
  personId: uuidSchema,
  name: z.string(),
  reasons: z.array(matchReasonSchema),
});
export type DuplicateNotice = z.infer<typeof duplicateNoticeSchema>;

export const personCreatedSchema = personSchema.extend({ duplicates: z.array(duplicateNoticeSchema) });
export type PersonCreated = z.infer<typeof personCreatedSchema>;

/** POST /persons/:id/merge answers the survivor with the id of the merge, to undo it. */
export const personMergedSchema = personSchema.extend({ mergeId: uuidSchema });
