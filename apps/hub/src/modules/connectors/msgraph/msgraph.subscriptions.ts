import { createHash, randomBytes } from 'node:crypto';
import type { Database, Sql } from '../../../platform/db/index.ts';
import type { Logger } from '../../../platform/logger.ts';
import type { WalletService } from '../../wallet/index.ts';
import type { ConnectContext, JsonObject } from '../connectors.contract.ts';
import { ownerClaims } from '../connectors.sync.ts';
import type { GraphClient } from './msgraph.client.ts';
import { msgraphOptionsSchema } from './msgraph.options.ts';
import { resourcesOf } from './msgraph.sync.ts';
import {
  subscriptionsRepository as repo,
  type NotificationsState,
  type SubscriptionRow,
} from './msgraph.subscriptions.repository.ts';

/** Outlook messages, events and contacts: Graph's maximum is 4230 minutes (integrations.md §2.3); stay under it. */
export const subscriptionMinutes = 4200;
/** Subscriptions expiring sooner than this are renewed by the maintenance job. */
export const renewWithinMs = 24 * 60 * 60_000;
/** After subscriptions could not be made, try again this much later (polling meanwhile). */
export const retryFailedAfterMs = 6 * 60 * 60_000;
/** Polling while change notifications are live: a slow safety net (minutes). */
export const safetyNetMinutes = 30;

export const sha256 = (value: string) => createHash('sha256').update(value, 'utf8').digest('hex');

/** The hub's public webhook paths for a connection's notifications and lifecycle notifications. */
export const notificationPaths = { notifications: 'notifications', lifecycle: 'lifecycle' } as const;
export const webhookBase = (publicUrl: string, connectionId: string) =>
  `${publicUrl.replace(/\/+$/, '')}/webhooks/microsoft/${connectionId}`;

/** Graph can only call an https address (a plain-http PUBLIC_URL is a hub on a LAN). */
export function notificationsPossible(publicUrl: string): boolean {
  try {
    return new URL(publicUrl).protocol === 'https:';
  } catch {
    return false;
  }
}

/** The Graph resource a subscription watches for one of the sync's resources. */
export function graphResourceOf(resource: string): string {
  if (resource.startsWith('mail:')) return `/me/mailFolders('${resource.slice(5)}')/messages`;
  return resource === 'calendar' ? '/me/events' : '/me/contacts';
}

type ConnectionRecord = {
  id: string;
  owner_id: string;
  credential_id: string;
  status: string;
  options: unknown;
  state: JsonObject | null;
};

type ClientContext = Pick<ConnectContext<unknown>, 'connectionId' | 'ownerId' | 'credential'>;

export interface SubscriptionsDeps {
  db: Database;
  logger: Logger;
  publicUrl: string;
  wallet: Pick<WalletService, 'unseal'>;
  clientFor(context: ClientContext): GraphClient;
}

const graphMessage = (body: unknown, status: number) => {
  const message = (body as { error?: { message?: unknown } } | undefined)?.error?.message;
  return `${typeof message === 'string' ? message.slice(0, 300) : 'no reason given'} (HTTP ${status})`;
};

const expiryIso = () => new Date(Date.now() + subscriptionMinutes * 60_000).toISOString();

/**
 * Change notifications (issue 13 §4): Graph subscriptions for every resource the connection
 * syncs, made when PUBLIC_URL is https, renewed before they expire (the maintenance job),
 * recreated when Graph removes them, deleted at Graph on disconnect. When they cannot be
 * made, the connection keeps polling and its view says why. Work on one connection is
 * single-flight in this process.
 */
export function createSubscriptions(deps: SubscriptionsDeps) {
  const { db, logger } = deps;
  const inFlight = new Map<string, Promise<void>>();

  async function connectionOf(connectionId: string): Promise<ConnectionRecord | undefined> {
    // System read: the job and Graph's calls have no user; everything after runs as the owner.
    const { rows } = await db.asSystem((tx) =>
      tx.query<ConnectionRecord>(
        `SELECT id, owner_id, credential_id, status, options, state FROM made_open.connections
          WHERE id = $1 AND provider = 'microsoft'`,
        [connectionId],
      ),
    );
    return rows[0];
  }

  async function clientOf(connection: ConnectionRecord): Promise<GraphClient | undefined> {
    const credential = await deps.wallet.unseal(connection.owner_id, connection.credential_id);
    if (!credential) return undefined;
    return deps.clientFor({
      connectionId: connection.id,
      ownerId: connection.owner_id,
      credential: { id: credential.id, name: credential.name, secret: credential.secret },
    });
  }

  const asOwner = <T>(ownerId: string, work: (tx: Sql) => Promise<T>) => db.asUser(ownerClaims(ownerId), work);

  async function deleteAtGraph(graph: GraphClient | undefined, rows: readonly SubscriptionRow[]) {
    for (const row of rows) {
      const answer = await graph
        ?.send({ method: 'DELETE', url: `/subscriptions/${encodeURIComponent(row.subscription_id)}` })
        .catch((error: unknown) => {
          logger.warn({ err: error, connectionId: row.connection_id }, 'could not delete a Graph subscription');
          return undefined;
        });
      if (answer && answer.status >= 300 && answer.status !== 404)
        logger.warn(
          { connectionId: row.connection_id, status: answer.status },
          'Graph refused to delete a subscription',
        );
    }
  }

  /** Makes one subscription; false when Graph does not know the mail folder (404: skipped, logged). */
  async function create(graph: GraphClient, connection: ConnectionRecord, resource: string): Promise<boolean> {
    const clientState = randomBytes(32).toString('base64url');
    const base = webhookBase(deps.publicUrl, connection.id);
    const answer = await graph.send<{ id?: unknown; expirationDateTime?: unknown }>({
      method: 'POST',
      url: '/subscriptions',
      json: {
        changeType: 'created,updated,deleted',
        notificationUrl: `${base}/${notificationPaths.notifications}`,
        lifecycleNotificationUrl: `${base}/${notificationPaths.lifecycle}`,
        resource: graphResourceOf(resource),
        expirationDateTime: expiryIso(),
        clientState,
        latestSupportedTlsVersion: 'v1_2',
      },
    });
    if (answer.status === 404 && resource.startsWith('mail:')) {
      // A folder the mailbox does not have (a bad folder id; a personal account's Archive): the sync skips it too.
      logger.warn(
        { connectionId: connection.id, resource, status: answer.status },
        'change notifications: mail folder not found; not subscribed',
      );
      return false;
    }
    const id = answer.body?.id;
    if (answer.status !== 201 || typeof id !== 'string' || id.length === 0 || id.length > 200)
      throw new Error(`Microsoft could not set up change notifications: ${graphMessage(answer.body, answer.status)}`);
    const expires = Date.parse(String(answer.body.expirationDateTime));
    const row = {
      connectionId: connection.id,
      ownerId: connection.owner_id,
      resource,
      subscriptionId: id,
      clientStateHash: sha256(clientState),
      expiresAt: new Date(Number.isFinite(expires) ? expires : Date.now() + subscriptionMinutes * 60_000).toISOString(),
    };
    await asOwner(connection.owner_id, (tx) => repo.insert(tx, row));
    return true;
  }

  /** PATCH expirationDateTime; false when Graph no longer knows the subscription (recreate it). */
  async function renew(graph: GraphClient, row: SubscriptionRow): Promise<boolean> {
    const expiresAt = expiryIso();
    const answer = await graph.send<{ expirationDateTime?: unknown }>({
      method: 'PATCH',
      url: `/subscriptions/${encodeURIComponent(row.subscription_id)}`,
      json: { expirationDateTime: expiresAt },
    });
    if (answer.status === 404) return false;
    if (answer.status < 200 || answer.status >= 300)
      throw new Error(`Microsoft refused to renew a subscription: ${graphMessage(answer.body, answer.status)}`);
    const given = Date.parse(String(answer.body?.expirationDateTime));
    await asOwner(row.owner_id, (tx) =>
      repo.renewed(tx, row.subscription_id, Number.isFinite(given) ? new Date(given).toISOString() : expiresAt),
    );
    return true;
  }

  async function summarise(connection: ConnectionRecord, rows: readonly SubscriptionRow[]) {
    const expiries = rows.map((r) => new Date(r.expires_at).getTime());
    const last = rows
      .map((r) => (r.last_notification_at ? new Date(r.last_notification_at).getTime() : 0))
      .reduce((a, b) => Math.max(a, b), 0);
    const state: Partial<NotificationsState> = {
      mode: 'notifications',
      reason: null,
      expiresAt: new Date(Math.min(...expiries)).toISOString(),
      lastNotificationAt: last ? new Date(last).toISOString() : null,
      checkedAt: new Date().toISOString(),
    };
    await asOwner(connection.owner_id, (tx) => repo.setState(tx, connection.id, state));
  }

  async function fallBack(connection: ConnectionRecord, reason: string) {
    await asOwner(connection.owner_id, (tx) =>
      repo.setState(tx, connection.id, {
        mode: 'polling',
        reason,
        expiresAt: null,
        checkedAt: new Date().toISOString(),
      }),
    );
  }

  interface MaintainOptions {
    /** Renew these subscriptions whatever their expiry (reauthorizationRequired). */
    renew?: readonly string[];
    /** Graph removed these (subscriptionRemoved): forget them so they are made again. */
    removed?: readonly string[];
    /** Try again now even if the last attempt failed recently. */
    force?: boolean;
  }

  async function maintainOnce(connectionId: string, options: MaintainOptions) {
    const connection = await connectionOf(connectionId);
    if (!connection || connection.status !== 'active') return;
    if (!notificationsPossible(deps.publicUrl)) {
      // PUBLIC_URL stopped being https: what was made before cannot be delivered any more.
      const made = await asOwner(connection.owner_id, (tx) => repo.list(tx, connection.id));
      if (made.length > 0) {
        await deleteAtGraph(await clientOf(connection), made);
        await asOwner(connection.owner_id, (tx) =>
          repo.remove(
            tx,
            connection.id,
            made.map((r) => r.subscription_id),
          ),
        );
      }
      const current = (connection.state?.notifications ?? null) as Partial<NotificationsState> | null;
      if (current?.mode !== 'polling')
        await fallBack(
          connection,
          'PUBLIC_URL is not an https address, so Microsoft cannot send change notifications to this hub.',
        );
      return;
    }
    const previous = (connection.state?.notifications ?? null) as Partial<NotificationsState> | null;
    let rows = await asOwner<SubscriptionRow[]>(connection.owner_id, (tx) => repo.list(tx, connection.id));
    if (
      rows.length === 0 &&
      !options.force &&
      previous?.mode === 'polling' &&
      previous.checkedAt &&
      Date.now() - Date.parse(previous.checkedAt) < retryFailedAfterMs
    )
      return;
    const graph = await clientOf(connection);
    if (!graph) return fallBack(connection, 'The credential this connection uses was removed from the wallet.');
    const parsed = msgraphOptionsSchema.safeParse(connection.options);
    const wanted = parsed.success ? resourcesOf(parsed.data) : [];
    const removed = new Set(options.removed ?? []);
    const stale = rows.filter((r) => !wanted.includes(r.resource) || removed.has(r.subscription_id));
    if (stale.length > 0) {
      await deleteAtGraph(
        graph,
        stale.filter((r) => !removed.has(r.subscription_id)),
      );
      await asOwner(connection.owner_id, (tx) =>
        repo.remove(
          tx,
          connection.id,
          stale.map((r) => r.subscription_id),
        ),
      );
      rows = rows.filter((r) => !stale.includes(r));
    }
    try {
      const forced = new Set(options.renew ?? []);
      for (const row of rows) {
        const due = new Date(row.expires_at).getTime() - Date.now() < renewWithinMs;
        if (!due && !forced.has(row.subscription_id)) continue;
        if (!(await renew(graph, row))) {
          await asOwner(connection.owner_id, (tx) => repo.remove(tx, connection.id, [row.subscription_id]));
        }
      }
      const have = new Set(
        (await asOwner<SubscriptionRow[]>(connection.owner_id, (tx) => repo.list(tx, connection.id))).map(
          (r) => r.resource,
        ),
      );
      // A folder Graph does not know is skipped; the resources that exist keep their subscriptions.
      for (const resource of wanted) if (!have.has(resource)) await create(graph, connection, resource);
      const made = await asOwner<SubscriptionRow[]>(connection.owner_id, (tx) => repo.list(tx, connection.id));
      if (made.length === 0)
        await fallBack(connection, 'Microsoft Graph knows none of the folders to watch. Checking by polling instead.');
      else await summarise(connection, made);
    } catch (error) {
      // Graph refused a resource that exists (or could not reach the hub): all or nothing, a
      // half-subscribed mailbox would look live and miss changes.
      const made = await asOwner<SubscriptionRow[]>(connection.owner_id, (tx) => repo.list(tx, connection.id));
      await deleteAtGraph(graph, made);
      await asOwner(connection.owner_id, (tx) =>
        repo.remove(
          tx,
          connection.id,
          made.map((r) => r.subscription_id),
        ),
      );
      const reason =
        error instanceof Error && error.message.startsWith('Microsoft')
          ? error.message
          : 'Microsoft Graph could not be reached to set up change notifications.';
      logger.warn({ err: error, connectionId }, 'change notifications not available: polling');
      await fallBack(connection, `${reason} Checking by polling instead.`);
    }
  }

  /** Makes, renews or recreates the connection's subscriptions (single-flight per connection). */
  function maintain(connectionId: string, options: MaintainOptions = {}): Promise<void> {
    const running = inFlight.get(connectionId);
    const next = (running ?? Promise.resolve())
      .catch(() => undefined)
      .then(() => maintainOnce(connectionId, options))
      .finally(() => {
        if (inFlight.get(connectionId) === next) inFlight.delete(connectionId);
      });
    inFlight.set(connectionId, next);
    return next;
  }

  /** The maintenance job: every active Microsoft connection (a personal hub has a handful). */
  async function maintainAll() {
    const { rows } = await db.asSystem((tx) =>
      tx.query<{ id: string }>(
        `SELECT id FROM made_open.connections WHERE provider = 'microsoft' AND status = 'active' ORDER BY id LIMIT 1000`,
      ),
    );
    for (const row of rows)
      await maintain(row.id).catch((error: unknown) =>
        logger.warn({ err: error, connectionId: row.id }, 'subscription maintenance failed'),
      );
  }

  /** Disconnect: delete the connection's subscriptions at Graph, then here. */
  async function removeAll(context: ClientContext) {
    const rows = await asOwner<SubscriptionRow[]>(context.ownerId, (tx) => repo.list(tx, context.connectionId));
    if (rows.length === 0) return;
    await deleteAtGraph(deps.clientFor(context), rows);
    await asOwner(context.ownerId, (tx) =>
      repo.remove(
        tx,
        context.connectionId,
        rows.map((r) => r.subscription_id),
      ),
    );
  }

  return { maintain, maintainAll, removeAll };
}

export type Subscriptions = ReturnType<typeof createSubscriptions>;
