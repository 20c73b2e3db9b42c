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
});
