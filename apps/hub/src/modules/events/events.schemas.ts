import { actorSchema } from '@made-open/shared';
import { z } from 'zod';

export const eventSchema = z.object({
  id: z.string().uuid(),
  type: z.string(),
  ownerId: z.string().uuid(),
  subject: z.string(),
  time: z.string(),
  /** Who acted; for automated reactions also the event that caused it and the chain's depth. */
  actor: actorSchema,
  data: z.record(z.string(), z.unknown()),
  v: z.number().int(),
});

export const listEventsQuery = z.object({
  after: z
    .string()
    .regex(
      /^(\d{1,19}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i,
      'after must be an event id or a cursor returned by this endpoint',
    )
    .optional()
    .describe('An event id or a cursor (nextCursor, or an SSE id): only events published after it.'),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

export const eventPageSchema = z.object({
  events: z.array(eventSchema.extend({ cursor: z.string() })),
  /** Pass as `after` to continue; equal to the request's position when there is nothing new. */
  nextCursor: z.string(),
});

export const deadLettersQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

export const deadLettersSchema = z.object({
  deadLetters: z.array(
    z.object({
      consumer: z.string(),
      event: eventSchema,
      attempts: z.number().int(),
      failedAt: z.string(),
    }),
  ),
});
