import { filePropertiesSchema } from '@made-open/shared/entities';
import { uuidv7 } from 'uuidv7';
import type { Sql } from '../../platform/db/index.ts';
import type { AuthenticatedUser } from '../../platform/http/authentication.ts';
import type { EventOutbox } from '../events/outbox.ts';
import { graphRepository } from './graph.repository.ts';

/** What the graph needs to know about a stored object to represent it as a `file` entity. */
export interface FileFacts {
  objectId: string;
  bucketId: string;
  name: string;
  size: number;
  mimeType: string;
}

/** File entities written inside the caller's transaction (the storage module's port). */
export interface FileEntities {
  create(tx: Sql, user: AuthenticatedUser, file: FileFacts): Promise<string>;
  update(tx: Sql, user: AuthenticatedUser, entityId: string, file: FileFacts): Promise<void>;
  remove(tx: Sql, user: AuthenticatedUser, entityId: string): Promise<void>;
}

/**
 * Every stored object is a `file` entity in the knowledge graph (source `storage`,
 * external id = object id). The graph owns how: storage calls this inside its own
 * transaction, and the graph writes the entity and its data.Entity* events.
 */
export function createGraphFileEntities(outbox: Pick<EventOutbox, 'append'>): FileEntities {
  const actor = (user: AuthenticatedUser) => ({ kind: 'user' as const, id: user.id });
  const describe = (file: FileFacts) => {
    const fileName = (file.name.split('/').pop() ?? file.name).slice(0, 500);
    const candidate = {
      fileName,
      mimeType: file.mimeType,
      sizeBytes: file.size,
      storageKey: `${file.bucketId}/${file.name}`.slice(0, 1024),
    };
    const parsed = filePropertiesSchema.safeParse(candidate);
    // A media type the graph's stricter pattern refuses is left out rather than failing the upload.
    const properties = parsed.success ? parsed.data : filePropertiesSchema.parse({ ...candidate, mimeType: undefined });
    return { title: fileName, properties: properties as Record<string, unknown> };
  };

  return {
    async create(tx: Sql, user, file) {
      const { title, properties } = describe(file);
      const entity = await graphRepository.insertEntity(tx, {
        id: uuidv7(),
        type: 'file',
        title,
        body: '',
        properties,
        source: 'storage',
        externalId: file.objectId,
        occurredAt: null,
      });
      await outbox.append(tx, {
        type: 'data.EntityCreated',
        ownerId: user.id,
        subject: entity.id,
        actor: actor(user),
        data: { entity },
      });
      return entity.id;
    },

    async update(tx, user, entityId, file) {
      const state = await graphRepository.lockEntity(tx, entityId);
      if (!state || state.deleted) return;
      const { title, properties } = describe(file);
      const changed: ('title' | 'properties')[] = [];
      if (state.entity.title !== title) changed.push('title');
      if (JSON.stringify(state.entity.properties) !== JSON.stringify(properties)) changed.push('properties');
      if (changed.length === 0) return;
      const entity = await graphRepository.updateEntity(tx, entityId, { title, properties });
      await outbox.append(tx, {
        type: 'data.EntityUpdated',
        ownerId: user.id,
        subject: entityId,
        actor: actor(user),
        data: { entity, changed },
      });
    },

    async remove(tx, user, entityId) {
      const entity = await graphRepository.softDeleteEntity(tx, entityId);
      if (!entity) return;
      await outbox.append(tx, {
        type: 'data.EntityDeleted',
        ownerId: user.id,
        subject: entityId,
        actor: actor(user),
        data: { entity },
      });
    },
  };
}
