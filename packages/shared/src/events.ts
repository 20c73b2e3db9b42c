import { z } from 'zod';

/**
 * The event envelope (DESIGN §4). Every significant state change is one of these,
 * written to the outbox in the same transaction as the change.
 */
export const actorSchema = z.object({
  kind: z.enum(['user', 'plugin', 'rule', 'connector', 'ai', 'system']),
  id: z.string().min(1).max(200),
  /**
   * Causation: the event whose handling made this actor act. Absent when a person (or a
   * connector bringing data in) acted of their own accord.
   */
  causedBy: z.string().uuid().optional(),
  /** Automated steps between a person's or connector's action and this event: 0 or absent for theirs. */
  depth: z.number().int().min(0).max(1000).optional(),
  /** The rule run whose step caused this event (the rules loop guard follows it). */
  runId: z.string().uuid().optional(),
  /**
   * Items brought in by an import or a connector's initial sync (history, not news): rules
   * ignore them unless a rule opts in (includeBackfill).
   */
  backfill: z.boolean().optional(),
});
export type Actor = z.infer<typeof actorSchema>;

/**
 * How deep a chain of automated reactions (plugin on event on plugin ...) may go. An event
 * at this depth triggers nothing more, so reactions that feed each other stop.
 */
export const maxCausationDepth = 8;

/** The actor for something `actor` does in reaction to `cause`: one step deeper in its chain. */
export function reactingTo(cause: Pick<EventEnvelope, 'id' | 'actor'>, actor: Pick<Actor, 'kind' | 'id'>): Actor {
  return { kind: actor.kind, id: actor.id, causedBy: cause.id, depth: (cause.actor.depth ?? 0) + 1 };
}

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

/**
 * What a writer supplies, unchecked: id and time are assigned by the outbox. Code that
 * writes events uses the typed `NewEvent` (event-registry.ts); this shape is for runtime
 * validation of input the compiler cannot see (a plugin's emit, a test's bad event).
 */
export interface UncheckedEvent {
  type: string;
  ownerId: string;
  subject: string;
  actor: Actor;
  data: unknown;
  v?: number;
}

/** Event type -> the data a writer supplies for it (the schema's input, any registered version). */
export type EventMapOf<Definition extends EventDefinition> = {
  [Type in Definition['type']]: z.input<Extract<Definition, { type: Type }>['data']>;
};

/** One event a writer may append under `Map`: a union discriminated by `type`. */
export type NewEventOf<Map, Type extends keyof Map & string = keyof Map & string> = {
  [T in Type]: {
    type: T;
    ownerId: string;
    subject: string;
    actor: Actor;
    data: Map[T];
    /** Defaults to the newest registered version. */
    v?: number;
  };
}[Type];

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
