import { z } from 'zod';
import { entitySchema, identifierSchema, linkSchema } from './entities.ts';
import { defineEvent } from './events.ts';

/**
 * Graph events (DESIGN §3/§4). Each carries the full entity (or link) snapshot after the
 * change, so the search indexer and realtime push never read back. Subject: the entity id
 * (the survivor's for PersonsMerged, the link id for Link*). ownerId is the graph's owner.
 */

/** Entity fields a change can touch, as named in `changed`. */
export const entityFieldNames = [
  'title',
  'body',
  'properties',
  'occurredAt',
  'deletedAt',
  'mergedIntoId',
  'identifiers',
] as const;

export const entityCreated = defineEvent(
  'data.EntityCreated',
  1,
  z.object({
    entity: entitySchema,
    /** A person's identifiers (normalised phones and emails), when it was created with some. */
    identifiers: z.array(identifierSchema).optional(),
  }),
);

export const entityUpdated = defineEvent(
  'data.EntityUpdated',
  1,
  z.object({
    entity: entitySchema,
    /** The fields whose value changed (camelCase); `identifiers` when a person's changed. */
    changed: z.array(z.enum(entityFieldNames)).min(1),
    /** A person's identifiers after the change, when `changed` includes identifiers. */
    identifiers: z.array(identifierSchema).optional(),
  }),
);

export const entityDeleted = defineEvent('data.EntityDeleted', 1, z.object({ entity: entitySchema }));

export const personsMerged = defineEvent(
  'data.PersonsMerged',
  1,
  z.object({
    /** The person that remains, after the merge. */
    survivor: entitySchema,
    /** The folded person: a tombstone with deletedAt and mergedIntoId = survivor.id. */
    merged: entitySchema,
    /** Links that now point at the survivor instead. */
    movedLinkIds: z.array(z.uuid()),
    /** Links dropped because the survivor already had the same one, or they joined the two. */
    droppedLinkIds: z.array(z.uuid()),
    /** Identifiers that now belong to the survivor. */
    movedIdentifiers: z.array(identifierSchema),
  }),
);

export const linkCreated = defineEvent('data.LinkCreated', 1, z.object({ link: linkSchema }));

export const linkDeleted = defineEvent('data.LinkDeleted', 1, z.object({ link: linkSchema }));

export const graphEvents = [
  entityCreated,
  entityUpdated,
  entityDeleted,
  personsMerged,
  linkCreated,
  linkDeleted,
] as const;
