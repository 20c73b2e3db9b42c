import { uuidv7 } from 'uuidv7';
import { oneStatementAsUser, type Database } from '../../platform/db/index.ts';
import { ConflictError, NotFoundError, UserError } from '../../platform/errors.ts';
import type { AuthenticatedUser } from '../../platform/http/authentication.ts';
import type { DependencyHealth } from '../../platform/module.ts';
import type { EventOutbox } from '../events/index.ts';
import type { WalletService } from '../wallet/index.ts';
import {
  ConnectorError,
  type AnyConnector,
  type CalendarCapability,
  type ConnectionContext,
  type ConnectResult,
  type ContactsCapability,
  type MailCapability,
} from './connectors.contract.ts';
import { connectContext, connectionContext, type ContextDeps } from './connectors.context.ts';
import type { ConnectorRegistry } from './connectors.registry.ts';
import { connectorsRepository as repo, type ConnectionRow } from './connectors.repository.ts';
import type { ConnectionInput, ConnectionView } from './connectors.schemas.ts';
import type { SyncRunner } from './connectors.sync.ts';
import { toView } from './connectors.views.ts';
import { checkResult, connectRefused, prepareConnection, reconfiguredOptions } from './connectors.connect.ts';

export interface ConnectorsServiceDeps extends ContextDeps {
  db: Database;
  outbox: EventOutbox;
  registry: ConnectorRegistry;
  wallet: Pick<WalletService, 'describe' | 'unseal' | 'watchCapabilities'>;
  sync: SyncRunner;
}

/** The write-back capabilities a connector may offer (connectors.contract.ts). */
export type WriteCapability = 'mail' | 'calendar' | 'contacts';
type CapabilityOf = {
  mail: MailCapability<unknown>;
  calendar: CalendarCapability<unknown>;
  contacts: ContactsCapability<unknown>;
};
export interface OpenConnection<K extends WriteCapability> {
  connection: ConnectionView;
  capability: CapabilityOf[K];
  context: ConnectionContext<unknown>;
}

/** A queued or running sync whose lease has not moved for this long is presumed lost: a new request replaces it. */
const lostSyncMs = 60 * 60_000;

const isUniqueViolation = (error: unknown) => (error as { code?: unknown } | null)?.code === '23505';

export function createConnectorsService(deps: ConnectorsServiceDeps) {
  const { db, outbox, registry, wallet, logger } = deps;
  const view = (row: ConnectionRow) => toView(row, registry, deps.config.publicUrl);

  /** The caller's connection, or 404 (RLS hides everyone else's). */
  async function owned(user: AuthenticatedUser, id: string) {
    const row = await repo.get(oneStatementAsUser(db, user.claims), id);
    if (!row) throw new NotFoundError('connection');
    return row;
  }

  /** The connector, the parsed options and the decrypted credential for work on a stored connection. */
  async function loaded(row: ConnectionRow) {
    const connector = registry.get(row.provider);
    if (!connector) throw new ConflictError(`This hub has no connector for ${row.provider} any more.`, 'no_connector');
    const credential = await wallet.unseal(row.owner_id, row.credential_id);
    if (!credential)
      throw new ConnectorError(
        'credential',
        'The credential this connection uses was removed from the wallet: add it again, then connect again.',
      );
    const options = connector.options.safeParse(row.options);
    const context = connectionContext(deps, connector, row, options.success ? options.data : row.options, credential);
    return { connector, context };
  }

  return {
    /**
     * `authorization`: what an interactive sign-in handed over (OAuth tokens), passed to the
     * connector's connect() only (connectors/msgraph's callback).
     */
    async connect(
      user: AuthenticatedUser,
      input: ConnectionInput,
      extra: { authorization?: unknown } = {},
    ): Promise<ConnectionView> {
      const { connector, credential, options, capabilities } = await prepareConnection(deps, user, input);
      const id = uuidv7();
      // The row exists before connect() runs: the webhook URLs the connector registers carry its id.
      await db.asUser(user.claims, (tx) =>
        repo.insertConnecting(tx, {
          id,
          ownerId: user.id,
          provider: input.provider,
          credentialId: credential.id,
          options,
          capabilities,
        }),
      );
      const forget = () => db.asUser(user.claims, (tx) => repo.remove(tx, id)).catch(() => undefined);
      let result: Required<ConnectResult>;
      const unsealed = await wallet.unseal(user.id, credential.id);
      try {
        if (!unsealed) throw new NotFoundError('credential');
        result = checkResult(
          await connector.connect({
            ...connectContext(deps, connector, { id, ownerId: user.id, options }, unsealed),
            authorization: extra.authorization,
          }),
        );
      } catch (error) {
        await forget();
        throw error instanceof ConnectorError ? connectRefused(error) : error;
      }
      try {
        return await db.asUser(user.claims, async (tx) => {
          const capabilityWatch = await wallet.watchCapabilities(tx, user.id, user.id);
          let row = await repo.activate(tx, id, result);
          if (!row) throw new NotFoundError('connection');
          await outbox.append(tx, {
            type: 'connector.Connected',
            ownerId: user.id,
            subject: id,
            actor: { kind: 'user', id: user.id },
            data: {
              connectionId: id,
              provider: row.provider,
              label: row.label,
              credentialId: credential.id,
              capabilities,
            },
          });
          if (connector.sync) row = await deps.sync.enqueue(tx, row);
          await capabilityWatch.emit({
            credentialId: credential.id,
            type: credential.type,
            name: credential.name,
            change: 'connected',
          });
          return view(row);
        });
      } catch (error) {
        // Undo at the provider what connect() set up for this row, then forget the row.
        const row = await db.asUser(user.claims, (tx) => repo.get(tx, id));
        if (row && unsealed) {
          const context = connectionContext(
            deps,
            connector,
            { ...row, ...{ account_id: result.accountId, label: result.label, state: result.state } },
            options,
            unsealed,
          );
          await connector
            .disconnect(context)
            .catch((undo: unknown) =>
              logger.warn({ err: undo, connectionId: id }, 'could not undo a refused connection at the provider'),
            );
        }
        await forget();
        if (isUniqueViolation(error))
          throw new ConflictError(
            `${result.label || result.accountId} is already connected: use that connection, or disconnect it first.`,
            'already_connected',
          );
        throw error;
      }
    },

    async list(user: AuthenticatedUser): Promise<ConnectionView[]> {
      return (await repo.list(oneStatementAsUser(db, user.claims), user.id)).map(view);
    },

    async get(user: AuthenticatedUser, id: string): Promise<ConnectionView> {
      return view(await owned(user, id));
    },

    /**
     * Changes a connection's editable options (folders, calendar window, polling ...): stored,
     * announced (connector.Reconfigured, audited), and a sync queued when none is under way, so
     * a new folder or window is synced now; then the connector redoes what depends on them.
     */
    async reconfigure(user: AuthenticatedUser, id: string, patch: Record<string, unknown>): Promise<ConnectionView> {
      const connector = registry.get((await owned(user, id)).provider);
      if (!connector)
        throw new ConflictError('This hub has no connector for this connection any more.', 'no_connector');
      const result = await db.asUser(user.claims, async (tx) => {
        const row = await repo.get(tx, id, { lock: true });
        if (!row) throw new NotFoundError('connection');
        if (row.status === 'disconnected' || row.status === 'connecting')
          throw new ConflictError(
            'This connection is not connected: connect the account again with the options you want.',
            row.status,
          );
        const { options, changed } = reconfiguredOptions(connector, row.options, patch);
        if (changed.length === 0) return { row, changed };
        let updated = (await repo.setOptions(tx, id, options))!;
        await outbox.append(tx, {
          type: 'connector.Reconfigured',
          ownerId: user.id,
          subject: id,
          actor: { kind: 'user', id: user.id },
          data: { connectionId: id, provider: row.provider, label: row.label, changed },
        });
        if (connector.sync && row.status === 'active' && row.sync_state === 'idle')
          updated = await deps.sync.enqueue(tx, updated);
        return { row: updated, changed };
      });
      if (result.changed.length > 0 && result.row.status === 'active' && connector.reconfigured) {
        const { context } = await loaded(result.row);
        // Stored already: a failure here is retried by the connector's own upkeep (its schedule).
        await connector
          .reconfigured(context, result.changed)
          .catch((error: unknown) =>
            logger.warn(
              { err: error, connectionId: id },
              'connection options stored; the connector could not apply them yet',
            ),
          );
      }
      return view(result.row);
    },

    /** Stops the connection at once (webhooks 404, syncs stop at their next page), then undoes the connector's setup. */
    async disconnect(user: AuthenticatedUser, id: string): Promise<ConnectionView> {
      // Read before the transaction: on PGlite a second transaction inside one would wait forever.
      const existing = await owned(user, id);
      const credential = await wallet.describe(user.id, existing.credential_id);
      const { row, before } = await db.asUser(user.claims, async (tx) => {
        const current = await repo.get(tx, id, { lock: true });
        if (!current) throw new NotFoundError('connection');
        if (current.status === 'disconnected') return { row: current, before: current };
        const capabilityWatch = await wallet.watchCapabilities(tx, user.id, user.id);
        const updated = (await repo.markDisconnected(tx, id))!;
        await outbox.append(tx, {
          type: 'connector.Disconnected',
          ownerId: user.id,
          subject: id,
          actor: { kind: 'user', id: user.id },
          data: { connectionId: id, provider: updated.provider, label: updated.label },
        });
        await capabilityWatch.emit({
          credentialId: current.credential_id,
          type: current.provider,
          name: credential?.name ?? current.label,
          change: 'disconnected',
        });
        return { row: updated, before: current };
      });
      if (before === row || before.status === 'connecting') return view(row);
      try {
        const { connector, context } = await loaded(before);
        await connector.disconnect(context);
        return view(row);
      } catch (error) {
        // Disconnected here whatever the provider says; the person is told what may be left there.
        const message =
          error instanceof ConnectorError || error instanceof UserError
            ? error.message
            : 'the provider could not be reached';
        logger.warn({ err: error, connectionId: id }, 'could not undo the connection at the provider');
        const reason = `Disconnected, but undoing the setup at the provider failed (${message}): check the account there.`;
        const updated = await db.asUser(user.claims, (tx) => repo.setStatus(tx, id, 'disconnected', reason));
        return view(updated ?? row);
      }
    },

    /** Queues a sync; while one is queued or running, answers with that one (idempotent). */
    async requestSync(user: AuthenticatedUser, id: string) {
      const connector: AnyConnector | undefined = registry.get((await owned(user, id)).provider);
      return db.asUser(user.claims, async (tx) => {
        const row = await repo.get(tx, id, { lock: true });
        if (!row) throw new NotFoundError('connection');
        if (row.status === 'disconnected')
          throw new ConflictError(
            'This connection is disconnected: connect the account again to sync it.',
            'disconnected',
          );
        if (row.status === 'connecting')
          throw new ConflictError('This connection is still being set up: try again in a moment.', 'connecting');
        if (row.status === 'needs_reauth')
          throw new ConflictError(
            'Sign in to this account again first (Settings → Connections): its sign-in expired or was revoked.',
            'needs_reauth',
          );
        if (!connector?.sync)
          throw new ConflictError(
            `${row.provider} connections have nothing to sync: their data arrives by webhook.`,
            'no_sync',
          );
        const heartbeat = row.sync_heartbeat_at ? new Date(row.sync_heartbeat_at).getTime() : 0;
        if (row.sync_state !== 'idle' && row.sync_job_id && Date.now() - heartbeat < lostSyncMs)
          return { job: { id: row.sync_job_id, state: row.sync_state }, created: false, connection: view(row) };
        const queued = await deps.sync.enqueue(tx, row);
        return { job: { id: queued.sync_job_id!, state: 'queued' as const }, created: true, connection: view(queued) };
      });
    },

    /** Asks the connector whether the connection still works; the status follows the answer. */
    async test(user: AuthenticatedUser, id: string) {
      const row = await owned(user, id);
      if (row.status === 'disconnected' || row.status === 'connecting')
        throw new ConflictError('Only a connected account can be tested.', 'not_connected');
      let ok: boolean;
      let message: string;
      try {
        const { connector, context } = await loaded(row);
        ({ message } = await connector.test(context));
        ok = true;
      } catch (error) {
        if (!(error instanceof ConnectorError) || error.kind === 'provider') throw error;
        ({ message } = error);
        ok = false;
        if (error.kind === 'reauth') {
          const updated = await db.asUser(user.claims, async (tx) => {
            const changed = await repo.setStatus(tx, id, 'needs_reauth', message);
            if (changed && row.status !== 'needs_reauth')
              await outbox.append(tx, {
                type: 'connector.SignInRequired',
                ownerId: user.id,
                subject: id,
                actor: { kind: 'connector', id },
                data: { connectionId: id, provider: row.provider, label: row.label, reason: message.slice(0, 500) },
              });
            // A sync that met the refusal first may have set needs_reauth already: show the row as it is.
            return changed ?? (await repo.get(tx, id));
          });
          return { ok, message, connection: view(updated ?? row) };
        }
      }
      const updated = await db.asUser(user.claims, (tx) =>
        repo.setStatus(tx, id, ok ? 'active' : 'error', ok ? null : message),
      );
      return { ok, message, connection: view(updated ?? row) };
    },

    /**
     * The owner's live connection that can do `capability` (mail, calendar, contacts), with its
     * connector and context, for write-back from other modules. `connectionId` chooses one;
     * without it there must be exactly one. 404 for another user's id (RLS), 409 when none.
     */
    async open<K extends WriteCapability>(
      user: AuthenticatedUser,
      capability: K,
      connectionId?: string,
    ): Promise<OpenConnection<K>> {
      const rows = await db.asUser(user.claims, (tx) => repo.list(tx, user.id));
      const able = rows.filter((row) => row.status === 'active' && registry.get(row.provider)?.[capability]);
      const row = connectionId ? able.find((candidate) => candidate.id === connectionId) : able[0];
      if (connectionId && !row) {
        if (rows.some((candidate) => candidate.id === connectionId))
          throw new ConflictError(
            `This connection cannot do that now (${capability}): check its status in Settings → Connections.`,
            'connection_unable',
          );
        throw new NotFoundError('connection');
      }
      if (!row)
        throw new UserError(
          409,
          `no_${capability}_connection`,
          `Connect an account that offers ${capability} first (Settings → Connections).`,
        );
      if (!connectionId && able.length > 1)
        throw new UserError(
          400,
          'connection_ambiguous',
          `Several connected accounts offer ${capability}: say which one (connectionId).`,
        );
      const { connector, context } = await loaded(row);
      return { connection: view(row), capability: connector[capability]!, context } as OpenConnection<K>;
    },

    /**
     * The owner signed in again (a connector's OAuth callback stored the new grant): the
     * connection is active again and a sync resumes from its kept cursor.
     */
    async resumeAfterSignIn(user: AuthenticatedUser, id: string): Promise<ConnectionView> {
      return db.asUser(user.claims, async (tx) => {
        const row = await repo.get(tx, id, { lock: true });
        if (!row || row.status === 'disconnected' || row.status === 'connecting') throw new NotFoundError('connection');
        let current = (await repo.reactivate(tx, id)) ?? row;
        const connector: AnyConnector | undefined = registry.get(row.provider);
        if (connector?.sync && current.sync_state === 'idle') current = await deps.sync.enqueue(tx, current);
        return view(current);
      });
    },

    /** /health for the operator: counts by provider and status, the oldest last success. No per-user data. */
    async health(): Promise<Record<string, DependencyHealth>> {
      const summary = await db.asSystem((tx) => repo.summary(tx));
      const errors = summary.counts.filter((c) => c.status === 'error').reduce((n, c) => n + c.count, 0);
      return {
        connectors: {
          status: 'ok',
          details: {
            connectors: registry.list().map((c) => c.provider),
            connections: summary.counts,
            inError: errors,
            syncing: summary.syncing,
            oldestLastSuccessAt: summary.oldestLastSuccessAt
              ? new Date(summary.oldestLastSuccessAt).toISOString()
              : null,
          },
        },
      };
    },
  };
}

export type ConnectorsService = ReturnType<typeof createConnectorsService>;
