import type { IngestItem } from '../../graph/index.ts';
import {
  ConnectorConflict,
  ConnectorError,
  type ContactWrite,
  type ContactsCapability,
} from '../connectors.contract.ts';
import { ownerClaims } from '../connectors.sync.ts';
import { graphErrorOf } from './msgraph.errors.ts';
import { changeKeyOf, contactFieldsDigest, contactItems } from './msgraph.mapping.ts';
import type { MsgraphOptions } from './msgraph.options.ts';
import { msgraphRepository as repo } from './msgraph.repository.ts';
import {
  ifMatchOf,
  isStaleVersion,
  preferImmutable,
  recordWrite,
  storedChangeKey,
  type MsgraphContext,
  type MsgraphWriteDeps,
  type Obj,
} from './msgraph.write.ts';

const contactPath = (id: string) => `/me/contacts/${encodeURIComponent(id)}`;

/** Outlook's contact has room for three email addresses and one mobile, two business, two home phones. */
const maxEmails = 3;

/** A ConnectorConflict that also says which version Outlook's copy is (to push over it on "keep mine"). */
export class ContactConflict extends ConnectorConflict {
  constructor(
    message: string,
    current: IngestItem,
    readonly version: string | undefined,
  ) {
    super(message, current);
  }
}

/** Outlook no longer has the contact (404 ErrorItemNotFound): deleted there since the hub last saw it. */
export class ContactGone extends ConnectorError {
  constructor() {
    super('account', 'Outlook no longer has this contact: it was deleted there.');
    this.name = 'ContactGone';
  }
}

/** The Graph contact body for a hub write: only the fields given. */
export function graphContactOf(contact: ContactWrite): Obj {
  const body: Obj = {};
  if (contact.givenName !== undefined) body.givenName = contact.givenName;
  if (contact.familyName !== undefined) body.surname = contact.familyName;
  if (contact.displayName !== undefined) body.displayName = contact.displayName;
  if (contact.emails !== undefined)
    body.emailAddresses = contact.emails.slice(0, maxEmails).map((address) => ({ address, name: address }));
  if (contact.phones !== undefined) {
    body.mobilePhone = contact.phones[0] ?? null;
    body.businessPhones = contact.phones.slice(1, 3);
    body.homePhones = contact.phones.slice(3, 5);
  }
  if (contact.company !== undefined) body.companyName = contact.company;
  if (contact.jobTitle !== undefined) body.jobTitle = contact.jobTitle;
  // Outlook keeps birthdays at 11:59 UTC, so the date reads the same in every zone.
  if (contact.birthday !== undefined)
    body.birthday = /^\d{4}-\d{2}-\d{2}$/.test(contact.birthday) ? `${contact.birthday}T11:59:00Z` : null;
  if (contact.notes !== undefined) body.personalNotes = contact.notes;
  return body;
}

/**
 * Contacts write-back (issue 13 §5): create, update and delete Outlook contacts. An update
 * or delete sends If-Match with the change key the hub saw; Graph's 412 becomes a
 * ContactConflict with the contact as it is now. Each write records the new change key (msgraph_items), so the delta
 * that brings it back is our own version, not a remote edit.
 */
export function createMsgraphContactsWrite(deps: MsgraphWriteDeps): ContactsCapability<MsgraphOptions> {
  async function itemOf(context: MsgraphContext, contact: Obj): Promise<IngestItem> {
    const region = await deps.db.asUser(ownerClaims(context.ownerId), (tx) =>
      deps.defaultRegionOf(tx, context.ownerId),
    );
    const mapped = contactItems(contact, region);
    if (!mapped) throw new ConnectorError('provider', 'Microsoft Graph answered with a contact the hub cannot read.');
    return mapped.person;
  }

  async function stored(context: MsgraphContext, contact: Obj) {
    const item = await itemOf(context, contact);
    await recordWrite(
      deps,
      context,
      'contacts',
      'person',
      item.externalId!,
      changeKeyOf(contact),
      contactFieldsDigest(contact),
    );
    return { item };
  }

  /** The fields digest of the copy the connection last saw (sync or our write), when kept. */
  const seenDigest = (context: MsgraphContext, externalId: string) =>
    deps.db.asUser(ownerClaims(context.ownerId), (tx) => repo.fieldsDigest(tx, context.connectionId, externalId));

  return {
    async create(context, contact) {
      const created = await deps.clientFor(context).json<Obj>({
        method: 'POST',
        url: '/me/contacts',
        headers: { prefer: preferImmutable },
        json: graphContactOf(contact),
      });
      return stored(context, created);
    },

    async update(context, contact, changes) {
      const graph = deps.clientFor(context);
      const patch = (version: string | undefined) =>
        graph.send<Obj>({
          method: 'PATCH',
          url: contactPath(contact.externalId),
          headers: { prefer: preferImmutable, ...(version ? { 'if-match': ifMatchOf(version) } : {}) },
          json: graphContactOf(changes),
        });
      let answer = await patch(
        contact.version ?? (await storedChangeKey(deps, context, contact.externalId)) ?? undefined,
      );
      if (isStaleVersion(answer.status, answer.body)) {
        const read = await graph.send<Obj>({
          url: contactPath(contact.externalId),
          headers: { prefer: preferImmutable },
        });
        if (read.status === 404) throw new ContactGone();
        if (read.status < 200 || read.status >= 300 || !read.body) throw graphErrorOf(read.status, read.body);
        const now = read.body;
        // Outlook's key moved for nothing the hub writes (a category, a photo): once more with it.
        // A version given without its digest is a conflict's base, which only the caller can judge.
        const digest = contact.version ? contact.fieldsDigest : await seenDigest(context, contact.externalId);
        if (digest && digest === contactFieldsDigest(now)) answer = await patch(changeKeyOf(now));
        if (isStaleVersion(answer.status, answer.body))
          throw new ContactConflict(
            'Outlook has a newer version of this contact.',
            await itemOf(context, now),
            changeKeyOf(now),
          );
      }
      if (answer.status === 404) throw new ContactGone();
      if (answer.status < 200 || answer.status >= 300 || !answer.body) throw graphErrorOf(answer.status, answer.body);
      return stored(context, answer.body);
    },

    async read(context, contact) {
      const answer = await deps.clientFor(context).send<Obj>({
        url: contactPath(contact.externalId),
        headers: { prefer: preferImmutable },
      });
      if (answer.status === 404) return null;
      if (answer.status < 200 || answer.status >= 300 || !answer.body) throw graphErrorOf(answer.status, answer.body);
      return { item: await itemOf(context, answer.body), version: changeKeyOf(answer.body) };
    },

    async delete(context, contact) {
      const graph = deps.clientFor(context);
      const remove = (version: string | undefined) =>
        graph.send({
          method: 'DELETE',
          url: contactPath(contact.externalId),
          headers: version ? { 'if-match': ifMatchOf(version) } : {},
        });
      let answer = await remove(
        contact.version ?? (await storedChangeKey(deps, context, contact.externalId)) ?? undefined,
      );
      if (isStaleVersion(answer.status, answer.body)) {
        const now = await graph.send<Obj>({
          url: contactPath(contact.externalId),
          headers: { prefer: preferImmutable },
        });
        if (now.status === 404) answer = now;
        else {
          if (now.status < 200 || now.status >= 300 || !now.body) throw graphErrorOf(now.status, now.body);
          // As for an update: a key moved only for what the hub never shows (a category, a photo)
          // is not a change the owner missed, so the deletion goes ahead with Outlook's key.
          const digest = contact.version ? undefined : await seenDigest(context, contact.externalId);
          if (digest && digest === contactFieldsDigest(now.body)) answer = await remove(changeKeyOf(now.body));
          if (isStaleVersion(answer.status, answer.body))
            throw new ContactConflict(
              'Outlook has a newer version of this contact than the one deleted here.',
              await itemOf(context, now.body),
              changeKeyOf(now.body),
            );
        }
      }
      // 404: gone from Outlook already (deleted there too, or by an earlier try): done all the same.
      if (answer.status !== 404 && (answer.status < 200 || answer.status >= 300))
        throw graphErrorOf(answer.status, answer.body);
      await deps.db.asUser(ownerClaims(context.ownerId), (tx) =>
        repo.forget(tx, context.connectionId, [contact.externalId]),
      );
    },
  };
}
