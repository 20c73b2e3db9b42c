import type { NewEvent } from '@made-open/shared';
import type { Database } from '../../platform/db/index.ts';
import { NotFoundError } from '../../platform/errors.ts';
import type { AuthenticatedUser } from '../../platform/http/authentication.ts';
import type { Logger } from '../../platform/logger.ts';
import type { EventOutbox } from '../events/index.ts';
import type { PolicyRepository } from './policy.repository.ts';
import { evaluate, type DecisionReason } from './policy.rules.ts';

export interface PolicyServiceDeps {
  db: Database;
  repository: PolicyRepository;
  outbox: Pick<EventOutbox, 'appendMany'>;
  logger: Logger;
}

export interface Decision {
  permission: string;
  resource: string | null;
  allowed: boolean;
  reason: DecisionReason | string;
  operation: string;
}

/** Collects one invocation's decisions; `flush` writes them as policy.Decision events. */
export interface DecisionLog {
  /** Declared AND granted? Records the decision either way. */
  check(permission: string, operation: string, resource?: string | null): boolean;
  /** Records a refusal decided elsewhere (not owned, private address, ...). */
  refuse(permission: string, operation: string, reason: string, resource?: string | null): void;
  readonly decisions: readonly Decision[];
  /** Takes the pending decisions as policy.Decision events, for the caller to append in its transaction. */
  drain(): NewEvent[];
  /** Appends the pending decisions through the outbox in a transaction of its own. */
  flush(): Promise<void>;
}

export function createPolicyService(deps: PolicyServiceDeps) {
  const { db, repository: repo } = deps;
  const cache = new Map<string, string[]>();
  const listeners = new Set<(ownerId: string, pluginId: string) => void>();
  const key = (ownerId: string, pluginId: string) => `${ownerId}/${pluginId}`;
  const changed = (ownerId: string, pluginId: string) => {
    cache.delete(key(ownerId, pluginId));
    for (const listener of listeners) listener(ownerId, pluginId);
  };

  function decisionEvents(ownerId: string, pluginId: string, decisions: readonly Decision[]): NewEvent[] {
    return decisions.map((d) => ({
      type: 'policy.Decision',
      ownerId,
      subject: pluginId,
      actor: { kind: 'plugin', id: pluginId },
      data: {
        pluginId,
        permission: d.permission.slice(0, 300),
        resource: d.resource?.slice(0, 300) ?? null,
        allowed: d.allowed,
        reason: d.reason,
        operation: d.operation,
      },
    }));
  }

  return {
    evaluate,

    /** The permissions a user granted a plugin (system read, cached until they change). */
    async grantsFor(ownerId: string, pluginId: string): Promise<string[]> {
      const cached = cache.get(key(ownerId, pluginId));
      if (cached) return cached;
      const rows = await db.asSystem((tx) => repo.grants(tx, ownerId, pluginId));
      const permissions = rows.map((r) => r.permission);
      cache.set(key(ownerId, pluginId), permissions);
      return permissions;
    },

    decisionLog(
      ownerId: string,
      pluginId: string,
      declared: readonly string[],
      granted: readonly string[],
    ): DecisionLog {
      const decisions: Decision[] = [];
      return {
        decisions,
        check(permission, operation, resource = null) {
          const reason = evaluate(declared, granted, permission);
          decisions.push({ permission, resource, allowed: reason === 'allowed', reason, operation });
          return reason === 'allowed';
        },
        refuse(permission, operation, reason, resource = null) {
          decisions.push({ permission, resource, allowed: false, reason, operation });
        },
        drain() {
          return decisionEvents(ownerId, pluginId, decisions.splice(0, decisions.length));
        },
        async flush() {
          const events = decisionEvents(ownerId, pluginId, decisions.splice(0, decisions.length));
          if (events.length > 0) await db.asSystem((tx) => deps.outbox.appendMany(tx, events));
        },
      };
    },

    async listGrants(user: AuthenticatedUser, pluginId: string) {
      const rows = await db.asUser(user.claims, (tx) => repo.grants(tx, user.id, pluginId));
      return rows.map((r) => ({ permission: r.permission, grantedAt: new Date(r.granted_at).toISOString() }));
    },

    /** Grants (consent). The caller passes only permissions the manifest declares. */
    async grant(user: Pick<AuthenticatedUser, 'id' | 'claims'>, pluginId: string, permissions: readonly string[]) {
      const granted = await db.asUser(user.claims, async (tx) => {
        const added = await repo.grant(tx, user.id, pluginId, permissions);
        if (added.length > 0) {
          await deps.outbox.appendMany(tx, [
            {
              type: 'plugin.GrantsChanged',
              ownerId: user.id,
              subject: pluginId,
              actor: { kind: 'user', id: user.id },
              data: { pluginId, granted: added, revoked: [] },
            },
          ]);
        }
        return added;
      });
      changed(user.id, pluginId);
      return granted;
    },

    async revoke(
      user: Pick<AuthenticatedUser, 'id' | 'claims'>,
      pluginId: string,
      permissions: readonly string[] | 'all',
    ) {
      const revoked = await db.asUser(user.claims, async (tx) => {
        const removed =
          permissions === 'all'
            ? await repo.revokeAll(tx, user.id, pluginId)
            : await repo.revoke(tx, user.id, pluginId, permissions);
        if (removed.length > 0) {
          await deps.outbox.appendMany(tx, [
            {
              type: 'plugin.GrantsChanged',
              ownerId: user.id,
              subject: pluginId,
              actor: { kind: 'user', id: user.id },
              data: { pluginId, granted: [], revoked: removed },
            },
          ]);
        }
        return removed;
      });
      changed(user.id, pluginId);
      if (permissions !== 'all' && revoked.length === 0) throw new NotFoundError('grant');
      return revoked;
    },

    onGrantsChanged(listener: (ownerId: string, pluginId: string) => void) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

export type PolicyService = ReturnType<typeof createPolicyService>;
