import { uuidv7 } from 'uuidv7';
import type { Database, Sql } from '../../platform/db/index.ts';
import { ConflictError, NotFoundError, UserError, ValidationError } from '../../platform/errors.ts';
import type { AuthenticatedUser } from '../../platform/http/authentication.ts';
import {
  ConnectorConflict,
  ConnectorError,
  type CalendarCapability,
  type CalendarWritten,
  type ConflictView,
  type Conflicts,
  type ConnectorRegistry,
  type ConnectorsService,
  type OpenConnection,
} from '../connectors/index.ts';
import type { GraphService, Ingest, IngestItem, RemoveExternal } from '../graph/index.ts';
import {
  applyUpdate,
  fieldsOfCreate,
  changesOf,
  fieldsOfRow,
  localProperties,
  sameForHub,
  sameTiming,
  localSource,
  occurredAtOf,
  viewOf,
  writeOf,
  type EventFields,
} from './calendar.events.ts';
import { createFollowing } from './calendar.following.ts';
import { expandSeries } from './calendar.recurrence.ts';
import { calendarRepository as repo, type AttendeeRow, type EventRow } from './calendar.repository.ts';
import type { EventCreateInput, EventScope, EventUpdateInput, EventView, WindowQuery } from './calendar.schemas.ts';
import { dateOfFloating, dayMs, floatingOf, floatingOfDate, isDate, isoInZone } from './calendar.time.ts';

export interface CalendarServiceDeps {
  db: Database;
  ingest: Ingest;
  /** Soft-deletes a provider's items by source and external id (a series' instances it no longer has). */
  removeExternal: RemoveExternal;
  graph: Pick<GraphService, 'deleteEntity'>;
  connectors: Pick<ConnectorsService, 'open' | 'list'>;
  registry: Pick<ConnectorRegistry, 'get' | 'list'>;
  conflicts: Conflicts;
}

/** One answer holds at most this many events; more says `truncated`. */
const maxEvents = 3000;
/** All-day dates are stored as UTC midnights: widen the scan by the largest zone offsets. */
const zoneSlackMs = 14 * 3_600_000;

const actor = (user: AuthenticatedUser) => ({ kind: 'user' as const, id: user.id });

/** A connector's failure, as the person sees it: fix the connection (422) or try again (502). */
function providerRefused(error: ConnectorError): UserError {
  return error.kind === 'provider'
    ? new UserError(502, 'provider_error', `${error.message} Try again in a moment.`)
    : new UserError(422, `provider_${error.kind}`, error.message);
}

async function viaProvider<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof ConnectorError) throw providerRefused(error);
    throw error;
  }
}

/** A provider's item as the hub stores it (title, body, properties), to compare with a row. */
const storedOf = (item: IngestItem) => ({
  title: item.title ?? '',
  body: item.body ?? '',
  properties: item.properties ?? {},
});

/** The provider's version carried in an item (connectors keep it in properties.changeKey). */
const versionOf = (item: Pick<IngestItem, 'properties'>) =>
  typeof item.properties?.changeKey === 'string' ? item.properties.changeKey : undefined;

/**
 * Runs a provider write with the version the hub saw; when the provider refuses it but its
 * copy is the same for the hub as `base` (only the version moved: sameForHub), once more with
 * the provider's version. A second refusal stands.
 */
async function unlessOnlyVersionMoved<T>(
  base: Pick<EventRow, 'title' | 'body' | 'properties'>,
  version: string | undefined,
  write: (version: string | undefined) => Promise<T>,
): Promise<T> {
  try {
    return await write(version);
  } catch (error) {
    if (!(error instanceof ConnectorConflict) || !sameForHub(base, storedOf(error.current))) throw error;
    return write(versionOf(error.current));
  }
}

/** Ingest takes a series' instances this many at a time. */
const instanceChunk = 500;

/** Splits <series id>_<original start> into its parts; a plain id has no key. */
function parseId(id: string): { entityId: string; occurrenceKey?: string } {
  const [entityId, occurrenceKey] = id.split('_');
  return { entityId: entityId!.toLowerCase(), occurrenceKey };
}

export function createCalendarService(deps: CalendarServiceDeps) {
  const { db, ingest, removeExternal, connectors, registry, conflicts } = deps;

  /** For each provider: the one live connection that can write calendars (null when none or several). */
  async function calendarConnections(user: AuthenticatedUser) {
    const byProvider = new Map<string, string[]>();
    for (const connection of await connectors.list(user)) {
      if (connection.status !== 'active' || !registry.get(connection.provider)?.calendar) continue;
      // Keyed by the source its events carry (msgraph for Microsoft 365), which rows name.
      byProvider.set(connection.source, [...(byProvider.get(connection.source) ?? []), connection.id]);
    }
    return (source: string | null) => {
      const ids = source === null ? undefined : byProvider.get(source);
      return ids?.length === 1 ? ids[0]! : null;
    };
  }

  async function openFor(user: AuthenticatedUser, row: EventRow): Promise<OpenConnection<'calendar'>> {
    const connectionOf = await calendarConnections(user);
    const connectionId = connectionOf(row.source);
    if (!connectionId)
      throw new ConflictError(
        `This event belongs to ${row.source}, and no single live connection to it can write calendars: check Settings → Connections.`,
        'connection_unable',
      );
    return connectors.open(user, 'calendar', connectionId);
  }

  async function ingestOne(tx: Sql, user: AuthenticatedUser, item: IngestItem): Promise<string> {
    const result = await ingest(tx, { ownerId: user.id, actor: actor(user), items: [item] });
    return result.items[0]!.id;
  }

  /** The external ids of a provider series' instances the hub holds now (what a write may replace). */
  async function heldInstances(user: AuthenticatedUser, row: EventRow, ruled: boolean): Promise<ReadonlySet<string>> {
    if (row.properties.kind !== 'master' && !ruled) return new Set();
    const rows = await db.asUser(user.claims, (tx) => repo.instancesOf(tx, user.id, row.source!, row.external_id!));
    return new Set(rows.map((r) => r.external_id));
  }

  /**
   * Stores what a provider answered to a write: the event, and for a series its instances
   * over the window it read them for. The hub's instances of that series in the window that
   * the provider no longer has (a changed rule or time makes new ones) are removed, but only
   * those it held before the write (`replaced`): one a sync brought in meanwhile is newer
   * than the answer, and stays.
   */
  async function storeWritten(
    tx: Sql,
    user: AuthenticatedUser,
    written: CalendarWritten,
    replaced: ReadonlySet<string> = new Set(),
  ): Promise<string> {
    const id = await ingestOne(tx, user, written.item);
    const series = written.instances;
    if (!series) return id;
    for (let at = 0; at < series.items.length; at += instanceChunk)
      await ingest(tx, { ownerId: user.id, actor: actor(user), items: series.items.slice(at, at + instanceChunk) });
    const kept = new Set(series.items.map((item) => item.externalId));
    const [from, to] = [Date.parse(series.from), Date.parse(series.to)];
    const stale = (await repo.instancesOf(tx, user.id, written.item.source!, written.item.externalId!)).filter(
      (row) => {
        const start = Date.parse(row.starts_at);
        return replaced.has(row.external_id) && !kept.has(row.external_id) && start >= from && start < to;
      },
    );
    if (stale.length > 0)
      await removeExternal(tx, {
        ownerId: user.id,
        actor: actor(user),
        items: stale.map((row) => ({ source: written.item.source!, externalId: row.external_id })),
      });
    return id;
  }

  /** The rule as the provider will hold it (its wording), or a 400 at /recurrence saying why it cannot. */
  function providerRule(capability: CalendarCapability<unknown>, fields: EventFields): string {
    const refuse = (message: string): never => {
      throw new ValidationError(`recurrence: ${message}`, [{ path: '/recurrence', message }]);
    };
    if (!capability.repeats)
      return refuse('This calendar takes no repeating events from this hub: create the series there.');
    const answer = capability.repeats(fields.recurrence!, {
      startsAt: fields.startsAt,
      allDay: fields.allDay,
      timeZone: fields.timeZone,
    });
    return 'refused' in answer ? refuse(answer.refused) : answer.rule;
  }

  function localItem(fields: EventFields, externalId: string, properties: Record<string, unknown>): IngestItem {
    return {
      type: 'calendar_event',
      source: localSource,
      externalId,
      title: fields.title,
      body: fields.notes,
      properties,
      occurredAt: occurredAtOf(fields.startsAt),
      people: fields.attendees.map((email) => ({ role: 'attendee', email })),
      completeRoles: ['attendee'],
    };
  }

  async function lockLive(tx: Sql, entityId: string): Promise<EventRow> {
    const row = await repo.get(tx, entityId, true);
    if (!row || row.deleted) throw new NotFoundError('event');
    return row;
  }

  function checkVersion(row: EventRow, version: number) {
    if (row.version !== version)
      throw new ConflictError(
        `Version ${version} is stale: the event is at version ${row.version}. Reload it and apply your change again.`,
        'version_conflict',
        { currentVersion: row.version },
      );
  }

  /** For instances of a series (the hub's or a provider's): the entity id of its master, when the hub holds it. */
  async function seriesMasters(tx: Sql, user: AuthenticatedUser, rows: EventRow[]) {
    const series = new Map<string, { source: string; externalId: string }>();
    for (const row of rows) {
      const seriesId = row.properties.seriesId;
      if (row.source && typeof seriesId === 'string')
        series.set(`${row.source}\n${seriesId}`, { source: row.source, externalId: seriesId });
    }
    const found = await repo.mastersOf(tx, user.id, [...series.values()]);
    const idOf = new Map(found.map((m) => [`${m.source}\n${m.external_id}`, m.id]));
    return (row: EventRow) =>
      typeof row.properties.seriesId === 'string'
        ? (idOf.get(`${row.source}\n${row.properties.seriesId}`) ?? null)
        : undefined;
  }

  /** One event as the API shows it (its attendees, connection and open conflict). */
  async function view(user: AuthenticatedUser, entityId: string): Promise<EventView> {
    const connectionOf = await calendarConnections(user);
    const { row, people, masters } = await db.asUser(user.claims, async (tx) => {
      const found = await repo.get(tx, entityId);
      if (!found || found.deleted) throw new NotFoundError('event');
      return {
        row: found,
        people: await repo.attendees(tx, [found.id]),
        masters: await seriesMasters(tx, user, [found]),
      };
    });
    const [conflict] = await conflicts.list(user, { open: true, entityIds: [row.id], limit: 1 });
    const connectionId = connectionOf(row.source);
    const context = { connectionId, editable: connectionId !== null, seriesEntityId: masters(row) };
    return { ...viewOf(row, people, context), conflict: conflict ?? null };
  }

  /**
   * A provider event's fields after an update. A rule goes to the provider in its wording
   * (the same rule in other words is no change), and with any change of a series' timing, as
   * the provider rebuilds the series from both. One occurrence does not repeat on its own, and
   * a series stays one (it can end, or be deleted).
   */
  async function providerFields(user: AuthenticatedUser, row: EventRow, input: EventUpdateInput) {
    const before = fieldsOfRow(row);
    const fields = applyUpdate(before, input);
    const kind = row.properties.kind;
    const timingMoved = !sameTiming(before, fields);
    if (fields.recurrence === before.recurrence && !(kind === 'master' && timingMoved)) return fields;
    const refuse = (message: string): never => {
      throw new ValidationError(`recurrence: ${message}`, [{ path: '/recurrence', message }]);
    };
    if (kind === 'occurrence' || kind === 'exception')
      refuse('one occurrence cannot repeat on its own: change the whole series.');
    if (!fields.recurrence)
      refuse(
        'a series in a connected calendar keeps repeating: end it on a date or after a number of times, or delete it.',
      );
    const open = await openFor(user, row);
    return { ...fields, recurrence: providerRule(open.capability, fields) };
  }

  /** Writes a provider event's changes through its connector; a changed provider copy becomes a recorded conflict. */
  async function pushUpdate(
    user: AuthenticatedUser,
    row: EventRow,
    fields: EventFields,
    providerVersion: string | undefined,
  ): Promise<EventView> {
    const changes = changesOf(fieldsOfRow(row), fields);
    if (Object.keys(changes).length === 0) return view(user, row.id);
    const open = await openFor(user, row);
    const externalId = row.external_id!;
    const replaced = await heldInstances(user, row, changes.recurrence !== undefined);
    try {
      const written = await unlessOnlyVersionMoved(row, providerVersion, (version) =>
        viaProvider(() => open.capability.update(open.context, { externalId, version }, changes)),
      );
      await db.asUser(user.claims, (tx) => storeWritten(tx, user, written, replaced));
    } catch (error) {
      if (!(error instanceof ConnectorConflict)) throw error;
      const conflict = await db.asUser(user.claims, (tx) =>
        conflicts.record(tx, user.id, {
          entityId: row.id,
          entityType: 'calendar_event',
          capability: 'calendar',
          connectionId: open.connection.id,
          source: row.source!,
          externalId,
          message: error.message,
          local: { fields, baseVersion: row.version, basedOn: providerVersion ?? null },
          remote: error.current as unknown as Record<string, unknown>,
        }),
      );
      throw new ConflictError(
        'The event was changed in the other calendar since this hub last saw it. Nothing was overwritten: keep your version or theirs.',
        'write_conflict',
        { conflict },
      );
    }
    return view(user, row.id);
  }

  /** Settles a calendar conflict: "local" pushes the hub's edit over the provider's newer version. */
  async function resolve(user: AuthenticatedUser, conflict: ConflictView, keep: 'local' | 'remote') {
    const remote = conflict.remote as unknown as IngestItem;
    if (keep === 'remote') {
      await db.asUser(user.claims, async (tx) => {
        await conflicts.settle(tx, conflict.id, 'remote');
        await ingestOne(tx, user, remote);
      });
      return view(user, conflict.entityId);
    }
    const row = await db.asUser(user.claims, (tx) => repo.get(tx, conflict.entityId));
    if (!row || row.deleted) throw new NotFoundError('event');
    const fields = (conflict.local as { fields: EventFields }).fields;
    const open = await connectors.open(user, 'calendar', conflict.connectionId);
    // What differs from their copy as the person saw it in the conflict (a series' rule only when it does).
    const changes = changesOf(fieldsOfRow(storedOf(remote)), fields);
    const replaced = await heldInstances(user, row, changes.recurrence !== undefined);
    try {
      const written = await unlessOnlyVersionMoved(storedOf(remote), versionOf(remote), (version) =>
        viaProvider(() => open.capability.update(open.context, { externalId: conflict.externalId, version }, changes)),
      );
      await db.asUser(user.claims, async (tx) => {
        await conflicts.settle(tx, conflict.id, 'local');
        await storeWritten(tx, user, written, replaced);
      });
    } catch (error) {
      if (!(error instanceof ConnectorConflict)) throw error;
      // Changed again meanwhile: this conflict gives way to a new one with the newest copy.
      const next = await db.asUser(user.claims, (tx) =>
        conflicts.record(tx, user.id, {
          ...conflict,
          message: error.message,
          remote: error.current as unknown as Record<string, unknown>,
        }),
      );
      throw new ConflictError(
        'The event changed again in the other calendar: look at it once more and choose.',
        'write_conflict',
        { conflict: next },
      );
    }
    return view(user, conflict.entityId);
  }
  conflicts.handle('calendar', resolve);

  /** Expands a hub series into the occurrences overlapping the window, minus those its exceptions replace. */
  function occurrencesOf(
    master: EventRow,
    replaced: Set<string>,
    from: number,
    to: number,
    dateWindow: [number, number],
  ) {
    const fields = fieldsOfRow(master);
    const zone = fields.timeZone ?? 'UTC';
    const found = expandSeries(
      {
        startsAt: fields.startsAt,
        endsAt: fields.endsAt,
        allDay: fields.allDay,
        timeZone: zone,
        recurrence: fields.recurrence!,
      },
      from,
      to,
    );
    return found
      .filter((o) => !replaced.has(`${master.external_id}@${o.key}`))
      .filter((o) => (fields.allDay ? o.start < dateWindow[1] && o.end > dateWindow[0] : o.start < to && o.end > from))
      .map((o) => ({
        id: `${master.id}_${o.key}`,
        startsAt: fields.allDay ? dateOfFloating(o.start) : isoInZone(o.start, zone),
        endsAt: fields.allDay ? dateOfFloating(o.end) : fields.endsAt === undefined ? null : isoInZone(o.end, zone),
        kind: 'occurrence' as const,
        start: o.start,
      }));
  }

  /** Loads the occurrence `key` of a hub series as the exception that would replace it (existing or new). */
  async function occurrenceTarget(tx: Sql, entityId: string, key: string) {
    const master = await lockLive(tx, entityId);
    const fields = fieldsOfRow(master);
    if (master.source !== localSource || master.properties.kind !== 'master' || !fields.recurrence)
      throw new NotFoundError('event');
    const allDay = fields.allDay;
    if (allDay !== (key.length === 8)) throw new NotFoundError('event');
    const floating = Date.parse(
      allDay
        ? `${key.slice(0, 4)}-${key.slice(4, 6)}-${key.slice(6, 8)}T00:00:00Z`
        : `${key.slice(0, 4)}-${key.slice(4, 6)}-${key.slice(6, 8)}T${key.slice(9, 11)}:${key.slice(11, 13)}:${key.slice(13, 15)}Z`,
    );
    if (Number.isNaN(floating)) throw new NotFoundError('event');
    const zone = fields.timeZone ?? 'UTC';
    // The key must be one of the series' own occurrences.
    // (expandSeries reads its bounds as instants; a floating time ± 2 days covers every zone.)
    const candidates = expandSeries(
      { ...fields, timeZone: zone, recurrence: fields.recurrence },
      floating - 2 * dayMs,
      floating + 2 * dayMs,
    );
    const occurrence = candidates.find((o) => o.key === key);
    if (!occurrence) throw new NotFoundError('event');
    const exceptionId = `${master.external_id}@${key}`;
    const existing = await repo.bySourceId(tx, localSource, exceptionId);
    const occurrenceFields: EventFields = {
      ...fields,
      recurrence: undefined,
      startsAt: allDay ? dateOfFloating(occurrence.start) : isoInZone(occurrence.start, zone),
      endsAt: allDay
        ? dateOfFloating(occurrence.end)
        : fields.endsAt === undefined
          ? undefined
          : isoInZone(occurrence.end, zone),
    };
    return { master, exceptionId, existing, occurrenceFields };
  }

  const following = createFollowing({
    db,
    removeExternal,
    ingestOne,
    localItem,
    lockLive,
    checkVersion,
    occurrenceTarget,
    openFor,
    providerRule,
    storeWritten,
    viaProvider,
    unlessOnlyVersionMoved,
    view,
    updateWhole: (user, masterId, input) => service.update(user, masterId, input),
    removeWhole: (user, masterId) => service.remove(user, masterId),
  });

  const service = {
    async window(user: AuthenticatedUser, query: WindowQuery): Promise<{ events: EventView[]; truncated: boolean }> {
      const from = Date.parse(query.from);
      const to = Date.parse(query.to);
      const zone = query.timeZone ?? 'UTC';
      // The dates the window covers in the reader's zone, as floating midnights [first, after last).
      const dateWindow: [number, number] = [
        floatingOfDate(dateOfFloating(floatingOf(from, zone))),
        floatingOfDate(dateOfFloating(floatingOf(to - 1, zone))) + dayMs,
      ];
      const scanFrom = new Date(Math.min(from, dateWindow[0]) - zoneSlackMs).toISOString();
      const scanTo = new Date(Math.max(to, dateWindow[1]) + zoneSlackMs).toISOString();
      const connectionOf = await calendarConnections(user);
      const loaded = await db.asUser(user.claims, async (tx) => {
        const rows = await repo.overlapping(tx, user.id, scanFrom, scanTo, maxEvents + 1);
        const masters = await repo.localMasters(tx, localSource, scanTo);
        const exceptions = await repo.exceptionsOf(
          tx,
          localSource,
          masters.map((m) => m.external_id!),
        );
        const ids = [...rows, ...masters].map((r) => r.id);
        // Exceptions of hub series are in `masters`; the masters of a provider's instances are looked up.
        const providerMasterOf = await seriesMasters(
          tx,
          user,
          rows.filter((r) => r.source !== localSource),
        );
        return { rows, masters, exceptions, providerMasterOf, people: await repo.attendees(tx, ids) };
      });
      const truncated = loaded.rows.length > maxEvents;
      const peopleOf = new Map<string, AttendeeRow[]>();
      for (const person of loaded.people)
        peopleOf.set(person.event_id, [...(peopleOf.get(person.event_id) ?? []), person]);
      const masterIdOf = new Map(loaded.masters.map((m) => [m.external_id!, m.id]));

      const overlaps = (row: EventRow) => {
        const startsAt = String(row.properties.startsAt);
        const endsAt = typeof row.properties.endsAt === 'string' ? row.properties.endsAt : undefined;
        if (isDate(startsAt)) {
          const start = floatingOfDate(startsAt);
          const end = endsAt ? Date.parse(endsAt.slice(0, 10) + 'T00:00:00Z') : start + dayMs;
          return start < dateWindow[1] && Math.max(end, start + dayMs) > dateWindow[0];
        }
        const start = Date.parse(startsAt);
        const end = endsAt ? Date.parse(endsAt) : start;
        return end === start ? start >= from && start < to : start < to && end > from;
      };

      type Placed = { view: Omit<EventView, 'conflict'>; start: number };
      const placed: Placed[] = [];
      for (const row of loaded.rows.slice(0, maxEvents)) {
        const kind = row.properties.kind;
        if (kind === 'master') continue; // hub masters are expanded below; a provider's come expanded
        if (row.source === localSource && row.properties.status === 'cancelled') continue;
        if (!overlaps(row)) continue;
        const connectionId = connectionOf(row.source);
        const seriesEntityId =
          row.source === localSource
            ? typeof row.properties.seriesId === 'string'
              ? (masterIdOf.get(row.properties.seriesId) ?? null)
              : undefined
            : loaded.providerMasterOf(row);
        placed.push({
          view: viewOf(row, peopleOf.get(row.id) ?? [], {
            connectionId,
            editable: connectionId !== null,
            seriesEntityId,
          }),
          start: Date.parse(String(row.properties.startsAt)),
        });
      }
      const replaced = new Set(loaded.exceptions.map((e) => e.external_id!));
      for (const master of loaded.masters) {
        for (const occurrence of occurrencesOf(master, replaced, from, to, dateWindow)) {
          placed.push({
            view: viewOf(
              master,
              peopleOf.get(master.id) ?? [],
              { connectionId: null, editable: true, seriesEntityId: master.id },
              occurrence,
            ),
            start: occurrence.start,
          });
        }
      }
      placed.sort((a, b) => a.start - b.start || a.view.id.localeCompare(b.view.id));
      const entityIds = [
        ...new Set(placed.map((p) => p.view.entityId ?? p.view.seriesId).filter((id): id is string => !!id)),
      ];
      const open = entityIds.length
        ? await conflicts.list(user, { open: true, entityIds: entityIds.slice(0, 5000), limit: 200 })
        : [];
      const conflictOf = new Map(open.map((c) => [c.entityId, c]));
      return {
        events: placed.map(({ view: v }) => ({ ...v, conflict: (v.entityId && conflictOf.get(v.entityId)) || null })),
        truncated,
      };
    },

    get: (user: AuthenticatedUser, id: string) => view(user, parseId(id).entityId),

    /**
     * Whether events from this source belong to a connected calendar (Microsoft 365's
     * `msgraph`): their edits are written there first, by `update` and `remove`. Imported
     * events and the hub's own are not.
     */
    writesThrough: (source: string) =>
      source !== localSource && registry.list().some((c) => c.calendar && (c.source ?? c.provider) === source),

    async create(user: AuthenticatedUser, input: EventCreateInput): Promise<EventView> {
      const fields = fieldsOfCreate(input);
      if (input.connectionId === undefined) {
        const id = await db.asUser(user.claims, (tx) =>
          ingestOne(tx, user, localItem(fields, uuidv7(), localProperties(fields))),
        );
        return view(user, id);
      }
      const open = await connectors.open(user, 'calendar', input.connectionId);
      const write = writeOf(fields);
      if (fields.recurrence) write.recurrence = providerRule(open.capability, fields);
      const written = await viaProvider(() => open.capability.create(open.context, write));
      const id = await db.asUser(user.claims, (tx) => storeWritten(tx, user, written));
      return view(user, id);
    },

    /** scope "following": this occurrence and every later one (calendar.following.ts). */
    async update(user: AuthenticatedUser, id: string, input: EventUpdateInput, scope?: EventScope): Promise<EventView> {
      const { entityId, occurrenceKey } = parseId(id);
      if (scope === 'following') return following.updateFollowing(user, entityId, occurrenceKey, input);
      if (occurrenceKey !== undefined) {
        // One occurrence of a hub series: it becomes (or stays) an exception of the series.
        const exceptionEntity = await db.asUser(user.claims, async (tx) => {
          const target = await occurrenceTarget(tx, entityId, occurrenceKey);
          if (input.recurrence) throw new ValidationError('recurrence: one occurrence cannot repeat on its own.');
          const base = target.existing && !target.existing.deleted ? target.existing : target.master;
          checkVersion(base, input.version);
          const fields = applyUpdate(target.existing ? fieldsOfRow(target.existing) : target.occurrenceFields, {
            ...input,
            recurrence: null,
          });
          const properties = localProperties(fields, {
            kind: 'exception',
            seriesId: target.master.external_id!,
            previous: target.master.properties,
          });
          return ingestOne(tx, user, localItem(fields, target.exceptionId, properties));
        });
        return view(user, exceptionEntity);
      }
      const row = await db.asUser(user.claims, async (tx) => {
        const found = await lockLive(tx, entityId);
        checkVersion(found, input.version);
        if (found.source !== localSource) return found;
        const current = fieldsOfRow(found);
        const fields = applyUpdate(current, input);
        const kind = found.properties.kind === 'exception' ? 'exception' : undefined;
        if (kind === 'exception' && fields.recurrence)
          throw new ValidationError('recurrence: one occurrence cannot repeat on its own.');
        const properties = localProperties(fields, {
          kind,
          seriesId: typeof found.properties.seriesId === 'string' ? found.properties.seriesId : undefined,
          previous: found.properties,
        });
        await ingestOne(tx, user, localItem(fields, found.external_id!, properties));
        return undefined;
      });
      if (row === undefined) return view(user, entityId);
      // A provider's event: written there first, then ingested as the provider answers.
      return pushUpdate(user, row, await providerFields(user, row, input), versionOf(row));
    },

    async remove(user: AuthenticatedUser, id: string, scope?: EventScope): Promise<void> {
      const { entityId, occurrenceKey } = parseId(id);
      if (scope === 'following') return following.removeFollowing(user, entityId, occurrenceKey);
      if (occurrenceKey !== undefined) {
        // One occurrence of a hub series: a cancelled exception hides it.
        await db.asUser(user.claims, async (tx) => {
          const target = await occurrenceTarget(tx, entityId, occurrenceKey);
          const fields = target.existing ? fieldsOfRow(target.existing) : target.occurrenceFields;
          const properties = localProperties(fields, {
            kind: 'exception',
            seriesId: target.master.external_id!,
            status: 'cancelled',
          });
          await ingestOne(tx, user, localItem(fields, target.exceptionId, properties));
        });
        return;
      }
      const row = await db.asUser(user.claims, (tx) => repo.get(tx, entityId));
      if (!row || row.deleted) throw new NotFoundError('event');
      if (row.source !== localSource) {
        const open = await openFor(user, row);
        try {
          await unlessOnlyVersionMoved(row, undefined, (version) =>
            viaProvider(() => open.capability.delete(open.context, { externalId: row.external_id!, version })),
          );
        } catch (error) {
          if (!(error instanceof ConnectorConflict)) throw error;
          // Changed there since the hub saw it: nothing is deleted; the hub shows the newer copy.
          await db.asUser(user.claims, (tx) => ingestOne(tx, user, error.current));
          throw new ConflictError(
            'The event was changed in the other calendar since this hub last saw it. Nothing was deleted: look at it again.',
            'write_conflict',
          );
        }
      }
      await deps.graph.deleteEntity(user, entityId);
      if (row.source === localSource && row.properties.kind === 'master') {
        const exceptions = await db.asUser(user.claims, (tx) => repo.exceptionsOf(tx, localSource, [row.external_id!]));
        for (const exception of exceptions) await deps.graph.deleteEntity(user, exception.id);
      } else if (row.properties.kind === 'master') {
        // The provider deleted the whole series: its instances go with the master.
        await db.asUser(user.claims, async (tx) => {
          const instances = await repo.instancesOf(tx, user.id, row.source!, row.external_id!);
          await removeExternal(tx, {
            ownerId: user.id,
            actor: actor(user),
            items: instances.map((i) => ({ source: row.source!, externalId: i.external_id })),
          });
        });
      }
    },

    async respond(
      user: AuthenticatedUser,
      id: string,
      response: 'accepted' | 'tentative' | 'declined',
      comment?: string,
    ): Promise<EventView> {
      const { entityId, occurrenceKey } = parseId(id);
      const row = occurrenceKey ? undefined : await db.asUser(user.claims, (tx) => repo.get(tx, entityId));
      if (!row || row.deleted) throw new NotFoundError('event');
      if (row.source === localSource || row.properties.myResponse === 'organizer')
        throw new ConflictError('Only an invitation from someone else can be answered.', 'not_an_invitation');
      const open = await openFor(user, row);
      const answered = await viaProvider(() =>
        open.capability.respond(open.context, { externalId: row.external_id! }, response, comment),
      );
      await db.asUser(user.claims, async (tx) => {
        const item: IngestItem = answered.item ?? {
          type: 'calendar_event',
          source: row.source!,
          externalId: row.external_id!,
          properties: { ...row.properties, myResponse: response },
        };
        await ingestOne(tx, user, item);
      });
      return view(user, entityId);
    },
  };
  return service;
}

export type CalendarService = ReturnType<typeof createCalendarService>;
