import type { CountryCode } from 'libphonenumber-js';
import type { Database, Sql } from '../../../platform/db/index.ts';
import type { IngestItem } from '../../graph/index.ts';
import type { ConnectionContext } from '../connectors.contract.ts';
import { ownerClaims } from '../connectors.sync.ts';
import type { GraphClient } from './msgraph.client.ts';
import { source } from './msgraph.mapping.ts';
import type { MsgraphOptions } from './msgraph.options.ts';
import { msgraphRepository as repo, type SeenItem } from './msgraph.repository.ts';

/** What the write-back capabilities (mail, calendar, contacts) share. */
export interface MsgraphWriteDeps {
  db: Database;
  clientFor(context: ConnectionContext<MsgraphOptions>): GraphClient;
  defaultRegionOf(tx: Sql, ownerId: string): Promise<CountryCode | undefined>;
}

export type MsgraphContext = ConnectionContext<MsgraphOptions>;
export type Obj = Record<string, unknown>;

/** Every write asks for immutable ids, so what it answers matches what delta brings later. */
export const preferImmutable = 'IdType="ImmutableId"';

/**
 * If-Match for a Graph item: its ETag is W/"<changeKey>" (@odata.etag); a stored value that is
 * already an ETag is sent as is.
 */
export const ifMatchOf = (version: string) => (/^(W\/)?"/.test(version) ? version : `W/"${version}"`);

/** Graph's answer to a stale If-Match (Exchange: ErrorIrresolvableConflict). */
export const isStaleVersion = (status: number, body: unknown) =>
  status === 412 ||
  (status === 409 && (body as { error?: { code?: unknown } } | undefined)?.error?.code === 'ErrorIrresolvableConflict');

/** The change key the connection last saw (sync or our own write) for an item, as the owner. */
export function storedChangeKey(deps: MsgraphWriteDeps, context: MsgraphContext, externalId: string) {
  return deps.db.asUser(ownerClaims(context.ownerId), (tx) => repo.changeKey(tx, context.connectionId, externalId));
}

/** Our write's new change key, so the delta that brings it back is not taken for a remote edit. */
export function recordWrite(
  deps: MsgraphWriteDeps,
  context: MsgraphContext,
  resource: string,
  entityType: SeenItem['entityType'],
  externalId: string,
  changeKey: string | undefined,
  fieldsDigest?: string,
) {
  return deps.db.asUser(ownerClaims(context.ownerId), (tx) =>
    repo.recordWrite(
      tx,
      { connectionId: context.connectionId, ownerId: context.ownerId, resource, entityType },
      externalId,
      changeKey,
      fieldsDigest,
    ),
  );
}

/**
 * Drops (in place) the page's items that are our own write-back coming back through delta:
 * the change key the hub recorded when it wrote them, not seen by the sync since. Ingesting
 * them again would only undo hub-side fields (a contact's tags) or count our write as a
 * remote edit. The page's commit (saveSeen) clears the mark, so later replays are ordinary.
 */
export async function dropKnownVersions(
  db: Database,
  context: Pick<MsgraphContext, 'connectionId' | 'ownerId'>,
  items: IngestItem[],
  seen: readonly SeenItem[],
) {
  const keyOf = new Map(seen.filter((s) => s.changeKey).map((s) => [s.externalId, s.changeKey!]));
  if (keyOf.size === 0) return;
  const written = await db.asUser(ownerClaims(context.ownerId), (tx) =>
    repo.writtenKeys(tx, context.connectionId, [...keyOf.keys()]),
  );
  const ours = new Set([...written].filter(([id, key]) => keyOf.get(id) === key).map(([id]) => id));
  if (ours.size === 0) return;
  const kept = items.filter((item) => !(item.source === source && item.externalId && ours.has(item.externalId)));
  items.splice(0, items.length, ...kept);
}
