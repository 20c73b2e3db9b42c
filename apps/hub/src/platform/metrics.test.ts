import { describe, expect, it } from 'vitest';
import { metric } from './metrics.ts';

describe('metric', () => {
  it('writes HELP, TYPE and one sample, or one per label set with escaped values', () => {
    expect(metric('made_open_x', 'gauge', 'An x.', 3)).toEqual([
      '# HELP made_open_x An x.',
      '# TYPE made_open_x gauge',
      'made_open_x 3',
    ]);
    expect(
      metric('made_open_y_total', 'counter', 'Ys, by kind.', [
        [{ kind: 'a' }, 1],
        [{ kind: 'say "hi"\\\n', zone: 'eu' }, 2],
      ]),
    ).toEqual([
      '# HELP made_open_y_total Ys, by kind.',
      '# TYPE made_open_y_total counter',
      'made_open_y_total{kind="a"} 1',
      'made_open_y_total{kind="say \\"hi\\"\\\\\\n",zone="eu"} 2',
    ]);
    expect(metric('made_open_z', 'gauge', 'None yet.', [])).toHaveLength(2);
  });
});
