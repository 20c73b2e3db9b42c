import type { Actor } from '@made-open/shared';
import type { PrincipalKind } from '@made-open/shared/principals';
import type { z } from 'zod';
import type { Sql } from '../../platform/db/index.ts';
import { UserError } from '../../platform/errors.ts';
import { createTokenBuckets } from '../../platform/token-bucket.ts';
import type { Decision, DecisionLog, PolicyService } from '../policy/index.ts';
import {
  ActionError,
  actionLimits,
  type ActionContext,
  type ActionDeps,
  type ActionSession,
  type AnyAction,
  type CredentialBinding,
  type Principal,
} from './actions.types.ts';

export interface ActionsServiceDeps extends ActionDeps {
  policy: Pick<PolicyService, 'decisionLogFor'>;
  actions: readonly AnyAction[];
  /** Actions a principal of a kind may start: a burst, then per second. Kinds absent here are not rate limited. */
  rates?: Partial<Record<PrincipalKind, { burst: number; perSecond: number }>>;
}

/** Rules and assistants run unattended: a loop among them stops at this rate. */
export const defaultPrincipalRates: Partial<Record<PrincipalKind, { burst: number; perSecond: number }>> = {
  rule: { burst: 1_000, perSecond: 100 },
  ai: { burst: 1_000, perSecond: 100 },
};

export interface InvokeOptions {
  /** The caller's transaction (RLS as the owner): the action's writes commit or roll back with it. */
  tx?: Sql;
  /** A run's session (a plugin invocation): its budget, credentials and decision log, written by the run's owner. */
  session?: ActionSession;
}

function firstIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'invalid';
  const path = issue.path.join('.');
  return path ? `${issue.message} at ${path}` : issue.message;
}

const outcomeOf = (error: unknown) => (error instanceof UserError ? error.code : 'error');

/**
 * The actions registry and its one entry point. invoke() validates the input, applies the
 * principal's limits, asks the Policy Service about the concrete permissions, runs the
 * action (in the caller's transaction when given) and audits each decision with the
 * action's outcome as policy.Decision events.
 */
export function createActionsService(deps: ActionsServiceDeps) {
  const registry = new Map<string, AnyAction>();
  for (const action of deps.actions) {
    if (registry.has(action.name)) throw new Error(`Two actions are named ${action.name}.`);
    registry.set(action.name, action);
  }
  const rates = deps.rates ?? defaultPrincipalRates;
  const buckets = new Map(
    Object.entries(rates).map(([kind, rate]) => [kind as PrincipalKind, createTokenBuckets(rate)] as const),
  );

  function session(
    decisions: DecisionLog,
    options: { credentials?: ReadonlyMap<string, CredentialBinding>; callBudget?: number } = {},
  ): ActionSession {
    return {
      decisions,
      callBudget: options.callBudget ?? actionLimits.callsPerInvocation,
      calls: 0,
      logLines: 0,
      credentials: options.credentials ?? new Map(),
    };
  }

  function contextFor(principal: Principal, run: ActionSession, tx: Sql | undefined, name: string, mine: Decision[]) {
    const actor: Actor = principal.actor ?? { kind: principal.kind, id: principal.id };
    const claims = { role: 'authenticated' as const, sub: principal.ownerId };
    const latest = () => run.decisions.decisions[run.decisions.decisions.length - 1]!;
    const context: ActionContext = {
      principal,
      caller: { id: principal.ownerId, claims, actor },
      tx,
      asOwner: (work) => (tx ? work(tx) : deps.db.asUser(claims, work)),
      append: (event) =>
        tx ? deps.outbox.append(tx, event) : deps.db.asSystem((system) => deps.outbox.append(system, event)),
      session: run,
      check(permission, resource = null) {
        const allowed = run.decisions.check(permission, name, resource);
        mine.push(latest());
        return allowed;
      },
      refuse(permission, reason, resource = null) {
        run.decisions.refuse(permission, name, reason, resource);
        mine.push(latest());
      },
      deps,
    };
    return context;
  }

  const principalNoun = (kind: PrincipalKind) =>
    ({ user: 'You', plugin: 'This plugin', rule: 'This rule', connector: 'This connector', ai: 'This assistant' })[
      kind
    ];

  async function invoke(principal: Principal, actionName: string, input: unknown, options: InvokeOptions = {}) {
    const oneShot = options.session === undefined;
    const run =
      options.session ?? session(await deps.policy.decisionLogFor(principal.ownerId, principal), { callBudget: 1 });
    if (++run.calls > run.callBudget)
      throw new ActionError('limit', `A handler may make at most ${run.callBudget} host calls.`);
    const action = registry.get(actionName);
    if (!action) throw new ActionError('unknown_action', `There is no action named ${actionName.slice(0, 50)}.`);
    const mine: Decision[] = [];
    const context = contextFor(principal, run, options.tx, action.name, mine);
    let outcome = 'ok';
    try {
      if (action.principals && !action.principals.includes(principal.kind)) {
        context.refuse(`action:${action.name}`, 'not_available');
        throw new ActionError('permission_denied', `A ${principal.kind} cannot use ${action.name}.`);
      }
      if (!(buckets.get(principal.kind)?.take(`${principal.ownerId}/${principal.id}`) ?? true))
        throw new ActionError(
          'rate_limited',
          `This ${principal.kind} is starting actions faster than it may: wait a moment.`,
        );
      const parsed = action.input.safeParse(input);
      if (!parsed.success) throw new ActionError('invalid_input', `${action.inputLabel}: ${firstIssue(parsed.error)}`);
      const looked = action.lookup ? await action.lookup(context, parsed.data) : undefined;
      for (const required of action.permission(parsed.data, looked, principal)) {
        if (!context.check(required.permission, required.resource))
          throw new ActionError(
            'permission_denied',
            principal.kind === 'plugin'
              ? `This plugin may not ${required.what}: it is not declared in its manifest or not granted by its user.`
              : `${principalNoun(principal.kind)} may not ${required.what}: its user has not granted it.`,
          );
      }
      const result = await action.run(context, parsed.data, looked);
      const output = action.output.safeParse(result);
      if (!output.success)
        throw new Error(`Action ${action.name} returned a malformed result: ${firstIssue(output.error)}`);
      return output.data;
    } catch (error) {
      outcome = outcomeOf(error);
      throw error;
    } finally {
      for (const decision of mine) decision.outcome = outcome;
      if (oneShot) await record(run.decisions, options.tx, outcome === 'ok');
    }
  }

  /** A one-call session's decisions: with the caller's writes when it succeeded, on their own otherwise (a refusal survives a rollback). */
  async function record(decisions: DecisionLog, tx: Sql | undefined, succeeded: boolean) {
    const events = decisions.drain();
    if (events.length === 0) return;
    if (tx && succeeded) await deps.outbox.appendMany(tx, events);
    else await deps.db.asSystem((system) => deps.outbox.appendMany(system, events));
  }

  return {
    invoke,
    session,
    /** The registered actions, for docs and adapters. */
    list: () =>
      [...registry.values()].map((a) => ({
        name: a.name,
        description: a.description,
        principals: a.principals ?? null,
      })),
    has: (name: string) => registry.has(name),
  };
}

export type ActionsService = ReturnType<typeof createActionsService>;
