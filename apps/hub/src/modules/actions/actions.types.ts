import type { Actor } from '@made-open/shared';
import type { PrincipalKind } from '@made-open/shared/principals';
import type { z } from 'zod';
import type { Database, RequestClaims, Sql } from '../../platform/db/index.ts';
import { UserError } from '../../platform/errors.ts';
import type { Logger } from '../../platform/logger.ts';
import type { EventOutbox } from '../events/index.ts';
import type { GraphService } from '../graph/index.ts';
import type { DecisionLog } from '../policy/index.ts';
import type { CredentialType, WalletService } from '../wallet/index.ts';
import type { OutboundClient } from '../../platform/http/outbound/index.ts';

/** Who invokes an action, for whom (ownerId), and how the events it causes name it. */
export interface Principal {
  kind: PrincipalKind;
  id: string;
  /** The user whose data the principal acts on: RLS runs every query as this user. */
  ownerId: string;
  /** The actor on the events it causes, with its causation chain; `{ kind, id }` when absent. */
  actor?: Actor;
}

/** A wallet credential a principal may fill into a request by an opaque handle (a plugin's ctx.config). */
export interface CredentialBinding {
  credentialId: string;
  type: CredentialType;
  name: string;
}

/**
 * One run's shared state: its decision log (written by whoever owns the run), its call
 * budget and the credential handles it holds. invoke() makes a one-call session when the
 * caller gives none.
 */
export interface ActionSession {
  decisions: DecisionLog;
  callBudget: number;
  calls: number;
  logLines: number;
  credentials: ReadonlyMap<string, CredentialBinding>;
}

/** Per-invocation ceilings (today's plugin host limits, now every principal's). */
export const actionLimits = {
  callsPerInvocation: 1000,
  logLinesPerInvocation: 100,
  storageValueChars: 64 * 1024,
  storageKeys: 1000,
  emitPayloadChars: 16 * 1024,
  requestBodyChars: 256 * 1024,
};

/** What the actions reach other modules through: their exported services only. */
export interface ActionDeps {
  db: Pick<Database, 'asUser' | 'asSystem'>;
  graph: Pick<GraphService, 'getEntityJson' | 'createEntityJson' | 'updateEntity' | 'listEntitiesJson'>;
  wallet: Pick<WalletService, 'unseal'>;
  outbox: Pick<EventOutbox, 'append' | 'appendMany'>;
  /** A plugin's key-value storage (the plugins module's, scoped by owner and plugin). */
  pluginStorage: PluginStorage;
  logger: Logger;
  http: {
    /** The hub's one outbound client: SSRF guard, limits, retries, scrubbing. */
    client: OutboundClient;
    timeoutMs?: number;
    maxResponseBytes?: number;
    /** Tests only: let credentials go over plain http to a stand-in server. Production: https only. */
    credentialsOverHttp?: boolean;
  };
}

export interface PluginStorage {
  storageGet(tx: Sql, ownerId: string, pluginId: string, key: string): Promise<unknown>;
  storageList(tx: Sql, ownerId: string, pluginId: string, prefix: string): Promise<string[]>;
  storageSet(tx: Sql, ownerId: string, pluginId: string, key: string, text: string, maxKeys: number): Promise<boolean>;
  storageDelete(tx: Sql, ownerId: string, pluginId: string, key: string): Promise<unknown>;
}

/** What an action's run gets: who acts, where to write, and the policy checks for work it decides per step. */
export interface ActionContext {
  principal: Principal;
  /** The principal as the graph service's caller: RLS as the owner, events naming the principal. */
  caller: { id: string; claims: RequestClaims & { sub: string; role: 'authenticated' }; actor: Actor };
  /** The caller's transaction, when it gave one. */
  tx?: Sql;
  /** Runs `work` in the caller's transaction, or in one of the owner's own (RLS). */
  asOwner<T>(work: (tx: Sql) => Promise<T>): Promise<T>;
  /** Appends an event in the caller's transaction, or in a system transaction of its own. */
  append(event: Parameters<EventOutbox['append']>[1]): Promise<string>;
  session: ActionSession;
  /** A check made while running (http.fetch checks each redirect hop): audited with the action's outcome. */
  check(permission: string, resource?: string | null): boolean;
  refuse(permission: string, reason: string, resource?: string | null): void;
  deps: ActionDeps;
}

/** A concrete permission an invocation needs, with what it is about and how to name it in a refusal. */
export interface Requirement {
  permission: string;
  resource: string | null;
  /** "read person entities": completes "This plugin may not ...". */
  what: string;
}

export interface ActionDefinition<Input = unknown, Output = unknown, Looked = undefined> {
  name: string;
  /** One line for the docs and the registry listing. */
  description: string;
  input: z.ZodType<Input, unknown>;
  /** What the input is, in an invalid_input message ("entity id: ..."). */
  inputLabel: string;
  output: z.ZodType<Output, unknown>;
  /** Kinds that may call it at all (default: every kind). */
  principals?: readonly PrincipalKind[];
  /** Reads what the permission depends on (an entity's type) or refuses early (limits). */
  lookup?(context: ActionContext, input: Input): Promise<Looked> | Looked;
  /** The concrete permissions checked before run, from the validated input and what was looked up. */
  permission(input: Input, looked: Looked, principal: Principal): Requirement[];
  run(context: ActionContext, input: Input, looked: Looked): Promise<Output>;
}

/** Any action, whatever its types (the registry holds many). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyAction = ActionDefinition<any, any, any>;

export function defineAction<Input, Output, Looked = undefined>(
  action: ActionDefinition<Input, Output, Looked>,
): ActionDefinition<Input, Output, Looked> {
  return action;
}

const statusOf: Record<string, number> = {
  invalid_input: 400,
  permission_denied: 403,
  unknown_action: 404,
  limit: 429,
  rate_limited: 429,
  timeout: 504,
  network: 502,
};

/**
 * An action refused or failed in a way its caller must act on. The codes are the ones
 * plugins have always seen (invalid_input, permission_denied, limit, rate_limited,
 * timeout, network, private_address, ...); over HTTP they map to a 4xx (or 502/504).
 */
export class ActionError extends UserError {
  constructor(code: string, message: string) {
    super(statusOf[code] ?? 400, code, message);
    this.name = 'ActionError';
  }
}
