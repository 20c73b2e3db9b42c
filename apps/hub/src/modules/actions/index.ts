import type { HubModule } from '../../platform/module.ts';
import type { PolicyService } from '../policy/index.ts';
import { builtInActions } from './actions.registry.ts';
import { createActionsService, type ActionsService } from './actions.service.ts';
import type { ActionDeps, AnyAction } from './actions.types.ts';

export {
  createActionsService,
  defaultPrincipalRates,
  type ActionsService,
  type InvokeOptions,
} from './actions.service.ts';
export {
  ActionError,
  actionLimits,
  defineAction,
  type ActionContext,
  type ActionDefinition,
  type ActionSession,
  type AnyAction,
  type CredentialBinding,
  type Principal,
  type PluginStorage,
} from './actions.types.ts';
export { builtInActions } from './actions.registry.ts';

export interface ActionsModuleDeps extends ActionDeps {
  policy: Pick<PolicyService, 'decisionLogFor'>;
  /** Per principal kind: actions started, a burst then per second (defaults: rules and assistants limited). */
  rates?: Parameters<typeof createActionsService>[0]['rates'];
  /** Tests may add actions of their own to the built-in ones. */
  extraActions?: readonly AnyAction[];
}

export interface ActionsModule extends HubModule {
  service: ActionsService;
}

/**
 * What any principal (user, plugin, rule, connector, AI assistant) may do for a user, as one
 * registry of actions behind one invoke(): validated, policy-checked, limited and audited.
 */
export function createActionsModule(deps: ActionsModuleDeps): ActionsModule {
  const { extraActions = [], ...rest } = deps;
  const service = createActionsService({ ...rest, actions: [...builtInActions, ...extraActions] });
  return { name: 'actions', service };
}
