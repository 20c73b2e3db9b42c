import type { AnyAction } from './actions.types.ts';
import { entitiesCreate, entitiesGet, entitiesQuery, entitiesUpdate, personsTag } from './definitions/entities.ts';
import { eventsEmit, log, notify } from './definitions/events.ts';
import { httpFetch } from './definitions/http.ts';
import { storageDelete, storageGet, storageList, storageSet } from './definitions/storage.ts';

/** Every action the hub offers principals. Adding one: a definition file entry, then a line here. */
export const builtInActions: readonly AnyAction[] = [
  entitiesGet,
  entitiesQuery,
  entitiesCreate,
  entitiesUpdate,
  personsTag,
  eventsEmit,
  notify,
  log,
  httpFetch,
  storageGet,
  storageList,
  storageSet,
  storageDelete,
];
