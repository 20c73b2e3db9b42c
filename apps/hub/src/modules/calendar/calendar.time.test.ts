import { describe, expect, it } from 'vitest';
import { floatingOf, instantOf, isoInZone } from './calendar.time.ts';

/** Wall clocks in zones at the edges of the years the calendar holds (1 to 9999). */
describe('calendar time in zones', () => {
  const at = (iso: string) => Date.parse(iso);

  it('reads the years 1 to 99 as themselves, not as 1901 to 1999', () => {
    // Berlin kept local mean time (+00:53:28) before 1893. Date.UTC made the year 50 into 1950,
    // so instantOf answered the year -1850 and isoInZone an offset of +32442288:53.
    expect(new Date(instantOf(at('0050-01-01T12:00:00Z'), 'Europe/Berlin')).toISOString()).toBe(
      '0050-01-01T11:06:32.000Z',
    );
    expect(floatingOf(at('0050-01-01T11:06:32Z'), 'Europe/Berlin')).toBe(at('0050-01-01T12:00:00Z'));
    expect(isoInZone(at('0001-01-01T11:06:32Z'), 'Europe/Berlin')).toBe('0001-01-01T12:00:00+00:53');
    expect(floatingOf(at('0099-12-31T23:59:59Z'), 'UTC')).toBe(at('0099-12-31T23:59:59Z'));
  });

  it('counts the year before 1 as 0 (Intl says 1 BC), and the year 9999 as itself', () => {
    expect(floatingOf(at('0000-12-31T20:00:00Z'), 'UTC')).toBe(at('0000-12-31T20:00:00Z'));
    expect(new Date(instantOf(at('0001-01-01T00:30:00Z'), 'Europe/Berlin')).toISOString()).toBe(
      '0000-12-31T23:36:32.000Z',
    );
    expect(isoInZone(at('9999-12-31T12:00:00Z'), 'America/New_York')).toBe('9999-12-31T07:00:00-05:00');
  });

  it('reads every instant of a day whose offset changes exactly, however the days around it were read', () => {
    /** The wall clock from Intl alone, for one instant (what floatingOf must agree with). */
    const wall = (instant: number, timeZone: string) => {
      const parts = Object.fromEntries(
        new Intl.DateTimeFormat('en-US', {
          timeZone,
          hourCycle: 'h23',
          year: 'numeric',
          month: '2-digit',
          day: '2-digit',
          hour: '2-digit',
          minute: '2-digit',
          second: '2-digit',
        })
          .formatToParts(new Date(instant))
          .map((p) => [p.type, Number(p.value)]),
      );
      return Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!, parts.second!);
    };
    // Spring and autumn in Berlin and New York, Lord Howe's half-hour change, Monrovia's move
    // from -00:44:30 in 1972 (not on a whole minute), Kathmandu's +05:45.
    const days: [string, string][] = [
      ['Europe/Berlin', '2027-03-28'],
      ['Europe/Berlin', '2027-10-31'],
      ['America/New_York', '2026-03-08'],
      ['America/New_York', '2026-11-01'],
      ['Australia/Lord_Howe', '2026-10-04'],
      ['Africa/Monrovia', '1972-01-07'],
      ['Asia/Kathmandu', '1986-01-01'],
    ];
    for (const [zone, date] of days) {
      const midnight = at(`${date}T00:00:00Z`);
      // The days before and after first (cached when their offset holds), then the day itself.
      for (const instant of [midnight - 43_200_000, midnight + 129_600_000, midnight])
        expect(floatingOf(instant, zone), `${zone} ${new Date(instant).toISOString()}`).toBe(wall(instant, zone));
      for (let instant = midnight - 86_400_000; instant < midnight + 2 * 86_400_000; instant += 7 * 60_000 + 30_000)
        expect(floatingOf(instant, zone), `${zone} ${new Date(instant).toISOString()}`).toBe(wall(instant, zone));
    }
  });
});
