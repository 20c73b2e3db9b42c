import { LRUCache } from 'lru-cache';
import type { RuleCondition, TraceEntry } from '@made-open/shared/rules';
import { compileMatchPattern, zonedParts } from '@made-open/shared/rules';

/** What a run's trigger looks like to paths (`trigger.data.from`). */
export interface TriggerView {
  /** The trigger's id in the rule. */
  triggerId: string;
  /** An event type, or schedule, manual, webhook. */
  type: string;
  id: string | null;
  subject: string | null;
  time: string;
  actor: Record<string, unknown> | null;
  data: Record<string, unknown>;
}

export interface PersonView {
  id: string;
  title: string;
  properties: Record<string, unknown>;
}

/** What conditions and templates read. Lookups go through the run's owner only. */
export interface RunScope {
  trigger: TriggerView;
  steps: Record<string, { output: unknown }>;
  /** The time the run is evaluated at (the event's time in a dry run). */
  now: Date;
  /** The owner's person for a person id, phone number or email address (null when none). */
  findPerson(value: unknown): Promise<PersonView | null>;
  /** Runs of this rule that count toward atMost, started in the last `seconds`. */
  countRecentRuns(seconds: number): Promise<number>;
}

const forbidden = new Set(['__proto__', 'prototype', 'constructor']);

function walk(value: unknown, segments: readonly string[]): unknown {
  let current = value;
  for (const segment of segments) {
    if (current === null || current === undefined || forbidden.has(segment)) return undefined;
    if (Array.isArray(current)) current = segment === 'length' ? current.length : current[Number(segment)];
    else if (typeof current === 'object')
      current = Object.hasOwn(current, segment) ? (current as Record<string, unknown>)[segment] : undefined;
    else return undefined;
  }
  return current;
}

/** The value at a rule path: trigger.*, steps.<id>.output.*, person.* (the trigger's person). */
export async function resolvePath(scope: RunScope, path: string): Promise<unknown> {
  const [root, ...rest] = path.split('.');
  if (root === 'trigger') return walk(scope.trigger, rest);
  if (root === 'steps') return walk(scope.steps, rest);
  if (root === 'person') return walk(await scope.findPerson(scope.trigger.data.personId), rest);
  return undefined;
}

const same = (a: unknown, b: unknown) =>
  typeof a === 'string' && typeof b === 'string' ? a.toLowerCase() === b.toLowerCase() : a === b;

type CompiledPattern = { pattern: ReturnType<typeof compileMatchPattern> } | { pattern: null; refused: string };
const compiledPatterns = new LRUCache<string, CompiledPattern>({ max: 1000 });

/** The compiled pattern; for one RE2 refuses (saved before patterns were RE2's), why: it matches nothing. */
function patternOf(source: string): CompiledPattern {
  let entry = compiledPatterns.get(source);
  if (!entry) {
    try {
      entry = { pattern: compileMatchPattern(source) };
    } catch (error) {
      entry = { pattern: null, refused: (error as Error).message };
    }
    compiledPatterns.set(source, entry);
  }
  return entry;
}

/** What the trace says of a `matches` pattern that rules no longer run. */
function refusedPattern(op: string, right: unknown): TraceEntry['error'] {
  if (op !== 'matches' || typeof right !== 'string') return undefined;
  const compiled = patternOf(right);
  if (compiled.pattern) return undefined;
  return {
    code: 'pattern_refused',
    message: `This pattern matches nothing: rules run patterns without lookaround or backreferences (${compiled.refused.slice(0, 200)}). Change it and save the rule again.`,
  };
}

function compare(op: string, left: unknown, right: unknown): boolean {
  switch (op) {
    case 'exists':
      return left !== undefined && left !== null;
    case 'eq':
      return same(left, right);
    case 'ne':
      return !same(left, right);
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte': {
      if (typeof left !== typeof right || (typeof left !== 'number' && typeof left !== 'string')) return false;
      const l = left as number | string;
      const r = right as number | string;
      return op === 'gt' ? l > r : op === 'gte' ? l >= r : op === 'lt' ? l < r : l <= r;
    }
    case 'in':
      return Array.isArray(right) && right.some((r) => same(left, r));
    case 'contains':
      if (Array.isArray(left)) return left.some((l) => same(l, right));
      return typeof left === 'string' && typeof right === 'string' && left.toLowerCase().includes(right.toLowerCase());
    case 'matches': {
      // RE2 (linear time), never a backtracking RegExp: the text may come from anyone.
      if (typeof left !== 'string' || typeof right !== 'string') return false;
      return patternOf(right).pattern?.test(left.slice(0, 10_000)) ?? false;
    }
    default:
      return false;
  }
}

const minutesOf = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/** Keeps what a trace shows of a value short. */
export function traceValue(value: unknown): unknown {
  if (value === undefined) return null;
  const text = JSON.stringify(value);
  return text.length > 2000 ? `${text.slice(0, 2000)}…` : value;
}

/**
 * Evaluates a condition tree, appending one trace entry per leaf with the values it saw
 * (and one per all/any/not). `any` and `all` stop at the first deciding child, as written.
 */
export async function evaluateCondition(
  condition: RuleCondition,
  scope: RunScope,
  at: string,
  trace: TraceEntry[],
): Promise<boolean> {
  const t0 = new Date().toISOString();
  const entry = (result: boolean, input: unknown, error?: TraceEntry['error']): boolean => {
    trace.push({
      kind: 'condition',
      path: at,
      status: result ? 'true' : 'false',
      input,
      ...(error ? { error } : {}),
      t0,
      t1: new Date().toISOString(),
    });
    return result;
  };
  if ('all' in condition) {
    for (const [i, child] of condition.all.entries())
      if (!(await evaluateCondition(child, scope, `${at}/all/${i}`, trace))) return entry(false, { all: i });
    return entry(true, { all: condition.all.length });
  }
  if ('any' in condition) {
    for (const [i, child] of condition.any.entries())
      if (await evaluateCondition(child, scope, `${at}/any/${i}`, trace)) return entry(true, { any: i });
    return entry(false, { any: condition.any.length });
  }
  if ('not' in condition) return entry(!(await evaluateCondition(condition.not, scope, `${at}/not`, trace)), {});
  if ('cmp' in condition) {
    const left = await resolvePath(scope, condition.cmp.left);
    return entry(
      compare(condition.cmp.op, left, condition.cmp.right),
      {
        left: condition.cmp.left,
        value: traceValue(left),
        op: condition.cmp.op,
        right: condition.cmp.right ?? null,
      },
      refusedPattern(condition.cmp.op, condition.cmp.right),
    );
  }
  if ('time' in condition) {
    const { after, before, weekdays, tz } = condition.time;
    const parts = zonedParts(scope.now, tz);
    const minute = parts.hour * 60 + parts.minute;
    let inWindow = true;
    if (after && before) {
      const [a, b] = [minutesOf(after), minutesOf(before)];
      // A window past midnight (22:00 to 07:00) wraps.
      inWindow = a <= b ? minute >= a && minute < b : minute >= a || minute < b;
    } else if (after) inWindow = minute >= minutesOf(after);
    else if (before) inWindow = minute < minutesOf(before);
    const dayOk = !weekdays || weekdays.includes(parts.weekday);
    const local = `${String(parts.hour).padStart(2, '0')}:${String(parts.minute).padStart(2, '0')}`;
    return entry(inWindow && dayOk, { local, weekday: parts.weekday, tz });
  }
  if ('person' in condition) {
    const { by, tag, group, known } = condition.person;
    const value = await resolvePath(scope, by ?? 'trigger.data.personId');
    const person = await scope.findPerson(value);
    const list = (key: string) => {
      const raw = person?.properties[key];
      return Array.isArray(raw) ? raw.filter((x): x is string => typeof x === 'string') : [];
    };
    const lower = (xs: string[]) => xs.map((x) => x.toLowerCase());
    let result = true;
    if (known !== undefined) result &&= (person !== null) === known;
    if (tag !== undefined) result &&= lower(list('tags')).includes(tag.toLowerCase());
    if (group !== undefined) result &&= lower(list('groups')).includes(group.toLowerCase());
    return entry(result, {
      by: traceValue(value),
      personId: person?.id ?? null,
      tags: person ? list('tags') : null,
      groups: person ? list('groups') : null,
    });
  }
  const { times, perSeconds } = condition.atMost;
  const recent = await scope.countRecentRuns(perSeconds);
  return entry(recent < times, { recentRuns: recent, times, perSeconds });
}

/** Renders {{ path }} placeholders in every string of an action's input (no code, no helpers). */
export async function renderInput(value: unknown, scope: RunScope): Promise<unknown> {
  if (typeof value === 'string') {
    const whole = /^\{\{\s*([A-Za-z0-9_.-]+)\s*\}\}$/.exec(value);
    // A string that is only a placeholder keeps the value's type (a number, a list).
    if (whole) return (await resolvePath(scope, whole[1]!)) ?? '';
    const matches = [...value.matchAll(/\{\{\s*([A-Za-z0-9_.-]+)\s*\}\}/g)];
    let out = value;
    for (const match of matches) {
      const resolved = await resolvePath(scope, match[1]!);
      const text =
        resolved === undefined || resolved === null
          ? ''
          : typeof resolved === 'string'
            ? resolved
            : JSON.stringify(resolved);
      out = out.replace(match[0], text);
    }
    return out;
  }
  if (Array.isArray(value)) return Promise.all(value.map((item) => renderInput(item, scope)));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[key] = await renderInput(item, scope);
    return out;
  }
  return value;
}
