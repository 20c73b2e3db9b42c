import type { EventEnvelope } from '@made-open/shared';
import type { Database, Sql } from '../../../platform/db/index.ts';
import { ConflictError } from '../../../platform/errors.ts';
import type { AuthenticatedUser } from '../../../platform/http/authentication.ts';
import type { Logger } from '../../../platform/logger.ts';
import { isMadePersonKey, type Ingest, type RestoreExternal } from '../../graph/index.ts';
import { conflictsRepository, type ConflictInput, type ConflictView, type Conflicts } from '../connectors.conflicts.ts';
import {
  ConnectorConflict,
  ConnectorError,
  type ConnectionContext,
  type ContactsCapability,
} from '../connectors.contract.ts';
import type { ConnectorsService } from '../connectors.service.ts';
import { ownerClaims } from '../connectors.sync.ts';
import {
  ingestOwn,
  openContacts,
  recordContactVersion,
  refusalOf,
  restorePerson,
  settledPerson,
} from './msgraph.contacts-push.ts';
import { ContactConflict } from './msgraph.contacts-write.ts';
import { source } from './msgraph.mapping.ts';
import type { MsgraphOptions } from './msgraph.options.ts';
import { msgraphRepository as repo, type PendingPush } from './msgraph.repository.ts';

export interface ContactsDeleteDeps {
  db: Database;
  logger: Logger;
  ingest: Ingest;
  restoreExternal: RestoreExternal;
  connectors: Pick<ConnectorsService, 'open'>;
  conflicts: Conflicts;
}

/** A contacts conflict whose hub side is a deletion (`local.deleted`), not an edit. */
export const isDeleteConflict = (conflict: Pick<ConflictView, 'capability' | 'local'>) =>
  conflict.capability === 'contacts' && conflict.local.deleted === true;

/**
 * Hub deletions of persons that came from Outlook contacts are sent to Outlook as
 * `DELETE /me/contacts/{id}`, by a consumer of data.EntityDeleted, whatever deleted them (the
 * web app, the API, a phone's CardDAV DELETE: all go through the graph's delete).
 *
 * Durable: the deletion is written to `msgraph_pending_pushes` (kind `delete`) before it is
 * sent and that row goes only once Outlook answered, so a hub restart, a Graph outage (the
 * consumer retries, then the next sync page sends it first) or a lost sign-in (sent after
 * signing in again) does not lose it.
 *
 * The conflict rule is the one edits follow: the DELETE carries If-Match with the change key
 * the hub last saw. When Outlook changed the contact since (a field the hub shows; a new key
 * for a category or a photo alone does not count), nothing is deleted there: a write conflict
 * is recorded (`local: { deleted: true, … }`, `remote`: Outlook's copy) and the owner chooses
 * — "keep mine" deletes Outlook's newer copy, "keep theirs" brings the person back as Outlook
 * has it. Deleting a copy the owner never saw would lose someone else's change unseen, which
 * the update path refuses too; the hub's deletion stays meanwhile (the sync keeps a deleted
 * person deleted), so neither side is overwritten before the owner decides.
 *
 * Only the deleted person's own contact is deleted. A merge's tombstone (the contact merged
 * into another person) is not a deletion (the merge sends no data.EntityDeleted, and one with
 * mergedIntoId is skipped), and deleting a survivor leaves the Outlook contacts merged into it
 * alone: the owner deleted one person, not every contact that ever fed it.
 *
 * No echo: Outlook's own deletions (@removed) and a resync's sweep are the connector's
 * (skipped here); after our DELETE the delta's @removed finds the person deleted already and
 * its msgraph_items row forgotten, so it changes nothing.
 */
export function createContactsDelete(deps: ContactsDeleteDeps) {
  const { db, logger } = deps;

  /** Recorded before the DELETE is sent; a deletion takes the place of an edit not pushed yet. */
  const keepPending = (tx: Sql, ownerId: string, pending: PendingPush) =>
    tx.query(
      `INSERT INTO made_open.msgraph_pending_pushes (owner_id, connection_id, entity_id, external_id, base_version, kind)
       VALUES ($1, $2, $3, $4, $5, 'delete')
       ON CONFLICT (connection_id, entity_id) DO UPDATE SET kind = 'delete', external_id = EXCLUDED.external_id,
         base_version = EXCLUDED.base_version, queued_at = now()`,
      [ownerId, pending.connectionId, pending.entityId, pending.externalId, pending.baseVersion],
    );

  const dropPending = (ownerId: string, pending: PendingPush) =>
    db.asUser(ownerClaims(ownerId), (tx) =>
      tx.query(
        `DELETE FROM made_open.msgraph_pending_pushes WHERE connection_id = $1 AND entity_id = $2 AND kind = 'delete'`,
        [pending.connectionId, pending.entityId],
      ),
    );

  /** A deletion's conflict: the hub deleted the person, and Outlook's side (`remote`) kept it. */
  const deletionConflict = (
    pending: PendingPush,
    outlook: { message: string; remote: Record<string, unknown>; remoteVersion: string | null },
  ): ConflictInput => ({
    entityId: pending.entityId,
    entityType: 'person',
    capability: 'contacts',
    connectionId: pending.connectionId,
    source,
    externalId: pending.externalId,
    message: outlook.message,
    local: { deleted: true, baseVersion: pending.baseVersion, remoteVersion: outlook.remoteVersion },
    remote: outlook.remote,
  });

  function recordConflict(ownerId: string, pending: PendingPush, error: ConnectorConflict) {
    return db.asUser(ownerClaims(ownerId), (tx) =>
      deps.conflicts.record(
        tx,
        ownerId,
        deletionConflict(pending, {
          message: error.message,
          remote: error.current as unknown as Record<string, unknown>,
          remoteVersion: error instanceof ContactConflict ? (error.version ?? null) : null,
        }),
      ),
    );
  }

  /**
   * Outlook refused the deletion for good (`remote.refused`, the reason in the message): based
   * on the change key the hub last saw, so trying again deletes only the copy the owner deleted.
   */
  function recordRefusal(ownerId: string, pending: PendingPush, error: ConnectorError) {
    return db.asUser(ownerClaims(ownerId), async (tx) => {
      const base = await repo.pushBase(tx, pending.connectionId, pending.externalId);
      const { rows } = await tx.query<{ title: string }>('SELECT title FROM public.entities WHERE id = $1', [
        pending.entityId,
      ]);
      const title = rows[0]?.title ?? '';
      return deps.conflicts.record(
        tx,
        ownerId,
        deletionConflict(pending, {
          message: error.message,
          remote: { type: 'person', source, externalId: pending.externalId, title, refused: true },
          remoteVersion: base.changeKey ?? null,
        }),
      );
    });
  }

  type Outcome = 'deleted' | 'conflict' | 'refused' | 'reauth' | 'sent-already';
  /** Sends in flight, by connection and person: the consumer's retry and a sync's flush send one DELETE, not two. */
  const sending = new Map<string, Promise<Outcome>>();

  /**
   * Sends one deletion: done (deleted or gone already), recorded as a conflict, dropped
   * (Outlook refused it for good), or 'reauth' (kept for the next sign-in). The pending row
   * goes unless it is kept; a provider failure throws with the row still there (retried).
   * One send at a time per person; a row gone meanwhile was sent by the other ('sent-already').
   */
  function send(ownerId: string, pending: PendingPush, remove: () => Promise<void>): Promise<Outcome> {
    const key = `${pending.connectionId}:${pending.entityId}`;
    const running = sending.get(key);
    if (running) return running;
    const work = sendOnce(ownerId, pending, remove).finally(() => sending.delete(key));
    sending.set(key, work);
    return work;
  }

  async function sendOnce(ownerId: string, pending: PendingPush, remove: () => Promise<void>): Promise<Outcome> {
    const kept = await db.asUser(ownerClaims(ownerId), (tx) =>
      repo.isPending(tx, pending.connectionId, pending.entityId, 'delete'),
    );
    if (!kept) return 'sent-already';
    let outcome: Outcome;
    try {
      await remove();
      outcome = 'deleted';
    } catch (error) {
      if (error instanceof ConnectorConflict) {
        await recordConflict(ownerId, pending, error);
        outcome = 'conflict';
      } else if (error instanceof ConnectorError && error.kind === 'reauth') outcome = 'reauth';
      else if (error instanceof ConnectorError && error.kind === 'credential') {
        // Refused for good (a permission the app registration lacks): kept where the owner sees
        // it, to try again once fixed, or to bring the person back as Outlook has it.
        await recordRefusal(ownerId, pending, error);
        outcome = 'conflict';
      } else if (error instanceof ConnectorError && error.kind !== 'provider') {
        // The account refused it: trying again cannot help.
        logger.warn(
          { err: error.message, connectionId: pending.connectionId },
          'microsoft 365: Outlook refused a contact deletion',
        );
        outcome = 'refused';
      } else throw error;
    }
    if (outcome !== 'reauth') await dropPending(ownerId, pending);
    return outcome;
  }

  async function handle(event: EventEnvelope) {
    if (event.type !== 'data.EntityDeleted') return;
    const entity = (event.data as { entity?: Record<string, unknown> }).entity as
      | {
          id: string;
          type: string;
          source: string | null;
          externalId: string | null;
          version: number;
          mergedIntoId?: string | null;
        }
      | undefined;
    if (!entity || entity.type !== 'person' || entity.source !== source || !entity.externalId) return;
    // A person the mail sync made for a sender (email:…) is no Outlook contact; a merge's tombstone is no deletion.
    if (isMadePersonKey(entity.externalId) || entity.mergedIntoId) return;
    // Outlook's own deletion (@removed) and a resync's sweep come as the connector's: nothing to send.
    if (event.actor.kind === 'connector' || event.actor.kind === 'system') return;
    const externalId = entity.externalId;

    const found = await db.asUser(ownerClaims(event.ownerId), async (tx) => {
      // Still deleted (not merged or brought back since): the deletion stands.
      const { rows } = await tx.query<{ deleted: boolean }>(
        `SELECT deleted_at IS NOT NULL AND merged_into_id IS NULL AS deleted FROM public.entities WHERE id = $1`,
        [entity.id],
      );
      if (!rows[0]?.deleted) return undefined;
      const connectionId = await repo.connectionOf(tx, externalId, 'person');
      if (!connectionId) return undefined;
      // This deletion (its version) was sent already and met a newer Outlook copy (a retry of
      // this event after the sync's flush sent it): once recorded is enough; a second send
      // would record it again and supersede the conflict the owner may be settling.
      if (await conflictsRepository.recorded(tx, entity.id, { deleted: true, baseVersion: entity.version }))
        return undefined;
      const { rows: connections } = await tx.query<{ status: string }>(
        'SELECT status FROM made_open.connections WHERE id = $1',
        [connectionId],
      );
      const status = connections[0]?.status;
      // Disconnected (or never finished connecting): there is no Outlook to tell.
      if (status !== 'active' && status !== 'needs_reauth' && status !== 'error') return undefined;
      const pending = { entityId: entity.id, connectionId, externalId, baseVersion: entity.version };
      await keepPending(tx, event.ownerId, pending);
      return { pending, status };
    });
    // Not usable now: kept, sent before the next sync page once the owner signed in again.
    if (!found || found.status !== 'active') return;
    const { pending } = found;

    const open = await openContacts(
      deps,
      event.ownerId,
      pending.connectionId,
      'contact deletion kept for later (connection not usable now)',
    );
    if (!open) return;
    await send(event.ownerId, pending, () => open.capability.delete(open.context, { externalId }));
  }

  /**
   * Before a sync page: deletions not sent yet (signed out, Graph down, a restart) go first,
   * with If-Match on the change key the hub last saw, before the page could bring anything of
   * those contacts in. A lost sign-in keeps them; a provider failure fails the page (retried).
   */
  async function flushPending(
    context: ConnectionContext<MsgraphOptions>,
    contacts: ContactsCapability<MsgraphOptions>,
  ) {
    const pendings = await db.asUser(ownerClaims(context.ownerId), (tx) =>
      repo.pendingPushes(tx, context.connectionId, 'delete'),
    );
    for (const pending of pendings) {
      const outcome = await send(context.ownerId, pending, () =>
        contacts.delete(context, { externalId: pending.externalId }),
      );
      if (outcome === 'reauth') return; // the page meets the same refusal and says so
    }
  }

  /**
   * Settles a deletion's conflict: "local" deletes Outlook's newer copy (If-Match on the
   * version the conflict showed; changed again meanwhile: a new conflict, 409), "remote" brings
   * the person back in the hub as Outlook has it now (read again: the recorded copy may be
   * old). A contact Outlook deleted meanwhile settles either choice with the person left
   * deleted (`outlook: 'gone'` says so): there is nothing in Outlook to keep or to delete.
   * Graph failing or the sign-in gone is a 4xx/502 with the conflict still open.
   */
  async function resolve(user: AuthenticatedUser, conflict: ConflictView, keep: 'local' | 'remote') {
    const local = conflict.local as { baseVersion?: unknown; remoteVersion?: string | null };
    const pending = {
      entityId: conflict.entityId,
      connectionId: conflict.connectionId,
      externalId: conflict.externalId,
      baseVersion: Number(local.baseVersion) || 1,
    };
    const open = await deps.connectors.open(user, 'contacts', conflict.connectionId);
    if (keep === 'local') {
      try {
        // A 404 (deleted in Outlook too) is done all the same.
        await open.capability.delete(open.context, {
          externalId: conflict.externalId,
          version: local.remoteVersion ?? undefined,
        });
      } catch (error) {
        if (!(error instanceof ConnectorConflict)) return refusalOf(error);
        const next = await recordConflict(user.id, pending, error);
        throw new ConflictError(
          'The contact changed again in Outlook: look at it once more and choose.',
          'write_conflict',
          { conflict: next },
        );
      }
      await db.asUser(user.claims, (tx) => deps.conflicts.settle(tx, conflict.id, 'local'));
      return { id: conflict.entityId, deleted: true };
    }
    const now = await open.capability.read(open.context, { externalId: conflict.externalId }).catch(refusalOf);
    if (!now)
      return db.asUser(user.claims, async (tx) => {
        await deps.conflicts.settle(tx, conflict.id, 'remote');
        await repo.forget(tx, conflict.connectionId, [conflict.externalId]);
        return { id: conflict.entityId, deleted: true, outlook: 'gone' as const };
      });
    return db.asUser(user.claims, async (tx) => {
      await deps.conflicts.settle(tx, conflict.id, 'remote');
      await restorePerson(deps.restoreExternal, tx, user, conflict);
      await ingestOwn(deps.ingest, tx, user.id, conflict.connectionId, now.item);
      await recordContactVersion(tx, user.id, conflict, now.version);
      return settledPerson(tx, conflict.entityId);
    });
  }

  return { handle, flushPending, resolve };
}

export type ContactsDelete = ReturnType<typeof createContactsDelete>;
