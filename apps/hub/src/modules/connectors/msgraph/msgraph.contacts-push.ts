import type { EventEnvelope } from '@made-open/shared';
import type { Database, Sql } from '../../../platform/db/index.ts';
import { ConflictError, NotFoundError, UserError } from '../../../platform/errors.ts';
import type { AuthenticatedUser } from '../../../platform/http/authentication.ts';
import type { Logger } from '../../../platform/logger.ts';
import type { Ingest, IngestItem, RemoveExternal, RestoreExternal } from '../../graph/index.ts';
import { conflictsRepository, type ConflictInput, type ConflictView, type Conflicts } from '../connectors.conflicts.ts';
import {
  ConnectorConflict,
  ConnectorError,
  type ConnectionContext,
  type ContactsCapability,
  type ContactWrite,
} from '../connectors.contract.ts';
import type { ConnectorsService, OpenConnection } from '../connectors.service.ts';
import { ownerClaims } from '../connectors.sync.ts';
import { ContactConflict, ContactGone } from './msgraph.contacts-write.ts';
import { contactProperties, source } from './msgraph.mapping.ts';
import type { MsgraphOptions } from './msgraph.options.ts';
import { msgraphRepository as repo, type PendingPush } from './msgraph.repository.ts';

export interface ContactsPushDeps {
  db: Database;
  logger: Logger;
  ingest: Ingest;
  restoreExternal: RestoreExternal;
  removeExternal: RemoveExternal;
  connectors: Pick<ConnectorsService, 'open'>;
  conflicts: Conflicts;
}

/**
 * Outlook failing or refusing while the owner settles a conflict, in words for them (a 502 to
 * try again, a 4xx to act on), never a 500; nothing was settled, the conflict stays open.
 */
export function refusalOf(error: unknown): never {
  if (!(error instanceof ConnectorError)) throw error;
  throw error.kind === 'provider'
    ? new UserError(502, 'provider_error', `${error.message} Nothing was settled: try again in a moment.`)
    : new UserError(422, `provider_${error.kind}`, `${error.message} Nothing was settled.`);
}

/** The fields of a person an edit can change in Outlook. */
const pushable = new Set(['title', 'properties', 'identifiers']);

const strings = (value: unknown) =>
  Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
const text = (value: unknown) => (typeof value === 'string' ? value : '');
const digits = (value: string) => value.replace(/\D/g, '');

interface PersonState {
  title: string;
  properties: Record<string, unknown>;
}

/** A data.EntityUpdated of a person: the edit as it was made. */
interface EditEvent {
  entity: PersonState & { id: string; type: string; source: string | null; externalId: string | null; version: number };
  identifiers?: { kind: string; value: string }[];
}

/** The other side of a contacts conflict: Outlook's copy (`remote`) and the change key it is at. */
interface OutlookSide {
  message: string;
  remote: Record<string, unknown>;
  remoteVersion: string | null;
}

/** A contact a push writes, and the copy of it the write is based on. */
type ContactRef = Parameters<ContactsCapability<MsgraphOptions>['update']>[1];
type PushBase = Awaited<ReturnType<typeof repo.pushBase>>;

/** A person as an Outlook contact: every field Outlook has, empty where the hub has none (cleared there). */
export function contactWriteOf(person: PersonState, identifiers: { kind: string; value: string }[]): ContactWrite {
  const p = person.properties;
  const emails = strings(p.emails).map((e) => e.trim().toLowerCase());
  for (const i of identifiers) if (i.kind === 'email' && !emails.includes(i.value)) emails.push(i.value);
  const phones = strings(p.phones);
  for (const i of identifiers)
    if (i.kind === 'phone' && !phones.some((written) => digits(written).endsWith(digits(i.value).slice(-9))))
      phones.push(i.value);
  const birthday = text(p.birthday);
  return {
    displayName: person.title,
    givenName: text(p.givenName),
    familyName: text(p.familyName),
    emails,
    phones,
    company: text(p.organization),
    jobTitle: text(p.jobTitle),
    birthday: /^\d{4}-\d{2}-\d{2}$/.test(birthday) ? birthday : '',
    notes: text(p.notes),
  };
}

/**
 * Outlook's answer to a push, ingested as the connector (never pushed again). Its item names
 * the contact's properties as its own (contactProperties): those become as Outlook has them,
 * the owner's own (tags, groups, a photo) stay.
 */
export async function ingestOwn(ingest: Ingest, tx: Sql, ownerId: string, connectionId: string, item: IngestItem) {
  await ingest(tx, { ownerId, actor: { kind: 'connector', id: connectionId }, items: [item] });
}

/** The person as it is now (with its identifiers); undefined once deleted. */
export async function personNow(tx: Sql, entityId: string) {
  const { rows } = await tx.query<PersonState & { version: number } & Record<string, unknown>>(
    'SELECT title, properties, version FROM public.entities WHERE id = $1 AND deleted_at IS NULL',
    [entityId],
  );
  if (!rows[0]) return undefined;
  const identifiers = await tx.query<{ kind: string; value: string }>(
    'SELECT kind, value FROM public.identifiers WHERE entity_id = $1 ORDER BY created_at',
    [entityId],
  );
  return { row: rows[0], identifiers: identifiers.rows };
}

/** Whether the person is still at this version, held so until the transaction ends (no edit slips in). */
async function stillAt(tx: Sql, entityId: string, version: number) {
  const { rows } = await tx.query<{ version: number }>(
    'SELECT version FROM public.entities WHERE id = $1 AND deleted_at IS NULL FOR UPDATE',
    [entityId],
  );
  return rows[0] !== undefined && Number(rows[0].version) === version;
}

/**
 * Whether a sync stored Outlook's copy over the edit at `version` before a push sent it: the
 * person is at exactly the version that sync wrote (a newer hub edit would be past it), and no
 * push sent this edit (its event delivered again after the push was done: nothing to do).
 */
function overtakenBySync(version: number, person: { row: { version: number } }, base: PushBase) {
  const now = Number(person.row.version);
  return now > version && base.syncedVersion === now && (base.pushedVersion ?? 0) < version;
}

/** The person a contact conflict is about, as the API answers it once settled (undefined once deleted). */
export async function settledPerson(tx: Sql, entityId: string) {
  const { rows } = await tx.query<{ id: string; title: string; version: number; properties: unknown }>(
    'SELECT id, title, version, properties FROM public.entities WHERE id = $1 AND deleted_at IS NULL',
    [entityId],
  );
  return rows[0];
}

/** Brings back the deleted person a contact conflict is about (its Outlook contact as the key). */
export async function restorePerson(
  restoreExternal: RestoreExternal,
  tx: Sql,
  user: AuthenticatedUser,
  conflict: Pick<ConflictView, 'entityId' | 'externalId'>,
) {
  const id = await restoreExternal(tx, {
    ownerId: user.id,
    actor: { kind: 'user', id: user.id },
    source,
    externalId: conflict.externalId,
  });
  if (id !== conflict.entityId) throw new NotFoundError('person');
}

/** The Outlook version of a contact the hub now holds: a later edit or deletion is based on it. */
export function recordContactVersion(
  tx: Sql,
  ownerId: string,
  conflict: Pick<ConflictView, 'connectionId' | 'externalId'>,
  version: string | undefined,
) {
  return repo.recordWrite(
    tx,
    { connectionId: conflict.connectionId, ownerId, resource: 'contacts', entityType: 'person' },
    conflict.externalId,
    version,
  );
}

const userOf = (ownerId: string): AuthenticatedUser => ({
  id: ownerId,
  claims: ownerClaims(ownerId) as AuthenticatedUser['claims'],
});

/**
 * An owner's contacts capability on one connection, for an event consumer acting for them; a
 * connection not usable now is logged (what happens to the change: `kept`) and answers undefined.
 */
export async function openContacts(
  deps: { connectors: Pick<ConnectorsService, 'open'>; logger: Logger },
  ownerId: string,
  connectionId: string,
  kept: string,
) {
  try {
    return await deps.connectors.open(userOf(ownerId), 'contacts', connectionId);
  } catch (error) {
    deps.logger.warn({ err: (error as Error).message, connectionId }, `microsoft 365: ${kept}`);
    return undefined;
  }
}

/**
 * Edits made in the hub to a person that came from an Outlook contact are pushed to Outlook
 * (issue 13 §5), by a consumer of data.EntityUpdated, with If-Match: a contact changed in
 * Outlook since becomes a recorded write conflict (GET /api/v1/conflicts), never an overwrite.
 * No echo: what the push and the sync write back is ingested as the connector, and the
 * consumer pushes only edits made by someone else (a person, a plugin, a rule); the delta
 * that brings our own version back carries the change key we recorded and is skipped.
 */
export function createContactsPush(deps: ContactsPushDeps) {
  const { db, logger } = deps;

  const changedInOutlook = (error: ConnectorConflict): OutlookSide => ({
    message: error.message,
    remote: error.current as unknown as Record<string, unknown>,
    remoteVersion: error instanceof ContactConflict ? (error.version ?? null) : null,
  });

  /**
   * Outlook deleted the contact the hub's edit was made on (`remote.deleted`): no copy there to
   * show, and the owner chooses between saving their version there again and letting it go.
   */
  const deletedInOutlook = (contact: { externalId: string }, title: string): OutlookSide => ({
    message: 'Outlook deleted this contact after it was changed here: the changes were not saved there.',
    remote: { type: 'person', source, externalId: contact.externalId, title, deleted: true },
    remoteVersion: null,
  });

  /**
   * Outlook refused the edit for good (`remote.refused`, the reason in the message): the owner
   * tries again once it is fixed (If-Match on the copy the edit was based on) or takes Outlook's.
   */
  const refusedByOutlook = (
    error: ConnectorError,
    contact: { externalId: string },
    title: string,
    base: PushBase,
  ): OutlookSide => ({
    message: error.message,
    remote: { type: 'person', source, externalId: contact.externalId, title, refused: true },
    remoteVersion: base.changeKey ?? null,
  });

  const conflictOf = (
    input: { entityId: string; connectionId: string; externalId: string; fields: ContactWrite; baseVersion: number },
    outlook: OutlookSide,
  ): ConflictInput => ({
    entityId: input.entityId,
    entityType: 'person',
    capability: 'contacts',
    connectionId: input.connectionId,
    source,
    externalId: input.externalId,
    message: outlook.message,
    local: { fields: input.fields, baseVersion: input.baseVersion, remoteVersion: outlook.remoteVersion },
    remote: outlook.remote,
  });

  const recordConflict = (ownerId: string, input: Parameters<typeof conflictOf>[0], outlook: OutlookSide) =>
    db.asUser(ownerClaims(ownerId), (tx) => deps.conflicts.record(tx, ownerId, conflictOf(input, outlook)));

  /**
   * An edit whose person a sync deleted before its push went (Outlook deleted the contact, and
   * the edit's event was still queued or its first try failed): recorded as a conflict from the
   * event's snapshot, unless a push sent it or a conflict of it (or of a later edit) was recorded.
   */
  async function lostToOutlookDeletion(tx: Sql, ownerId: string, edit: EditEvent) {
    const removed = await repo.removedContact(tx, edit.entity.id);
    if (!removed || removed.pushedVersion >= edit.entity.version) return;
    if (await conflictsRepository.recordedFrom(tx, edit.entity.id, edit.entity.version)) return;
    const input = {
      entityId: edit.entity.id,
      connectionId: removed.connectionId,
      externalId: removed.externalId,
      fields: contactWriteOf(edit.entity, edit.identifiers ?? []),
      baseVersion: edit.entity.version,
    };
    await deps.conflicts.record(tx, ownerId, conflictOf(input, deletedInOutlook(removed, edit.entity.title)));
  }

  /** Kept for the next sync page once the owner has signed in again (the first edit's version is the base). */
  const keepPending = (tx: Sql, ownerId: string, edit: PendingPush) =>
    tx.query(
      `INSERT INTO made_open.msgraph_pending_pushes (owner_id, connection_id, entity_id, external_id, base_version)
       VALUES ($1, $2, $3, $4, $5) ON CONFLICT (connection_id, entity_id) DO NOTHING`,
      [ownerId, edit.connectionId, edit.entityId, edit.externalId, edit.baseVersion],
    );

  /**
   * Pushes the person's current state to Outlook: settled (the answer ingested), recorded as a
   * conflict, dropped (Outlook refused it for good), or 'reauth' (the sign-in is gone: keep it).
   * A provider failure throws, to be retried.
   */
  async function push(
    ownerId: string,
    edit: PendingPush,
    person: NonNullable<Awaited<ReturnType<typeof personNow>>>,
    base: PushBase,
    update: (contact: ContactRef, fields: ContactWrite) => Promise<{ item: IngestItem }>,
  ): Promise<'pushed' | 'conflict' | 'refused' | 'reauth'> {
    const fields = contactWriteOf(person.row, person.identifiers);
    // If-Match on Outlook's copy as the hub knew it when it read the person: a sync storing a
    // newer copy in between makes this a conflict, not a silent write over that copy.
    const contact: ContactRef = {
      externalId: edit.externalId,
      ...(base.changeKey ? { version: base.changeKey, fieldsDigest: base.fieldsDigest } : {}),
    };
    try {
      const { item } = await update(contact, fields);
      await db.asUser(ownerClaims(ownerId), async (tx) => {
        await repo.recordPushed(tx, edit.connectionId, edit.externalId, Number(person.row.version));
        // An edit saved while Outlook answered stays: its own event pushes it, over the change
        // key this write recorded. Outlook's answer is stored only over the version it is of.
        if (await stillAt(tx, edit.entityId, Number(person.row.version)))
          await ingestOwn(deps.ingest, tx, ownerId, edit.connectionId, item);
      });
      return 'pushed';
    } catch (error) {
      if (error instanceof ConnectorConflict) {
        await recordConflict(ownerId, { ...edit, fields }, changedInOutlook(error));
        return 'conflict';
      }
      // Deleted there, changed here: both sides changed, so the owner chooses (never lost unseen).
      if (error instanceof ContactGone) {
        await recordConflict(ownerId, { ...edit, fields }, deletedInOutlook(edit, person.row.title));
        return 'conflict';
      }
      if (error instanceof ConnectorError && error.kind === 'reauth') return 'reauth';
      // Refused for good (a permission the app registration lacks, the credential gone): kept
      // where the owner sees it, to try again once fixed, or to take Outlook's copy instead.
      if (error instanceof ConnectorError && error.kind === 'credential') {
        await recordConflict(ownerId, { ...edit, fields }, refusedByOutlook(error, edit, person.row.title, base));
        return 'conflict';
      }
      // The account refused it (retrying cannot help): nothing the owner could do here.
      if (error instanceof ConnectorError && error.kind !== 'provider') {
        logger.warn(
          { err: error.message, connectionId: edit.connectionId },
          'microsoft 365: Outlook refused a contact edit',
        );
        return 'refused';
      }
      throw error;
    }
  }

  /**
   * A sync stored Outlook's newer copy of the contact over this edit before the edit was sent
   * (the person is at the version that sync wrote). Sending the edit now would overwrite
   * Outlook's change unseen, and dropping it would lose the owner's: it is recorded as a
   * conflict against that copy, which the person now holds exactly as the sync stored it (its
   * contact fields; version: the change key the sync recorded). Nothing to ask Outlook, so an
   * outage or a lost sign-in cannot lose the edit.
   */
  async function overwrittenBySync(
    ownerId: string,
    edit: PendingPush,
    fields: ContactWrite,
    synced: PersonState,
    base: PushBase,
  ) {
    const outlook: IngestItem = {
      type: 'person',
      source,
      externalId: edit.externalId,
      title: synced.title,
      properties: Object.fromEntries(
        contactProperties
          .filter((key) => synced.properties[key] !== undefined)
          .map((key) => [key, synced.properties[key]]),
      ),
    };
    await recordConflict(
      ownerId,
      { ...edit, fields },
      {
        message: 'Outlook changed this contact while your edit was on its way there.',
        remote: outlook as unknown as Record<string, unknown>,
        remoteVersion: base.changeKey ?? null,
      },
    );
  }

  async function handle(event: EventEnvelope) {
    if (event.type !== 'data.EntityUpdated') return;
    const data = event.data as Partial<EditEvent> & { changed?: string[] };
    const entity = data.entity;
    if (!entity || entity.type !== 'person' || entity.source !== source || !entity.externalId) return;
    // Our own writes (the sync, a push's answer) and the system's are never pushed back.
    if (event.actor.kind === 'connector' || event.actor.kind === 'system') return;
    if (!(data.changed ?? []).some((field) => pushable.has(field))) return;
    const externalId = entity.externalId;

    const found = await db.asUser(ownerClaims(event.ownerId), async (tx) => {
      const person = await personNow(tx, entity.id);
      if (!person) {
        await lostToOutlookDeletion(tx, event.ownerId, { entity, identifiers: data.identifiers });
        return { done: true as const };
      }
      const connectionId = await repo.connectionOf(tx, externalId, 'person');
      const status = connectionId
        ? (await tx.query<{ status: string }>('SELECT status FROM made_open.connections WHERE id = $1', [connectionId]))
            .rows[0]?.status
        : undefined;
      if (!connectionId) return { done: true as const }; // not from a contact this hub syncs
      const edit = { entityId: entity.id, connectionId, externalId, baseVersion: entity.version };
      const base = await repo.pushBase(tx, connectionId, externalId);
      // Waiting for its owner to sign in again: the edit is kept, pushed before the next sync
      // page (as the person is then). Not one a sync overtook: that push would send Outlook's copy.
      if ((status === 'needs_reauth' || status === 'error') && !overtakenBySync(entity.version, person, base)) {
        await keepPending(tx, event.ownerId, edit);
        return { done: true as const };
      }
      return { person, edit, base };
    });
    // Deleted (see lostToOutlookDeletion), not an Outlook contact, or kept for later: nothing to push now.
    if ('done' in found) return;
    const edit = found.edit;
    if (Number(found.person.row.version) > entity.version) {
      // A newer hub edit pushes itself (its own event). But a sync that stored Outlook's newer
      // copy over this edit before it could be sent leaves none: both changed, so a conflict.
      if (overtakenBySync(entity.version, found.person, found.base))
        await overwrittenBySync(
          event.ownerId,
          edit,
          contactWriteOf(entity, data.identifiers ?? found.person.identifiers),
          found.person.row,
          found.base,
        );
      return;
    }

    const open = await openContacts(
      deps,
      event.ownerId,
      edit.connectionId,
      'contact edit not pushed (connection not usable)',
    );
    if (!open) return;
    const outcome = await push(event.ownerId, edit, found.person, found.base, (contact, fields) =>
      open.capability.update(open.context, contact, fields),
    );
    if (outcome === 'reauth') await db.asUser(ownerClaims(event.ownerId), (tx) => keepPending(tx, event.ownerId, edit));
  }

  /**
   * Before a sync page (the connection is usable again): the edits kept while it was not are
   * pushed first, with If-Match on the change key the hub last saw. Outlook changes made in the
   * meantime become recorded conflicts before the page could bring them in over the hub's edit.
   */
  async function flushPending(
    context: ConnectionContext<MsgraphOptions>,
    contacts: ContactsCapability<MsgraphOptions>,
  ) {
    const claims = ownerClaims(context.ownerId);
    const edits = await db.asUser(claims, (tx) => repo.pendingPushes(tx, context.connectionId, 'update'));
    for (const edit of edits) {
      const { person, base } = await db.asUser(claims, async (tx) => ({
        person: await personNow(tx, edit.entityId),
        base: await repo.pushBase(tx, edit.connectionId, edit.externalId),
      }));
      const outcome = person
        ? await push(context.ownerId, edit, person, base, (contact, fields) =>
            contacts.update(context, contact, fields),
          )
        : 'refused';
      if (outcome === 'reauth') return; // the page meets the same refusal and says so
      await db.asUser(claims, (tx) =>
        // A deletion that took this row's place meanwhile is msgraph.contacts-delete.ts's to send.
        tx.query(
          `DELETE FROM made_open.msgraph_pending_pushes WHERE connection_id = $1 AND entity_id = $2 AND kind = 'update'`,
          [edit.connectionId, edit.entityId],
        ),
      );
    }
  }

  /**
   * The hub's edit goes to Outlook as a new contact: Outlook deleted the one it was made on
   * after the conflict was recorded, and the owner chose their version. The person (brought
   * back if the sync had applied Outlook's deletion) takes the new contact's id.
   */
  async function recreate(
    user: AuthenticatedUser,
    conflict: ConflictView,
    fields: ContactWrite,
    open: OpenConnection<'contacts'>,
  ) {
    const { item } = await open.capability.create(open.context, fields).catch(refusalOf);
    try {
      await db.asUser(user.claims, async (tx) => {
        await deps.conflicts.settle(tx, conflict.id, 'local');
        if (!(await personNow(tx, conflict.entityId))) await restorePerson(deps.restoreExternal, tx, user, conflict);
        const moved = await tx.query(
          'UPDATE public.entities SET external_id = $3 WHERE id = $1 AND source = $2 AND external_id = $4',
          [conflict.entityId, source, item.externalId, conflict.externalId],
        );
        if (moved.rowCount === 0)
          throw new ConflictError('This person changed while it was saved: look at it again.', 'person_changed');
        await repo.forget(tx, conflict.connectionId, [conflict.externalId]);
        await ingestOwn(deps.ingest, tx, user.id, conflict.connectionId, item);
      });
    } catch (error) {
      // Settled elsewhere meanwhile (another tab), or the person changed: nothing here links the
      // new contact, so it goes again rather than stay in Outlook as a copy no person is of.
      await open.capability
        .delete(open.context, { externalId: item.externalId! })
        .catch((undo: unknown) =>
          logger.warn(
            { err: (undo as Error).message, connectionId: conflict.connectionId },
            'microsoft 365: a contact made for a conflict that was not settled could not be deleted again',
          ),
        );
      throw error;
    }
  }

  /**
   * Settles a contacts conflict: "remote" takes Outlook's copy as it is now (read again),
   * "local" pushes the hub's edit over it. Outlook deleted the contact meanwhile: "local" saves
   * the edit there as a new contact (`outlook: 'recreated'`: the owner chose their version, and
   * the deletion came after the copy they were shown), "remote" changes nothing here and the
   * sync applies Outlook's deletion as it applies any (`outlook: 'gone'`).
   */
  async function resolve(user: AuthenticatedUser, conflict: ConflictView, keep: 'local' | 'remote') {
    const local = conflict.local as { fields: ContactWrite; remoteVersion?: string | null };
    const view = () =>
      db.asUser(user.claims, async (tx) => {
        const person = await settledPerson(tx, conflict.entityId);
        if (!person) throw new NotFoundError('person');
        return person;
      });
    const open = await deps.connectors.open(user, 'contacts', conflict.connectionId);
    if (keep === 'remote') {
      const now = await open.capability.read(open.context, { externalId: conflict.externalId }).catch(refusalOf);
      if (!now) {
        // Outlook deleted it: keeping Outlook's is deleting here too, now, as the sync would.
        await db.asUser(user.claims, async (tx) => {
          await deps.conflicts.settle(tx, conflict.id, 'remote');
          await deps.removeExternal(tx, {
            ownerId: user.id,
            actor: { kind: 'connector', id: conflict.connectionId },
            items: [{ source, externalId: conflict.externalId }],
          });
          await repo.forget(tx, conflict.connectionId, [conflict.externalId]);
        });
        return { id: conflict.entityId, outlook: 'gone' as const };
      }
      await db.asUser(user.claims, async (tx) => {
        await deps.conflicts.settle(tx, conflict.id, 'remote');
        await ingestOwn(deps.ingest, tx, user.id, conflict.connectionId, now.item);
        await recordContactVersion(tx, user.id, conflict, now.version);
      });
      return view();
    }
    try {
      const { item } = await open.capability.update(
        open.context,
        { externalId: conflict.externalId, version: local.remoteVersion ?? undefined },
        local.fields,
      );
      await db.asUser(user.claims, async (tx) => {
        await deps.conflicts.settle(tx, conflict.id, 'local');
        await ingestOwn(deps.ingest, tx, user.id, conflict.connectionId, item);
      });
    } catch (error) {
      if (error instanceof ContactGone) {
        await recreate(user, conflict, local.fields, open);
        return { ...(await view()), outlook: 'recreated' as const };
      }
      if (!(error instanceof ConnectorConflict)) return refusalOf(error);
      const next = await recordConflict(
        user.id,
        {
          entityId: conflict.entityId,
          connectionId: conflict.connectionId,
          externalId: conflict.externalId,
          fields: local.fields,
          baseVersion: Number((conflict.local as { baseVersion?: unknown }).baseVersion) || 1,
        },
        changedInOutlook(error),
      );
      throw new ConflictError(
        'The contact changed again in Outlook: look at it once more and choose.',
        'write_conflict',
        { conflict: next },
      );
    }
    return view();
  }

  return { handle, resolve, flushPending };
}

export type ContactsPush = ReturnType<typeof createContactsPush>;
