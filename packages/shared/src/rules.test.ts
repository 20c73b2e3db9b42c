import { describe, expect, it } from 'vitest';
import { eventRegistry } from './event-registry.ts';
import { cronMatches, parseCron, parseRuleDefinition, ruleDefinitionSchema } from './rules.ts';
import { ruleTemplates } from './rules-templates.ts';

const missedCall = {
  name: 'Reply to missed calls',
  triggers: [{ id: 't1', type: 'event', event: 'comms.CallMissed' }],
  conditions: {
    all: [{ cmp: { left: 'trigger.data.direction', op: 'eq', right: 'inbound' } }, { person: { tag: 'favourite' } }],
  },
  steps: [{ id: 's1', type: 'action', action: 'notify', with: { title: 'Missed {{ trigger.data.from }}' } }],
};

describe('rule model', () => {
  it('accepts a well-typed rule and fills defaults', () => {
    const result = parseRuleDefinition(missedCall, eventRegistry);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.definition.mode).toBe('single');
    expect(result.definition.limits).toEqual({ perHour: 60, maxDepth: 3 });
    expect(result.definition.triggers[0]).toMatchObject({ includeBackfill: false });
  });

  it('types conditions by the trigger payload', () => {
    const bad = { ...missedCall, conditions: { cmp: { left: 'trigger.data.subjectLine', op: 'exists' } } };
    const result = parseRuleDefinition(bad, eventRegistry);
    expect(result).toEqual({
      ok: false,
      issues: [
        {
          path: '/conditions/cmp/left',
          message: "trigger.data.subjectLine is not in the payload of this rule's trigger",
        },
      ],
    });
    // Nested fields of a registered payload resolve (data.EntityCreated carries the entity).
    const nested = {
      ...missedCall,
      triggers: [
        {
          id: 't1',
          type: 'event',
          event: 'data.EntityCreated',
          filter: { cmp: { left: 'trigger.data.entity.type', op: 'eq', right: 'task' } },
        },
      ],
      conditions: undefined,
    };
    expect(parseRuleDefinition(nested, eventRegistry).ok).toBe(true);
  });

  it('refuses unknown event types, duplicate step ids, bad regexes, cron and time zones', () => {
    const cases: [unknown, RegExp][] = [
      [{ ...missedCall, triggers: [{ id: 't1', type: 'event', event: 'comms.Nope' }] }, /not a registered event type/],
      [{ ...missedCall, steps: [missedCall.steps[0], missedCall.steps[0]] }, /used twice/],
      [
        { ...missedCall, conditions: { cmp: { left: 'trigger.data.from', op: 'matches', right: '(' } } },
        /regular expression/,
      ],
      // RE2's syntax (linear time): no lookaround, no backreferences.
      [
        { ...missedCall, conditions: { cmp: { left: 'trigger.data.from', op: 'matches', right: '^(?!\\+44)' } } },
        /without lookaround or backreferences/,
      ],
      [
        { ...missedCall, conditions: { cmp: { left: 'trigger.data.from', op: 'matches', right: '(a)\\1' } } },
        /without lookaround or backreferences/,
      ],
      [{ ...missedCall, triggers: [{ id: 't1', type: 'schedule', cron: '61 * * * *' }] }, /cron/],
      [{ ...missedCall, conditions: { time: { after: '09:00', tz: 'Mars/Base' } } }, /time zone/],
      [{ ...missedCall, mode: 'sometimes' }, /mode|Invalid/],
      [{ ...missedCall, extra: 1 }, /Unrecognized|extra/],
    ];
    for (const [input, message] of cases) {
      const result = parseRuleDefinition(input, eventRegistry);
      expect(result.ok, JSON.stringify(input)).toBe(false);
      if (!result.ok) expect(result.issues.map((i) => i.message).join('; ')).toMatch(message);
    }
  });

  it('takes minutesBefore on calendar.EventStarting only, where it is required (0 to 10080)', () => {
    const starting = (trigger: Record<string, unknown>) => ({
      ...missedCall,
      conditions: { cmp: { left: 'trigger.data.onlineMeetingUrl', op: 'exists' } },
      triggers: [{ id: 't1', type: 'event', event: 'calendar.EventStarting', ...trigger }],
    });
    expect(parseRuleDefinition(starting({ minutesBefore: 0 }), eventRegistry).ok).toBe(true);
    expect(parseRuleDefinition(starting({ minutesBefore: 10_080 }), eventRegistry).ok).toBe(true);
    const issues = (input: unknown) => {
      const result = parseRuleDefinition(input, eventRegistry);
      return result.ok ? [] : result.issues;
    };
    expect(issues(starting({}))).toEqual([
      {
        path: '/triggers/0/minutesBefore',
        message: 'calendar.EventStarting needs minutesBefore: how many minutes before the start (0 to 10080)',
      },
    ]);
    expect(issues(starting({ minutesBefore: 10_081 }))[0]).toMatchObject({ path: '/triggers/0/minutesBefore' });
    expect(issues(starting({ minutesBefore: '5' }))[0]).toMatchObject({ path: '/triggers/0/minutesBefore' });
    expect(
      issues({ ...missedCall, triggers: [{ id: 't1', type: 'event', event: 'comms.CallMissed', minutesBefore: 5 }] }),
    ).toEqual([
      { path: '/triggers/0/minutesBefore', message: 'minutesBefore is only for calendar.EventStarting triggers' },
    ]);
  });

  it('matches cron expressions in a time zone', () => {
    const fields = parseCron('30 8 * * 1-5')!;
    // Monday 2026-12-07 08:30 in London is 08:30 UTC; in New York it is 13:30 UTC.
    expect(cronMatches(fields, new Date('2026-12-07T08:30:00Z'), 'Europe/London')).toBe(true);
    expect(cronMatches(fields, new Date('2026-12-07T08:30:00Z'), 'America/New_York')).toBe(false);
    expect(cronMatches(fields, new Date('2026-12-07T13:30:00Z'), 'America/New_York')).toBe(true);
    expect(cronMatches(fields, new Date('2026-12-06T08:30:00Z'), 'Europe/London')).toBe(false); // Sunday
    expect(parseCron('*/15 * * * *')!.minute.size).toBe(4);
    expect(parseCron('* * *')).toBeNull();
  });

  it('ships templates that are valid rules', () => {
    expect(ruleTemplates.length).toBeGreaterThanOrEqual(3);
    for (const template of ruleTemplates) {
      const result = parseRuleDefinition(template.definition, eventRegistry);
      expect(result, template.id).toMatchObject({ ok: true });
      expect(ruleDefinitionSchema.safeParse(template.definition).success).toBe(true);
    }
  });
});
