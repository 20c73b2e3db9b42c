import type { Actor } from '@made-open/shared/events';
import type { Entity } from '@made-open/shared/entities';
import type { Sql } from '../../platform/db/index.ts';
import type { EventOutbox } from '../events/index.ts';
import { entityJson } from './graph.repository.ts';

export interface RemoveExternalRequest {
  ownerId: string;
  actor: Actor;
  /** Entities a connector brought in, by the key ingest upserts them by. */
  items: readonly { source: string; externalId: string }[];
}

export type RemoveExternal = (tx: Sql, request: RemoveExternalRequest) => Promise<{ removed: number }>;

/**
 * What a provider deleted (Graph's `@removed`, a resync's sweep): soft-deletes the entities
 * with that source and external id, in the caller's transaction, as the owner (RLS); a
 * person's identifiers are released. Unknown or already deleted ones are skipped.
 */
export function createRemoveExternal(outbox: Pick<EventOutbox, 'appendMany'>): RemoveExternal {
  return async (tx, request) => {
    const bySource = new Map<string, string[]>();
    for (const item of request.items)
      bySource.set(item.source, [...(bySource.get(item.source) ?? []), item.externalId]);
    let removed = 0;
    for (const [source, ids] of bySource) {
      const { rows } = await tx.query<{ id: string; type: string; entity: Entity }>(
        `UPDATE public.entities e SET deleted_at = now(), version = e.version + 1,
           updated_at = greatest(now(), e.updated_at + interval '1 microsecond')
         WHERE e.source = $1 AND e.external_id = ANY($2::text[]) AND e.deleted_at IS NULL
         RETURNING e.id, e.type, ${entityJson('e')} AS entity`,
        [source, ids],
      );
      const persons = rows.filter((row) => row.type === 'person').map((row) => row.id);
      if (persons.length > 0)
        await tx.query(`DELETE FROM public.identifiers WHERE entity_id = ANY($1::uuid[])`, [persons]);
      if (rows.length > 0)
        await outbox.appendMany(
          tx,
          rows.map((row) => ({
            type: 'data.EntityDeleted' as const,
            ownerId: request.ownerId,
            subject: row.id,
            actor: request.actor,
            data: { entity: row.entity },
          })),
        );
      removed += rows.length;
    }
    return { removed };
  };
}

export interface RestoreExternalRequest {
  ownerId: string;
  actor: Actor;
  source: string;
  externalId: string;
}

/** Revives the entity a provider's record keeps: its id, or undefined when there is none to revive. */
export type RestoreExternal = (tx: Sql, request: RestoreExternalRequest) => Promise<string | undefined>;

/**
 * The owner chose to keep the provider's copy of something deleted in the hub (a contact
 * deletion that met a newer Outlook copy: its conflict resolved "keep theirs"): the deleted
 * entity with that source and external id comes back, with `data.EntityUpdated` (`changed:
 * ['deletedAt']`). Merged ones stay merged (their record lives on in the survivor); the
 * caller ingests the provider's copy over it next, which brings its identifiers back.
 */
export function createRestoreExternal(outbox: Pick<EventOutbox, 'append'>): RestoreExternal {
  return async (tx, request) => {
    const { rows } = await tx.query<{ id: string; entity: Entity }>(
      `UPDATE public.entities e SET deleted_at = NULL, version = e.version + 1,
         updated_at = greatest(now(), e.updated_at + interval '1 microsecond')
       WHERE e.owner_id = $1 AND e.source = $2 AND e.external_id = $3 AND e.deleted_at IS NOT NULL
         AND e.merged_into_id IS NULL
       RETURNING e.id, ${entityJson('e')} AS entity`,
      [request.ownerId, request.source, request.externalId],
    );
    const row = rows[0];
    if (!row) return undefined;
    await outbox.append(tx, {
      type: 'data.EntityUpdated',
      ownerId: request.ownerId,
      subject: row.id,
      actor: request.actor,
      data: { entity: row.entity, changed: ['deletedAt'] },
    });
    return row.id;
  };
}
