import type { Clock } from '../clock.ts';

/** A whole second, so HTTP-dates (second precision) convert exactly. */
export const epoch = Date.parse('2026-03-01T12:00:00Z');

/** Sleeps return at once and move time forward; every wait is recorded. */
export function instantClock(start = epoch): Clock & { slept: number[] } {
  let now = start;
  const slept: number[] = [];
  return {
    now: () => now,
    sleep: async (ms) => {
      slept.push(ms);
      now += ms;
    },
    slept,
  };
}

/** Sleepers wait until the test advances time: what is asleep can be counted. */
export function manualClock(start = epoch) {
  let now = start;
  const sleepers: { until: number; wake: () => void }[] = [];
  const clock: Clock = {
    now: () => now,
    sleep: (ms) => new Promise<void>((wake) => sleepers.push({ until: now + ms, wake })),
  };
  return {
    clock,
    get sleeping() {
      return sleepers.length;
    },
    wakeTimes: () => sleepers.map((s) => s.until),
    advance(ms: number) {
      now += ms;
      for (const sleeper of sleepers.filter((s) => s.until <= now)) {
        sleepers.splice(sleepers.indexOf(sleeper), 1);
        sleeper.wake();
      }
    },
  };
}
