import { uuidv7 } from 'uuidv7';
import type { Database, Sql } from '../../platform/db/index.ts';
import { ConflictError, NotFoundError, UserError, ValidationError } from '../../platform/errors.ts';
import type { AuthenticatedUser } from '../../platform/http/authentication.ts';
import {
  ConnectorConflict,
  ConnectorError,
  type CalendarCapability,
  type CalendarWritten,
  type OpenConnection,
} from '../connectors/index.ts';
import type { IngestItem, RemoveExternal } from '../graph/index.ts';
import {
  applyUpdate,
  fieldsOfRow,
  localProperties,
  localSource,
  writeOf,
  type EventFields,
} from './calendar.events.ts';
import { countOf, expandSeries, occurrencesBefore, withEnd } from './calendar.recurrence.ts';
import { calendarRepository as repo, type EventRow } from './calendar.repository.ts';
import type { EventUpdateInput, EventView } from './calendar.schemas.ts';
import { dateOfFloating, dayMs, floatingOf, floatingOfDate, instantOf } from './calendar.time.ts';

/**
 * "This and following" for an occurrence of a series (scope=following on PATCH and DELETE).
 * A hub series ends before the occurrence (DELETE) or is split there into two series (PATCH),
 * in one transaction. A connected series (Microsoft 365) has no such call: its range is ended
 * through the capability's `endSeriesBefore`, and for a PATCH a new series is created there
 * from the occurrence on. README: "This and following".
 */

/** What the calendar service lends this file: its helpers over the same transaction rules. */
export interface FollowingDeps {
  db: Database;
  removeExternal: RemoveExternal;
  ingestOne(tx: Sql, user: AuthenticatedUser, item: IngestItem): Promise<string>;
  localItem(fields: EventFields, externalId: string, properties: Record<string, unknown>): IngestItem;
  lockLive(tx: Sql, entityId: string): Promise<EventRow>;
  checkVersion(row: EventRow, version: number): void;
  occurrenceTarget(
    tx: Sql,
    entityId: string,
    key: string,
  ): Promise<{ master: EventRow; existing: EventRow | undefined; occurrenceFields: EventFields }>;
  openFor(user: AuthenticatedUser, row: EventRow): Promise<OpenConnection<'calendar'>>;
  providerRule(capability: CalendarCapability<unknown>, fields: EventFields): string;
  storeWritten(
    tx: Sql,
    user: AuthenticatedUser,
    written: CalendarWritten,
    replaced?: ReadonlySet<string>,
  ): Promise<string>;
  viaProvider<T>(work: () => Promise<T>): Promise<T>;
  unlessOnlyVersionMoved<T>(base: EventRow, version: string | undefined, write: (v?: string) => Promise<T>): Promise<T>;
  view(user: AuthenticatedUser, entityId: string): Promise<EventView>;
  /** The whole series' update and delete (the first occurrence's "following" is the whole series). */
  updateWhole(user: AuthenticatedUser, masterId: string, input: EventUpdateInput): Promise<EventView>;
  removeWhole(user: AuthenticatedUser, masterId: string): Promise<void>;
}

const actor = (user: AuthenticatedUser) => ({ kind: 'user' as const, id: user.id });

const notAnOccurrence = () =>
  new ValidationError(
    'scope: "following" is for an occurrence of a repeating event; a single event or a whole series has nothing after it.',
    [{ path: '/scope', message: 'only for an occurrence of a series' }],
  );

/** The wall clock an occurrence key names (20260329T090000, all-day 20260329), as a floating time. */
function floatingOfKey(key: string): number {
  const date = `${key.slice(0, 4)}-${key.slice(4, 6)}-${key.slice(6, 8)}`;
  return key.length === 8
    ? floatingOfDate(date)
    : Date.parse(`${date}T${key.slice(9, 11)}:${key.slice(11, 13)}:${key.slice(13, 15)}Z`);
}

const basicUtc = (ms: number) => new Date(ms).toISOString().slice(0, 19).replace(/[-:]/g, '').concat('Z');

/** A hub rule ended before the occurrence `key`: COUNT becomes the number already held, else UNTIL just before it. */
function endedBefore(fields: EventFields, key: string, held: number): string {
  const rule = fields.recurrence!;
  if (countOf(rule) !== undefined) return withEnd(rule, { count: held });
  const floating = floatingOfKey(key);
  if (fields.allDay) return withEnd(rule, { until: dateOfFloating(floating - dayMs).replace(/-/g, '') });
  return withEnd(rule, { until: basicUtc(instantOf(floating, fields.timeZone ?? 'UTC') - 1000) });
}

/** The rest of a rule from an occurrence on: COUNT less those already held; UNTIL or no end kept. */
function remainingRule(rule: string, held: number): string {
  const count = countOf(rule);
  return count === undefined ? rule : withEnd(rule, { count: Math.max(1, count - held) });
}

/** Whether `key` is one of the occurrences of a hub series with these fields. */
function occursAt(fields: EventFields, key: string): boolean {
  const floating = floatingOfKey(key);
  return expandSeries(
    { ...fields, timeZone: fields.timeZone ?? 'UTC', recurrence: fields.recurrence! },
    floating - 2 * dayMs,
    floating + 2 * dayMs,
  ).some((o) => o.key === key);
}

export function createFollowing(deps: FollowingDeps) {
  const { db, removeExternal } = deps;

  /**
   * The series and the occurrence's key a hub "following" write is about: the API's
   * `<series id>_<key>`, or an exception's own entity id. A provider instance: `provider`.
   */
  type HubTarget = { master: EventRow; existing: EventRow | undefined; occurrenceFields: EventFields; key: string };
  async function targetOf(
    tx: Sql,
    entityId: string,
    occurrenceKey: string | undefined,
  ): Promise<{ hub: HubTarget } | { provider: EventRow }> {
    if (occurrenceKey !== undefined) {
      const target = await deps.occurrenceTarget(tx, entityId, occurrenceKey);
      return { hub: { ...target, key: occurrenceKey } };
    }
    const row = await deps.lockLive(tx, entityId);
    const kind = row.properties.kind;
    if (kind !== 'occurrence' && kind !== 'exception') throw notAnOccurrence();
    if (row.source !== localSource) return { provider: row };
    if (row.properties.status === 'cancelled') throw new NotFoundError('event');
    const [seriesId, key] = row.external_id!.split('@');
    const master = seriesId ? await repo.bySourceId(tx, localSource, seriesId) : undefined;
    if (!master || master.deleted || !key) throw new NotFoundError('event');
    const target = await deps.occurrenceTarget(tx, master.id, key);
    return { hub: { ...target, key } };
  }

  /** The exceptions of a hub series at or after `key` (keys of one series compare as text). */
  async function exceptionsFrom(tx: Sql, master: EventRow, key: string) {
    const all = await repo.exceptionsOf(tx, localSource, [master.external_id!]);
    return all.filter((e) => (e.external_id!.split('@')[1] ?? '') >= key);
  }

  const removeLocal = (tx: Sql, user: AuthenticatedUser, externalIds: string[]) =>
    externalIds.length === 0
      ? Promise.resolve()
      : removeExternal(tx, {
          ownerId: user.id,
          actor: actor(user),
          items: externalIds.map((externalId) => ({ source: localSource, externalId })),
        }).then(() => undefined);

  /** Occurrences before `key`: counted in full for a COUNT rule, else only whether there is one. */
  const heldBefore = (fields: EventFields, key: string) =>
    occurrencesBefore({ ...fields, recurrence: fields.recurrence! }, floatingOfKey(key), countLimit(fields));

  /** A provider instance's series master, as the hub holds it. */
  async function providerMaster(tx: Sql, user: AuthenticatedUser, row: EventRow): Promise<EventRow> {
    const seriesId = row.properties.seriesId;
    const [master] =
      typeof seriesId === 'string'
        ? await repo.mastersOf(tx, user.id, [{ source: row.source!, externalId: seriesId }])
        : [];
    if (!master)
      throw new ConflictError(
        'This hub does not hold the whole series yet: sync the connection (Settings → Connections) and try again.',
        'series_unknown',
      );
    return master;
  }

  /**
   * Ends a provider series before `instance`: the provider first, then the hub stores the
   * series as answered and removes every instance it held from the occurrence on.
   */
  async function endProviderSeries(user: AuthenticatedUser, instance: EventRow, master: EventRow) {
    const open = await deps.openFor(user, master);
    const end = open.capability.endSeriesBefore;
    if (!end)
      throw new ValidationError('scope: this calendar cannot end a series part way; change the whole series.', [
        { path: '/scope', message: 'not offered for this calendar' },
      ]);
    const held = await db.asUser(user.claims, (tx) =>
      repo.instancesOf(tx, user.id, master.source!, master.external_id!),
    );
    let ended: Awaited<ReturnType<typeof end>>;
    try {
      ended = await deps.unlessOnlyVersionMoved(master, versionOf(master), (version) =>
        deps.viaProvider(() =>
          end(open.context, { externalId: master.external_id!, version }, { externalId: instance.external_id! }),
        ),
      );
    } catch (error) {
      if (!(error instanceof ConnectorConflict)) throw error;
      await db.asUser(user.claims, (tx) => deps.ingestOne(tx, user, error.current));
      throw new ConflictError(
        'The series was changed in the other calendar since this hub last saw it. Nothing was changed: look at it again.',
        'write_conflict',
      );
    }
    if (ended.first) return { open, ended };
    const from = Date.parse(ended.originalStart);
    await db.asUser(user.claims, async (tx) => {
      await deps.storeWritten(tx, user, ended.written, new Set(held.map((h) => h.external_id)));
      const later = held.filter((h) => startOf(h.starts_at, master) >= from).map((h) => h.external_id);
      if (later.length > 0)
        await removeExternal(tx, {
          ownerId: user.id,
          actor: actor(user),
          items: later.map((externalId) => ({ source: master.source!, externalId })),
        });
    });
    return { open, ended };
  }

  type Outcome =
    | { kind: 'done'; id?: string }
    | { kind: 'whole'; id: string }
    | { kind: 'provider'; instance: EventRow; master: EventRow };

  async function removeFollowing(user: AuthenticatedUser, entityId: string, occurrenceKey?: string): Promise<void> {
    const outcome = await db.asUser(user.claims, async (tx): Promise<Outcome> => {
      const target = await targetOf(tx, entityId, occurrenceKey);
      if ('provider' in target)
        return { kind: 'provider', instance: target.provider, master: await providerMaster(tx, user, target.provider) };
      const { master, key } = target.hub;
      const fields = fieldsOfRow(master);
      const held = heldBefore(fields, key);
      if (held === 0) return { kind: 'whole', id: master.id };
      const ended = { ...fields, recurrence: endedBefore(fields, key, held) };
      await deps.ingestOne(
        tx,
        user,
        deps.localItem(ended, master.external_id!, localProperties(ended, { previous: master.properties })),
      );
      await removeLocal(
        tx,
        user,
        (await exceptionsFrom(tx, master, key)).map((e) => e.external_id!),
      );
      return { kind: 'done' };
    });
    if (outcome.kind === 'whole') return deps.removeWhole(user, outcome.id);
    if (outcome.kind === 'provider') {
      const { ended } = await endProviderSeries(user, outcome.instance, outcome.master);
      if (ended.first) await deps.removeWhole(user, outcome.master.id);
    }
  }

  async function updateFollowing(
    user: AuthenticatedUser,
    entityId: string,
    occurrenceKey: string | undefined,
    input: EventUpdateInput,
  ): Promise<EventView> {
    if (input.recurrence === null)
      throw new ValidationError(
        'recurrence: to stop the series from this occurrence on, delete this and following instead.',
        [{ path: '/recurrence', message: 'cannot be cleared for this and following' }],
      );
    const outcome = await db.asUser(user.claims, async (tx): Promise<Outcome> => {
      const target = await targetOf(tx, entityId, occurrenceKey);
      if ('provider' in target) {
        deps.checkVersion(target.provider, input.version);
        return { kind: 'provider', instance: target.provider, master: await providerMaster(tx, user, target.provider) };
      }
      const { master, key, existing, occurrenceFields } = target.hub;
      deps.checkVersion(existing && !existing.deleted ? existing : master, input.version);
      const fields = fieldsOfRow(master);
      const held = heldBefore(fields, key);
      const next = applyUpdate(
        { ...occurrenceFields, recurrence: remainingRule(fields.recurrence!, held) },
        { ...input, recurrence: input.recurrence ?? undefined },
      );
      const later = await exceptionsFrom(tx, master, key);
      // The first occurrence: the whole series changes, in place (same entity).
      const nextId = held === 0 ? master.external_id! : uuidv7();
      if (held > 0) {
        const ended = { ...fields, recurrence: endedBefore(fields, key, held) };
        await deps.ingestOne(
          tx,
          user,
          deps.localItem(ended, master.external_id!, localProperties(ended, { previous: master.properties })),
        );
      }
      const id = await deps.ingestOne(
        tx,
        user,
        deps.localItem(next, nextId, localProperties(next, { previous: master.properties })),
      );
      // Exceptions from the split on: the edited one is the new series' first occurrence; the
      // others move to the new series when it still has an occurrence at their original start
      // (a renamed or cancelled one stays so), else they go (its times changed under them).
      const moved = later.filter(
        (e) => e.external_id!.split('@')[1] !== key && occursAt(next, e.external_id!.split('@')[1]!),
      );
      await removeLocal(
        tx,
        user,
        later.filter((e) => !(held === 0 && moved.includes(e))).map((e) => e.external_id!),
      );
      if (held > 0)
        for (const exception of moved) {
          const own = fieldsOfRow(exception);
          const properties = localProperties(own, {
            kind: 'exception',
            seriesId: nextId,
            status: exception.properties.status === 'cancelled' ? 'cancelled' : undefined,
            previous: exception.properties,
          });
          await deps.ingestOne(
            tx,
            user,
            deps.localItem(own, `${nextId}@${exception.external_id!.split('@')[1]}`, properties),
          );
        }
      return { kind: 'done', id };
    });
    if (outcome.kind === 'provider') return splitProvider(user, outcome.instance, outcome.master, input);
    return deps.view(user, outcome.id!);
  }

  /**
   * A provider series split at `instance`: the old series ends first (so a failure after it
   * never leaves two series covering the same days), then the new one is created from the
   * occurrence on. Everything that can be refused is checked before the first write.
   */
  async function splitProvider(
    user: AuthenticatedUser,
    instance: EventRow,
    master: EventRow,
    input: EventUpdateInput,
  ): Promise<EventView> {
    const seriesFields = fieldsOfRow(master);
    const base = { ...fieldsOfRow(instance), recurrence: seriesFields.recurrence };
    const next = applyUpdate(base, { ...input, recurrence: input.recurrence ?? undefined });
    if (!next.recurrence)
      throw new ConflictError(
        "This hub cannot read the series' rule: change the series in the other calendar.",
        'series_unreadable',
      );
    const open = await deps.openFor(user, master);
    deps.providerRule(open.capability, next);
    const { ended } = await endProviderSeries(user, instance, master);
    if (ended.first) return deps.updateWhole(user, master.id, { ...input, version: master.version });
    // COUNT less the occurrences the old series kept (counted up to the instance's original start).
    const zone = seriesFields.timeZone ?? 'UTC';
    const originalMs = Date.parse(ended.originalStart);
    const before = seriesFields.allDay
      ? floatingOfDate(dateOfFloating(floatingOf(originalMs, zone)))
      : floatingOf(originalMs, zone);
    const kept = occurrencesBefore(
      { ...seriesFields, recurrence: seriesFields.recurrence! },
      before,
      countLimit(seriesFields),
    );
    const rule =
      input.recurrence === undefined
        ? deps.providerRule(open.capability, { ...next, recurrence: remainingRule(next.recurrence, kept) })
        : deps.providerRule(open.capability, next);
    let created: CalendarWritten;
    try {
      created = await deps.viaProvider(() =>
        open.capability.create(open.context, { ...writeOf(next), recurrence: rule }),
      );
    } catch (error) {
      const why = error instanceof UserError || error instanceof ConnectorError ? error.message : 'it failed';
      throw new UserError(
        502,
        'series_split_incomplete',
        `The series now ends on ${ended.lastDate} in the other calendar, but the new series from ` +
          `${next.startsAt.slice(0, 10)} could not be created there (${why}). Nothing else was changed: ` +
          'create the new series from that day again.',
      );
    }
    const id = await db.asUser(user.claims, (tx) => deps.storeWritten(tx, user, created));
    return deps.view(user, id);
  }

  return { removeFollowing, updateFollowing };
}

/** Counting a rule's occurrences matters only for COUNT (at most 9999); otherwise whether any is enough. */
const countLimit = (fields: EventFields) =>
  fields.recurrence && countOf(fields.recurrence) !== undefined ? 10_000 : 1;

const versionOf = (row: EventRow) =>
  typeof row.properties.changeKey === 'string' ? row.properties.changeKey : undefined;

/** An instance's start as an instant; an all-day date as midnight in the series' zone. */
function startOf(startsAt: string, master: EventRow): number {
  if (startsAt.length !== 10) return Date.parse(startsAt);
  const zone = typeof master.properties.timeZone === 'string' ? master.properties.timeZone : 'UTC';
  return instantOf(floatingOfDate(startsAt), zone);
}
