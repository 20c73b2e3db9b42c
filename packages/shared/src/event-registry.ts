import type { z } from 'zod';
import { authEvents } from './auth-events.ts';
import { calendarEvents } from './calendar-events.ts';
import { commsEvents } from './comms-events.ts';
import { connectorEvents } from './connector-events.ts';
import { deviceEvents } from './devices.ts';
import { graphEvents } from './graph-events.ts';
import { locationEvents } from './location-events.ts';
import { pluginEvents } from './plugin-events.ts';
import { presenceEvents } from './presence-events.ts';
import { ruleEvents } from './rule-events.ts';
import { storageEvents } from './storage-events.ts';
import { walletEvents } from './wallet-events.ts';
import {
  actorSchema,
  eventTypeSchema,
  type EventDefinition,
  type EventMapOf,
  type NewEventOf,
  type UncheckedEvent,
} from './events.ts';

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The registry of versioned event schemas. Appending an event whose type or version is
 * not registered, or whose data fails its schema, is a bug: the outbox refuses it.
 *
 * Routing (DESIGN §4): every event goes to one primary stream, chosen by its type's
 * domain, and security-relevant events also go to the audit stream.
 *   connector.*                     -> connector.<ownerId>.<type>   (stream connector-data)
 *   everything else                 -> platform.<ownerId>.<type>    (stream platform-events)
 *   audited (see isAuditedType)     -> audit.<ownerId>.<type>       (stream audit-log), too
 */
export type EventStreamName = 'platform-events' | 'connector-data' | 'audit-log';

/** The domain of a dotted type: `data` for `data.EntityDeleted`. */
type DomainOf<Type extends string> = Type extends `${infer Domain}.${string}` ? Domain : never;

/** Domains whose every event is audited: who signed in, what was granted, what ran. */
export const auditedDomains = [
  'auth',
  'policy',
  'capability',
  'wallet',
  'plugin',
] as const satisfies readonly DomainOf<PlatformEventType>[];
/** Single audited types from otherwise unaudited domains: destructive changes to the graph. */
export const auditedTypes = [
  'data.EntityDeleted',
  'data.PersonsMerged',
  'connector.Connected',
  'connector.Disconnected',
  'connector.Reconfigured',
] as const satisfies readonly PlatformEventType[];

export function isAuditedType(type: string): boolean {
  const domain = type.slice(0, type.indexOf('.'));
  return (auditedDomains as readonly string[]).includes(domain) || (auditedTypes as readonly string[]).includes(type);
}

export function primaryStreamOf(type: string): Exclude<EventStreamName, 'audit-log'> {
  return type.startsWith('connector.') ? 'connector-data' : 'platform-events';
}

const subjectPrefix: Record<EventStreamName, string> = {
  'platform-events': 'platform',
  'connector-data': 'connector',
  'audit-log': 'audit',
};

/** The transport subject of an event on a stream: `<prefix>.<ownerId>.<type>`. */
export function transportSubject(stream: EventStreamName, ownerId: string, type: string): string {
  return `${subjectPrefix[stream]}.${ownerId}.${type}`;
}

/** The streams an event is published to: its primary stream, and audit-log when audited. */
export function streamsOf(type: string): EventStreamName[] {
  return isAuditedType(type) ? [primaryStreamOf(type), 'audit-log'] : [primaryStreamOf(type)];
}

export interface EventRegistry<Map = PlatformEventMap> {
  /** Every registered definition, all versions. */
  readonly definitions: readonly EventDefinition[];
  has(type: string, v?: number): boolean;
  /** The newest registered version of a type. */
  latestVersion(type: string): number | undefined;
  /**
   * Checks an event about to be appended and returns its data as parsed by the schema
   * (defaults applied, unknown keys stripped). Throws `InvalidEventError` otherwise. Typed
   * writers cannot get this wrong at compile time; this catches what the compiler cannot
   * see (casts, plugin input, a schema's refinements).
   */
  validate(event: UncheckedEvent): { v: number; data: Record<string, unknown> };
  /** Compile time only (never set): the event map, so an outbox over this registry is typed by it. */
  readonly eventMap?: Map;
}

/** Appending an event that is not registered or does not match its schema: a bug. */
export class InvalidEventError extends Error {
  constructor(
    message: string,
    readonly issues?: unknown,
  ) {
    super(message);
    this.name = 'InvalidEventError';
  }
}

export function createEventRegistry<const Definitions extends readonly EventDefinition[]>(
  definitions: Definitions,
): EventRegistry<EventMapOf<Definitions[number]>> {
  const byType = new Map<string, Map<number, EventDefinition>>();
  for (const definition of definitions) {
    eventTypeSchema.parse(definition.type);
    const versions = byType.get(definition.type) ?? new Map<number, EventDefinition>();
    if (versions.has(definition.v)) throw new Error(`Event ${definition.type} v${definition.v} is registered twice`);
    versions.set(definition.v, definition);
    byType.set(definition.type, versions);
  }
  const latest = (type: string) => {
    const versions = byType.get(type);
    return versions ? Math.max(...versions.keys()) : undefined;
  };
  return {
    definitions,
    has: (type, v) => (v === undefined ? byType.has(type) : (byType.get(type)?.has(v) ?? false)),
    latestVersion: latest,
    validate(event) {
      const versions = byType.get(event.type);
      if (!versions) throw new InvalidEventError(`Event type ${event.type} is not registered in event-registry.ts`);
      if (typeof event.ownerId !== 'string' || !uuidPattern.test(event.ownerId)) {
        throw new InvalidEventError(`Event ${event.type} needs ownerId to be a uuid`);
      }
      if (typeof event.subject !== 'string' || event.subject.length === 0 || event.subject.length > 300) {
        throw new InvalidEventError(`Event ${event.type} needs a subject of 1 to 300 characters`);
      }
      if (!actorSchema.safeParse(event.actor).success) {
        throw new InvalidEventError(
          `Event ${event.type} needs an actor { kind: user | plugin | rule | connector | ai | system, id }`,
        );
      }
      const v = event.v ?? latest(event.type)!;
      const definition = versions.get(v);
      if (!definition) throw new InvalidEventError(`Event type ${event.type} has no registered version ${v}`);
      const parsed = (definition.data as z.ZodType).safeParse(event.data);
      if (!parsed.success) {
        throw new InvalidEventError(
          `Event ${event.type} v${v} data does not match its schema: ${parsed.error.issues
            .map((issue) => `${issue.path.join('.') || 'data'}: ${issue.message}`)
            .join('; ')}`,
          parsed.error.issues,
        );
      }
      if (parsed.data === null || typeof parsed.data !== 'object' || Array.isArray(parsed.data)) {
        throw new InvalidEventError(`Event ${event.type} v${v} data must be an object`);
      }
      return { v, data: parsed.data as Record<string, unknown> };
    },
  };
}

/** Every domain's definitions. Add your domain's list here. */
export const allEventDefinitions = [
  ...authEvents,
  ...walletEvents,
  ...pluginEvents,
  ...graphEvents,
  ...storageEvents,
  ...connectorEvents,
  ...commsEvents,
  ...presenceEvents,
  ...ruleEvents,
  ...locationEvents,
  ...deviceEvents,
  ...calendarEvents,
] as const;

/** Every registered event type and the data its writers supply. */
export type PlatformEventMap = EventMapOf<(typeof allEventDefinitions)[number]>;
export type PlatformEventType = keyof PlatformEventMap;
/** The data of one event type, as its writer supplies it. */
export type EventData<Type extends PlatformEventType> = PlatformEventMap[Type];
/**
 * An event a hub module may append: an unknown type, or data that does not match its
 * type's schema, fails to compile. `NewEvent<'a' | 'b'>` narrows it to some types.
 */
export type NewEvent<Type extends PlatformEventType = PlatformEventType> = NewEventOf<PlatformEventMap, Type>;
/** The events an outbox over `registry` accepts (tests with their own types). */
export type NewEventFor<Registry> = Registry extends EventRegistry<infer Map> ? NewEventOf<Map> : never;

export const eventRegistry: EventRegistry = createEventRegistry(allEventDefinitions);
