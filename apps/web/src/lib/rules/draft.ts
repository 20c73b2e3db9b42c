import type { RuleCondition, RuleDefinitionInput, RuleIssue } from '@made-open/shared/rules';

/**
 * A rule being edited: the definition as JSON (what the hub stores and diffs), changed only
 * through these pure helpers so the builder, the forms and the text view all edit one value.
 * Pointers are JSON Pointers (RFC 6901) into the definition, as the hub's issues use.
 */
export type RuleDraft = RuleDefinitionInput;
type Json = unknown;

export function pointerSegments(pointer: string): string[] {
  if (pointer === '' || pointer === '/') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

export function getAt(root: Json, pointer: string): Json {
  let current = root;
  for (const segment of pointerSegments(pointer)) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, Json>)[segment];
  }
  return current;
}

/** A copy of `root` with `value` at `pointer` (containers on the way are copied, not mutated). */
export function setAt<T>(root: T, pointer: string, value: Json): T {
  const segments = pointerSegments(pointer);
  if (segments.length === 0) return value as T;
  const put = (node: Json, i: number): Json => {
    const key = segments[i]!;
    const copy: Record<string, Json> | Json[] = Array.isArray(node)
      ? [...node]
      : { ...((node ?? {}) as Record<string, Json>) };
    const next = i === segments.length - 1 ? value : put((copy as Record<string, Json>)[key], i + 1);
    if (next === undefined && !Array.isArray(copy)) delete (copy as Record<string, Json>)[key];
    else (copy as Record<string, Json>)[key] = next;
    return copy;
  };
  return put(root, 0) as T;
}

/** A copy without what is at `pointer` (an array item is spliced out). */
export function removeAt<T>(root: T, pointer: string): T {
  const segments = pointerSegments(pointer);
  const last = segments.pop();
  if (last === undefined) return root;
  const parentPointer = segments.length ? `/${segments.join('/')}` : '';
  const parent = getAt(root, parentPointer);
  if (Array.isArray(parent))
    return setAt(
      root,
      parentPointer,
      parent.filter((_, i) => String(i) !== last),
    );
  return setAt(root, pointer, undefined);
}

/** An id not yet used by a trigger or step: `prefix`, `prefix2`, ... */
export function freshId(draft: RuleDraft, prefix: string): string {
  const used = new Set<string>();
  const walk = (steps: unknown) => {
    for (const step of (steps as { id?: string; choices?: { steps: unknown }[]; otherwise?: unknown }[]) ?? []) {
      if (step?.id) used.add(step.id);
      for (const choice of step?.choices ?? []) walk(choice.steps);
      walk(step?.otherwise);
    }
  };
  walk(draft.steps);
  for (const trigger of draft.triggers ?? []) used.add(trigger.id);
  if (!used.has(prefix)) return prefix;
  for (let n = 2; ; n++) if (!used.has(`${prefix}${n}`)) return `${prefix}${n}`;
}

export const conditionKinds = ['cmp', 'person', 'time', 'atMost', 'all', 'any', 'not'] as const;
export type ConditionKind = (typeof conditionKinds)[number];

export const conditionLabels: Record<ConditionKind, string> = {
  cmp: 'Compare a field',
  person: 'The person',
  time: 'Time window',
  atMost: 'At most N times',
  all: 'All of',
  any: 'Any of',
  not: 'Not',
};

export function newCondition(kind: ConditionKind): RuleCondition {
  switch (kind) {
    case 'cmp':
      return { cmp: { left: 'trigger.data.', op: 'eq', right: '' } };
    case 'person':
      return { person: { tag: 'favourite' } };
    case 'time':
      return { time: { after: '09:00', before: '17:00', tz: 'UTC' } };
    case 'atMost':
      return { atMost: { times: 1, perSeconds: 3600 } };
    case 'all':
      return { all: [{ atMost: { times: 1, perSeconds: 3600 } }] };
    case 'any':
      return { any: [{ atMost: { times: 1, perSeconds: 3600 } }] };
    case 'not':
      return { not: { person: { tag: 'muted' } } };
  }
}

export function conditionKind(condition: unknown): ConditionKind | null {
  if (!condition || typeof condition !== 'object') return null;
  const key = Object.keys(condition)[0];
  return (conditionKinds as readonly string[]).includes(key ?? '') ? (key as ConditionKind) : null;
}

/**
 * Adds a condition to the rule: into the group at `groupPointer` when given, otherwise to the
 * top level (which becomes an `all` group when it held a single condition).
 */
export function addCondition(draft: RuleDraft, condition: RuleCondition, groupPointer?: string): RuleDraft {
  if (groupPointer) {
    const group = getAt(draft, groupPointer) as Record<string, unknown>;
    const key = 'all' in group ? 'all' : 'any' in group ? 'any' : null;
    if (key) return setAt(draft, `${groupPointer}/${key}`, [...(group[key] as unknown[]), condition]);
  }
  const top = draft.conditions as RuleCondition | undefined;
  if (!top) return { ...draft, conditions: condition };
  if ('all' in top) return { ...draft, conditions: { all: [...top.all, condition] } };
  return { ...draft, conditions: { all: [top, condition] } };
}

export const stepKinds = ['action', 'delay', 'choose', 'stop'] as const;
export type StepKind = (typeof stepKinds)[number];

export function addStep(draft: RuleDraft, kind: StepKind): RuleDraft {
  const step =
    kind === 'action'
      ? { id: freshId(draft, 'notify'), type: 'action', action: 'notify', with: { title: '' } }
      : kind === 'delay'
        ? { id: freshId(draft, 'wait'), type: 'delay', seconds: 300 }
        : kind === 'stop'
          ? { id: freshId(draft, 'stop'), type: 'stop' }
          : {
              id: freshId(draft, 'choose'),
              type: 'choose',
              choices: [
                {
                  when: { cmp: { left: 'trigger.type', op: 'exists' } },
                  steps: [{ id: freshId(draft, 'log'), type: 'action', action: 'log', with: { message: '' } }],
                },
              ],
            };
  return { ...draft, steps: [...(draft.steps ?? []), step] } as RuleDraft;
}

export function addTrigger(draft: RuleDraft): RuleDraft {
  return { ...draft, triggers: [...(draft.triggers ?? []), { id: freshId(draft, 'manual'), type: 'manual' }] };
}

/** Issues whose path is `pointer` or below it (the hub prefixes its paths with /definition). */
export function issuesAt(issues: readonly RuleIssue[], pointer: string, exact = false): RuleIssue[] {
  return issues.filter((issue) => {
    const path = issue.path.replace(/^\/definition/, '');
    return path === pointer || (!exact && path.startsWith(`${pointer}/`));
  });
}

/** Swaps the step at `pointer` with its neighbour (-1 up, +1 down); unchanged at an end. */
export function moveItem(draft: RuleDraft, pointer: string, by: -1 | 1): RuleDraft {
  const segments = pointerSegments(pointer);
  const index = Number(segments.pop());
  const parentPointer = `/${segments.join('/')}`;
  const list = getAt(draft, parentPointer);
  if (!Array.isArray(list) || index + by < 0 || index + by >= list.length) return draft;
  const copy = [...list];
  [copy[index], copy[index + by]] = [copy[index + by], copy[index]];
  return setAt(draft, parentPointer, copy);
}
