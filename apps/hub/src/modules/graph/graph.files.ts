import { filePropertiesSchema } from '@made-open/shared/entities';
import type { Sql } from '../../platform/db/index.ts';
import type { AuthenticatedUser } from '../../platform/http/authentication.ts';
import type { EventOutbox } from '../events/outbox.ts';
import type { Ingest } from './graph.ingest.ts';
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
 * transaction, and ingest writes the entity and its data.Entity* events (upserted by the
 * object id, so an unchanged object changes nothing).
 */
export function createGraphFileEntities(outbox: Pick<EventOutbox, 'append'>, ingest: Ingest): FileEntities {
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

  const upsert = async (tx: Sql, user: AuthenticatedUser, file: FileFacts) => {
    const { title, properties } = describe(file);
    const result = await ingest(tx, {
      ownerId: user.id,
      actor: actor(user),
      items: [{ type: 'file', source: 'storage', externalId: file.objectId, title, properties }],
    });
    return result.items[0]!;
  };

  return {
    async create(tx: Sql, user, file) {
      return (await upsert(tx, user, file)).id;
    },

    // The entity is found by its object id (its externalId), the same one entityId names.
    async update(tx, user, _entityId, file) {
      await upsert(tx, user, file);
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
