import { ruleTemplates } from '@made-open/shared/rules-templates';
import { describe, expect, it } from 'vitest';
import { diffLines, withContext } from '@/lib/rules/diff';
import { addCondition, addStep, getAt, moveItem, removeAt, setAt, type RuleDraft } from '@/lib/rules/draft';
import { graphToRule, layoutGraph, ruleToGraph } from '@/lib/rules/graph';
import { parseRuleText, ruleToText } from '@/lib/rules/text';
import { jsonInputProblem, pluginInputChars, ruleActions } from '@/lib/rules/registry';

const branching: RuleDraft = {
  name: 'Branching',
  mode: 'queued',
  max: 3,
  triggers: [
    {
      id: 'sms',
      type: 'event',
      event: 'comms.SmsReceived',
      filter: {
        any: [{ cmp: { left: 'trigger.data.body', op: 'contains', right: 'urgent' } }, { person: { tag: 'vip' } }],
      },
    },
    { id: 'manual', type: 'manual' },
  ],
  conditions: {
    all: [
      { not: { person: { tag: 'muted' } } },
      { time: { after: '08:00', before: '21:00', weekdays: [1, 2, 3, 4, 5], tz: 'Europe/London' } },
    ],
  },
  steps: [
    {
      id: 'pick',
      type: 'choose',
      choices: [
        {
          when: { cmp: { left: 'trigger.data.body', op: 'contains', right: 'call' } },
          steps: [
            { id: 'wait', type: 'delay', seconds: 60 },
            { id: 'ring', type: 'action', action: 'notify', with: { title: 'Call back' } },
          ],
        },
        { when: { person: { known: false } }, steps: [] },
      ],
      otherwise: [{ id: 'done', type: 'stop', reason: 'nothing to do' }],
    },
    { id: 'log', type: 'action', action: 'log', with: { message: '{{ trigger.data.body }}' } },
  ],
  limits: { perHour: 10, maxDepth: 2 },
};

describe('rule ⇄ graph', () => {
  it.each([...ruleTemplates.map((t) => [t.id, t.definition] as const), ['branching', branching] as const])(
    'round-trips %s through the graph unchanged',
    (_, definition) => {
      expect(graphToRule(ruleToGraph(definition))).toEqual(definition);
    },
  );

  it('draws trigger, filter, conditions and steps in order, with branches', () => {
    const graph = ruleToGraph(branching);
    const ids = graph.nodes.map((n) => n.id);
    expect(ids).toContain('/triggers/0/filter/any/1');
    expect(ids).toContain('/steps/0/choices/0/steps/1');
    const edge = (s: string, t: string) => graph.edges.find((e) => e.source === s && e.target === t);
    // Both filter branches and the manual trigger join at the conditions.
    expect(edge('/triggers/0/filter/any/0', '/conditions')).toBeDefined();
    expect(edge('/triggers/0/filter/any/1', '/conditions')).toBeDefined();
    expect(edge('/triggers/1', '/conditions')).toBeDefined();
    expect(edge('/conditions', '/conditions/all/0')).toBeDefined();
    expect(edge('/conditions/all/0/not', '/conditions/all/1')).toBeDefined();
    expect(edge('/conditions/all/1', '/steps/0')?.label).toBe('then');
    expect(edge('/steps/0', '/steps/0/choices/0/steps/0')?.label).toBe('when 1');
    expect(edge('/steps/0', '/steps/0/otherwise/0')?.label).toBe('otherwise');
    // A stop ends its branch; the empty choice and the first branch go on to the next step.
    expect(edge('/steps/0/otherwise/0', '/steps/1')).toBeUndefined();
    expect(edge('/steps/0/choices/0/steps/1', '/steps/1')).toBeDefined();
    expect(edge('/steps/0', '/steps/1')).toBeDefined();
    expect(graph.nodes.find((n) => n.id === '/conditions/all/1')!.detail).toBe('08:00–21:00 Mon Tue Wed Thu Fri');
  });

  it('removing nodes from the graph removes them, and what hangs below them, from the rule', () => {
    const graph = ruleToGraph(branching);
    const without = (ids: string[]) => graphToRule({ ...graph, nodes: graph.nodes.filter((n) => !ids.includes(n.id)) });
    const noWait = without(['/steps/0/choices/0/steps/0']);
    expect(getAt(noWait, '/steps/0/choices/0/steps')).toEqual([
      { id: 'ring', type: 'action', action: 'notify', with: { title: 'Call back' } },
    ]);
    const noChoose = without(['/steps/0']);
    expect(noChoose.steps).toEqual([branching.steps[1]]);
    const noFilter = without(['/triggers/0/filter']);
    expect(noFilter.triggers[0]).toEqual({ id: 'sms', type: 'event', event: 'comms.SmsReceived' });
    expect(without(['/conditions']).conditions).toBeUndefined();
  });

  it('lays nodes out top to bottom without overlaps', () => {
    const graph = ruleToGraph(branching);
    const positions = layoutGraph(graph);
    expect(positions.size).toBe(graph.nodes.length);
    expect(positions.get('/triggers/0')!.y).toBeLessThan(positions.get('/conditions')!.y);
    expect(positions.get('/conditions')!.y).toBeLessThan(positions.get('/steps/0')!.y);
    const boxes = [...positions.values()];
    for (const a of boxes)
      for (const b of boxes) if (a !== b) expect(Math.abs(a.x - b.x) >= 240 || Math.abs(a.y - b.y) >= 76).toBe(true);
  });
});

describe('draft edits', () => {
  it('sets, removes and moves by JSON pointer without touching the original', () => {
    const changed = setAt(branching, '/steps/1/with/message', 'hi');
    expect(getAt(changed, '/steps/1/with/message')).toBe('hi');
    expect(getAt(branching, '/steps/1/with/message')).toBe('{{ trigger.data.body }}');
    expect(removeAt(branching, '/conditions/all/0')).toMatchObject({ conditions: { all: [{ time: {} }] } });
    expect(moveItem(branching, '/steps/1', -1).steps.map((s) => (s as { id: string }).id)).toEqual(['log', 'pick']);
    expect(moveItem(branching, '/steps/0', -1)).toBe(branching);
  });

  it('adds conditions (a single one becomes an all group) and steps with fresh ids', () => {
    const one = addCondition({ ...branching, conditions: undefined }, { person: { tag: 'a' } });
    expect(one.conditions).toEqual({ person: { tag: 'a' } });
    const two = addCondition(one, { person: { tag: 'b' } });
    expect(two.conditions).toEqual({ all: [{ person: { tag: 'a' } }, { person: { tag: 'b' } }] });
    const nested = addCondition(branching, { person: { tag: 'c' } }, '/triggers/0/filter');
    expect(getAt(nested, '/triggers/0/filter/any/2')).toEqual({ person: { tag: 'c' } });
    const waited = addStep(addStep(branching, 'delay'), 'delay');
    expect(waited.steps.slice(-2).map((s) => (s as { id: string }).id)).toEqual(['wait2', 'wait3']);
  });
});

describe('text view', () => {
  it('round-trips YAML and JSON', () => {
    for (const format of ['yaml', 'json'] as const) {
      const parsed = parseRuleText(ruleToText(branching, format), format);
      expect(parsed).toEqual({ ok: true, value: branching });
    }
  });

  it('names the line of a syntax error', () => {
    expect(parseRuleText('name: x\ntriggers: [\n  - a: b\n', 'yaml')).toMatchObject({ ok: false, line: 3 });
    expect(parseRuleText('{\n  "name": "x",\n  oops\n}', 'json')).toMatchObject({ ok: false, line: 3 });
    expect(parseRuleText('- a\n- b\n', 'yaml')).toMatchObject({ ok: false, message: /object/ });
  });
});

describe('line diff', () => {
  it('marks added and removed lines with their numbers', () => {
    const diff = diffLines('a\nb\nc\nd', 'a\nc\nd\ne');
    expect(diff).toEqual([
      { kind: 'same', text: 'a', oldLine: 1, newLine: 1 },
      { kind: 'removed', text: 'b', oldLine: 2 },
      { kind: 'same', text: 'c', oldLine: 3, newLine: 2 },
      { kind: 'same', text: 'd', oldLine: 4, newLine: 3 },
      { kind: 'added', text: 'e', newLine: 4 },
    ]);
    expect(diffLines('x', 'x')).toEqual([{ kind: 'same', text: 'x', oldLine: 1, newLine: 1 }]);
    expect(diffLines('', 'y')).toEqual([{ kind: 'added', text: 'y', newLine: 1 }]);
  });

  it('keeps a little context around changes and marks the gaps', () => {
    const before = Array.from({ length: 20 }, (_, i) => `line ${i}`).join('\n');
    const after = before.replace('line 10', 'line ten');
    const shown = withContext(diffLines(before, after), 1);
    expect(shown.map((l) => (l ? `${l.kind}:${l.text}` : '…'))).toEqual([
      '…',
      'same:line 9',
      'removed:line 10',
      'added:line ten',
      'same:line 11',
      '…',
    ]);
  });
});

describe('a "Run a plugin" step', () => {
  it('is offered with a plugin picker and a JSON input', () => {
    expect(ruleActions['plugins.run']).toMatchObject({
      fields: ['pluginId', 'input'],
      pickers: { pluginId: 'plugin' },
      json: ['input'],
    });
  });

  it('checks its JSON input as typed: empty is none, broken or oversized JSON is a problem', () => {
    expect(jsonInputProblem('')).toBeNull();
    expect(jsonInputProblem('{"title": "{{ trigger.data.entity.title }}"}')).toBeNull();
    expect(jsonInputProblem('[1, 2')).toMatch(/^Not valid JSON/);
    expect(jsonInputProblem("{'single': 1}")).toMatch(/^Not valid JSON/);
    expect(jsonInputProblem(JSON.stringify('x'.repeat(pluginInputChars)))).toMatch(/^At most 65536 characters/);
  });
});
