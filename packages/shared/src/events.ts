import { z } from 'zod';

/**
 * The event envelope (DESIGN §4). Every significant state change is one of these,
 * written to the outbox in the same transaction as the change.
 */
export const actorSchema = z.object({
  kind: z.enum(['user', 'plugin', 'connector', 'system']),
  id: z.string().min(1).max(200),
});
export type Actor = z.infer<typeof actorSchema>;

export const eventTypeSchema = z
  .string()
  .regex(/^[a-z][a-zA-Z0-9]*(\.[A-Za-z][A-Za-z0-9]*)+$/, 'event types are dotted, like data.EntityCreated');

export const eventEnvelopeSchema = z.object({
  id: z.string().uuid(),
  type: eventTypeSchema,
  ownerId: z.string().uuid(),
  /** What the event is about, usually an entity id. */
  subject: z.string().min(1).max(300),
  time: z.string().datetime({ offset: true }),
  actor: actorSchema,
  data: z.record(z.string(), z.unknown()),
  /** Version of the `data` schema for this type. */
  v: z.number().int().positive(),
});
export type EventEnvelope<Data = Record<string, unknown>> = Omit<z.infer<typeof eventEnvelopeSchema>, 'data'> & {
  data: Data;
};

/** What a writer supplies; id and time are assigned by the outbox. */
export type NewEvent<Data = Record<string, unknown>> = Pick<
  EventEnvelope<Data>,
  'type' | 'ownerId' | 'subject' | 'actor' | 'data'
> & {
  v?: number;
};

/** A versioned event type: its name, the version of its data, and the data's schema. */
export interface EventDefinition<Type extends string = string, Data extends z.ZodType = z.ZodType> {
  type: Type;
  v: number;
  data: Data;
}

/**
 * Declares an event type. Each domain keeps its definitions in its own file
 * (graph-events.ts, auth-events.ts, ...); event-registry.ts collects them.
 */
export function defineEvent<Type extends string, Data extends z.ZodType>(
  type: Type,
  v: number,
  data: Data,
): EventDefinition<Type, Data> {
  eventTypeSchema.parse(type);
  return { type, v, data };
}
