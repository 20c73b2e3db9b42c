import type { RuleDefinition, RuleIssue, RuleStep } from '@made-open/shared/rules';
import { entityTypes } from '@made-open/shared/entities';
import { isValidPermission } from '@made-open/plugin-sdk/manifest';
import { principalIdHints } from '@made-open/shared/principals';
import { jsonText, pluginIdSchema, pluginRunLimits, pluginRunPermission } from '../plugins/index.ts';

/**
 * The grants a rule needs, read from its steps when it is saved: the owner approves them
 * then (integrations.md §3.3), and the Policy Service checks them again at every step.
 * Actions a rule may use and the permission each needs; an action whose permission depends
 * on data only a run sees asks for its widest form (entities:write:* for a templated type).
 */
const literalType = (value: unknown) =>
  typeof value === 'string' && (entityTypes as readonly string[]).includes(value) ? value : '*';

/** A webhook's host, written out in the rule so its owner approves exactly that host; else why not. */
function webhookHost(input: Record<string, unknown>): string | { issue: string } {
  const url = typeof input.url === 'string' ? input.url : '';
  let host = '';
  try {
    const parsed = new URL(url);
    if (parsed.protocol === 'https:' || parsed.protocol === 'http:') host = parsed.hostname.toLowerCase();
  } catch {
    // reported below
  }
  if (!host || host.includes('{'))
    return { issue: 'the webhook URL must start with http(s):// and a host written out, so you can approve that host' };
  if (!isValidPermission(`http:fetch:${host}`))
    return { issue: `${host.slice(0, 100)} is not a host name a rule can call (an IP address or a bare name is not)` };
  return host;
}

/** The plugin a step runs, written out so its owner approves running exactly that plugin; else why not. */
function pluginToRun(input: Record<string, unknown>): string | Issue {
  const id = typeof input.pluginId === 'string' ? input.pluginId : '';
  if (!pluginIdSchema.safeParse(id).success)
    return {
      field: 'pluginId',
      issue: `choose one of your plugins: ${id.includes('{') ? 'the plugin id must be written out, not a template, so you can approve running that plugin' : `the plugin id must be ${principalIdHints.plugin}`}`,
    };
  const text = input.input === undefined ? '' : jsonText(input.input);
  if (text === null || text.length > pluginRunLimits.inputChars)
    return {
      field: 'input',
      issue: `the plugin's input must be JSON of at most ${pluginRunLimits.inputChars} characters`,
    };
  return id;
}

type Issue = { issue: string; field?: string };
type Needs = string[] | Issue;

const ruleActions: Record<string, (input: Record<string, unknown>) => Needs> = {
  notify: () => ['notify'],
  log: () => [],
  'messages.send': () => ['messages:send:sms'],
  'messages.sendEmail': () => ['messages:send:email'],
  'persons.tag': () => ['entities:write:person'],
  'http.fetch': (input) => {
    const host = webhookHost(input);
    return typeof host === 'string' ? [`http:fetch:${host}`] : host;
  },
  'entities.create': (input) => [`entities:write:${literalType(input.type)}`],
  'entities.update': () => ['entities:write:*'],
  'entities.get': () => ['entities:read:*'],
  'entities.query': (input) => [`entities:read:${literalType(input.type)}`],
  // The owner's AI model (modules/ai/ai.rules.ts): what it reads, and the note it writes.
  'ai.summarize': (input) => [
    'ai:generate',
    // A person's history reads every linked type; an entity's type is known only at run time.
    input.scope === 'thread' ? 'entities:read:message' : 'entities:read:*',
    ...(input.saveAs === 'none' ? [] : ['entities:write:note']),
  ],
  'ai.draftReply': () => ['ai:generate', 'entities:read:message', 'entities:write:note'],
  // One of the owner's plugins (modules/plugins/plugins.rules.ts), acting with its own grants.
  'plugins.run': (input) => {
    const id = pluginToRun(input);
    return typeof id === 'string' ? [pluginRunPermission(id)] : id;
  },
};

export const ruleActionNames = Object.keys(ruleActions);

function walkSteps(steps: readonly RuleStep[], at: string, visit: (step: RuleStep, at: string) => void) {
  steps.forEach((step, i) => {
    visit(step, `${at}/${i}`);
    if (step.type === 'choose') {
      step.choices.forEach((choice, c) => walkSteps(choice.steps, `${at}/${i}/choices/${c}/steps`, visit));
      if (step.otherwise) walkSteps(step.otherwise, `${at}/${i}/otherwise`, visit);
    }
  });
}

/** The permissions the rule's steps need, or issues for actions a rule cannot use. */
export function requiredPermissions(
  definition: RuleDefinition,
  registered: (name: string) => boolean,
): { permissions: string[]; issues: RuleIssue[] } {
  const permissions = new Set<string>();
  const issues: RuleIssue[] = [];
  walkSteps(definition.steps, '/steps', (step, at) => {
    if (step.type !== 'action') return;
    const needs = ruleActions[step.action];
    if (!needs || !registered(step.action)) {
      issues.push({
        path: `${at}/action`,
        message: `${step.action} is not an action a rule can run (${ruleActionNames.join(', ')})`,
      });
      return;
    }
    const needed = needs(step.with);
    if (!Array.isArray(needed)) issues.push({ path: `${at}/with/${needed.field ?? 'url'}`, message: needed.issue });
    else for (const permission of needed) permissions.add(permission);
  });
  return { permissions: [...permissions].sort(), issues };
}

export { walkSteps };
