import {
  actorSchema,
  type Actor,
  type EntityType,
  type IdentifierKind,
  type Link,
  normalizeEmail,
  normalizePhone,
  type PhoneOptions,
} from '@made-open/shared';
import { uuidv7 } from 'uuidv7';
import type { Sql } from '../../platform/db/index.ts';
import { ConflictError, ValidationError } from '../../platform/errors.ts';
import type { EventOutbox } from '../events/index.ts';
import {
  ingestRepository as repo,
  type EntityInputRow,
  type IdentifierInputRow,
  type IngestStatus,
  type LinkInputRow,
  type LinkPruneRow,
  type UpsertResultRow,
} from './graph.ingest.repository.ts';
import { parseCompleteIncoming, parseIngestItem, type IngestItem, type ParsedItem } from './graph.ingest.items.ts';

export type { IngestItem, IngestPersonRef } from './graph.ingest.items.ts';

export interface IngestRequest {
  /** Whose graph: must be the owner whose claims the transaction runs under (RLS checks it). */
  ownerId: string;
  /** Who brings the data in; it goes on every event (with causedBy/depth for reactions). */
  actor: Actor;
  items: readonly IngestItem[];
  /** Region of phone numbers written without a country code. */
  defaultCountry?: PhoneOptions['defaultCountry'];
  /**
   * upsert (default): by (source, externalId); unchanged items change nothing.
   * create: every item is new; an existing (source, externalId) is a 409, a taken identifier too.
   */
  mode?: 'upsert' | 'create';
  /** Return each created or updated entity's JSON text (the API's responses need it). */
  returnJson?: boolean;
  /**
   * Phones and emails (normalised) the caller already resolved to the owner's persons in this
   * same transaction: people refs with them are linked without looking them up again (one
   * round trip less per batch on the webhook path). Identifiers of person items are still
   * looked up, since they need the holder's provenance.
   */
  knownPersons?: readonly KnownPerson[];
  /** Links into persons that a source names in full per person: see CompleteIncoming. */
  completeIncoming?: CompleteIncoming;
}

/**
 * Links of `kind` into persons from `source`'s entities, which the source lists in full for
 * each person named here: a person keeps only the links from the entities in `keep` (their
 * external ids); the others are deleted, each with data.LinkDeleted. A contact whose company
 * changed: the old organization's works_at link goes. Applied after the items are stored.
 */
export interface CompleteIncoming {
  kind: string;
  source: string;
  people: readonly { phone?: string; email?: string; keep: readonly string[] }[];
}

export interface KnownPerson {
  kind: IdentifierKind;
  value: string;
  personId: string;
}

export interface IngestItemResult {
  id: string;
  /** deleted: the entity exists but was deleted (or merged) by its owner: left alone. */
  status: 'created' | 'updated' | 'unchanged' | 'deleted';
  json: string | null;
}

export interface IdentifierConflict {
  /** The item (a person) that claimed the identifier. */
  index: number;
  kind: IdentifierKind;
  value: string;
  /** The person it already belongs to, which keeps it. */
  personId: string;
}

export interface IngestResult {
  items: IngestItemResult[];
  /** Persons made for phones and emails nobody had yet. */
  personsCreated: number;
  linksCreated: number;
  events: number;
  identifierConflicts: IdentifierConflict[];
}

export type Ingest = (tx: Sql, request: IngestRequest) => Promise<IngestResult>;

const key = (kind: IdentifierKind, value: string) => `${kind}:${value}`;
const identityOf = (source: string, externalId: string) => `${source}\u0000${externalId}`;

/**
 * The one writer of entities (DESIGN §2 "Ingest"): items are validated, their phones and
 * emails resolved to the owner's persons (an unknown one becomes a person with the item's
 * provenance), and entities, identifiers, links and data.* events are written with a few
 * multi-row statements inside the caller's transaction. See README.md for an example.
 */
export function createIngest(outbox: Pick<EventOutbox, 'notifyAppended' | 'appendMany'>): Ingest {
  return async function ingest(tx, request) {
    const actor = actorSchema.safeParse(request.actor);
    if (!actor.success) throw new ValidationError('The ingest actor is not valid: give its kind and id.');
    const mode = request.mode ?? 'upsert';
    const phoneOptions = { defaultCountry: request.defaultCountry };
    const normalized = new Map<string, string | null>();
    const normalize = (kind: IdentifierKind, input: string) => {
      const cacheKey = `${kind}|${input}`;
      let value = normalized.get(cacheKey);
      if (value === undefined) {
        value = kind === 'phone' ? normalizePhone(input, phoneOptions) : normalizeEmail(input);
        normalized.set(cacheKey, value);
      }
      return value;
    };
    const items = request.items.map((item, index) => parseIngestItem(item, index, normalize));

    const adopting = items.flatMap((item, ord) =>
      item.adoptMadePerson && item.identifiers.length > 0
        ? [{ ord, source: item.source!, external_id: item.externalId!, identifiers: item.identifiers }]
        : [],
    );
    if (adopting.length > 0) await repo.adoptMadePersons(tx, adopting);

    // Every phone and email of the batch, looked up once.
    const wanted = new Map<string, { kind: IdentifierKind; value: string }>();
    for (const item of items) {
      for (const id of [...item.identifiers, ...item.people]) wanted.set(key(id.kind, id.value), id);
    }
    const owners = new Map<string, string>();
    if (request.knownPersons?.length) {
      const claimed = new Set(items.flatMap((item) => item.identifiers.map((id) => key(id.kind, id.value))));
      for (const known of request.knownPersons) {
        const k = key(known.kind, known.value);
        if (claimed.has(k) || !wanted.has(k)) continue;
        owners.set(k, known.personId);
        wanted.delete(k);
      }
    }
    /** Identifier -> the (source, externalId) of the person that has it. */
    const ownerIdentity = new Map<string, string>();
    const lookUp = async (pairs: { kind: IdentifierKind; value: string }[]) => {
      for (const row of await repo.findPersons(tx, pairs)) {
        owners.set(key(row.kind, row.value), row.entity_id);
        if (row.source !== null && row.external_id !== null) {
          ownerIdentity.set(key(row.kind, row.value), identityOf(row.source, row.external_id));
        }
      }
    };
    if (wanted.size > 0) {
      await lookUp([...wanted.values()]);
      const unknown = [...wanted].filter(([k]) => !owners.has(k)).map(([, pair]) => pair);
      if (unknown.length > 0) {
        // Someone may have created them between the lookup and the lock: look those up again.
        await repo.lockPersons(tx, request.ownerId);
        await lookUp(unknown);
      }
    }

    const entities: EntityInputRow[] = [];
    const identifiers: IdentifierInputRow[] = [];
    const links: LinkInputRow[] = [];
    const conflicts: IdentifierConflict[] = [];
    const seen = new Map<string, number>();
    /** Identifier -> the row of this batch that will own it. */
    const claimedBy = new Map<string, number>();

    items.forEach((item, ord) => {
      const identity =
        item.source !== null && item.externalId !== null ? identityOf(item.source, item.externalId) : null;
      if (identity !== null) {
        const first = seen.get(identity);
        if (first !== undefined) {
          throw new ValidationError(
            `items[${ord}] has the same source and externalId as items[${first}]: send each item once per batch.`,
            [{ path: `/items/${ord}/externalId`, message: 'duplicate in this batch' }],
          );
        }
        seen.set(identity, ord);
      }
      let addsIdentifiers = false;
      for (const { kind, value } of item.identifiers) {
        const k = key(kind, value);
        const owner = owners.get(k);
        // Already this person's own (a contact synced again): neither new nor a conflict.
        if (owner !== undefined && identity !== null && ownerIdentity.get(k) === identity) continue;
        if (owner !== undefined || claimedBy.has(k)) {
          if (owner !== undefined) conflicts.push({ index: ord, kind, value, personId: owner });
          continue;
        }
        claimedBy.set(k, ord);
        identifiers.push({ ord, id: uuidv7(), kind, value });
        addsIdentifiers = true;
      }
      entities.push({
        ord,
        seq: 0,
        id: uuidv7(),
        type: item.type,
        title: item.title,
        body: item.body,
        properties: item.properties,
        source: item.source,
        external_id: item.externalId,
        occurred_at: item.occurredAt ?? null,
        occurred_at_set: item.occurredAt !== undefined,
        keep: false,
        adds_identifiers: addsIdentifiers,
        event_id: uuidv7(),
        owned: item.ownedProperties,
      });
    });
    if (mode === 'create' && conflicts.length > 0) throw identifierTaken(conflicts);

    // Senders and recipients: an existing person, a person item of this batch, or a new person.
    items.forEach((item, ord) => {
      for (const person of item.people) {
        const k = key(person.kind, person.value);
        let toOrd = claimedBy.get(k) ?? null;
        const toId = toOrd === null ? (owners.get(k) ?? null) : null;
        if (toOrd === null && toId === null) {
          toOrd = entities.length;
          claimedBy.set(k, toOrd);
          entities.push({
            ord: toOrd,
            seq: 0,
            id: uuidv7(),
            type: 'person' satisfies EntityType,
            title: person.name ?? person.value,
            body: null,
            properties: null,
            // Provenance: the connector that first met this person, and by which identifier.
            source: item.source,
            external_id: item.source === null ? null : k,
            occurred_at: null,
            occurred_at_set: false,
            keep: true,
            adds_identifiers: false,
            event_id: uuidv7(),
            owned: null,
          });
          identifiers.push({ ord: toOrd, id: uuidv7(), kind: person.kind, value: person.value });
        }
        links.push({ id: uuidv7(), kind: person.role, from_ord: ord, to_ord: toOrd, to_id: toId, event_id: uuidv7() });
      }
    });
    // Persons made for senders come first in the outbox, so a consumer meets them before the links.
    const firstItemSeq = entities.length - items.length;
    entities.forEach((row) => {
      row.seq = row.ord < items.length ? firstItemSeq + row.ord : row.ord - items.length;
    });

    const rows = await repo.upsert(tx, {
      ownerId: request.ownerId,
      actor: actor.data,
      entities,
      identifiers,
      links,
      mode,
      returnJson: request.returnJson ?? false,
    });
    let events = Number(rows[0]?.events ?? 0);
    if (events > 0) outbox.notifyAppended(tx);
    const owner = { ownerId: request.ownerId, actor: actor.data };
    events += await pruneIncompleteLinks(tx, outbox, owner, items, links, rows);
    if (request.completeIncoming) {
      const prune = parseCompleteIncoming(request.completeIncoming, normalize);
      if (prune.people.length > 0)
        events += await appendLinkDeleted(tx, outbox, owner, await repo.pruneIncomingLinks(tx, prune));
    }
    return {
      items: rows.slice(0, items.length).map((row) => ({
        id: row.id,
        status: settled(row.status, row.ord),
        json: row.json,
      })),
      personsCreated: rows.slice(items.length).filter((row) => row.status === 'created').length,
      linksCreated: Number(rows[0]?.links ?? 0),
      events,
      identifierConflicts: conflicts,
    };
  };
}

/**
 * An updated item that lists its people of some roles in full (an event's attendees) drops
 * the links of those kinds it no longer lists, with a data.LinkDeleted each. New items have
 * nothing to drop and unchanged ones nothing new to say, so only updates pay the statement.
 */
async function pruneIncompleteLinks(
  tx: Sql,
  outbox: Pick<EventOutbox, 'appendMany'>,
  request: { ownerId: string; actor: Actor },
  items: ParsedItem[],
  links: LinkInputRow[],
  rows: UpsertResultRow[],
): Promise<number> {
  const prune: LinkPruneRow[] = [];
  items.forEach((item, ord) => {
    if (item.completeRoles.length === 0 || rows[ord]?.status !== 'updated') return;
    const keep = links
      .filter((link) => link.from_ord === ord && item.completeRoles.includes(link.kind))
      .map((link) => link.to_id ?? rows[link.to_ord!]!.id);
    prune.push({ from_id: rows[ord]!.id, kinds: item.completeRoles, keep });
  });
  if (prune.length === 0) return 0;
  return appendLinkDeleted(tx, outbox, request, await repo.pruneLinks(tx, prune));
}

async function appendLinkDeleted(
  tx: Sql,
  outbox: Pick<EventOutbox, 'appendMany'>,
  owner: { ownerId: string; actor: Actor },
  removed: Link[],
): Promise<number> {
  if (removed.length === 0) return 0;
  await outbox.appendMany(
    tx,
    removed.map((link) => ({
      type: 'data.LinkDeleted' as const,
      ownerId: owner.ownerId,
      subject: link.id,
      actor: owner.actor,
      data: { link },
    })),
  );
  return removed.length;
}

function settled(status: IngestStatus, index: number): IngestItemResult['status'] {
  if (status === 'type_mismatch') {
    throw new ValidationError(
      `items[${index}] has the source and externalId of an entity of another type: an external id names one thing.`,
      [{ path: `/items/${index}/type`, message: 'differs from the existing entity' }],
    );
  }
  if (status === 'conflict') {
    throw new ConflictError(
      `items[${index}] was written by another transaction at the same time: run the batch again.`,
      'ingest_conflict',
    );
  }
  return status;
}

export function identifierTaken(taken: { kind: IdentifierKind; value: string; personId: string }[]) {
  const first = taken[0]!;
  return new ConflictError(
    `The ${first.kind} ${first.value} already belongs to person ${first.personId}. Merge the two persons or remove it there first.`,
    'identifier_taken',
    taken.map(({ kind, value, personId }) => ({ kind, value, personId })),
  );
}
