import { z } from 'zod';
import { ActionError, actionLimits, defineAction } from '../actions.types.ts';

/** A plugin's own key-value storage, scoped by owner and plugin (other kinds have none). */
const key = z.string().min(1).max(200);
const done = z.null();

export const storageGet = defineAction({
  name: 'storage.get',
  description: "Reads one value of the plugin's storage (null when absent).",
  principals: ['plugin'],
  input: z.object({ key }),
  inputLabel: 'storage key',
  output: z.unknown(),
  permission: (input) => [{ permission: 'storage:read', resource: input.key, what: 'read its storage' }],
  run: (context, input) =>
    context.asOwner((tx) =>
      context.deps.pluginStorage.storageGet(tx, context.principal.ownerId, context.principal.id, input.key),
    ),
});

export const storageList = defineAction({
  name: 'storage.list',
  description: "Lists the plugin's storage keys with a prefix.",
  principals: ['plugin'],
  input: z.object({
    prefix: z
      .string()
      .max(200)
      .nullish()
      .transform((p) => p ?? ''),
  }),
  inputLabel: 'storage prefix',
  output: z.array(z.string()),
  permission: (input) => [{ permission: 'storage:read', resource: input.prefix || null, what: 'read its storage' }],
  run: (context, input) =>
    context.asOwner((tx) =>
      context.deps.pluginStorage.storageList(tx, context.principal.ownerId, context.principal.id, input.prefix),
    ),
});

export const storageSet = defineAction({
  name: 'storage.set',
  description: "Stores a JSON value under a key of the plugin's storage (64 KB, 1,000 keys).",
  principals: ['plugin'],
  input: z.object({ key, value: z.unknown().transform((v) => JSON.stringify(v ?? null)) }),
  inputLabel: 'storage key',
  output: done,
  lookup: (_context, input) => {
    if (input.value.length > actionLimits.storageValueChars)
      throw new ActionError('limit', 'Stored values are limited to 64 KB.');
  },
  permission: (input) => [{ permission: 'storage:write', resource: input.key, what: 'write its storage' }],
  run: async (context, input) => {
    const { ownerId, id } = context.principal;
    const ok = await context.asOwner((tx) =>
      context.deps.pluginStorage.storageSet(tx, ownerId, id, input.key, input.value, actionLimits.storageKeys),
    );
    if (!ok) throw new ActionError('limit', `A plugin may store at most ${actionLimits.storageKeys} keys.`);
    return null;
  },
});

export const storageDelete = defineAction({
  name: 'storage.delete',
  description: "Deletes one key of the plugin's storage.",
  principals: ['plugin'],
  input: z.object({ key }),
  inputLabel: 'storage key',
  output: done,
  permission: (input) => [{ permission: 'storage:write', resource: input.key, what: 'write its storage' }],
  run: async (context, input) => {
    await context.asOwner((tx) =>
      context.deps.pluginStorage.storageDelete(tx, context.principal.ownerId, context.principal.id, input.key),
    );
    return null;
  },
});
