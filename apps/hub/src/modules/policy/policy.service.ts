import type { NewEvent } from '@made-open/shared';
import type { PrincipalKind, PrincipalRef } from '@made-open/shared/principals';
import type { Database, Sql } from '../../platform/db/index.ts';
import { NotFoundError, ValidationError } from '../../platform/errors.ts';
import type { AuthenticatedUser } from '../../platform/http/authentication.ts';
import type { Logger } from '../../platform/logger.ts';
import type { EventOutbox } from '../events/index.ts';
import { declaredFor, grantRefusal, type Declared } from './policy.principals.ts';
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
  /** What the guarded action then did (ok or its error code), once it is known. */
  outcome?: string;
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

type Caller = Pick<AuthenticatedUser, 'id' | 'claims'>;

/** The grants of one principal, as GET /api/v1/grants returns them. */
export interface PrincipalGrants {
  kind: PrincipalKind;
  id: string;
  grants: { permission: string; grantedAt: string }[];
}

const iso = (at: Date | string) => new Date(at).toISOString();

export function createPolicyService(deps: PolicyServiceDeps) {
  const { db, repository: repo } = deps;
  const cache = new Map<string, string[]>();
  const listeners = new Set<(ownerId: string, principal: PrincipalRef) => void>();
  const key = (ownerId: string, principal: PrincipalRef) => `${ownerId}/${principal.kind}/${principal.id}`;
  const changed = (ownerId: string, principal: PrincipalRef) => {
    cache.delete(key(ownerId, principal));
    for (const listener of listeners) listener(ownerId, principal);
  };
  /** The caller's transaction when given (writes compose with its others), else one of the user's own. */
  const within = <T>(caller: Caller, tx: Sql | undefined, work: (tx: Sql) => Promise<T>) =>
    tx ? work(tx) : db.asUser(caller.claims, work);

  function decisionEvents(ownerId: string, principal: PrincipalRef, decisions: readonly Decision[]): NewEvent[] {
    return decisions.map((d) => ({
      type: 'policy.Decision',
      ownerId,
      subject: principal.id,
      actor: { kind: principal.kind, id: principal.id },
      data: {
        ...(principal.kind === 'plugin' ? { pluginId: principal.id } : {}),
        principal: { kind: principal.kind, id: principal.id },
        permission: d.permission.slice(0, 300),
        resource: d.resource?.slice(0, 300) ?? null,
        allowed: d.allowed,
        reason: d.reason,
        operation: d.operation,
        ...(d.outcome === undefined ? {} : { outcome: d.outcome.slice(0, 60) }),
      },
    }));
  }

  function grantsChangedEvent(caller: Caller, principal: PrincipalRef, granted: string[], revoked: string[]): NewEvent {
    const at = { ownerId: caller.id, subject: principal.id, actor: { kind: 'user' as const, id: caller.id } };
    return principal.kind === 'plugin'
      ? { ...at, type: 'plugin.GrantsChanged', data: { pluginId: principal.id, granted, revoked } }
      : { ...at, type: 'policy.GrantsChanged', data: { principal, granted, revoked } };
  }

  async function grantsFor(ownerId: string, principal: PrincipalRef): Promise<string[]> {
    const cached = cache.get(key(ownerId, principal));
    if (cached) return cached;
    const rows = await db.asSystem((tx) => repo.grants(tx, ownerId, principal));
    const permissions = rows.map((r) => r.permission);
    cache.set(key(ownerId, principal), permissions);
    return permissions;
  }

  function decisionLog(
    ownerId: string,
    principal: PrincipalRef,
    declared: Declared,
    granted: readonly string[] | 'everything',
  ): DecisionLog {
    const decisions: Decision[] = [];
    const decide = (wanted: string): DecisionReason =>
      declared === 'everything' && granted === 'everything'
        ? 'allowed'
        : evaluate(
            declared === 'everything' ? [wanted] : declared,
            granted === 'everything' ? [wanted] : granted,
            wanted,
          );
    return {
      decisions,
      check(permission, operation, resource = null) {
        const reason = decide(permission);
        decisions.push({ permission, resource, allowed: reason === 'allowed', reason, operation });
        return reason === 'allowed';
      },
      refuse(permission, operation, reason, resource = null) {
        decisions.push({ permission, resource, allowed: false, reason, operation });
      },
      drain() {
        return decisionEvents(ownerId, principal, decisions.splice(0, decisions.length));
      },
      async flush() {
        const events = decisionEvents(ownerId, principal, decisions.splice(0, decisions.length));
        if (events.length > 0) await db.asSystem((tx) => deps.outbox.appendMany(tx, events));
      },
    };
  }

  async function revoke(
    caller: Caller,
    principal: PrincipalRef,
    permissions: readonly string[] | 'all',
    tx?: Sql,
  ): Promise<string[]> {
    const revoked = await within(caller, tx, async (tx) => {
      const removed =
        permissions === 'all'
          ? await repo.revokeAll(tx, caller.id, principal)
          : await repo.revoke(tx, caller.id, principal, permissions);
      if (removed.length > 0) await deps.outbox.appendMany(tx, [grantsChangedEvent(caller, principal, [], removed)]);
      return removed;
    });
    changed(caller.id, principal);
    if (permissions !== 'all' && revoked.length === 0) throw new NotFoundError('grant');
    return revoked;
  }

  /**
   * Grants (consent). For a plugin the caller passes only what its manifest declares;
   * `tx` makes the grant part of the caller's transaction (then call `invalidate` after it commits).
   */
  async function grant(caller: Caller, principal: PrincipalRef, permissions: readonly string[], tx?: Sql) {
    const granted = await within(caller, tx, async (tx) => {
      const added = await repo.grant(tx, caller.id, principal, permissions);
      if (added.length > 0) await deps.outbox.appendMany(tx, [grantsChangedEvent(caller, principal, added, [])]);
      return added;
    });
    changed(caller.id, principal);
    return granted;
  }

  async function listGrants(caller: Caller, principal: PrincipalRef, tx?: Sql) {
    const rows = await within(caller, tx, (tx) => repo.grants(tx, caller.id, principal));
    return rows.map((r) => ({ permission: r.permission, grantedAt: iso(r.granted_at) }));
  }

  return {
    evaluate,
    grantsFor,
    decisionLog,
    revoke,
    grant,
    listGrants,

    /**
     * A decision log for a principal whose kind declares its own permissions (user, rule,
     * connector, ai). A plugin's declarations are its manifest: use decisionLog for it.
     */
    async decisionLogFor(ownerId: string, principal: PrincipalRef): Promise<DecisionLog> {
      const declared = declaredFor(principal);
      if (declared === undefined) throw new Error('A plugin is checked against its manifest: use decisionLog.');
      const granted = declared === 'everything' ? 'everything' : await grantsFor(ownerId, principal);
      return decisionLog(ownerId, principal, declared, granted);
    },

    /** Every grant the caller gave, grouped by principal (RLS shows only theirs). */
    async overview(caller: Caller, kind?: PrincipalKind): Promise<PrincipalGrants[]> {
      const rows = await db.asUser(caller.claims, (tx) => repo.allGrants(tx, caller.id, kind));
      const groups = new Map<string, PrincipalGrants>();
      for (const row of rows) {
        const id = `${row.principal_kind}/${row.principal_id}`;
        let group = groups.get(id);
        if (!group) groups.set(id, (group = { kind: row.principal_kind, id: row.principal_id, grants: [] }));
        group.grants.push({ permission: row.permission, grantedAt: iso(row.granted_at) });
      }
      return [...groups.values()];
    },

    /** POST /api/v1/grants: one permission for a rule, connector or AI assistant, checked against its kind. */
    async grantChecked(caller: Caller, principal: PrincipalRef, permission: string) {
      const refusal = grantRefusal(principal.kind, principal.id, permission);
      if (refusal) throw new ValidationError(refusal, [{ path: '/permission', message: refusal }]);
      await grant(caller, principal, [permission]);
      const rows = await listGrants(caller, principal);
      return rows.find((r) => r.permission === permission)!;
    },

    /** Drops cached grants: after a transaction that changed them has committed. */
    invalidate(ownerId: string, principal: PrincipalRef) {
      changed(ownerId, principal);
    },

    onGrantsChanged(listener: (ownerId: string, principal: PrincipalRef) => void) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

export type PolicyService = ReturnType<typeof createPolicyService>;
