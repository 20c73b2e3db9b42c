import type { Occasion } from '@made-open/shared';
import { ValidationError } from '../../platform/errors.ts';
import type { OccasionRow } from './timeline.repository.ts';

/** Pure date arithmetic for birthdays and anniversaries: no I/O, tested directly. */

/** Today's date (YYYY-MM-DD) in `timeZone`; a 400 naming it when it is not a zone. */
export function localDate(now: Date, timeZone = 'UTC'): string {
  try {
    // en-CA writes dates as YYYY-MM-DD.
    return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(
      now,
    );
  } catch {
    throw new ValidationError(`timeZone: "${timeZone}" is not a time zone. Use an IANA name like Europe/London.`, [
      { path: '/timeZone', message: 'Not an IANA time zone.' },
    ]);
  }
}

const dayNumber = (date: string) => Date.UTC(+date.slice(0, 4), +date.slice(5, 7) - 1, +date.slice(8, 10)) / 86_400_000;
const isLeap = (year: number) => (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
const pad = (n: number) => String(n).padStart(2, '0');

/** Where a `YYYY-MM-DD` or `--MM-DD` date next falls on or after `today`: 29 February is the 28th in other years. */
export function nextOccurrence(date: string, today: string): { date: string; inDays: number; years: number | null } {
  const full = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  const partial = /^--(\d{2})-(\d{2})$/.exec(date);
  const [year, month, day] = full
    ? [Number(full[1]), Number(full[2]), Number(full[3])]
    : [null, Number(partial![1]), Number(partial![2])];
  const on = (y: number) => `${y}-${pad(month)}-${pad(month === 2 && day === 29 && !isLeap(y) ? 28 : day)}`;
  let y = Number(today.slice(0, 4));
  if (dayNumber(on(y)) < dayNumber(today)) y += 1;
  const next = on(y);
  return { date: next, inDays: dayNumber(next) - dayNumber(today), years: year === null ? null : y - year };
}

const validDate = (value: unknown): value is string =>
  typeof value === 'string' && /^(\d{4}|-)-\d{2}-\d{2}$/.test(value);

/** Birthdays and anniversaries in the next `days` days (today included), soonest first. */
export function upcomingOccasions(rows: OccasionRow[], today: string, days: number): Occasion[] {
  const found: Occasion[] = [];
  for (const row of rows) {
    const name = row.title.trim() || 'Unnamed contact';
    const dates: { kind: Occasion['kind']; label: string; date: unknown }[] = [
      { kind: 'birthday', label: 'Birthday', date: row.birthday },
      ...(Array.isArray(row.anniversaries) ? row.anniversaries : []).map((a) => ({
        kind: 'anniversary' as const,
        label: String(a?.label ?? 'Anniversary'),
        date: a?.date,
      })),
    ];
    for (const entry of dates) {
      if (!validDate(entry.date)) continue;
      const next = nextOccurrence(entry.date, today);
      if (next.inDays >= days) continue;
      // A year in the future or this year ("0 years") says nothing worth showing.
      const years = next.years !== null && next.years > 0 ? next.years : null;
      found.push({
        personId: row.id,
        name,
        kind: entry.kind,
        label: entry.label,
        date: next.date,
        inDays: next.inDays,
        years,
      });
    }
  }
  return found.sort((a, b) => a.inDays - b.inDays || a.name.localeCompare(b.name));
}
