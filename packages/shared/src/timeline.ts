import { z } from 'zod';
import { entityTypeSchema, uuidSchema } from './entities.ts';

/**
 * Timeline and "Today" (issue 17 §3-4): the DTOs of GET /api/v1/persons/:id/timeline,
 * GET /api/v1/today and POST /api/v1/tasks/:id/complete. Pure. Mentions: mentions.ts.
 */

// ---------------------------------------------------------------------------------------
// GET /api/v1/persons/:id/timeline

export const timelineTypes = [
  'message',
  'call',
  'calendar_event',
  'note',
  'task',
  'file',
  'organization',
  'place',
] as const;

export const timelineQuerySchema = z.strictObject({
  cursor: z
    .string()
    .max(200)
    .regex(/^[\w-]+$/, 'Not a cursor this API returned.')
    .optional(),
  limit: z.coerce.number().int().min(1).max(200).default(30),
  /** Comma-separated entity types, e.g. `message,call`. */
  types: z
    .string()
    .max(200)
    .transform((value, ctx) => {
      const parts = [
        ...new Set(
          value
            .split(',')
            .map((part) => part.trim())
            .filter(Boolean),
        ),
      ];
      for (const part of parts) {
        if (!(timelineTypes as readonly string[]).includes(part)) {
          ctx.addIssue({
            code: 'custom',
            message: `Unknown type "${part.slice(0, 40)}": use ${timelineTypes.join(', ')}.`,
          });
          return z.NEVER;
        }
      }
      return parts as (typeof timelineTypes)[number][];
    })
    .optional(),
});
export type TimelineQuery = z.infer<typeof timelineQuerySchema>;

export const timelineItemSchema = z.object({
  id: uuidSchema,
  type: entityTypeSchema,
  title: z.string(),
  /** The first 280 characters of the body. */
  excerpt: z.string(),
  properties: z.record(z.string(), z.unknown()),
  /**
   * The entity's own time, which orders the timeline: a message's or call's occurredAt
   * (sent, started), an event's startsAt, a task's dueAt, otherwise when it was last updated.
   */
  at: z.string(),
  /** How it is linked to the person (from, to, with, mentions, about, ...). */
  linkKinds: z.array(z.string()),
});
export type TimelineItem = z.infer<typeof timelineItemSchema>;

export const timelinePageSchema = z.object({ items: z.array(timelineItemSchema), nextCursor: z.string().nullable() });
export type TimelinePage = z.infer<typeof timelinePageSchema>;

// ---------------------------------------------------------------------------------------
// GET /api/v1/today: what needs attention.

export const todayQuerySchema = z.strictObject({
  /** The reader's time zone (IANA), so "today" is their day; default UTC. */
  timeZone: z
    .string()
    .max(64)
    .regex(/^[A-Za-z0-9_+\-/]+$/, 'Must be an IANA time zone like Europe/London.')
    .optional(),
  /** How many days ahead occasions count as "this week" (default 7). */
  days: z.coerce.number().int().min(1).max(31).default(7),
  recent: z.coerce.number().int().min(0).max(50).default(10),
});
export type TodayQuery = z.infer<typeof todayQuerySchema>;

export const occasionSchema = z.object({
  personId: uuidSchema,
  name: z.string(),
  kind: z.enum(['birthday', 'anniversary']),
  /** The anniversary's label ("Wedding"); "Birthday" for birthdays. */
  label: z.string(),
  /** The next date it falls on (YYYY-MM-DD, in the reader's time zone). */
  date: z.string(),
  /** 0 today, 1 tomorrow, ... */
  inDays: z.number().int(),
  /** The age or the number of years, when the year is known. */
  years: z.number().int().nullable(),
});
export type Occasion = z.infer<typeof occasionSchema>;

export const todayTaskSchema = z.object({
  id: uuidSchema,
  title: z.string(),
  version: z.number().int(),
  dueAt: z.string().nullable(),
  status: z.string(),
  /** The person it is about, if any. */
  person: z.object({ id: uuidSchema, name: z.string() }).nullable(),
  /** A stay-in-touch reminder made by the hub. */
  reminder: z.boolean(),
});
export type TodayTask = z.infer<typeof todayTaskSchema>;

export const recentItemSchema = timelineItemSchema.omit({ linkKinds: true }).extend({
  people: z.array(z.object({ id: uuidSchema, name: z.string() })),
});
export type RecentItem = z.infer<typeof recentItemSchema>;

export const todaySchema = z.object({
  date: z.string(),
  occasions: z.array(occasionSchema),
  tasks: z.array(todayTaskSchema),
  recent: z.array(recentItemSchema),
  /** How many people you have: 0 means a new account (the page says what to do first). */
  people: z.number().int(),
});
export type Today = z.infer<typeof todaySchema>;

/** POST /api/v1/tasks/:id/complete */
export const taskCompleteInputSchema = z.strictObject({ version: z.number().int().positive() });
