import { describe, expect, it } from 'vitest';
import { parseQuestionFilters, reciprocalRankFusion, RRF_K } from './ai.hybrid.ts';

describe('reciprocal rank fusion', () => {
  it('ranks what both lists hold above what one holds, and sums 1/(k + rank)', () => {
    const fused = reciprocalRankFusion([
      ['a', 'b', 'c'],
      ['c', 'd', 'a'],
    ]);
    // a: 1/61 + 1/63, c: 1/63 + 1/61 (tie: a came first), b: 1/62, d: 1/62 (b first)
    expect(fused).toEqual(['a', 'c', 'b', 'd']);
    expect(RRF_K).toBe(60);
  });

  // top: 1/61 ≈ 0.0164; both (rank 82 and 81): 1/142 + 1/141 ≈ 0.0141
  it('a document ranked well in one list beats one ranked low in both', () => {
    const low = Array.from({ length: 80 }, (_, i) => `x${i}`);
    const fused = reciprocalRankFusion([
      ['top', ...low, 'both'],
      [...low.map((x) => `y${x}`), 'both'],
    ]);
    expect(fused.indexOf('top')).toBeLessThan(fused.indexOf('both'));
  });

  it('one list (vectors off) keeps its order; no lists give nothing', () => {
    expect(reciprocalRankFusion([['q', 'r', 's'], []])).toEqual(['q', 'r', 's']);
    expect(reciprocalRankFusion([])).toEqual([]);
  });
});

describe('filters a question states', () => {
  // Wednesday 2026-12-02 10:00 UTC: this ISO week began Monday 2026-11-30.
  const now = new Date('2026-12-02T10:00:00Z');

  it('"last week" is the previous Monday-to-Monday, and its words leave the query', () => {
    const f = parseQuestionFilters('What did we decide last week about the roof?', now);
    expect(f.after?.toISOString()).toBe('2026-11-23T00:00:00.000Z');
    expect(f.before?.toISOString()).toBe('2026-11-30T00:00:00.000Z');
    expect(f.rest).toBe('What did we decide about the roof?');
  });

  it('today, yesterday, last N days, last month', () => {
    expect(parseQuestionFilters('notes from today', now).after?.toISOString()).toBe('2026-12-02T00:00:00.000Z');
    expect(parseQuestionFilters('yesterday', now).before?.toISOString()).toBe('2026-12-02T00:00:00.000Z');
    expect(parseQuestionFilters('in the last 3 days', now).after?.toISOString()).toBe('2026-11-29T00:00:00.000Z');
    const month = parseQuestionFilters('what happened last month', now);
    expect([month.after?.toISOString(), month.before?.toISOString()]).toEqual([
      '2026-11-01T00:00:00.000Z',
      '2026-12-01T00:00:00.000Z',
    ]);
  });

  it('a type noun after a determiner filters; the same word as a verb does not', () => {
    expect(parseQuestionFilters('What did Ada say in her emails?', now).types).toEqual(['message']);
    expect(parseQuestionFilters('Show my calls and the meetings', now).types).toEqual(['call', 'calendar_event']);
    expect(parseQuestionFilters('When should I call the plumber?', now).types).toBeUndefined();
  });

  it('"from Ada" names a person (one or two capitalised words); lower-case words do not', () => {
    expect(parseQuestionFilters('messages from Ada last week', now).person).toBe('Ada');
    expect(parseQuestionFilters('lunch with Grace Hopper?', now).person).toBe('Grace Hopper');
    expect(parseQuestionFilters('from time to time', now).person).toBeUndefined();
  });
});
