import dagre from '@dagrejs/dagre';
import { pointerSegments, setAt, type RuleDraft } from '@/lib/rules/draft';

/**
 * The rule as a graph for the visual builder: triggers (each with its filter), then the
 * conditions, then the steps, one node per piece, each named by its JSON Pointer into the
 * definition. `graphToRule` rebuilds the definition from the nodes, so removing nodes in the
 * builder is an edit of the rule itself. Pure: unit-tested in graph.test.ts.
 */
export type RuleNodeKind = 'trigger' | 'condition' | 'step';

export type RuleNode = {
  /** The node's JSON Pointer into the definition (also its id). */
  id: string;
  kind: RuleNodeKind;
  /** all | any | not for condition groups, choose for branching steps: they hold other nodes. */
  group?: 'all' | 'any' | 'not' | 'choose';
  title: string;
  detail: string;
  /** The piece itself without the nodes below it (a group's children, a trigger's filter). */
  value: unknown;
};

export interface RuleEdge {
  id: string;
  source: string;
  target: string;
  label?: string;
}

export interface RuleGraph {
  /** Everything but triggers, conditions and steps (name, mode, limits, ...). */
  meta: Omit<RuleDraft, 'triggers' | 'conditions' | 'steps'>;
  nodes: RuleNode[];
  edges: RuleEdge[];
}

type Obj = Record<string, unknown>;

const weekdayNames = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

export function duration(seconds: number): string {
  if (seconds % 86_400 === 0) return `${seconds / 86_400} d`;
  if (seconds % 3600 === 0) return `${seconds / 3600} h`;
  if (seconds % 60 === 0) return `${seconds / 60} min`;
  return `${seconds} s`;
}

function describeTrigger(t: Obj): { title: string; detail: string } {
  switch (t.type) {
    case 'event':
      return {
        title: `When ${String(t.event ?? '?')}`,
        detail:
          typeof t.minutesBefore === 'number'
            ? `${t.minutesBefore} min before it starts`
            : t.includeBackfill
              ? 'including imported items'
              : 'live events only',
      };
    case 'schedule':
      return { title: 'On a schedule', detail: `${String(t.cron ?? '')} (${String(t.tz ?? 'UTC')})` };
    case 'manual':
      return { title: 'When run by hand', detail: 'Run now, or from a past run' };
    case 'webhook':
      return { title: 'Incoming webhook', detail: 'POST with the rule’s secret' };
    default:
      return { title: 'Trigger', detail: String(t.type ?? '') };
  }
}

function describeCondition(c: Obj): { title: string; detail: string } {
  if ('all' in c) return { title: 'All of', detail: `${(c.all as unknown[]).length} conditions must hold` };
  if ('any' in c) return { title: 'Any of', detail: `one of ${(c.any as unknown[]).length} conditions` };
  if ('not' in c) return { title: 'Not', detail: 'the condition below must not hold' };
  if ('cmp' in c) {
    const cmp = c.cmp as Obj;
    const right = cmp.op === 'exists' ? '' : ` ${JSON.stringify(cmp.right ?? null)}`;
    return { title: 'Compare', detail: `${String(cmp.left)} ${String(cmp.op)}${right}` };
  }
  if ('person' in c) {
    const p = c.person as Obj;
    const what = [
      p.tag !== undefined && `tagged ${String(p.tag)}`,
      p.group !== undefined && `in ${String(p.group)}`,
      p.known !== undefined && (p.known ? 'known' : 'unknown'),
    ].filter(Boolean);
    return { title: 'The person', detail: `${what.join(', ')}${p.by ? ` (by ${String(p.by)})` : ''}` };
  }
  if ('time' in c) {
    const t = c.time as Obj;
    const days = Array.isArray(t.weekdays) ? ` ${t.weekdays.map((d) => weekdayNames[d as number]).join(' ')}` : '';
    return { title: 'Time window', detail: `${String(t.after ?? '00:00')}–${String(t.before ?? '24:00')}${days}` };
  }
  if ('atMost' in c) {
    const a = c.atMost as Obj;
    return { title: 'At most', detail: `${String(a.times)}× per ${duration(Number(a.perSeconds))}` };
  }
  return { title: 'Condition', detail: '' };
}

function describeStep(s: Obj): { title: string; detail: string } {
  switch (s.type) {
    case 'action': {
      const first = Object.entries((s.with as Obj) ?? {})[0];
      return {
        title: `${String(s.id)}: ${String(s.action)}`,
        detail: first ? `${first[0]}: ${String(first[1])}` : 'no input',
      };
    }
    case 'delay':
      return { title: `${String(s.id)}: wait`, detail: duration(Number(s.seconds)) };
    case 'choose':
      return { title: `${String(s.id)}: choose`, detail: `${(s.choices as unknown[]).length} branch(es)` };
    case 'stop':
      return { title: `${String(s.id)}: stop`, detail: String(s.reason ?? '') };
    default:
      return { title: String(s.id ?? 'step'), detail: String(s.type ?? '') };
  }
}

export function ruleToGraph(draft: RuleDraft): RuleGraph {
  const { triggers, conditions, steps, ...meta } = draft;
  const nodes: RuleNode[] = [];
  const edges = new Map<string, RuleEdge>();
  const link = (sources: string[], target: string, label?: string) => {
    for (const source of sources) {
      const id = `${source}->${target}`;
      edges.set(id, { id, source, target, ...(label ? { label } : {}) });
    }
  };

  const condition = (c: unknown, pointer: string, from: string[], label?: string): string[] => {
    const value = (c ?? {}) as Obj;
    const group = 'all' in value ? 'all' : 'any' in value ? 'any' : 'not' in value ? 'not' : undefined;
    const own = group === 'not' ? { not: null } : group ? { [group]: [] } : value;
    nodes.push({
      id: pointer,
      kind: 'condition',
      ...(group ? { group } : {}),
      ...describeCondition(value),
      value: own,
    });
    link(from, pointer, label);
    if (group === 'all')
      return (value.all as unknown[]).reduce<string[]>(
        (prev, child, i) => condition(child, `${pointer}/all/${i}`, prev),
        [pointer],
      );
    if (group === 'any')
      return (value.any as unknown[]).flatMap((child, i) => condition(child, `${pointer}/any/${i}`, [pointer]));
    if (group === 'not') return condition(value.not, `${pointer}/not`, [pointer]);
    return [pointer];
  };

  const stepList = (list: unknown[], base: string, from: string[], label?: string): string[] =>
    list.reduce<string[]>((prev, s, i) => {
      const step = s as Obj;
      const pointer = `${base}/${i}`;
      const isChoose = step.type === 'choose';
      const choices = (isChoose ? step.choices : []) as { when: unknown; steps: unknown[] }[];
      const own = isChoose
        ? {
            ...step,
            choices: choices.map((c) => ({ when: c.when, steps: [] })),
            ...(step.otherwise ? { otherwise: [] } : {}),
          }
        : step;
      nodes.push({
        id: pointer,
        kind: 'step',
        ...(isChoose ? { group: 'choose' as const } : {}),
        ...describeStep(step),
        value: own,
      });
      link(prev, pointer, i === 0 ? label : undefined);
      if (step.type === 'stop') return [];
      if (!isChoose) return [pointer];
      const exits = choices.flatMap((c, n) =>
        c.steps.length ? stepList(c.steps, `${pointer}/choices/${n}/steps`, [pointer], `when ${n + 1}`) : [pointer],
      );
      const otherwise = step.otherwise as unknown[] | undefined;
      if (otherwise?.length) exits.push(...stepList(otherwise, `${pointer}/otherwise`, [pointer], 'otherwise'));
      else exits.push(pointer);
      return [...new Set(exits)];
    }, from);

  const afterTriggers = (triggers ?? []).flatMap((t, i) => {
    const trigger = t as Obj;
    const pointer = `/triggers/${i}`;
    const { filter, ...own } = trigger;
    nodes.push({ id: pointer, kind: 'trigger', ...describeTrigger(trigger), value: own });
    return filter ? condition(filter, `${pointer}/filter`, [pointer], 'if') : [pointer];
  });
  const afterConditions = conditions ? condition(conditions, '/conditions', afterTriggers) : afterTriggers;
  stepList((steps ?? []) as unknown[], '/steps', afterConditions, 'then');
  return { meta, nodes, edges: [...edges.values()] };
}

/** Whether a pointer names a node (not a field inside one, such as a choice's steps list). */
const isNodePointer = (pointer: string) =>
  pointer === '/conditions' ||
  /\/(filter|not)$/.test(pointer) ||
  /\/(triggers|all|any|steps|otherwise)\/\d+$/.test(pointer);

function compact(value: unknown): unknown {
  if (Array.isArray(value)) return value.filter((v) => v !== undefined).map(compact);
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, compact(v)]));
  return value;
}

/** The definition the graph's nodes describe (nodes removed from it are gone from the rule). */
export function graphToRule(graph: Pick<RuleGraph, 'meta' | 'nodes'>): RuleDraft {
  // Parents before children, and list items in order, so each node lands inside its parent.
  const ordered = [...graph.nodes].sort((a, b) => {
    const x = pointerSegments(a.id);
    const y = pointerSegments(b.id);
    for (let i = 0; i < Math.min(x.length, y.length); i++) {
      if (x[i] === y[i]) continue;
      const [m, n] = [Number(x[i]), Number(y[i])];
      return Number.isNaN(m) || Number.isNaN(n) ? x[i]!.localeCompare(y[i]!) : m - n;
    }
    return x.length - y.length;
  });
  let draft: Obj = { ...graph.meta, triggers: [], steps: [] };
  const present = new Set(ordered.map((n) => n.id));
  for (const node of ordered) {
    // A node whose parent group, trigger or step is gone goes with it.
    const segments = pointerSegments(node.id);
    const orphan = segments.some((_, i) => {
      const prefix = `/${segments.slice(0, i).join('/')}`;
      return i > 0 && isNodePointer(prefix) && !present.has(prefix);
    });
    if (orphan) continue;
    draft = setAt(draft, node.id, structuredClone(node.value));
  }
  return compact(draft) as RuleDraft;
}

export const NODE_WIDTH = 240;
export const NODE_HEIGHT = 76;

/** Positions from dagre: top to bottom, so the flow reads down a phone screen too. */
export function layoutGraph(graph: Pick<RuleGraph, 'nodes' | 'edges'>): Map<string, { x: number; y: number }> {
  const g = new dagre.graphlib.Graph();
  g.setGraph({ rankdir: 'TB', nodesep: 28, ranksep: 44, marginx: 8, marginy: 8 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const node of graph.nodes) g.setNode(node.id, { width: NODE_WIDTH, height: NODE_HEIGHT });
  for (const edge of graph.edges) g.setEdge(edge.source, edge.target);
  dagre.layout(g);
  const positions = new Map<string, { x: number; y: number }>();
  for (const node of graph.nodes) {
    const placed = g.node(node.id);
    positions.set(node.id, { x: placed.x - NODE_WIDTH / 2, y: placed.y - NODE_HEIGHT / 2 });
  }
  return positions;
}
