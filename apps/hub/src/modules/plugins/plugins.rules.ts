import type { PluginManifest } from '@made-open/plugin-sdk/manifest';
import { principalIdHints, principalIdPatterns } from '@made-open/shared/principals';
import { z } from 'zod';
import { NotFoundError } from '../../platform/errors.ts';
import { ActionError, defineAction, type AnyAction } from '../actions/index.ts';
import type { PluginsService, RunResult } from './plugins.service.ts';

/**
 * `plugins.run`: the rules' "run a plugin" (issue 14). A rule (or its owner) runs one of
 * the owner's own installed plugins through its `manual` trigger, the same handler
 * (`run(input, ctx)`) as the plugin's Run button. The plugin acts with ITS OWN grants, never
 * the rule's; the rule needs only `plugins:run:<pluginId>`, approved by its owner when saving
 * it. A plugin cannot call it (its principal kind is not listed), so plugins do not chain
 * plugins through rules' grants. The plugin's actor reacts to the rule's (one step deeper),
 * so loops through plugins and rules stop at the depth guard in plugins.service run().
 */

/** The permission that lets a principal run one plugin (the rule ceiling holds plugins:run:*). */
export const pluginRunPermission = (pluginId: string) => `plugins:run:${pluginId}`;

export const pluginRunLimits = {
  /** The JSON given to the plugin's run(input). */
  inputChars: 64 * 1024,
  /** The plugin's result passed on as this step's output; a larger one is left out (truncated: true). */
  resultChars: 16 * 1024,
};

/** The JSON text of a value, or null when it is not JSON (undefined, a function, a cycle, a BigInt). */
export function jsonText(value: unknown): string | null {
  try {
    return JSON.stringify(value) ?? null;
  } catch {
    return null;
  }
}

export const pluginIdSchema = z
  .string()
  .regex(principalIdPatterns.plugin, `the plugin id must be ${principalIdHints.plugin}`);

const input = z.strictObject({
  pluginId: pluginIdSchema,
  /** What the plugin's run(input, ctx) gets: any JSON, at most inputChars when written out. */
  input: z
    .unknown()
    .optional()
    .superRefine((value, ctx) => {
      if (value === undefined) return;
      const text = jsonText(value);
      if (text === null) ctx.addIssue({ code: 'custom', message: 'the input must be JSON' });
      else if (text.length > pluginRunLimits.inputChars)
        ctx.addIssue({
          code: 'custom',
          message: `the input is ${text.length} characters of JSON; at most ${pluginRunLimits.inputChars} can go to a plugin`,
        });
    }),
});

const failureVerb: Record<Exclude<RunResult['outcome'], 'ok'>, string> = {
  error: 'failed',
  timeout: 'ran out of time',
  memory: 'ran out of memory',
  killed: 'was stopped',
  refused: 'did not run',
};

export function pluginRuleActions(deps: {
  /** The plugins module is built after the actions module: reached per call. */
  plugins: () => Pick<PluginsService, 'get' | 'run' | 'claimsOf'>;
}): AnyAction[] {
  const run = defineAction({
    name: 'plugins.run',
    description:
      "Runs one of the owner's installed plugins (its manual trigger, run(input, ctx)) with its own grants; outputs the plugin run's id, outcome and result.",
    input,
    inputLabel: 'plugin run',
    output: z.object({
      runId: z.string(),
      outcome: z.literal('ok'),
      result: z.unknown(),
      /** The result was larger than resultChars of JSON and is left out (the plugin's run log has the run). */
      truncated: z.boolean(),
    }),
    // A plugin never runs plugins through this: it would borrow a rule's or its user's reach.
    principals: ['rule', 'user'],
    permission: ({ pluginId }) => [
      { permission: pluginRunPermission(pluginId), resource: pluginId, what: `run the plugin ${pluginId}` },
    ],
    run: async (context, { pluginId, input: given }) => {
      const plugins = deps.plugins();
      const { principal } = context;
      // As the owner (RLS): another user's plugin is "not installed" here, like one that does not exist.
      let plugin: Awaited<ReturnType<PluginsService['get']>>;
      try {
        plugin = await plugins.get({ id: principal.ownerId, claims: plugins.claimsOf(principal.ownerId) }, pluginId);
      } catch (error) {
        if (error instanceof NotFoundError)
          throw new ActionError(
            'plugin_not_found',
            `No plugin ${pluginId} is installed: install it in Settings → Plugins, or choose one of your plugins in this step.`,
          );
        throw error;
      }
      if (plugin.status === 'pending_consent')
        throw new ActionError(
          'plugin_not_enabled',
          `${plugin.name} waits for your consent to its permissions: consent to them in Settings → Plugins, then it can run.`,
        );
      if (plugin.status !== 'enabled')
        throw new ActionError(
          'plugin_not_enabled',
          `${plugin.name} is disabled${plugin.statusReason ? ` (${plugin.statusReason.replace(/\.$/, '')})` : ''}: enable it in Settings → Plugins, then it can run.`,
        );
      if (!(plugin.triggers as PluginManifest['triggers']).some((t) => t.type === 'manual'))
        throw new ActionError(
          'no_manual_trigger',
          `${plugin.name} cannot be run on demand: its manifest has no manual trigger (a plugin a rule runs declares { "type": "manual" } and exports run(input, ctx)).`,
        );
      // The plugin reacts to the rule: its actor is one step deeper, caused by the rule's trigger event.
      const actor = principal.actor ?? { kind: principal.kind, id: principal.id };
      const ref =
        principal.kind === 'rule'
          ? `rule:${principal.id}${actor.runId ? `/runs/${actor.runId}` : ''}`
          : `${principal.kind}:${principal.id}`;
      const result = await plugins.run(
        principal.ownerId,
        pluginId,
        'manual',
        given ?? null,
        ref,
        undefined,
        actor.causedBy ? { id: actor.causedBy, actor } : { actor },
      );
      if (result.outcome !== 'ok')
        throw new ActionError(
          `plugin_${result.outcome}`,
          `${plugin.name} ${failureVerb[result.outcome]}: ${result.error ?? 'no reason given'} (plugin run ${result.runId}).`.slice(
            0,
            1000,
          ),
        );
      const text = result.result === undefined ? 'null' : jsonText(result.result);
      const fits = text !== null && text.length <= pluginRunLimits.resultChars;
      return {
        runId: result.runId,
        outcome: 'ok' as const,
        result: fits ? (result.result ?? null) : null,
        truncated: !fits,
      };
    },
  });
  return [run];
}
