import type { Actor, Entity, Person } from '@made-open/shared';
import type { entityFieldNames } from '@made-open/shared/graph-events';
import { uuidv7 } from 'uuidv7';
import type { Database, Sql } from '../../platform/db/index.ts';
import { ConflictError, NotFoundError, ValidationError } from '../../platform/errors.ts';
import type { EventOutbox } from '../events/index.ts';
import { excludePersonHolds } from './graph.hold.ts';
import { mergeRepository as journal, type MergeAfter } from './graph.merge.repository.ts';
import type { EntityState, GraphRepository } from './graph.repository.ts';

type ChangedField = (typeof entityFieldNames)[number];

export interface MergeDeps {
  db: Pick<Database, 'asUser'>;
  repository: GraphRepository;
  outbox: Pick<EventOutbox, 'append'>;
  /** 404 / merged checks of the service. */
  missing: (state: EntityState | undefined, what?: string) => void;
  /** Other modules' data keyed by a person id (messages' SMS threads), kept in step with merges. */
  followers?: readonly MergeFollower[];
}

/** One merge, as its followers see it. */
export interface MergeFacts {
  mergeId: string;
  ownerId: string;
  survivorId: string;
  mergedId: string;
}

/**
 * A module whose own data is keyed by person ids (the messages module's SMS thread ids). Its
 * hooks run inside the merge's (or undo's) transaction, under the caller's RLS, after the graph
 * has moved links and identifiers: a merge and what follows it commit or roll back together.
 * The graph knows nothing of what they keep; `undone` must put back exactly what `merged` moved
 * for that mergeId (each keeps its own journal).
 */
export interface MergeFollower {
  merged(tx: Sql, merge: MergeFacts): Promise<void>;
  undone(tx: Sql, merge: MergeFacts): Promise<void>;
}

interface Caller {
  id: string;
  claims: Parameters<Database['asUser']>[0];
  actor?: Actor;
}

export type MergedPerson = Person & { mergeId: string };

export interface UndoneMerge {
  mergeId: string;
  survivor: Person;
  restored: Person;
}

const actorOf = (user: Caller): Actor => user.actor ?? { kind: 'user', id: user.id };

/** JSON equality regardless of key order. */
function same(a: unknown, b: unknown): boolean {
  const canonical = (value: unknown): unknown =>
    Array.isArray(value)
      ? value.map(canonical)
      : value !== null && typeof value === 'object'
        ? Object.fromEntries(
            Object.keys(value)
              .sort()
              .map((key) => [key, canonical((value as Record<string, unknown>)[key])]),
          )
        : value;
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

/**
 * The survivor's properties and body with what the merge brought undone. Untouched since
 * the merge: exactly what it had before. Edited since: only the keys the merge added (and
 * the body it took) that still hold the merged values go, so later edits survive an undo.
 */
export function unabsorb(
  current: { body: string; properties: Record<string, unknown> },
  before: { body: string; properties: Record<string, unknown> },
  after: MergeAfter,
): { body: string; properties: Record<string, unknown> } {
  if (same(current.properties, after.properties) && current.body === after.body) {
    return { body: before.body, properties: before.properties };
  }
  const properties = { ...current.properties };
  for (const key of Object.keys(after.properties)) {
    if (!(key in before.properties) && same(properties[key], after.properties[key])) delete properties[key];
  }
  const body = current.body === after.body ? before.body : current.body;
  return { body, properties };
}

/** Merges that can be undone (DESIGN §3, issue 17). */
export function createMergeOperations(deps: MergeDeps) {
  const { db, repository: repo, outbox, missing } = deps;
  const followers = deps.followers ?? [];

  return {
    /**
     * Folds `otherId` into `survivorId`: links and identifiers move to the survivor, which
     * takes the other's properties it lacks; the other stays as a tombstone (deletedAt,
     * mergedIntoId). The journal records what moved, so the merge can be undone. One
     * transaction (the caller's when given), one data.PersonsMerged event.
     */
    async mergePersons(user: Caller, survivorId: string, otherId: string, outer?: Sql): Promise<MergedPerson> {
      if (survivorId === otherId) throw new ValidationError('A person cannot be merged into itself.');
      const work = async (tx: Sql) => {
        await excludePersonHolds(tx, [survivorId, otherId]);
        const states = await repo.lockEntities(tx, [survivorId, otherId]);
        for (const id of [survivorId, otherId]) {
          const state = states.find((s) => s.id === id);
          missing(state, 'person');
          if (state!.type !== 'person') throw new NotFoundError('person');
        }
        const before = await journal.snapshot(tx, survivorId, otherId);
        const moved = await repo.moveGraphOfPerson(tx, survivorId, otherId);
        const survivor = await repo.absorbPerson(tx, survivorId, otherId);
        const merged = await repo.tombstoneMerged(tx, otherId, survivorId);
        const mergeId = uuidv7();
        await journal.record(tx, {
          id: mergeId,
          survivorId,
          mergedId: otherId,
          before: { ...before, droppedLinkIds: moved.droppedLinkIds },
          after: { body: survivor.body, properties: survivor.properties },
          actor: actorOf(user),
        });
        for (const follower of followers)
          await follower.merged(tx, { mergeId, ownerId: user.id, survivorId, mergedId: otherId });
        await outbox.append(tx, {
          type: 'data.PersonsMerged',
          ownerId: user.id,
          subject: survivorId,
          actor: actorOf(user),
          data: { survivor, merged, ...moved },
        });
        return { ...survivor, identifiers: await repo.identifiersOf(tx, survivorId), mergeId };
      };
      return outer ? work(outer) : db.asUser(user.claims, work);
    },

    /**
     * Undoes a merge: the merged person lives again with its title, body, properties,
     * identifiers and every link it had (links others made to it included; links the merge
     * dropped come back with their ids), and the survivor loses what the merge gave it.
     * Other users' merges are 404 (RLS); an undone one 409 already_undone; a survivor since
     * merged into a third person 409 undo_later_merge_first naming that merge.
     */
    async undoMerge(user: Caller, mergeId: string, outer?: Sql): Promise<UndoneMerge> {
      const work = async (tx: Sql): Promise<UndoneMerge> => {
        const merge = await journal.lock(tx, mergeId);
        if (!merge) throw new NotFoundError('merge');
        if (merge.undone_at) throw new ConflictError('This merge was undone already.', 'already_undone');
        const { survivor_id: survivorId, merged_id: mergedId, before, after } = merge;
        await excludePersonHolds(tx, [survivorId, mergedId]);
        const states = await repo.lockEntities(tx, [survivorId, mergedId]);
        const survivorState = states.find((s) => s.id === survivorId)!;
        if (survivorState.merged_into_id) {
          const later = await journal.activeMergeOf(tx, survivorId);
          throw new ConflictError(
            'The person this merge kept was merged into another since: undo that merge first.',
            'undo_later_merge_first',
            { mergeId: later ?? null, mergedIntoId: survivorState.merged_into_id },
          );
        }
        if (survivorState.deleted) {
          throw new ConflictError('The person this merge kept was deleted since.', 'survivor_deleted');
        }

        await journal.moveLinksBack(
          tx,
          before.links.filter((l) => !before.droppedLinkIds.includes(l.id)),
        );
        const reinserted = await journal.reinsertLinks(
          tx,
          before.links.filter((l) => before.droppedLinkIds.includes(l.id)),
        );
        await journal.returnIdentifiers(
          tx,
          survivorId,
          mergedId,
          before.identifiers.map((i) => i.id),
        );
        await journal.repointTombstones(tx, before.repointed, survivorId, mergedId);
        const revived = await journal.revive(tx, mergedId, before.merged);

        const current = survivorState.entity as Entity;
        const wanted = unabsorb({ body: current.body, properties: current.properties }, before.survivor, after);
        const changed: ChangedField[] = ['identifiers'];
        if (wanted.body !== current.body) changed.push('body');
        if (!same(wanted.properties, current.properties)) changed.push('properties');
        const survivor =
          changed.length > 1
            ? await repo.updateEntity(tx, survivorId, {
                body: changed.includes('body') ? wanted.body : undefined,
                properties: changed.includes('properties') ? wanted.properties : undefined,
              })
            : await repo.touchEntity(tx, survivorId);
        await journal.markUndone(tx, mergeId);
        for (const follower of followers)
          await follower.undone(tx, { mergeId, ownerId: user.id, survivorId, mergedId });

        const survivorIdentifiers = await repo.identifiersOf(tx, survivorId);
        const restoredIdentifiers = await repo.identifiersOf(tx, mergedId);
        const actor = actorOf(user);
        await outbox.append(tx, {
          type: 'data.EntityUpdated',
          ownerId: user.id,
          subject: survivorId,
          actor,
          data: { entity: survivor, changed, identifiers: survivorIdentifiers },
        });
        await outbox.append(tx, {
          type: 'data.EntityUpdated',
          ownerId: user.id,
          subject: mergedId,
          actor,
          data: {
            entity: revived,
            changed: ['deletedAt', 'mergedIntoId', 'identifiers'],
            identifiers: restoredIdentifiers,
          },
        });
        for (const link of reinserted) {
          await outbox.append(tx, {
            type: 'data.LinkCreated',
            ownerId: user.id,
            subject: link.id,
            actor,
            data: { link },
          });
        }
        return {
          mergeId,
          survivor: { ...survivor, identifiers: survivorIdentifiers },
          restored: { ...revived, identifiers: restoredIdentifiers },
        };
      };
      return outer ? work(outer) : db.asUser(user.claims, work);
    },
  };
}
