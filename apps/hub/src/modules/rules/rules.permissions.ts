import type { RuleDefinition, RuleIssue, RuleStep } from '@made-open/shared/rules';
import { entityTypes } from '@made-open/shared/entities';

/**
 * The grants a rule needs, read from its steps when it is saved: the owner approves them
 * then (integrations.md §3.3), and the Policy Service checks them again at every step.
 * Actions a rule may use and the permission each needs; an action whose permission depends
 * on data only a run sees asks for its widest form (entities:write:* for a templated type).
 */
const literalType = (value: unknown) =>
  typeof value === 'string' && (entityTypes as readonly string[]).includes(value) ? value : '*';

const ruleActions: Record<string, (input: Record<string, unknown>) => string[]> = {
  notify: () => ['notify'],
  log: () => [],
  'messages.send': () => ['messages:send:sms'],
  'entities.create': (input) => [`entities:write:${literalType(input.type)}`],
  'entities.update': () => ['entities:write:*'],
  'entities.get': () => ['entities:read:*'],
  'entities.query': (input) => [`entities:read:${literalType(input.type)}`],
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
    for (const permission of needs(step.with)) permissions.add(permission);
  });
  return { permissions: [...permissions].sort(), issues };
}

export { walkSteps };
