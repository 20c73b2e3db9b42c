import type { TraceEntry } from '@made-open/shared/rules';
import { describe, expect, it } from 'vitest';
import { evaluateCondition, type RunScope } from './rules.conditions.ts';

/** A run's scope with an SMS-like trigger whose text anyone could have sent. */
const scopeWith = (body: string): RunScope => ({
  trigger: {
    triggerId: 't',
    type: 'comms.SmsReceived',
    id: null,
    subject: null,
    time: '',
    actor: null,
    data: { body },
  },
  steps: {},
  now: new Date(),
  findPerson: async () => null,
  countRecentRuns: async () => 0,
});
const matches = (right: string) => ({ cmp: { left: 'trigger.data.body', op: 'matches' as const, right } });

describe('rule conditions: matches', () => {
  it('runs patterns case-insensitively, in linear time on hostile text', async () => {
    const trace: TraceEntry[] = [];
    expect(await evaluateCondition(matches('^call\\b'), scopeWith('CALL me'), '/conditions', trace)).toBe(true);
    expect(trace[0]).toMatchObject({ status: 'true' });
    expect(trace[0]!.error).toBeUndefined();
    // Exponential for a backtracking engine (hours at this length): RE2 answers at once.
    expect(await evaluateCondition(matches('^(a+)+$'), scopeWith(`${'a'.repeat(60)}!`), '/c', [])).toBe(false);
  });

  it('says in the trace why a pattern saved before RE2 (a lookahead) matches nothing', async () => {
    const trace: TraceEntry[] = [];
    expect(await evaluateCondition(matches('^(?=urgent)'), scopeWith('urgent'), '/conditions', trace)).toBe(false);
    expect(trace[0]).toMatchObject({ status: 'false', error: { code: 'pattern_refused' } });
    expect(trace[0]!.error!.message).toMatch(/save the rule again/);
  });
});
