import { describe, expect, it } from 'vitest';
import { dayBounds } from './devices.days.ts';
import { distanceMeters, minStayMs, step, type StayState } from './devices.stays.ts';

/** The pure parts: the detector's steps, distances, and local days across clock changes. */
describe('stay-point detector', () => {
  const minute = 60_000;
  const feed = (fixes: { time: number; lat: number; lon: number }[]) => {
    let state: StayState | null = null;
    const kinds: string[] = [];
    for (const fix of fixes) {
      const { next, changes } = step(state, fix);
      for (const change of changes) {
        if (change.kind === 'open') change.state.visitId = 'v';
        kinds.push(change.kind);
      }
      state = next;
    }
    return { state, kinds };
  };

  it('opens a visit once a stay lasts the minimum, extends it, and closes it on a far fix', () => {
    const still = Array.from({ length: 7 }, (_, i) => ({ time: i * 2 * minute, lat: 51.5, lon: -0.12 }));
    const { kinds, state } = feed([...still, { time: 14 * minute + 1, lat: 51.51, lon: -0.12 }]);
    // Fixes at 0..12 min: the 10-minute one opens, 12 extends, the far one closes.
    expect(kinds).toEqual(['open', 'extend', 'close']);
    expect(state).toMatchObject({ samples: 1, visitId: null, startedAt: 14 * minute + 1 });
  });

  it('never opens a stay shorter than the minimum, and a fix just inside the radius continues it', () => {
    const short = feed([
      { time: 0, lat: 51.5, lon: -0.12 },
      { time: minStayMs - 1, lat: 51.5, lon: -0.12 },
      { time: minStayMs + minute, lat: 51.6, lon: -0.12 },
    ]);
    expect(short.kinds).toEqual([]);
    // 140 m north: inside 150 m.
    const edge = feed([
      { time: 0, lat: 51.5, lon: -0.12 },
      { time: minStayMs, lat: 51.5 + 140 / 111_195, lon: -0.12 },
    ]);
    expect(edge.kinds).toEqual(['open']);
  });

  it('measures great-circle distances', () => {
    expect(distanceMeters({ lat: 0, lon: 0 }, { lat: 0, lon: 1 })).toBeCloseTo(111_195, -1);
    expect(distanceMeters({ lat: 51.5, lon: -0.12 }, { lat: 51.51, lon: -0.11 })).toBeGreaterThan(1_300);
  });
});

describe('local days', () => {
  it('are 23 or 25 hours on clock changes and start at local midnight', () => {
    const spring = dayBounds('2026-03-29', 'Europe/London');
    expect(new Date(spring.from).toISOString()).toBe('2026-03-29T00:00:00.000Z');
    expect((spring.to - spring.from) / 3_600_000).toBe(23);
    const autumn = dayBounds('2026-10-25', 'Europe/London');
    expect(new Date(autumn.from).toISOString()).toBe('2026-10-24T23:00:00.000Z');
    expect((autumn.to - autumn.from) / 3_600_000).toBe(25);
    expect(new Date(dayBounds('2026-12-01', 'Asia/Kathmandu').from).toISOString()).toBe('2026-11-30T18:15:00.000Z');
    expect(new Date(dayBounds('2026-12-01', 'America/Los_Angeles').from).toISOString()).toBe(
      '2026-12-01T08:00:00.000Z',
    );
  });

  it('refuse a zone that is not one', () => {
    expect(() => dayBounds('2026-12-01', 'Mars/Olympus')).toThrow(/not a time zone/);
  });
});
