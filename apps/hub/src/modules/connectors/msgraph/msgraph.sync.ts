import type { CountryCode } from 'libphonenumber-js';
import type { Database, Sql } from '../../../platform/db/index.ts';
import { OutboundRefused } from '../../../platform/http/outbound/index.ts';
import { isMadePersonKey, type CompleteIncoming, type IngestItem } from '../../graph/index.ts';
import { ConnectorError, type Json, type SyncContext, type SyncPage } from '../connectors.contract.ts';
import { ownerClaims } from '../connectors.sync.ts';
import type { GraphClient } from './msgraph.client.ts';
import { GraphError, graphErrorOf, ResyncRequired } from './msgraph.errors.ts';
import { changeKeyOf, contactFieldsDigest, contactItems, eventItem, messageItem, source } from './msgraph.mapping.ts';
import { calendarWindowOf, defaultMailFolders, folderKey, type MsgraphOptions } from './msgraph.options.ts';
import { msgraphRepository as repo, type SeenItem } from './msgraph.repository.ts';
import { dropKnownVersions } from './msgraph.write.ts';

/** Page sizes asked for with Prefer: odata.maxpagesize (Graph may send fewer). */
export const pageSizes = { mail: 200, calendar: 200, contacts: 500 };
/**
 * On PostgreSQL, consecutive Graph pages of one mail folder or the calendar are taken together
 * into one sync page (one ingest call, one transaction) up to this many items: the fixed cost
 * of a page (its transaction, cursor, progress event, lookups) is paid once per group.
 */
export const mergedPageItems = 1_000;
/**
 * Mapping a page (sanitising HTML, parsing dates) is synchronous work on the hub's one thread:
 * it lets waiting API requests run every this many items, so a merged page of 1,000 messages
 * does not hold them for its whole mapping.
 */
const yieldEvery = 50;
const yieldToRequests = () => new Promise<void>((resolve) => setImmediate(resolve));
/**
 * The sweep at the end of a full round removes at most this many unseen items per sync page
 * (one transaction each); the rest follow in the next pages, so a resync of a big folder
 * sweeps everything. Tests lower it.
 */
export const sweepLimits = { chunk: 2_000 };
/** A page fetched ahead (while the one before was being stored) is used only this fresh. */
const prefetchMaxAgeMs = 30_000;
/** A nextLink older than this is not resumed (SyncStateNotFound … generation): the resource starts over. */
const staleNextLinkMs = 60 * 60_000;
/** Series masters kept for one calendar pass: at most this many, this long (msgraph sync `seriesOf`). */
const maxCachedMasters = 5_000;
const seriesCacheMs = 30 * 60_000;
/** The calendar window is re-anchored (a new round) this often. */
const rewindowMs = 30 * 24 * 60 * 60_000;
const messageSelect =
  'id,subject,from,sender,toRecipients,ccRecipients,receivedDateTime,sentDateTime,conversationId,internetMessageId,bodyPreview,body,isRead,hasAttachments,parentFolderId,changeKey';

interface ResourceState {
  /** The nextLink to continue with, or the deltaLink of the last finished round. */
  link?: string;
  kind?: 'next' | 'delta';
  linkAt?: number;
  /** The round's generation: a full round stamps every item it sees; the older ones are swept at its end. */
  generation: number;
  /** This round started from the initial query (first sync, or a resync after 410). */
  full: boolean;
  /** The full round ended and its sweep continues after this external id (of rows older than `generation`). */
  sweep?: { generation: number; after: string };
  /** Calendar: the window this round's links were made for. */
  window?: string;
  windowAt?: number;
}

interface Cursor {
  v: 1;
  index: number;
  resources: Record<string, ResourceState>;
  /** The first sync's size as Graph counted it at its start, and the items seen since (for percent). */
  estimate?: { total: number; seen: number };
}

export interface MsgraphSyncDeps {
  db: Database;
  clientFor(context: SyncContext<MsgraphOptions>): GraphClient;
  defaultRegionOf(tx: Sql, ownerId: string): Promise<CountryCode | undefined>;
}

/** mail:<folder> for each folder, then calendar, then contacts. */
export function resourcesOf(options: MsgraphOptions): string[] {
  // Well-known names in any case are one folder; ids are case-sensitive and stay as given.
  const folders = [...new Set([...defaultMailFolders, ...options.folders.map(folderKey)])];
  return [...folders.map((f) => `mail:${f}`), 'calendar', 'contacts'];
}

const stepLabels: Record<string, string> = {
  'mail:inbox': 'Inbox',
  'mail:sentitems': 'Sent Items',
  'mail:archive': 'Archive',
  calendar: 'Calendar',
  contacts: 'Contacts',
};
const stepOf = (resource: string) => stepLabels[resource] ?? `Folder ${resource.slice(5)}`;

function cursorOf(json: Json | null): Cursor {
  const c = json as Partial<Cursor> | null;
  if (c && c.v === 1 && typeof c.index === 'number' && c.resources && typeof c.resources === 'object')
    return c as Cursor;
  return { v: 1, index: 0, resources: {} };
}

function initialUrl(resource: string, options: MsgraphOptions): string {
  if (resource.startsWith('mail:'))
    return `/me/mailFolders/${encodeURIComponent(resource.slice(5))}/messages/delta?$select=${messageSelect}`;
  if (resource === 'calendar') {
    const w = calendarWindowOf(options);
    return `/me/calendarView/delta?startDateTime=${encodeURIComponent(w.start)}&endDateTime=${encodeURIComponent(w.end)}`;
  }
  return '/me/contacts/delta';
}

const sizeOf = (resource: string, sizes: typeof pageSizes) =>
  resource.startsWith('mail:') ? sizes.mail : resource === 'calendar' ? sizes.calendar : sizes.contacts;
// No outlook.timezone: calendar times come in UTC (what calendarView delta assumes without it,
// event-delta.md); the event's own zone is its originalStartTimeZone (msgraph.mapping.ts eventZone).
const preferOf = (size: number) => `odata.maxpagesize=${size}, IdType="ImmutableId"`;
const tooLarge = (error: unknown) => error instanceof OutboundRefused && error.reason === 'response_too_large';

/**
 * A mail folder's delta reports `@removed` for a message that was deleted and for one that
 * was only moved to another folder (with immutable ids it keeps its id there). Deleting a
 * moved one would lose it for good: the graph keeps a deleted entity deleted, so the target
 * folder's delta could not bring it back. So each id is asked for (GET /me/messages/{id},
 * through $batch): only those Graph answers 404 are gone; the others moved, and a synced
 * target folder's delta upserts them (moving their msgraph_items row to that folder). Outlook's
 * Delete is a move to Deleted Items: one found there is gone too, unless Deleted Items is synced.
 */
async function goneMessages(client: GraphClient, ids: string[], resources: string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  const watchDeletedItems = !resources.includes('mail:deleteditems');
  const answers = await client.batch([
    ...ids.map((id, n) => ({
      id: String(n),
      method: 'GET' as const,
      url: `/me/messages/${encodeURIComponent(id)}?$select=id,parentFolderId`,
    })),
    ...(watchDeletedItems
      ? [{ id: 'deleteditems', method: 'GET' as const, url: '/me/mailFolders/deleteditems?$select=id' }]
      : []),
  ]);
  const deletedItems = answers.get('deleteditems');
  const deletedItemsId =
    deletedItems?.status === 200 ? (deletedItems.body as { id?: unknown } | undefined)?.id : undefined;
  return ids.filter((_, n) => {
    const answer = answers.get(String(n));
    if (answer?.status === 404) return true;
    if (answer?.status === 200)
      return (
        typeof deletedItemsId === 'string' &&
        (answer.body as { parentFolderId?: unknown } | undefined)?.parentFolderId === deletedItemsId
      );
    // Neither: not known whether it is gone; the page fails and is asked for again.
    throw graphErrorOf(answer?.status ?? 502, answer?.body);
  });
}

interface DeltaAnswer {
  value?: unknown[];
  '@odata.nextLink'?: string;
  '@odata.deltaLink'?: string;
}

/**
 * Delta sync (issue 13 §2, integrations.md §2.2): one resource at a time, one Graph page per
 * sync page; nextLink/deltaLink per resource in the cursor (committed with the page, so a
 * restart resumes); @removed deletes; 410 / syncStateNotFound start the resource over as a
 * full round whose end sweeps what it no longer saw (mark-and-sweep by generation, so
 * nothing vanishes and reappears and nothing is duplicated: items upsert by msgraph + id).
 */
export function createMsgraphSync(deps: MsgraphSyncDeps) {
  const embedded = deps.db.kind === 'pglite';
  const sizes = pageSizes;
  /**
   * Per connection, the next Graph page (its nextLink), asked for as soon as the page before
   * it arrived, so Graph's answer time overlaps the hub storing that page. Only a nextLink is
   * fetched ahead (a deltaLink ends the round), and only the run that asked for it uses it:
   * the next call of page() with that exact link, within prefetchMaxAgeMs.
   */
  const ahead = new Map<string, { url: string; at: number; answer: Promise<DeltaAnswer> }>();
  /** Per connection and resource, a smaller page size that a too-large page needed (until the round's end). */
  const shrunk = new Map<string, number>();
  /**
   * Per connection, the series masters asked for during this calendar pass (id → the master,
   * or null: Graph answered 404, the series is gone), so 50 instances of one series on 5
   * pages cost one GET. Dropped when the pass reaches its deltaLink (or starts again), so the
   * next run asks again: a master that changed shows by its instances coming back in delta.
   * Each is kept with the page (its first link) that fetched it: that page asked for again
   * (it failed before its transaction committed) stores it again, without asking Graph. A
   * master the hub writes meanwhile is read again (seriesOf: msgraph_items' written_by_hub).
   */
  const seriesCache = new Map<
    string,
    { at: number; masters: Map<string, { master: Record<string, unknown> | null; page: string }> }
  >();

  /**
   * Series masters for a calendar page. calendarView delta lists occurrences and exceptions
   * (with seriesMasterId) but never the seriesMaster itself (by design: microsoft-graph-docs
   * #2182), and an occurrence carries only its id, type, master and times (#7632). So the
   * masters of its instances that this pass has not asked for yet are fetched with
   * GET /me/events/{id} through $batch (20 a batch, one batch at a time, 429 Retry-After
   * honoured by the client): `fresh` are new this pass (stored as masters, with their rule).
   * A 404 is no error: the series was deleted (null; its instances and stored master go).
   * `@removed` instances: delta never says @removed for a master, so a master whose removed
   * instances were its series' (the stored items' seriesId) is asked for too, and removed
   * when Graph no longer has it (`gone`): a deleted series leaves no orphan master. A master
   * still at Graph stays (one occurrence was deleted). Full rounds also sweep masters no
   * instance referred to (each master fetched in a round is stamped with its generation).
   */
  async function seriesOf(
    context: SyncContext<MsgraphOptions>,
    client: GraphClient,
    state: ResourceState,
    page: string,
    live: Record<string, unknown>[],
    removedIds: string[],
  ): Promise<{
    masters: { get(id: string): Record<string, unknown> | null | undefined };
    fresh: Record<string, unknown>[];
    gone: string[];
  }> {
    let cache = seriesCache.get(context.connectionId);
    // Bounded: a pass over a huge calendar (or one left unfinished) does not keep every master forever.
    if (!cache || cache.masters.size > maxCachedMasters || Date.now() - cache.at > seriesCacheMs) {
      cache = { at: Date.now(), masters: new Map() };
      seriesCache.set(context.connectionId, cache);
    }
    const cached = cache.masters;
    const wanted = new Set<string>();
    /** The masters this page's instances take their fields from. */
    const used = new Set<string>();
    const fresh: Record<string, unknown>[] = [];
    for (const event of live) {
      const id = event.seriesMasterId;
      if (typeof id !== 'string' || id.length === 0 || id.length > 500) continue;
      used.add(id);
      const known = cached.get(id);
      if (!known) wanted.add(id);
      // Fetched by an earlier try of this same page, which was not stored: stored now.
      else if (known.page === page && known.master && !fresh.includes(known.master)) fresh.push(known.master);
    }
    const masterOf = (id: string) => cached.get(id)?.master;
    // Masters of instances Graph removed (read from the stored instances): asked whether they are still there.
    const removedSeries =
      removedIds.length === 0
        ? []
        : await deps.db.asUser(ownerClaims(context.ownerId), (tx) =>
            repo.seriesOf(tx, context.ownerId, source, removedIds),
          );
    const check = removedSeries.filter((id) => masterOf(id) !== null);
    /** Asks Graph for these masters (one $batch of GETs, paged by the client) and keeps them. */
    const read = async (ids: string[], isFresh: (id: string) => boolean) => {
      if (ids.length === 0) return;
      const answers = await client.batch(
        ids.map((id, n) => ({
          id: String(n),
          method: 'GET' as const,
          url: `/me/events/${encodeURIComponent(id)}`,
          // UTC like delta, and the immutable ids delta gives (seriesMasterId is one).
          headers: { prefer: `outlook.timezone="UTC", IdType="ImmutableId"` },
        })),
      );
      ids.forEach((id, n) => {
        const answer = answers.get(String(n));
        if (answer?.status === 404) {
          cached.set(id, { master: null, page });
          return;
        }
        // Throttled after the batch's rounds, or refused: the page is asked again later rather
        // than stored without its series (an occurrence alone has no title).
        if (answer?.status !== 200 || !answer.body || typeof answer.body !== 'object')
          throw answer && answer.status !== 429 && answer.status !== 503
            ? graphErrorOf(answer.status, answer.body)
            : new ConnectorError('provider', 'Microsoft Graph is throttling this mailbox: the sync tries again later.');
        // Kept under the id the instances name (the immutable one), whatever id the answer has.
        const master = { ...(answer.body as Record<string, unknown>), id };
        cached.set(id, { master, page });
        if (isFresh(id)) {
          const older = fresh.findIndex((m) => m.id === id);
          if (older >= 0) fresh.splice(older, 1);
          fresh.push(master);
        }
      });
    };
    const ask = [...new Set([...wanted, ...check])];
    await read(ask, (id) => wanted.has(id));
    // Masters the hub wrote itself (a rename or retime of the whole series, msgraph.calendar-write.ts)
    // whose copy here is not that write: read before it, earlier in this pass or while the write
    // was under way. Spread over the instances, or stored, that copy would undo the hub's write
    // until the next round; so they are read again, and stored as read (Graph's copy now is at
    // least as new as the write). msgraph_items keeps the change key of a hub write until the
    // sync sees the item (written_by_hub), whichever hub instance wrote it.
    const written =
      used.size === 0
        ? new Map<string, string>()
        : await deps.db.asUser(ownerClaims(context.ownerId), (tx) =>
            repo.writtenKeys(tx, context.connectionId, [...used]),
          );
    const outdated = [...written]
      .filter(([id, key]) => {
        const master = masterOf(id);
        return master && changeKeyOf(master) !== key;
      })
      .map(([id]) => id);
    await read(outdated, () => true);
    const gone = removedSeries.filter((id) => masterOf(id) === null);
    for (const id of [...wanted, ...outdated]) if (masterOf(id) === null) gone.push(id);
    context.logger.debug(
      {
        asked: ask.length,
        outdated: outdated.length,
        fresh: fresh.length,
        gone: gone.length,
        generation: state.generation,
      },
      'microsoft 365: series masters',
    );
    return { masters: { get: masterOf }, fresh, gone: [...new Set(gone)] };
  }

  function fetchAhead(client: GraphClient, connectionId: string, url: string, prefer: string) {
    const answer = client.json<DeltaAnswer>({ url, headers: { prefer } });
    // Its failure is the next page()'s to report (or nobody's, if the run stops first).
    answer.catch(() => undefined);
    ahead.set(connectionId, { url, at: Date.now(), answer });
  }

  function fetchPage(client: GraphClient, connectionId: string, url: string, prefer: string): Promise<DeltaAnswer> {
    const early = ahead.get(connectionId);
    ahead.delete(connectionId);
    if (early && early.url === url && Date.now() - early.at < prefetchMaxAgeMs) return early.answer;
    return client.json<DeltaAnswer>({ url, headers: { prefer } });
  }

  /**
   * How many items the first sync will bring, as Graph counts them at its start: each mail
   * folder's totalItemCount, the calendar window's and the contacts' @odata.count, in one
   * $batch. Undefined when Graph does not say (the bar is then indeterminate).
   */
  async function countAll(context: SyncContext<MsgraphOptions>): Promise<number | undefined> {
    const w = calendarWindowOf(context.options);
    const parts = resourcesOf(context.options).map((resource, n) => ({
      id: String(n),
      method: 'GET' as const,
      url: resource.startsWith('mail:')
        ? `/me/mailFolders/${encodeURIComponent(resource.slice(5))}?$select=totalItemCount`
        : resource === 'calendar'
          ? `/me/calendarView?startDateTime=${encodeURIComponent(w.start)}&endDateTime=${encodeURIComponent(w.end)}&$count=true&$top=1&$select=id`
          : '/me/contacts?$count=true&$top=1&$select=id',
    }));
    try {
      const answers = await deps.clientFor(context).batch(parts);
      let total = 0;
      for (const part of parts) {
        const answer = answers.get(part.id);
        const body = (answer?.status === 200 ? answer.body : undefined) as Record<string, unknown> | undefined;
        const n = body?.totalItemCount ?? body?.['@odata.count'];
        if (typeof n === 'number' && Number.isFinite(n) && n >= 0) total += n;
      }
      return total > 0 ? total : undefined;
    } catch (error) {
      context.logger.debug({ err: (error as Error).message }, 'microsoft 365: no count for the progress estimate');
      return undefined;
    }
  }

  /** A page, with how many items remain of the first sync (percent in the progress bar). */
  async function page(context: SyncContext<MsgraphOptions>): Promise<SyncPage> {
    if (context.phase !== 'initial') return pageOf(context);
    const before = cursorOf(context.cursor).estimate;
    const estimate = before ?? { total: (await countAll(context)) ?? 0, seen: 0 };
    const result = await pageOf(context);
    const seen = estimate.seen + result.items.length + (result.removed?.length ?? 0);
    // Kept even when Graph gave no count (total 0), so it is asked for once, not every page.
    (result.cursor as unknown as Cursor).estimate = { total: estimate.total, seen };
    if (estimate.total === 0) return result;
    return { ...result, remaining: Math.max(0, estimate.total - seen) };
  }

  async function pageOf(context: SyncContext<MsgraphOptions>): Promise<SyncPage> {
    const options = context.options;
    const resources = resourcesOf(options);
    const cursor = cursorOf(context.cursor);
    if (cursor.index >= resources.length) cursor.index = 0;
    const resource = resources[cursor.index]!;
    const previous = cursor.resources[resource];
    let state: ResourceState = previous ?? { generation: 0, full: true };
    const w = calendarWindowOf(options);
    const stale =
      !state.link ||
      (state.kind === 'next' && Date.now() - (state.linkAt ?? 0) > staleNextLinkMs) ||
      (resource === 'calendar' && (state.window !== w.key || Date.now() - (state.windowAt ?? 0) > rewindowMs));
    if (stale)
      state = {
        generation: state.generation + 1,
        full: true,
        window: resource === 'calendar' ? w.key : undefined,
        windowAt: resource === 'calendar' ? Date.now() : undefined,
      };
    const client = deps.clientFor(context);
    // A calendar pass that starts from a deltaLink or the initial query is a new run: masters are asked for again.
    if (resource === 'calendar' && state.kind !== 'next') seriesCache.delete(context.connectionId);
    if (state.sweep) return sweepPage(context, client, cursor, resources, resource, state, state.sweep);
    const url = state.link ?? initialUrl(resource, options);

    // A page too large for the Graph client's cap was asked for again smaller: the rest of this run keeps that size.
    const shrinkKey = `${context.connectionId}|${resource}`;
    let size = shrunk.get(shrinkKey) ?? sizeOf(resource, sizes);
    let prefer = preferOf(size);
    /** One Graph page; too large to read → the same link again with a smaller odata.maxpagesize. */
    const fetchSized = async (link: string): Promise<DeltaAnswer> => {
      for (;;) {
        try {
          return await fetchPage(client, context.connectionId, link, prefer);
        } catch (error) {
          if (!tooLarge(error) || size <= 1) throw error;
          size = Math.max(1, Math.floor(size / 2));
          prefer = preferOf(size);
          shrunk.set(shrinkKey, size);
          context.logger.warn(
            { resource, pageSize: size },
            'microsoft 365: delta page too large; asking for smaller pages',
          );
        }
      }
    };
    // Mail and calendar pages are merged on PostgreSQL (contacts resolve persons per page).
    const mergeUpTo = !embedded && resource !== 'contacts' ? mergedPageItems : 0;
    let answer: DeltaAnswer;
    const values: unknown[] = [];
    try {
      answer = await fetchSized(url);
      values.push(...(answer.value ?? []));
      while (answer['@odata.nextLink'] && values.length + size <= mergeUpTo) {
        answer = await fetchSized(answer['@odata.nextLink']);
        values.push(...(answer.value ?? []));
      }
    } catch (error) {
      if (error instanceof ResyncRequired) {
        // Start this resource over from its initial query; the sweep at its end removes what is gone.
        cursor.resources[resource] = { generation: state.generation + 1, full: true };
        return {
          items: [],
          cursor: cursor as unknown as Json,
          done: false,
          step: `${stepOf(resource)} (starting over)`,
        };
      }
      const extraFolder =
        resource.startsWith('mail:') && !(defaultMailFolders as readonly string[]).includes(resource.slice(5));
      if (error instanceof GraphError && error.status === 404 && (extraFolder || resource === 'mail:archive')) {
        // A folder the mailbox does not have (a personal account's Archive, a deleted folder): skip it.
        context.logger.warn({ resource }, 'microsoft 365: folder not found; skipped');
        return advance(cursor, resources, resource, { ...state, link: undefined }, [], [], []);
      }
      throw error;
    }

    const nextLink = answer['@odata.nextLink'];
    if (nextLink) fetchAhead(client, context.connectionId, nextLink, prefer);

    // Graph may send an item twice (replays): the last copy wins, once per page.
    const latest = new Map<string, Record<string, unknown>>();
    for (const raw of values) {
      const item = raw as Record<string, unknown>;
      if (typeof item?.id === 'string' && item.id.length > 0 && item.id.length <= 1000) {
        latest.delete(item.id);
        latest.set(item.id, item);
      }
    }
    let removedIds: string[] = [];
    const live: Record<string, unknown>[] = [];
    for (const item of latest.values()) {
      if (item['@removed']) removedIds.push(item.id as string);
      else live.push(item);
    }
    // A message moved to another folder is @removed here too: only the ones Graph no longer has go.
    if (resource.startsWith('mail:')) removedIds = await goneMessages(client, removedIds, resources);
    const items: IngestItem[] = [];
    let completeIncoming: CompleteIncoming | undefined;
    const seen: SeenItem[] = [];

    if (resource.startsWith('mail:')) {
      const folder = resource.slice(5);
      const withAttachments = live.filter((m) => m.hasAttachments === true).map((m) => m.id as string);
      const attachments = new Map<string, unknown[]>();
      if (withAttachments.length > 0) {
        const answers = await client.batch(
          withAttachments.map((id, n) => ({
            id: String(n),
            method: 'GET' as const,
            url: `/me/messages/${encodeURIComponent(id)}/attachments?$select=id,name,contentType,size,isInline`,
          })),
        );
        withAttachments.forEach((id, n) => {
          const a = answers.get(String(n));
          // Still throttled after the batch's rounds: the page is asked again later rather than
          // stored without its attachments (a message unchanged in Outlook would keep none).
          if (!a || a.status === 429 || a.status === 503)
            throw new ConnectorError(
              'provider',
              'Microsoft Graph is throttling this mailbox: the sync tries again later.',
            );
          if (a.status === 200)
            attachments.set(id, ((a.body as { value?: unknown[] } | undefined)?.value ?? []).slice(0, 250));
        });
      }
      for (const [n, message] of live.entries()) {
        if (n > 0 && n % yieldEvery === 0) await yieldToRequests();
        const item = messageItem(message, {
          folder,
          self: context.label,
          attachments: attachments.get(message.id as string),
        });
        if (!item) continue;
        items.push(item);
        seen.push({ externalId: item.externalId!, entityType: 'message', changeKey: changeKeyOf(message) });
      }
    } else if (resource === 'calendar') {
      const series = await seriesOf(context, client, state, url, live, removedIds);
      // Masters first: new ones (fetched this run) go through the same ingest as everything else.
      for (const master of series.fresh) {
        const item = eventItem(master);
        if (!item) continue;
        items.push(item);
        seen.push({ externalId: item.externalId!, entityType: 'calendar_event', changeKey: changeKeyOf(master) });
      }
      for (const [n, event] of live.entries()) {
        if (n > 0 && n % yieldEvery === 0) await yieldToRequests();
        const masterId = typeof event.seriesMasterId === 'string' ? event.seriesMasterId : undefined;
        const master = masterId ? series.masters.get(masterId) : undefined;
        // Its series is gone at Graph (the master answered 404): the instance goes with it.
        if (masterId && master === null) {
          removedIds.push(event.id as string);
          continue;
        }
        const item = eventItem(event, master ?? undefined);
        if (!item) continue;
        items.push(item);
        seen.push({ externalId: item.externalId!, entityType: 'calendar_event', changeKey: changeKeyOf(event) });
      }
      const already = new Set(removedIds);
      removedIds.push(...series.gone.filter((id) => !already.has(id)));
    } else {
      const claims = ownerClaims(context.ownerId);
      const { region, owners } = await deps.db.asUser(claims, async (tx) => {
        const region = await deps.defaultRegionOf(tx, context.ownerId);
        const pairs = live.flatMap((c) => contactItems(c, region)?.identifiers ?? []);
        return { region, owners: await repo.personsWith(tx, pairs) };
      });
      const ownerOf = new Map(owners.map((o) => [`${o.kind}:${o.value}`, o]));
      const organizations = new Map<string, IngestItem>();
      const employers: CompleteIncoming['people'][number][] = [];
      for (const contact of live) {
        const mapped = contactItems(contact, region);
        if (!mapped) continue;
        // Merged through identifiers: a person the hub made for a sender or recipient of these
        // emails or phones becomes this contact (graph ingest's adoptMadePerson: mail syncs
        // first, so most contacts meet one); a person the user keeps stays the one person, and
        // the contact adds no duplicate.
        const keptByUser = mapped.identifiers
          .map((i) => ownerOf.get(`${i.kind}:${i.value}`))
          .some(
            (o) =>
              o &&
              !(o.source === source && o.external_id === mapped.person.externalId) &&
              !isMadePersonKey(o.external_id),
          );
        if (!keptByUser) items.push({ ...mapped.person, adoptMadePerson: true });
        const organization = mapped.organization;
        if (organization) {
          // Colleagues in one page: one organization item that links them all.
          const known = organizations.get(organization.externalId!);
          if (known) known.people = [...known.people!, ...organization.people!];
          else organizations.set(organization.externalId!, organization);
        }
        // The contact names its company in full: a works_at link from another one is stale.
        if (mapped.employee)
          employers.push({ ...mapped.employee, keep: organization ? [organization.externalId!] : [] });
        seen.push({
          externalId: mapped.person.externalId!,
          entityType: 'person',
          changeKey: changeKeyOf(contact),
          fieldsDigest: contactFieldsDigest(contact),
        });
      }
      // Organizations after the persons they link to (works_at resolves by email or phone).
      items.push(...organizations.values());
      if (employers.length > 0) completeIncoming = { kind: 'works_at', source, people: employers };
    }

    // Our own write-back coming back (its change key recorded when written) is not ingested again.
    await dropKnownVersions(deps.db, context, items, seen);

    const next = answer['@odata.nextLink'];
    const delta = answer['@odata.deltaLink'];
    if (next) {
      cursor.resources[resource] = { ...state, link: next, kind: 'next', linkAt: Date.now() };
      return {
        items,
        cursor: cursor as unknown as Json,
        done: false,
        step: stepOf(resource),
        removed: removedIds.map((externalId) => ({ source, externalId })),
        ...(completeIncoming ? { completeIncoming } : {}),
        commit: commitOf(context, resource, cursor.resources[resource]!, seen, removedIds),
      };
    }
    shrunk.delete(shrinkKey);
    if (resource === 'calendar') seriesCache.delete(context.connectionId);
    // The round of this resource is over: a full one sweeps what it did not see (a chunk per page).
    const finished: ResourceState = {
      ...state,
      link: delta,
      kind: delta ? 'delta' : undefined,
      linkAt: Date.now(),
      full: false,
    };
    let swept: string[] = [];
    if (state.full) {
      const pageIds = new Set(seen.map((s) => s.externalId));
      const chunk = await unseenChunk(context, client, resource, { generation: state.generation, after: '' });
      swept = chunk.gone.filter((id) => !pageIds.has(id));
      if (chunk.more) {
        // More to sweep: this resource stays current; the next pages go on from the last id.
        cursor.resources[resource] = { ...finished, sweep: { generation: state.generation, after: chunk.more } };
        return {
          items,
          cursor: cursor as unknown as Json,
          done: false,
          step: stepOf(resource),
          removed: [...removedIds, ...swept].map((externalId) => ({ source, externalId })),
          ...(completeIncoming ? { completeIncoming } : {}),
          commit: commitOf(context, resource, finished, seen, [...removedIds, ...swept]),
        };
      }
    }
    const page = advance(cursor, resources, resource, finished, items, seen, [...removedIds, ...swept], context);
    return completeIncoming ? { ...page, completeIncoming } : page;
  }

  /**
   * One chunk of a full round's sweep: the rows older than the round after `after`, of those
   * the ones really gone (mail: a message not listed may have moved to a folder synced later),
   * and `more`, the last id read when a full chunk came (the sweep goes on after it).
   */
  async function unseenChunk(
    context: SyncContext<MsgraphOptions>,
    client: GraphClient,
    resource: string,
    sweep: { generation: number; after: string },
  ): Promise<{ gone: string[]; more: string | undefined }> {
    const limit = sweepLimits.chunk;
    const unseen = await deps.db.asUser(ownerClaims(context.ownerId), (tx) =>
      repo.unseenSince(tx, context.connectionId, resource, sweep.generation, { after: sweep.after, limit }),
    );
    const gone = resource.startsWith('mail:')
      ? await goneMessages(client, unseen, resourcesOf(context.options))
      : unseen;
    return { gone, more: unseen.length >= limit ? unseen.at(-1) : undefined };
  }

  /** A sync page that only sweeps (the full round of `resource` ended with more than one chunk to remove). */
  async function sweepPage(
    context: SyncContext<MsgraphOptions>,
    client: GraphClient,
    cursor: Cursor,
    resources: string[],
    resource: string,
    state: ResourceState,
    sweep: { generation: number; after: string },
  ): Promise<SyncPage> {
    const chunk = await unseenChunk(context, client, resource, sweep);
    const { sweep: _done, ...rest } = state;
    if (!chunk.more) return advance(cursor, resources, resource, rest, [], [], chunk.gone, context);
    const next: ResourceState = { ...rest, sweep: { generation: sweep.generation, after: chunk.more } };
    cursor.resources[resource] = next;
    return {
      items: [],
      cursor: cursor as unknown as Json,
      done: false,
      step: `${stepOf(resource)} (removing what is gone)`,
      removed: chunk.gone.map((externalId) => ({ source, externalId })),
      commit: commitOf(context, resource, next, [], chunk.gone),
    };
  }

  function commitOf(
    context: SyncContext<MsgraphOptions>,
    resource: string,
    state: ResourceState,
    seen: SeenItem[],
    removed: string[],
  ) {
    return async (tx: Sql, written: readonly string[]) => {
      const row = {
        connectionId: context.connectionId,
        ownerId: context.ownerId,
        resource,
        generation: state.generation,
      };
      // A hub edit of a contact Outlook deleted may still be on its way: the push needs to know.
      if (resource === 'contacts') await repo.keepRemovedContacts(tx, context.connectionId, removed);
      await repo.forget(tx, context.connectionId, removed);
      await repo.saveSeen(tx, row, seen);
      // A hub edit this page stored Outlook's copy over is told apart from a newer hub edit (contacts push).
      if (resource === 'contacts') await repo.recordSyncedVersions(tx, context.connectionId, written);
    };
  }

  function advance(
    cursor: Cursor,
    resources: string[],
    resource: string,
    state: ResourceState,
    items: IngestItem[],
    seen: SeenItem[],
    removed: string[],
    context?: SyncContext<MsgraphOptions>,
  ): SyncPage {
    cursor.resources[resource] = state;
    const last = cursor.index + 1 >= resources.length;
    cursor.index = last ? 0 : cursor.index + 1;
    return {
      items,
      cursor: cursor as unknown as Json,
      done: last,
      step: stepOf(resource),
      removed: removed.map((externalId) => ({ source, externalId })),
      commit: context ? commitOf(context, resource, state, seen, removed) : undefined,
    };
  }

  return { page };
}

export type MsgraphSync = ReturnType<typeof createMsgraphSync>;
