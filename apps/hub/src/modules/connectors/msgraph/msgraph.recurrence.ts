import { dateOfFloating, floatingOf } from '../../calendar/calendar.time.ts';
import type { SeriesStart } from '../connectors.contract.ts';
import { ianaToWindows } from './msgraph.timezones.ts';

export type { SeriesStart };

/**
 * Repeating events between the hub's RFC 5545 RRULE and Graph's patternedRecurrence (the
 * `recurrence` of an event: a pattern, how often, and a range, from when until when). Pure.
 * Graph reads a series' days in its recurrenceTimeZone, and takes the time of day from the
 * event's start; the hub's rule does the same in the event's zone.
 */

type Obj = Record<string, unknown>;
const obj = (value: unknown): Obj =>
  value && typeof value === 'object' && !Array.isArray(value) ? (value as Obj) : {};
const arr = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
const str = (value: unknown, max: number): string | undefined =>
  typeof value === 'string' && value.trim() !== '' ? value.trim().slice(0, max) : undefined;

const dayCodes = {
  sunday: 'SU',
  monday: 'MO',
  tuesday: 'TU',
  wednesday: 'WE',
  thursday: 'TH',
  friday: 'FR',
  saturday: 'SA',
} as const;
type DayName = keyof typeof dayCodes;
const dayNames = Object.fromEntries(Object.entries(dayCodes).map(([name, code]) => [code, name])) as Record<
  string,
  DayName
>;
const days: Record<string, string> = dayCodes;
const indexes: Record<string, string> = { first: '1', second: '2', third: '3', fourth: '4', last: '-1' };
const indexNames: Record<string, string> = Object.fromEntries(Object.entries(indexes).map(([k, v]) => [v, k]));

/** Graph's patternedRecurrence → an RFC 5545 RRULE; undefined when it cannot be expressed. */
export function rruleOf(recurrence: unknown): string | undefined {
  const pattern = obj(obj(recurrence).pattern);
  const range = obj(obj(recurrence).range);
  const interval = Number(pattern.interval ?? 1);
  if (!Number.isInteger(interval) || interval < 1 || interval > 1000) return undefined;
  const byDay = arr(pattern.daysOfWeek)
    .map((d) => days[String(d).toLowerCase()])
    .filter(Boolean) as string[];
  const parts: string[] = [];
  switch (str(pattern.type, 30)) {
    case 'daily':
      parts.push('FREQ=DAILY');
      break;
    case 'weekly':
      parts.push('FREQ=WEEKLY');
      if (byDay.length) parts.push(`BYDAY=${byDay.join(',')}`);
      break;
    case 'absoluteMonthly':
      parts.push('FREQ=MONTHLY', `BYMONTHDAY=${Number(pattern.dayOfMonth) || 1}`);
      break;
    case 'relativeMonthly':
      parts.push('FREQ=MONTHLY', `BYDAY=${byDay.join(',')}`, `BYSETPOS=${indexes[String(pattern.index)] ?? '1'}`);
      break;
    case 'absoluteYearly':
      parts.push(
        'FREQ=YEARLY',
        `BYMONTH=${Number(pattern.month) || 1}`,
        `BYMONTHDAY=${Number(pattern.dayOfMonth) || 1}`,
      );
      break;
    case 'relativeYearly':
      parts.push(
        'FREQ=YEARLY',
        `BYMONTH=${Number(pattern.month) || 1}`,
        `BYDAY=${byDay.join(',')}`,
        `BYSETPOS=${indexes[String(pattern.index)] ?? '1'}`,
      );
      break;
    default:
      return undefined;
  }
  if (interval > 1) parts.push(`INTERVAL=${interval}`);
  // Every other week on Sunday and Monday depends on where a week starts (RFC 5545's default: Monday).
  const weekStart = days[String(pattern.firstDayOfWeek ?? '').toLowerCase()];
  if (str(pattern.type, 30) === 'weekly' && interval > 1 && weekStart && weekStart !== 'MO')
    parts.push(`WKST=${weekStart}`);
  const rangeType = str(range.type, 20);
  if (rangeType === 'endDate' && /^\d{4}-\d{2}-\d{2}$/.test(str(range.endDate, 10) ?? ''))
    parts.push(`UNTIL=${String(range.endDate).replace(/-/g, '')}`);
  if (
    rangeType === 'numbered' &&
    Number.isInteger(Number(range.numberOfOccurrences)) &&
    Number(range.numberOfOccurrences) > 0
  )
    parts.push(`COUNT=${Number(range.numberOfOccurrences)}`);
  return parts.join(';');
}

/** A rule Outlook cannot hold, with what to do instead. */
export class UnrepeatableInOutlook extends Error {
  constructor(why: string) {
    super(`Outlook cannot repeat an event this way: ${why}`);
    this.name = 'UnrepeatableInOutlook';
  }
}

/** An RRULE's parts by name (upper case); the hub has already checked the rule parses. */
function partsOf(rule: string): Map<string, string> {
  const parts = new Map<string, string>();
  for (const part of rule.replace(/^RRULE:/i, '').split(';')) {
    const [name, value] = part.split('=');
    if (name && value !== undefined) parts.set(name.trim().toUpperCase(), value.trim().toUpperCase());
  }
  return parts;
}

/** BYDAY=2TU,-1FR → [{ordinal: 2, day: 'tuesday'}, …]. */
function byDayOf(value: string | undefined) {
  if (!value) return [];
  return value.split(',').map((token) => {
    const match = /^([+-]?\d{1,2})?(MO|TU|WE|TH|FR|SA|SU)$/.exec(token);
    if (!match) throw new UnrepeatableInOutlook(`"${token.slice(0, 20)}" is not a day of the week.`);
    return { ordinal: match[1] === undefined ? undefined : Number(match[1]), day: dayNames[match[2]!]! };
  });
}

/** Graph's index for a position in the month: first … fourth, or last. */
function indexOf(position: number | undefined): string {
  const name = position === undefined ? undefined : indexNames[String(position)];
  if (!name) throw new UnrepeatableInOutlook('only the first, second, third, fourth or last such day of a month.');
  return name;
}

function single(value: string | undefined, name: string, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new UnrepeatableInOutlook(`one ${name} only (${min} to ${max}), not "${value.slice(0, 20)}".`);
  return n;
}

/**
 * The hub's RRULE as Graph's patternedRecurrence for a series starting at `start`. Outlook
 * holds fewer rules than RFC 5545 (no BYYEARDAY, BYWEEKNO, lists of month days, every
 * Tuesday of a month…): those throw UnrepeatableInOutlook, saying what Outlook can do,
 * rather than being written as some other rule. A day the rule leaves open (FREQ=WEEKLY
 * with no BYDAY) is the start's, as RFC 5545 reads it.
 */
export function patternedRecurrenceOf(rule: string, start: SeriesStart): Obj {
  const parts = partsOf(rule);
  const unsupported = [...parts.keys()].filter(
    (name) =>
      !['FREQ', 'INTERVAL', 'COUNT', 'UNTIL', 'BYDAY', 'BYMONTHDAY', 'BYMONTH', 'BYSETPOS', 'WKST'].includes(name),
  );
  if (unsupported.length)
    throw new UnrepeatableInOutlook(
      `${unsupported.join(', ')} has no counterpart there. Choose days, weeks, months or years.`,
    );
  const zone = start.timeZone ?? 'UTC';
  // The series' first day where it is held, and that day's weekday, month and day of month.
  const startDate = start.allDay
    ? start.startsAt.slice(0, 10)
    : dateOfFloating(floatingOf(Date.parse(start.startsAt), zone));
  const first = new Date(`${startDate}T00:00:00Z`);
  const startDay = Object.keys(dayCodes)[first.getUTCDay()] as DayName;
  const interval = single(parts.get('INTERVAL') ?? '1', 'interval', 1, 999)!;
  const byDay = byDayOf(parts.get('BYDAY'));
  const monthDay = single(parts.get('BYMONTHDAY'), 'day of the month', 1, 31);
  const month = single(parts.get('BYMONTH'), 'month', 1, 12);
  const position = parts.has('BYSETPOS') ? Number(parts.get('BYSETPOS')) : undefined;
  const plainDays = () => {
    if (byDay.some((d) => d.ordinal !== undefined))
      throw new UnrepeatableInOutlook('a numbered weekday (2TU) belongs to a monthly or yearly rule.');
    // MO,MO is Monday once: Outlook refuses a day listed twice.
    return [...new Set(byDay.map((d) => d.day))];
  };
  /** relative*: one numbered weekday (2TU), or weekdays with BYSETPOS. */
  const relative = () => {
    if (byDay.length === 1 && byDay[0]!.ordinal !== undefined && position === undefined)
      return { index: indexOf(byDay[0]!.ordinal), daysOfWeek: [byDay[0]!.day] };
    if (position !== undefined) return { index: indexOf(position), daysOfWeek: plainDays() };
    throw new UnrepeatableInOutlook(
      'in a month it repeats on one day: a date, or the first, second, third, fourth or last weekday (2TU).',
    );
  };
  const noneOf = (...names: string[]) => {
    const found = names.filter((n) => parts.has(n));
    if (found.length) throw new UnrepeatableInOutlook(`${found.join(', ')} does not go with this frequency there.`);
  };

  let pattern: Obj;
  switch (parts.get('FREQ')) {
    case 'DAILY':
      noneOf('BYMONTHDAY', 'BYMONTH', 'BYSETPOS');
      // Daily on some weekdays is Outlook's weekly pattern on those days.
      if (byDay.length) {
        if (interval !== 1)
          throw new UnrepeatableInOutlook('every few days on some weekdays: choose every day or weekly days.');
        pattern = { type: 'weekly', interval: 1, daysOfWeek: plainDays(), firstDayOfWeek: 'monday' };
      } else pattern = { type: 'daily', interval };
      break;
    case 'WEEKLY': {
      noneOf('BYMONTHDAY', 'BYMONTH', 'BYSETPOS');
      const weekStart = dayNames[parts.get('WKST') ?? 'MO'];
      if (!weekStart) throw new UnrepeatableInOutlook('WKST is not a day of the week.');
      const chosen = plainDays();
      pattern = {
        type: 'weekly',
        interval,
        daysOfWeek: chosen.length ? chosen : [startDay],
        firstDayOfWeek: weekStart,
      };
      break;
    }
    case 'MONTHLY':
      noneOf('BYMONTH');
      if (byDay.length) {
        if (monthDay !== undefined) throw new UnrepeatableInOutlook('a date and a weekday in one monthly rule.');
        pattern = { type: 'relativeMonthly', interval, ...relative() };
      } else {
        if (position !== undefined) throw new UnrepeatableInOutlook('BYSETPOS needs weekdays (BYDAY).');
        pattern = { type: 'absoluteMonthly', interval, dayOfMonth: monthDay ?? first.getUTCDate() };
      }
      break;
    case 'YEARLY':
      if (byDay.length) {
        if (monthDay !== undefined) throw new UnrepeatableInOutlook('a date and a weekday in one yearly rule.');
        pattern = { type: 'relativeYearly', interval, month: month ?? first.getUTCMonth() + 1, ...relative() };
      } else {
        if (position !== undefined) throw new UnrepeatableInOutlook('BYSETPOS needs weekdays (BYDAY).');
        if (monthDay !== undefined && month === undefined)
          throw new UnrepeatableInOutlook('a day of the month in every month of a yearly rule; choose one month.');
        pattern = {
          type: 'absoluteYearly',
          interval,
          month: month ?? first.getUTCMonth() + 1,
          dayOfMonth: monthDay ?? first.getUTCDate(),
        };
      }
      break;
    default:
      throw new UnrepeatableInOutlook('choose daily, weekly, monthly or yearly.');
  }

  const range: Obj = { startDate, recurrenceTimeZone: ianaToWindows(zone) };
  const count = parts.get('COUNT');
  const until = parts.get('UNTIL');
  if (count !== undefined) {
    range.type = 'numbered';
    range.numberOfOccurrences = single(count, 'number of occurrences', 1, 999)!;
  } else if (until !== undefined) {
    range.type = 'endDate';
    range.endDate = untilDate(until, zone);
  } else range.type = 'noEnd';
  return { pattern, range };
}

/** UNTIL (a date, or a date-time, UTC with Z) as the last date of the series in its zone. */
function untilDate(until: string, zone: string): string {
  const match = /^(\d{4})(\d{2})(\d{2})(T(\d{2})(\d{2})(\d{2})(Z)?)?$/.exec(until);
  if (!match) throw new UnrepeatableInOutlook(`UNTIL "${until.slice(0, 20)}" is not a date.`);
  const [, y, m, d, time, hh, mm, ss, utc] = match;
  if (!time || !utc) return `${y}-${m}-${d}`;
  return dateOfFloating(floatingOf(Date.parse(`${y}-${m}-${d}T${hh}:${mm}:${ss}Z`), zone));
}

/** The calendar capability's `repeats`: the rule as Outlook will answer it, or why it cannot hold it. */
export function outlookRepeats(rule: string, start: SeriesStart): { rule: string } | { refused: string } {
  try {
    return { rule: rruleOf(patternedRecurrenceOf(rule, start)) ?? rule };
  } catch (error) {
    if (error instanceof UnrepeatableInOutlook) return { refused: error.message };
    throw error;
  }
}
