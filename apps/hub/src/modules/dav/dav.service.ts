import { normalizeEmail, normalizePhone, type PersonProperties, type PhoneOptions } from '@made-open/shared';
import { uuidv7 } from 'uuidv7';
import type { Database, Sql } from '../../platform/db/index.ts';
import type { GraphService, Ingest, IngestItem, RemoveExternal } from '../graph/index.ts';
import { localSource } from '../calendar/calendar.events.ts';
import type { CalendarService } from '../calendar/index.ts';
import { eventUpdateOf } from './dav.connected-calendar.ts';
import { DavError } from './dav.errors.ts';
import { ns } from './dav.xml.ts';
import { parseICalendar, renderICalendar, ICalError, type EventFieldsFromIcal } from './dav.ical.ts';
import type { DavPrincipal } from './dav.passwords.ts';
import { davRepository as repo, etagOf, nameOf, type CollectionKind, type MemberRow } from './dav.repository.ts';
import { parseVCard, renderVCard, vcardPropertyKeys, VCardError, type VCardVersion } from './dav.vcard.ts';

/** Where a contact a phone creates comes from (a calendar event is a hub event: the calendar module's source). */
export const contactSource = 'dav';

/** How far back a sync-collection looks past its token: a transaction that began before the token and committed after it is still seen. */
const syncMarginUs = 30_000_000n;

export interface DavServiceDeps {
  db: Database;
  ingest: Ingest;
  removeExternal: RemoveExternal;
  graph: Pick<GraphService, 'updateEntity' | 'deleteEntity'>;
  defaultRegionOf?: (tx: Sql, userId: string) => Promise<PhoneOptions['defaultCountry'] | undefined>;
  calendar?: Pick<CalendarService, 'update' | 'remove' | 'writesThrough'>;
}

export interface Member {
  name: string;
  etag: string;
  deleted: boolean;
  row: MemberRow;
}

const member = (kind: CollectionKind, row: MemberRow): Member => ({
  name: nameOf(kind, row),
  etag: etagOf(row),
  deleted: row.deleted,
  row,
});

export const contentTypeOf = { contacts: 'text/vcard; charset=utf-8', calendar: 'text/calendar; charset=utf-8' };

/** The stored representation of a member. */
export function renderMember(kind: CollectionKind, row: MemberRow, version: VCardVersion = '3.0'): string {
  const resource = row.uid !== null ? { uid: row.uid, extra: row.extra ?? '' } : null;
  if (kind === 'contacts') {
    return renderVCard(
      { id: row.id, title: row.title, properties: row.properties as PersonProperties },
      resource,
      version,
    );
  }
  return renderICalendar(
    { id: row.id, title: row.title, body: row.body, properties: row.properties, updatedAt: row.updated_at },
    resource,
  );
}

const tokenPrefix = 'https://made-open.dev/ns/sync/';

/** A sync token names the collection's newest change and its size: a new member or deletion changes it. */
export const syncTokenOf = (state: { newest: string; count: string }) => `${tokenPrefix}${state.newest}-${state.count}`;

function parseSyncToken(token: string): bigint {
  const match = token.startsWith(tokenPrefix) ? /^(\d{1,20})-\d{1,12}$/.exec(token.slice(tokenPrefix.length)) : null;
  if (!match)
    throw new DavError(403, 'That sync token is not one this hub gave.', { precondition: 'valid-sync-token' });
  return BigInt(match[1]!);
}

/** Preconditions of a write: If-Match (the current ETag, or * for "exists") and If-None-Match: *. */
function checkPreconditions(current: Member | null, ifMatch?: string, ifNoneMatch?: string) {
  if (ifNoneMatch !== undefined) {
    const tags = ifNoneMatch.split(',').map((t) => t.trim());
    if (current && (tags.includes('*') || tags.includes(current.etag)))
      throw new DavError(412, 'The resource exists (If-None-Match).');
  }
  if (ifMatch !== undefined) {
    const tags = ifMatch.split(',').map((t) => t.trim().replace(/^W\//, ''));
    if (!current || !(tags.includes('*') || tags.includes(current.etag)))
      throw new DavError(412, 'The resource changed or is gone (If-Match): fetch it again.');
  }
}

/** Keys of a calendar_event the iCalendar mapping writes; the rest (calendar, changeKey, ...) are left as stored. */
const icalPropertyKeys = [
  'startsAt',
  'endsAt',
  'allDay',
  'timeZone',
  'location',
  'status',
  'showAs',
  'recurrence',
  'kind',
  'organizer',
  'attendees',
  'responses',
] as const;

function mergeProperties(
  current: Record<string, unknown> | undefined,
  next: Record<string, unknown>,
  keys: readonly string[],
) {
  const merged: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(current ?? {})) if (!keys.includes(key)) merged[key] = value;
  return { ...merged, ...next };
}

/** The collection's reads and writes, each as the account under RLS; writes go through graph ingest. */
export function createDavService(deps: DavServiceDeps) {
  const { db } = deps;
  const actor = (user: DavPrincipal) => ({ kind: 'user' as const, id: user.id });
  const account = (user: DavPrincipal) => ({ id: user.id, claims: user.claims });

  async function refuseTakenUid(tx: Sql, kind: CollectionKind, uid: string, id: string | null) {
    const taken = await repo.uidTaken(tx, kind, uid, id);
    if (taken !== null)
      throw new DavError(409, `Another resource (${taken}) already has UID ${uid.slice(0, 80)}.`, {
        precondition: 'no-uid-conflict',
        ns: kind === 'contacts' ? ns.card : ns.cal,
      });
  }

  /**
   * The event behind a calendar resource when it belongs to a connected calendar (its writes go
   * there first), after `check` (the phone's preconditions) passed on it.
   */
  async function connectedEvent(user: DavPrincipal, name: string, check: (row: MemberRow, tx: Sql) => Promise<void>) {
    const calendar = deps.calendar;
    if (!calendar) return null;
    return db.asUser(user.claims, async (tx) => {
      const row = await repo.byName(tx, 'calendar', name);
      if (!row || row.source === null || !calendar.writesThrough(row.source)) return null;
      await check(row, tx);
      return { row, calendar };
    });
  }

  /**
   * A phone's edit of a connected calendar's event (Microsoft 365) goes through the calendar,
   * as the web app's does: written to Outlook first with its version, then stored as Outlook
   * answers; a change made there meanwhile is a recorded conflict (409), never overwritten.
   */
  async function putConnectedEvent(
    user: DavPrincipal,
    name: string,
    parsed: EventFieldsFromIcal,
    conditions: { ifMatch?: string; ifNoneMatch?: string },
  ): Promise<boolean> {
    const found = await connectedEvent(user, name, async (row, tx) => {
      checkPreconditions(member('calendar', row), conditions.ifMatch, conditions.ifNoneMatch);
      await refuseTakenUid(tx, 'calendar', parsed.uid, row.id);
    });
    if (!found) return false;
    await found.calendar.update(account(user), found.row.id, eventUpdateOf(parsed, found.row.version));
    await db.asUser(user.claims, (tx) =>
      repo.keep(tx, {
        ownerId: user.id,
        entityId: found.row.id,
        kind: 'calendar',
        name,
        uid: parsed.uid,
        extra: parsed.extra,
      }),
    );
    return true;
  }

  return {
    async members(user: DavPrincipal, kind: CollectionKind, names?: string[]): Promise<Member[]> {
      const rows = await db.asUser(user.claims, (tx) => repo.live(tx, kind, names));
      return rows.map((row) => member(kind, row));
    },

    async get(user: DavPrincipal, kind: CollectionKind, name: string): Promise<Member | null> {
      const row = await db.asUser(user.claims, (tx) => repo.byName(tx, kind, name));
      return row ? member(kind, row) : null;
    },

    async syncToken(user: DavPrincipal, kind: CollectionKind): Promise<string> {
      return syncTokenOf(await db.asUser(user.claims, (tx) => repo.state(tx, kind)));
    },

    /** sync-collection: what changed since the token (all live members without one), and the new token. */
    async changes(user: DavPrincipal, kind: CollectionKind, token: string | null) {
      const since = token ? parseSyncToken(token) : null;
      return db.asUser(user.claims, async (tx) => {
        const state = await repo.state(tx, kind);
        const rows =
          since === null ? await repo.live(tx, kind) : await repo.changedSince(tx, kind, since - syncMarginUs);
        return { members: rows.map((row) => member(kind, row)), token: syncTokenOf(state) };
      });
    },

    /** PUT: creates or replaces a member. Returns whether it was created. */
    async put(
      user: DavPrincipal,
      kind: CollectionKind,
      name: string,
      body: string,
      conditions: { ifMatch?: string; ifNoneMatch?: string },
    ): Promise<{ created: boolean }> {
      const invalidData = {
        precondition: kind === 'contacts' ? 'valid-address-data' : 'valid-calendar-data',
        ns: kind === 'contacts' ? ns.card : ns.cal,
      };
      // PostgreSQL cannot store a NUL: refused here, not as a database error halfway through.
      if (body.includes('\u0000'))
        throw new DavError(400, 'The body has a NUL character (\\u0000): remove it and send it again.', invalidData);
      let parsed;
      try {
        parsed = kind === 'contacts' ? parseVCard(body) : parseICalendar(body);
      } catch (error) {
        if (error instanceof VCardError || error instanceof ICalError)
          throw new DavError(400, error.message, invalidData);
        throw error;
      }
      if (kind === 'calendar' && (await putConnectedEvent(user, name, parsed as EventFieldsFromIcal, conditions)))
        return { created: false };
      return db.asUser(user.claims, async (tx) => {
        const row = await repo.byName(tx, kind, name, true);
        const current = row ? member(kind, row) : null;
        checkPreconditions(current, conditions.ifMatch, conditions.ifNoneMatch);
        await refuseTakenUid(tx, kind, parsed.uid, row?.id ?? null);

        const region = kind === 'contacts' ? await deps.defaultRegionOf?.(tx, user.id) : undefined;
        const keys = kind === 'contacts' ? vcardPropertyKeys : icalPropertyKeys;
        const properties = mergeProperties(row?.properties, parsed.properties as Record<string, unknown>, keys);
        const item: IngestItem = {
          type: kind === 'contacts' ? 'person' : 'calendar_event',
          title: parsed.title,
          properties,
        };
        if ('notes' in parsed) {
          item.body = parsed.notes;
          item.occurredAt = new Date(Date.parse(parsed.properties.startsAt as string)).toISOString();
          item.people = parsed.attendees.map((email) => ({ role: 'attendee', email }));
          item.completeRoles = ['attendee'];
        } else {
          const contact = parsed.properties as PersonProperties;
          // Identifiers only for what the graph can normalise; the display copies keep everything.
          item.phones = (contact.phones ?? []).filter((p) => normalizePhone(p, { defaultCountry: region }) !== null);
          item.emails = (contact.emails ?? []).filter((e) => normalizeEmail(e) !== null);
        }

        let entityId: string;
        if (row && row.source !== null && row.external_id !== null) {
          // Made by a phone, the calendar, a connector: upserted by the key it was made with.
          const result = await deps.ingest(tx, {
            ownerId: user.id,
            actor: actor(user),
            items: [{ ...item, source: row.source, externalId: row.external_id }],
            defaultCountry: region,
          });
          entityId = result.items[0]!.id;
        } else if (row) {
          // Made in the web app (no provenance key): the graph's own update, with its version check and event.
          await deps.graph.updateEntity(
            { id: user.id, claims: user.claims, actor: actor(user) },
            row.id,
            { version: row.version, title: item.title, body: item.body, properties: item.properties },
            tx,
          );
          entityId = row.id;
        } else {
          const result = await deps.ingest(tx, {
            ownerId: user.id,
            actor: actor(user),
            items: [{ ...item, source: kind === 'contacts' ? contactSource : localSource, externalId: uuidv7() }],
            defaultCountry: region,
          });
          entityId = result.items[0]!.id;
        }
        await repo.keep(tx, { ownerId: user.id, entityId, kind, name, uid: parsed.uid, extra: parsed.extra });
        return { created: row === undefined };
      });
    },

    /** DELETE: soft-deletes the entity (its events as any delete); 404 when there is none. */
    async remove(user: DavPrincipal, kind: CollectionKind, name: string, ifMatch?: string): Promise<void> {
      // A connected calendar's event is deleted there first, as from the web app.
      const connected =
        kind === 'calendar'
          ? await connectedEvent(user, name, async (row) => checkPreconditions(member(kind, row), ifMatch))
          : null;
      if (connected) return connected.calendar.remove(account(user), connected.row.id);
      const sourceless = await db.asUser(user.claims, async (tx) => {
        const row = await repo.byName(tx, kind, name, true);
        if (!row) throw new DavError(404, 'No such resource.');
        checkPreconditions(member(kind, row), ifMatch);
        if (row.source !== null && row.external_id !== null) {
          await deps.removeExternal(tx, {
            ownerId: user.id,
            actor: actor(user),
            items: [{ source: row.source, externalId: row.external_id }],
          });
          return null;
        }
        return row.id;
      });
      if (sourceless !== null)
        await deps.graph.deleteEntity({ id: user.id, claims: user.claims, actor: actor(user) }, sourceless);
    },
  };
}

export type DavService = ReturnType<typeof createDavService>;
