import { contextActions } from '@made-open/plugin-sdk/methods';
import type { Actor } from '@made-open/shared';
import { UserError } from '../../platform/errors.ts';
import type { ActionSession, ActionsService, Principal } from '../actions/index.ts';
import { HostCallError, type HostDispatch } from './runtime/sandbox.ts';

/** The ctx methods' actions (packages/plugin-sdk/src/methods.ts): nothing else is reachable from a plugin. */
const reachable = new Set(contextActions);

export interface InvocationScope {
  ownerId: string;
  pluginId: string;
  /** The plugin as it appears on the events it causes, with its causation chain. */
  actor: Actor;
  /** The run's session: decision log (written with the run record), call budget, credential handles. */
  session: ActionSession;
}

/**
 * The host side of PluginContext for one invocation: a thin adapter. Each ctx call is an
 * action invoked as the plugin (declared AND granted, as its user under RLS); errors the
 * plugin should see cross as HostCallError with their code.
 */
export function createHostDispatch(actions: Pick<ActionsService, 'invoke'>, scope: InvocationScope): HostDispatch {
  const principal: Principal = { kind: 'plugin', id: scope.pluginId, ownerId: scope.ownerId, actor: scope.actor };
  const { session } = scope;
  return async (method, args) => {
    if (!reachable.has(method)) {
      if (++session.calls > session.callBudget)
        throw new HostCallError('limit', `A handler may make at most ${session.callBudget} host calls.`);
      throw new HostCallError('unknown_call', `There is no host call named ${method.slice(0, 50)}.`);
    }
    try {
      return await actions.invoke(principal, method, args ?? {}, { session });
    } catch (error) {
      if (error instanceof UserError) throw new HostCallError(error.code, error.message);
      throw error;
    }
  };
}
