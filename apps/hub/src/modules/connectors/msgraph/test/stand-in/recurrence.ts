import { isObject } from './versions.ts';

/**
 * STAND-IN patternedRecurrence (test support, built from Graph's documented payloads: the
 * patternedRecurrence, recurrencePattern and recurrenceRange resources and "Schedule repeating
 * appointments as recurring events in Outlook", concepts/outlook-schedule-recurring-events.md).
 *
 * `checkRecurrence` validates a client's recurrence as Graph documents it (400 otherwise) and
 * answers it filled in as Graph echoes it back (user-post-events.md: month 0, dayOfMonth 0,
 * index "first", firstDayOfWeek "sunday", numberOfOccurrences 0, recurrenceTimeZone the
 * event's zone when not given, endDate "0001-01-01" when the range has none).
 * `occurrenceDates` expands it to the dates of its occurrences in the recurrence zone.
 */

export type Weekday = (typeof weekdays)[number];
const weekdays = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'] as const;
const indexes = ['first', 'second', 'third', 'fourth', 'last'] as const;
const patternTypes = [
  'daily',
  'weekly',
  'absoluteMonthly',
  'relativeMonthly',
  'absoluteYearly',
  'relativeYearly',
] as const;
const rangeTypes = ['endDate', 'noEnd', 'numbered'] as const;
const noDate = '0001-01-01';

export interface Recurrence {
  pattern: {
    type: (typeof patternTypes)[number];
    interval: number;
    month: number;
    dayOfMonth: number;
    daysOfWeek: Weekday[];
    firstDayOfWeek: Weekday;
    index: (typeof indexes)[number];
  };
  range: {
    type: (typeof rangeTypes)[number];
    startDate: string;
    endDate: string;
    recurrenceTimeZone: string;
    numberOfOccurrences: number;
  };
}

/**
 * Expansion bounds (a stand-in's, not Graph's): a noEnd series is expanded up to two years after
 * its startDate, and no series gets more than 1,000 instances (a daily endDate series over
 * years stops there too). Real Outlook expands without end; tests look at the first years.
 */
export const noEndYears = 2;
export const maxInstances = 1000;

const isDate = (value: unknown): value is string =>
  typeof value === 'string' &&
  /^\d{4}-\d{2}-\d{2}$/.test(value) &&
  !Number.isNaN(Date.parse(`${value}T00:00:00Z`)) &&
  new Date(`${value}T00:00:00Z`).toISOString().startsWith(value);

const positiveInteger = (value: unknown): value is number =>
  typeof value === 'number' && Number.isInteger(value) && value > 0;

/** Enum values as Graph takes them (any case), answered in Graph's spelling. */
function enumOf<T extends string>(values: readonly T[], value: unknown): T | undefined {
  return typeof value === 'string' ? values.find((v) => v.toLowerCase() === value.toLowerCase()) : undefined;
}

/**
 * A client's recurrence → the recurrence Graph stores and answers, or why not (the message of a
 * 400). `eventZone`: the zone of the event's start, the range's zone when it names none.
 */
export function checkRecurrence(
  input: unknown,
  eventZone: string,
): { recurrence: Recurrence; error?: undefined } | { error: string } {
  if (!isObject(input)) return { error: 'recurrence must be a patternedRecurrence ({pattern, range}).' };
  const pattern = input.pattern;
  const range = input.range;
  if (!isObject(pattern)) return { error: 'recurrence.pattern is required.' };
  if (!isObject(range)) return { error: 'recurrence.range is required.' };

  const type = enumOf(patternTypes, pattern.type);
  if (!type) return { error: `recurrence.pattern.type must be one of ${patternTypes.join(', ')}.` };
  if (!positiveInteger(pattern.interval)) return { error: 'recurrence.pattern.interval must be a positive integer.' };
  // Ignored fields are still validated (the concept page's note).
  const days = pattern.daysOfWeek ?? [];
  if (!Array.isArray(days) || days.some((d) => !enumOf(weekdays, d)))
    return { error: 'recurrence.pattern.daysOfWeek must be a list of weekdays (sunday … saturday).' };
  const daysOfWeek = [...new Set(days.map((d) => enumOf(weekdays, d)!))];
  const firstDayOfWeek = pattern.firstDayOfWeek === undefined ? 'sunday' : enumOf(weekdays, pattern.firstDayOfWeek);
  if (!firstDayOfWeek) return { error: 'recurrence.pattern.firstDayOfWeek must be a weekday.' };
  const index = pattern.index === undefined ? 'first' : enumOf(indexes, pattern.index);
  if (!index) return { error: `recurrence.pattern.index must be one of ${indexes.join(', ')}.` };
  const month = pattern.month ?? 0;
  if (typeof month !== 'number' || !Number.isInteger(month) || month < 0 || month > 12)
    return { error: 'recurrence.pattern.month must be 1 to 12.' };
  const dayOfMonth = pattern.dayOfMonth ?? 0;
  if (typeof dayOfMonth !== 'number' || !Number.isInteger(dayOfMonth) || dayOfMonth < 0 || dayOfMonth > 31)
    return { error: 'recurrence.pattern.dayOfMonth must be 1 to 31.' };
  const needsDays = ['weekly', 'relativeMonthly', 'relativeYearly'].includes(type);
  if (needsDays && daysOfWeek.length === 0)
    return { error: `recurrence.pattern.daysOfWeek is required for a ${type} pattern.` };
  if ((type === 'absoluteMonthly' || type === 'absoluteYearly') && dayOfMonth === 0)
    return { error: `recurrence.pattern.dayOfMonth is required for an ${type} pattern.` };
  if ((type === 'absoluteYearly' || type === 'relativeYearly') && month === 0)
    return { error: `recurrence.pattern.month is required for a ${type} pattern.` };

  const rangeType = enumOf(rangeTypes, range.type);
  if (!rangeType) return { error: `recurrence.range.type must be one of ${rangeTypes.join(', ')}.` };
  if (!isDate(range.startDate)) return { error: 'recurrence.range.startDate must be a date (YYYY-MM-DD).' };
  const endDate = range.endDate ?? undefined;
  if (endDate !== undefined && endDate !== noDate && !isDate(endDate))
    return { error: 'recurrence.range.endDate must be a date (YYYY-MM-DD).' };
  if (rangeType === 'endDate') {
    if (endDate === undefined || endDate === noDate)
      return { error: 'recurrence.range.endDate is required for an endDate range.' };
    if (endDate < range.startDate) return { error: 'recurrence.range.endDate must not be before its startDate.' };
  }
  const count = range.numberOfOccurrences ?? 0;
  if (rangeType === 'numbered' && !positiveInteger(count))
    return { error: 'recurrence.range.numberOfOccurrences must be a positive integer for a numbered range.' };
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 0)
    return { error: 'recurrence.range.numberOfOccurrences must be a whole number.' };
  const zone = range.recurrenceTimeZone ?? eventZone;
  if (typeof zone !== 'string' || zone.trim() === '' || zone.length > 100)
    return { error: 'recurrence.range.recurrenceTimeZone must be a time zone name.' };

  return {
    recurrence: {
      pattern: { type, interval: pattern.interval, month, dayOfMonth, daysOfWeek, firstDayOfWeek, index },
      range: {
        type: rangeType,
        startDate: range.startDate,
        endDate: rangeType === 'endDate' ? (endDate as string) : noDate,
        recurrenceTimeZone: zone,
        numberOfOccurrences: rangeType === 'numbered' ? count : 0,
      },
    },
  };
}

const dayMs = 86_400_000;
const toDay = (date: string) => Date.parse(`${date}T00:00:00Z`) / dayMs;
const ofDay = (day: number) => new Date(day * dayMs).toISOString().slice(0, 10);
const daysIn = (year: number, month: number) => new Date(Date.UTC(year, month, 0)).getUTCDate();
const dateOf = (year: number, month: number, day: number) => ofDay(Date.UTC(year, month - 1, day) / dayMs);

/**
 * The dates (YYYY-MM-DD, in the recurrence zone) of a recurrence's occurrences: the first on
 * or after range.startDate that fits the pattern (the concept page: "the first occurrence …
 * might not occur on this date if it does not fit the pattern"), up to endDate (inclusive),
 * numberOfOccurrences, or the bounds above. Expanded by hand, period by period, so every
 * loop ends by date: a rule no date fits (dayOfMonth 31 every 12th month from April) gives no
 * dates instead of running on (rrule's iterator would walk to the year 9999 first).
 *
 * A dayOfMonth past a month's end falls on its last day, as Outlook does ("Some months have
 * fewer than 31 days. For these months, the occurrence will fall on the last day of the month.").
 */
export function occurrenceDates(recurrence: Recurrence): string[] {
  const { pattern, range } = recurrence;
  const first = toDay(range.startDate);
  const start = new Date(first * dayMs);
  const horizon =
    range.type === 'endDate'
      ? toDay(range.endDate)
      : range.type === 'noEnd'
        ? toDay(dateOf(start.getUTCFullYear() + noEndYears, start.getUTCMonth() + 1, start.getUTCDate()))
        : // numbered: bounded by count; this horizon only ends a pattern no date fits.
          toDay(dateOf(start.getUTCFullYear() + 100 * pattern.interval, 1, 1));
  const limit = Math.min(range.type === 'numbered' ? range.numberOfOccurrences : maxInstances, maxInstances);
  const dates: string[] = [];
  const take = (day: number) => {
    if (day < first || day > horizon || dates.length >= limit) return;
    dates.push(ofDay(day));
  };
  const wanted = new Set(pattern.daysOfWeek.map((d) => weekdays.indexOf(d)));
  const pick = (year: number, month: number) => {
    const candidates: number[] = [];
    for (let d = 1; d <= daysIn(year, month); d += 1) {
      const day = Date.UTC(year, month - 1, d) / dayMs;
      if (wanted.has(new Date(day * dayMs).getUTCDay())) candidates.push(day);
    }
    return pattern.index === 'last' ? candidates.at(-1) : candidates[indexes.indexOf(pattern.index)];
  };
  const absolute = (year: number, month: number) =>
    Date.UTC(year, month - 1, Math.min(pattern.dayOfMonth, daysIn(year, month))) / dayMs;
  const full = () => dates.length >= limit;

  switch (pattern.type) {
    case 'daily':
      for (let day = first; day <= horizon && !full(); day += pattern.interval) take(day);
      break;
    case 'weekly': {
      // Weeks start on firstDayOfWeek; the week holding startDate is the first of the series.
      const weekStart = first - ((start.getUTCDay() - weekdays.indexOf(pattern.firstDayOfWeek) + 7) % 7);
      const offsets = [...wanted]
        .map((d) => (d - weekdays.indexOf(pattern.firstDayOfWeek) + 7) % 7)
        .sort((a, b) => a - b);
      for (let week = weekStart; week <= horizon && !full(); week += 7 * pattern.interval)
        for (const offset of offsets) take(week + offset);
      break;
    }
    case 'absoluteMonthly':
    case 'relativeMonthly':
      for (let n = 0; !full(); n += pattern.interval) {
        const at = new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + n, 1));
        if (at.getTime() / dayMs > horizon) break;
        const [year, month] = [at.getUTCFullYear(), at.getUTCMonth() + 1];
        const day = pattern.type === 'absoluteMonthly' ? absolute(year, month) : pick(year, month);
        if (day !== undefined) take(day);
      }
      break;
    case 'absoluteYearly':
    case 'relativeYearly':
      for (let year = start.getUTCFullYear(); !full(); year += pattern.interval) {
        if (Date.UTC(year, pattern.month - 1, 1) / dayMs > horizon) break;
        const day = pattern.type === 'absoluteYearly' ? absolute(year, pattern.month) : pick(year, pattern.month);
        if (day !== undefined) take(day);
      }
      break;
  }
  return dates;
}
