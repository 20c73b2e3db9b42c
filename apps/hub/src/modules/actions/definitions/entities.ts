import {
  entityCreateInputSchema,
  entityListQuerySchema,
  entityUpdateInputSchema,
  type EntityCreateInput,
} from '@made-open/shared/entities';
import { z } from 'zod';
import { ActionError, defineAction, type ActionContext, type Principal } from '../actions.types.ts';

/** Entities cross as plain JSON: the graph's renderer decides the fields. */
const entityJson = z.looseObject({ id: z.string(), type: z.string() });
const entityId = z.string().uuid();

async function readEntity(context: ActionContext, id: string) {
  return JSON.parse(await context.deps.graph.getEntityJson(context.caller, id, context.tx)) as z.infer<
    typeof entityJson
  >;
}

/** Provenance: a principal acting for a user is the source of what it creates (it cannot claim a connector's). */
const sourceOf = (principal: Principal, input: EntityCreateInput) =>
  principal.kind === 'user' ? input.source : `${principal.kind}.${principal.id}`.slice(0, 64);

export const entitiesGet = defineAction({
  name: 'entities.get',
  description: "Reads one of the owner's entities (a person with its identifiers).",
  input: z.object({ id: entityId }),
  inputLabel: 'entity id',
  output: entityJson,
  lookup: (context, input) => readEntity(context, input.id),
  permission: (input, entity) => [
    { permission: `entities:read:${entity.type}`, resource: input.id, what: `read ${entity.type} entities` },
  ],
  run: async (_context, _input, entity) => entity,
});

// A principal never lists deleted entities: the API's sync flag is dropped, as before.
const listQuery = z.preprocess(
  (value) => (value && typeof value === 'object' ? { ...value, includeDeleted: undefined } : value),
  entityListQuerySchema,
);

export const entitiesQuery = defineAction({
  name: 'entities.query',
  description: "Lists the owner's entities, newest first, by type and title prefix, a page at a time.",
  input: listQuery,
  inputLabel: 'query',
  output: z.object({ items: z.array(entityJson), nextCursor: z.string().nullable() }),
  permission: (query) => [
    {
      permission: `entities:read:${query.type ?? '*'}`,
      resource: query.type ?? null,
      what: `read ${query.type ?? 'all'} entities`,
    },
  ],
  run: async (context, query) =>
    JSON.parse(await context.deps.graph.listEntitiesJson(context.caller, query, context.tx)) as {
      items: z.infer<typeof entityJson>[];
      nextCursor: string | null;
    },
});

export const entitiesCreate = defineAction({
  name: 'entities.create',
  description: "Creates an entity in the owner's graph, with the principal as its source.",
  // The schema is a union built per entity type: its inferred type is looser than EntityCreateInput.
  input: entityCreateInputSchema as unknown as z.ZodType<EntityCreateInput>,
  inputLabel: 'entity',
  output: entityJson,
  permission: (input) => [
    { permission: `entities:write:${input.type}`, resource: input.type, what: `create ${input.type} entities` },
  ],
  run: async (context, input) => {
    const item = { ...input, source: sourceOf(context.principal, input) } as EntityCreateInput;
    return JSON.parse(await context.deps.graph.createEntityJson(context.caller, item, context.tx)) as z.infer<
      typeof entityJson
    >;
  },
});

export const entitiesUpdate = defineAction({
  name: 'entities.update',
  description: 'Changes the title, body, properties or time of an entity at the version the caller read.',
  input: z.object({ id: entityId, input: entityUpdateInputSchema }),
  inputLabel: 'entity update',
  output: entityJson,
  lookup: (context, input) => readEntity(context, input.id),
  permission: (input, current) => [
    { permission: `entities:write:${current.type}`, resource: input.id, what: `change ${current.type} entities` },
  ],
  run: async (context, input) =>
    (await context.deps.graph.updateEntity(context.caller, input.id, input.input, context.tx)) as unknown as z.infer<
      typeof entityJson
    >,
});

/**
 * Adds a tag to a person, or takes it off (`remove`): the rules' "tag a person" (issue 14).
 * A read-modify-write at the version just read, so a concurrent edit makes it fail (409)
 * rather than lose that edit; a tag already there (or already gone) changes nothing.
 */
export const personsTag = defineAction({
  name: 'persons.tag',
  description: 'Adds a tag to a person, or removes it with remove: true.',
  input: z.strictObject({
    personId: entityId,
    tag: z.string().trim().min(1, 'a tag needs a name').max(100),
    remove: z.boolean().default(false),
  }),
  inputLabel: 'person tag',
  output: entityJson,
  lookup: async (context, input) => {
    const entity = await readEntity(context, input.personId);
    if (entity.type !== 'person') throw new ActionError('invalid_input', 'Only a person can be tagged.');
    return entity as z.infer<typeof entityJson> & { version: number; properties?: Record<string, unknown> };
  },
  permission: (input) => [{ permission: 'entities:write:person', resource: input.personId, what: 'tag people' }],
  run: async (context, input, person) => {
    const properties = person.properties ?? {};
    const tags = Array.isArray(properties.tags) ? (properties.tags as string[]) : [];
    const has = tags.some((t) => t.toLowerCase() === input.tag.toLowerCase());
    if (has !== input.remove) return person;
    const next = input.remove ? tags.filter((t) => t.toLowerCase() !== input.tag.toLowerCase()) : [...tags, input.tag];
    return (await context.deps.graph.updateEntity(
      context.caller,
      input.personId,
      { version: person.version, properties: { ...properties, tags: next } },
      context.tx,
    )) as unknown as z.infer<typeof entityJson>;
  },
});
