import {
  entityPropertiesSchemas,
  mentionedPersonIds,
  type Actor,
  normalizeEmail,
  normalizePhone,
  phoneProblem,
  type CountryCode,
  type DuplicateNotice,
  type Entity,
  type EntityCreateInput,
  type EntityListQuery,
  type EntityUpdateInput,
  type IdentifierCreateInput,
  type IdentifierKind,
  type Link,
  type LinkCreateInput,
  type Person,
  type PersonCreateInput,
  type PersonCreated,
  type PersonLookupQuery,
  type PhoneOptions,
} from '@made-open/shared';
import type { entityFieldNames } from '@made-open/shared/graph-events';
import { uuidv7 } from 'uuidv7';
import { oneStatementAsUser, type Database, type Sql } from '../../platform/db/index.ts';
import { ConflictError, NotFoundError, UserError, ValidationError } from '../../platform/errors.ts';
import type { AuthenticatedUser } from '../../platform/http/authentication.ts';
import type { EventOutbox } from '../events/index.ts';
import { identifierTaken, type Ingest } from './graph.ingest.ts';
import { syncNoteMentions } from './graph.mentions.ts';
import { createMergeOperations, type MergeFollower } from './graph.merge.ts';
import type { EntityState, GraphRepository, LinkRow } from './graph.repository.ts';

/** GET (or change) of a person that was merged: 404, naming the survivor. */
export class MergedError extends UserError {
  constructor(mergedIntoId: string) {
    super(404, 'merged', `This entity was merged into ${mergedIntoId}: use that id instead.`, { mergedIntoId });
  }
}

export interface GraphServiceDeps {
  db: Pick<Database, 'asUser' | 'queryAsUser'>;
  repository: GraphRepository;
  outbox: Pick<EventOutbox, 'append'>;
  /** The one writer of new entities (graph.ingest.ts). */
  ingest: Ingest;
  /**
   * The caller's default region (account settings), read in their transaction, for phone
   * numbers written without a country code when the request names none.
   */
  defaultRegionOf?: (tx: Sql, userId: string) => Promise<CountryCode | undefined>;
  /** Modules that key their own data by person id and follow merges and their undo (graph.merge.ts). */
  mergeFollowers?: readonly MergeFollower[];
}

/**
 * Who writes: the signed-in user, or a principal acting for them (a plugin) whose actor,
 * with its causation, goes on the events instead of the user's.
 */
type Caller = Pick<AuthenticatedUser, 'id' | 'claims'> & { actor?: Actor };
type ChangedField = (typeof entityFieldNames)[number];

const actorOf = (user: Caller): Actor => user.actor ?? { kind: 'user', id: user.id };

function missing(state: Pick<EntityState, 'deleted' | 'merged_into_id'> | undefined, what = 'entity'): void {
  if (!state) throw new NotFoundError(what);
  if (state.merged_into_id) throw new MergedError(state.merged_into_id);
  if (state.deleted) throw new NotFoundError(what);
}

function validateProperties(type: Entity['type'], properties: unknown): Record<string, unknown> {
  const parsed = entityPropertiesSchemas[type].safeParse(properties);
  if (!parsed.success) {
    const details = parsed.error.issues.map((issue) => ({
      path: `/properties/${issue.path.join('/')}`,
      message: issue.message,
    }));
    throw new ValidationError(
      `The properties are not valid for a ${type}: ${details[0]?.message ?? 'check the fields'}.`,
      details,
    );
  }
  return parsed.data as Record<string, unknown>;
}

/** JSON equality regardless of key order. */
function sameJson(a: unknown, b: unknown): boolean {
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

// Opaque cursors: base64url of "<a|d>.<updated_at µs>.<id>".
function encodeCursor(ascending: boolean, at: string, id: string) {
  return Buffer.from(`${ascending ? 'a' : 'd'}.${at}.${id}`).toString('base64url');
}

const cursorPattern = /^([ad])\.(\d{1,18})\.([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;

function decodeCursor(cursor: string, ascending: boolean) {
  const match = cursorPattern.exec(Buffer.from(cursor, 'base64url').toString('latin1'));
  if (!match || (match[1] === 'a') !== ascending) {
    throw new UserError(400, 'invalid_cursor', 'The cursor is not one this list returned: start again without it.');
  }
  return { micros: match[2]!, id: match[3]! };
}

const escapeLike = (value: string) => value.replace(/[\\%_]/g, (char) => `\\${char}`);

/** Normalises phones and emails, rejecting the first that cannot be read. Deduplicates. */
function normalizeAll(phones: readonly string[], emails: readonly string[], options: PhoneOptions) {
  const pairs = new Map<string, { kind: IdentifierKind; value: string }>();
  for (const [kind, field, inputs] of [
    ['phone', 'phones', phones],
    ['email', 'emails', emails],
  ] as const) {
    inputs.forEach((input, index) => {
      const value = normalize(kind, input, options, { path: `/${field}/${index}`, label: `${field}[${index}]` });
      pairs.set(`${kind}:${value}`, { kind, value });
    });
  }
  return [...pairs.values()];
}

/** Names the field ("phones[1]") and says why, so a person can fix that one line. */
function normalize(
  kind: IdentifierKind,
  input: string,
  options: PhoneOptions,
  field: { path: string; label: string },
): string {
  const value = kind === 'phone' ? normalizePhone(input, options) : normalizeEmail(input);
  if (value !== null) return value;
  const reason =
    kind === 'phone'
      ? (phoneProblem(input, options) ?? 'It is not a phone number.')
      : 'It is not an email address (like name@example.com).';
  const quoted = `"${input.slice(0, 64)}"`;
  throw new ValidationError(
    `${field.label}: ${quoted} is not a ${kind === 'phone' ? 'phone number' : 'valid email address'} we can use. ${reason}`,
    [{ path: field.path, message: reason }],
  );
}

/**
 * The typed phones and emails that another person holds go into the new person's
 * properties (display copies) when its properties do not list them, so the number is not
 * lost and the matcher and a later merge see it.
 */
function withDisplayCopies(
  input: PersonCreateInput,
  taken: readonly { kind: IdentifierKind; value: string }[],
  options: PhoneOptions,
): Record<string, unknown> {
  if (taken.length === 0) return input.properties;
  const properties: Record<string, unknown> = { ...input.properties };
  for (const [kind, field, typed] of [
    ['phone', 'phones', input.phones],
    ['email', 'emails', input.emails],
  ] as const) {
    const listed = Array.isArray(properties[field]) ? [...(properties[field] as string[])] : [];
    const listedValues = new Set(
      listed.map((v) => (kind === 'phone' ? normalizePhone(v, options) : normalizeEmail(v))),
    );
    for (const raw of typed) {
      const value = kind === 'phone' ? normalizePhone(raw, options) : normalizeEmail(raw);
      if (value && taken.some((t) => t.kind === kind && t.value === value) && !listedValues.has(value)) {
        // A number in E.164, so it reads the same without the request's defaultCountry.
        listed.push(kind === 'phone' ? value : raw);
        listedValues.add(value);
      }
    }
    if (listed.length > 0) properties[field] = listed;
  }
  return properties;
}

export function createGraphService(deps: GraphServiceDeps) {
  const { db, repository: repo, outbox, ingest } = deps;
  const merges = createMergeOperations({ db, repository: repo, outbox, missing, followers: deps.mergeFollowers });
  const regionOf = async (tx: Sql, user: Caller, given: CountryCode | undefined) =>
    given ?? (await deps.defaultRegionOf?.(tx, user.id));

  async function lockLivePerson(tx: Sql, id: string) {
    const state = await repo.lockEntity(tx, id);
    missing(state, 'person');
    if (state!.type !== 'person') throw new NotFoundError('person');
    return state!;
  }

  /** After identifiers changed: bump the person and emit EntityUpdated with them. */
  async function personIdentifiersChanged(tx: Sql, user: Caller, id: string): Promise<Person> {
    const entity = await repo.touchEntity(tx, id);
    const identifiers = await repo.identifiersOf(tx, id);
    await outbox.append(tx, {
      type: 'data.EntityUpdated',
      ownerId: user.id,
      subject: id,
      actor: actorOf(user),
      data: { entity, changed: ['identifiers'], identifiers },
    });
    return { ...entity, identifiers };
  }

  return {
    /** JSON text of the entity (a person with its identifiers): one round trip. `tx`: the caller's transaction. */
    async getEntityJson(user: Caller, id: string, tx?: Sql): Promise<string> {
      const statement = repo.getEntityStatement(id);
      type Found = { deleted: boolean; merged_into_id: string | null; json: string };
      const result = tx
        ? await tx.query<Found>(statement.text, statement.params)
        : await db.queryAsUser<Found>(user.claims, statement.text, statement.params);
      const row = result.rows[0];
      missing(row);
      return row!.json;
    },

    /** Creates the entity and its event through ingest, in one statement; returns its JSON text. */
    async createEntityJson(user: Caller, input: EntityCreateInput, tx?: Sql): Promise<string> {
      // An item without phones, emails or people is one ingest statement, so it can run as a
      // single autocommitted statement (one round trip) instead of a transaction.
      const request = {
        ownerId: user.id,
        actor: actorOf(user),
        items: [input],
        mode: 'create',
        returnJson: true,
      } as const;
      if (input.type === 'note' && mentionedPersonIds(input.body ?? '').length > 0) {
        // A note naming people also links them: both in one transaction.
        const work = async (inner: Sql) => {
          const created = (await ingest(inner, request)).items[0]!;
          await syncNoteMentions(inner, outbox, request, created.id, input.body ?? '');
          return created.json!;
        };
        return tx ? work(tx) : db.asUser(user.claims, work);
      }
      const oneStatement: Sql = tx ?? oneStatementAsUser(db, user.claims);
      const result = await ingest(oneStatement, request);
      return result.items[0]!.json!;
    },

    async updateEntity(user: Caller, id: string, input: EntityUpdateInput, outer?: Sql): Promise<Entity | Person> {
      const work = async (tx: Sql) => {
        const state = await repo.lockEntity(tx, id);
        missing(state);
        const current = state!.entity;
        if (state!.version !== input.version) {
          throw new ConflictError(
            `Version ${input.version} is stale: the entity is at version ${state!.version}. Reload it and apply your change again.`,
            'version_conflict',
            { currentVersion: state!.version },
          );
        }
        const properties =
          input.properties === undefined ? undefined : validateProperties(current.type, input.properties);
        const changed: ChangedField[] = [];
        if (input.title !== undefined && input.title !== current.title) changed.push('title');
        if (input.body !== undefined && input.body !== current.body) changed.push('body');
        if (properties !== undefined && !sameJson(properties, current.properties)) changed.push('properties');
        if (
          input.occurredAt !== undefined &&
          (input.occurredAt === null
            ? current.occurredAt !== null
            : current.occurredAt === null || Date.parse(input.occurredAt) !== Date.parse(current.occurredAt))
        ) {
          changed.push('occurredAt');
        }
        const entity =
          changed.length === 0
            ? current
            : await repo.updateEntity(tx, id, {
                title: changed.includes('title') ? input.title : undefined,
                body: changed.includes('body') ? input.body : undefined,
                properties: changed.includes('properties') ? properties : undefined,
                occurredAt: changed.includes('occurredAt') ? input.occurredAt : undefined,
              });
        if (changed.length > 0) {
          await outbox.append(tx, {
            type: 'data.EntityUpdated',
            ownerId: user.id,
            subject: id,
            actor: actorOf(user),
            data: { entity, changed },
          });
        }
        if (entity.type === 'note' && changed.includes('body')) {
          await syncNoteMentions(tx, outbox, { ownerId: user.id, actor: actorOf(user) }, id, entity.body);
        }
        if (entity.type !== 'person') return entity;
        return { ...entity, identifiers: await repo.identifiersOf(tx, id) };
      };
      return outer ? work(outer) : db.asUser(user.claims, work);
    },

    /** Soft delete. A person's identifiers are released, so they can be given to another. */
    async deleteEntity(user: Caller, id: string): Promise<void> {
      await db.asUser(user.claims, async (tx) => {
        const state = await repo.lockEntity(tx, id);
        missing(state);
        const entity = (await repo.softDeleteEntity(tx, id))!;
        if (entity.type === 'person') await repo.deleteIdentifiersOf(tx, id);
        await outbox.append(tx, {
          type: 'data.EntityDeleted',
          ownerId: user.id,
          subject: id,
          actor: actorOf(user),
          data: { entity },
        });
      });
    },

    /** One page as JSON text: `{ items, nextCursor }`, newest first (oldest first with updatedSince). */
    async listEntitiesJson(user: Caller, query: EntityListQuery, tx?: Sql): Promise<string> {
      const ascending = query.updatedSince !== undefined;
      const statement = repo.listStatement({
        type: query.type,
        titlePrefix: query.q === undefined ? undefined : escapeLike(query.q),
        updatedSince: query.updatedSince,
        includeDeleted: query.includeDeleted ?? false,
        ascending,
        after: query.cursor === undefined ? undefined : decodeCursor(query.cursor, ascending),
        limit: query.limit + 1,
      });
      type Listed = { json: string; at: string; id: string };
      const result = tx
        ? await tx.query<Listed>(statement.text, statement.params)
        : await db.queryAsUser<Listed>(user.claims, statement.text, statement.params);
      const rows = result.rows.slice(0, query.limit);
      const last = rows[rows.length - 1];
      const nextCursor = result.rows.length > query.limit && last ? encodeCursor(ascending, last.at, last.id) : null;
      return `{"items":[${rows.map((row) => row.json).join(',')}],"nextCursor":${JSON.stringify(nextCursor)}}`;
    },

    async createLink(user: Caller, input: LinkCreateInput): Promise<Link> {
      if (input.fromId === input.toId) throw new ValidationError('A link joins two different entities.');
      return db.asUser(user.claims, async (tx) => {
        const live = await repo.liveEntityIds(tx, [input.fromId, input.toId]);
        if (live.length < 2) throw new NotFoundError('entity');
        const link = await repo.insertLink(tx, { id: uuidv7(), ...input });
        if (!link) {
          const existing = await repo.findLink(tx, input);
          throw new ConflictError('That link exists already.', 'link_exists', { id: existing?.id });
        }
        await outbox.append(tx, {
          type: 'data.LinkCreated',
          ownerId: user.id,
          subject: link.id,
          actor: actorOf(user),
          data: { link },
        });
        return link;
      });
    },

    async linksOf(user: Caller, id: string, limit: number): Promise<LinkRow[]> {
      return db.asUser(user.claims, async (tx) => {
        const live = await repo.liveEntityIds(tx, [id]);
        if (live.length === 0) {
          const state = await repo.lockEntity(tx, id);
          missing(state);
        }
        return repo.linksOf(tx, id, limit);
      });
    },

    async deleteLink(user: Caller, id: string): Promise<void> {
      await db.asUser(user.claims, async (tx) => {
        const link = await repo.deleteLink(tx, id);
        if (!link) throw new NotFoundError('link');
        await outbox.append(tx, {
          type: 'data.LinkDeleted',
          ownerId: user.id,
          subject: link.id,
          actor: actorOf(user),
          data: { link },
        });
      });
    },

    /**
     * A person and its identifiers in one transaction. A phone or email another person has
     * already stays theirs (identifiers are unique): the new person keeps it as a display copy
     * in its properties, and the answer names that person in `duplicates`, so the client can
     * offer to merge. It is never refused for it.
     */
    async createPerson(user: Caller, input: PersonCreateInput): Promise<PersonCreated> {
      return db.asUser(user.claims, async (tx) => {
        // Normalised here first so that a bad phone or email is named as the API's own field.
        const defaultCountry = await regionOf(tx, user, input.defaultCountry);
        const pairs = normalizeAll(input.phones, input.emails, { defaultCountry });
        const taken = await repo.findIdentifiers(tx, pairs);
        const isTaken = (kind: IdentifierKind, value: string) =>
          taken.some((t) => t.kind === kind && t.value === value);
        const values = (kind: IdentifierKind) =>
          pairs.filter((p) => p.kind === kind && !isTaken(p.kind, p.value)).map((p) => p.value);
        const properties = withDisplayCopies(input, taken, { defaultCountry });
        const result = await ingest(tx, {
          ownerId: user.id,
          actor: actorOf(user),
          items: [
            {
              type: 'person',
              title: input.name,
              body: input.body ?? '',
              properties,
              source: input.source,
              externalId: input.externalId,
              phones: values('phone'),
              emails: values('email'),
            },
          ],
          mode: 'create',
          returnJson: true,
        });
        const person = JSON.parse(result.items[0]!.json!) as Person;
        const duplicates: DuplicateNotice[] = [];
        for (const t of taken) {
          const reason = { code: t.kind === 'email' ? 'same_email' : 'same_phone', value: t.value } as const;
          const known = duplicates.find((d) => d.personId === t.entityId);
          if (known) {
            known.reasons.push(reason);
            continue;
          }
          const other = await repo.getPerson(tx, t.entityId);
          if (other) duplicates.push({ personId: other.id, name: other.title, reasons: [reason] });
        }
        return { ...person, duplicates };
      });
    },

    async lookupPerson(user: Caller, query: PersonLookupQuery): Promise<Person> {
      const kind: IdentifierKind = query.phone !== undefined ? 'phone' : 'email';
      return db.asUser(user.claims, async (tx) => {
        const defaultCountry = await regionOf(tx, user, query.defaultCountry);
        const value = normalize(
          kind,
          (query.phone ?? query.email)!,
          { defaultCountry },
          { path: `/${kind}`, label: kind },
        );
        const id = await repo.findPersonIdByIdentifier(tx, kind, value);
        const person = id === undefined ? undefined : await repo.getPerson(tx, id);
        if (!person) throw new NotFoundError('person');
        return person;
      });
    },

    async addIdentifier(user: Caller, personId: string, input: IdentifierCreateInput): Promise<Person> {
      return db.asUser(user.claims, async (tx) => {
        const defaultCountry = await regionOf(tx, user, input.defaultCountry);
        const value = normalize(input.kind, input.value, { defaultCountry }, { path: '/value', label: 'value' });
        await lockLivePerson(tx, personId);
        const taken = await repo.findIdentifiers(tx, [{ kind: input.kind, value }]);
        if (taken.length > 0) {
          if (taken[0]!.entityId === personId) {
            throw new ConflictError(`This person already has the ${input.kind} ${value}.`, 'identifier_exists', {
              id: taken[0]!.id,
            });
          }
          throw identifierTaken(taken.map((t) => ({ kind: t.kind, value: t.value, personId: t.entityId })));
        }
        await repo.insertIdentifiers(tx, personId, [{ id: uuidv7(), kind: input.kind, value }]);
        return personIdentifiersChanged(tx, user, personId);
      });
    },

    async removeIdentifier(user: Caller, personId: string, identifierId: string): Promise<Person> {
      return db.asUser(user.claims, async (tx) => {
        await lockLivePerson(tx, personId);
        const removed = await repo.deleteIdentifier(tx, personId, identifierId);
        if (!removed) throw new NotFoundError('identifier');
        return personIdentifiersChanged(tx, user, personId);
      });
    },

    ...merges,
  };
}

export type GraphService = ReturnType<typeof createGraphService>;
