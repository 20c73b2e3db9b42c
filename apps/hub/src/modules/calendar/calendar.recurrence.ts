import { LRUCache } from 'lru-cache';
import rrule from 'rrule';
import { ValidationError } from '../../platform/errors.ts';
import { dayMs, floatingOf, floatingOfDate, instantOf, isDate } from './calendar.time.ts';

const { RRule } = rrule;

/** Rule parts a personal calendar uses (RFC 5545 §3.3.10); anything else is refused, not guessed. */
const allowedParts = new Set([
  'FREQ',
  'INTERVAL',
  'COUNT',
  'UNTIL',
  'BYDAY',
  'BYMONTHDAY',
  'BYMONTH',
  'BYSETPOS',
  'BYYEARDAY',
  'BYWEEKNO',
  'WKST',
]);
const allowedFrequencies = new Set(['YEARLY', 'MONTHLY', 'WEEKLY', 'DAILY']);

/** At most this many occurrences of one series in one window (a daily rule over 400 days fits). */
export const maxOccurrencesPerSeries = 500;

type RuleOptions = ReturnType<typeof RRule.parseString>;

interface ParsedRule {
  options: RuleOptions;
  untilIsUtc: boolean;
  /** UNTIL=20261231, a date without a time. */
  untilIsDate: boolean;
}

/** Whether a rule's parts match any date at all, by rule text. */
const occursByRule = new LRUCache<string, boolean>({ max: 2000 });
const probeStart = new Date(Date.UTC(9600, 0, 1));

/**
 * Whether any date matches the rule's parts (not so for BYMONTH=2;BYMONTHDAY=30). rrule
 * stops only at a date it produces or after the year 9999: such a rule ran ~3 million daily
 * periods, 5 to 12 s of blocked event loop, on every write and every read of its series.
 * The probe starts at 9600-01-01, which the 400-year Gregorian cycle lines up with
 * 2000-01-01, so it covers one whole cycle and ends at 9999 at the latest.
 */
function canOccur(body: string, options: RuleOptions): boolean {
  const key = body.toUpperCase();
  let occurs = occursByRule.get(key);
  if (occurs === undefined) {
    const { count: _count, until: _until, ...parts } = options;
    occurs = new RRule({ ...parts, dtstart: probeStart }).after(probeStart, true) !== null;
    occursByRule.set(key, occurs);
  }
  return occurs;
}

/** Parses an RRULE (with or without the `RRULE:` prefix); a 400 naming what is wrong otherwise. */
export function parseRule(recurrence: string): ParsedRule {
  const parsed = parseRuleParts(recurrence);
  if (!parsed.occurs) {
    const why =
      'no date ever matches it (like February 30): check BYMONTH, BYMONTHDAY, BYYEARDAY, BYWEEKNO, BYDAY and BYSETPOS.';
    throw new ValidationError(`recurrence: ${why}`, [{ path: '/recurrence', message: why }]);
  }
  return parsed;
}

function parseRuleParts(recurrence: string): ParsedRule & { occurs: boolean } {
  const body = recurrence.trim().replace(/^RRULE:/i, '');
  const refuse = (why: string): never => {
    throw new ValidationError(`recurrence: ${why}`, [{ path: '/recurrence', message: why }]);
  };
  if (body.length === 0 || body.length > 500 || /[\r\n]/.test(body))
    refuse('give one RRULE line, such as FREQ=WEEKLY;BYDAY=MO.');
  const parts = new Map<string, string>();
  for (const part of body.split(';')) {
    const match = /^([A-Z]+)=([A-Z0-9,+\-T]+)$/i.exec(part);
    if (!match) refuse(`"${part.slice(0, 40)}" is not a NAME=VALUE rule part.`);
    const name = match![1]!.toUpperCase();
    if (!allowedParts.has(name)) refuse(`${name} is not supported here.`);
    if (parts.has(name)) refuse(`${name} is given twice.`);
    parts.set(name, match![2]!.toUpperCase());
  }
  const freq = parts.get('FREQ');
  if (!freq || !allowedFrequencies.has(freq)) refuse('FREQ must be YEARLY, MONTHLY, WEEKLY or DAILY.');
  if (parts.has('COUNT') && parts.has('UNTIL')) refuse('give COUNT or UNTIL, not both.');
  const count = parts.get('COUNT');
  if (count !== undefined && !/^\d{1,4}$/.test(count)) refuse('COUNT must be a whole number up to 9999.');
  const interval = parts.get('INTERVAL');
  if (interval !== undefined && !/^[1-9]\d{0,2}$/.test(interval)) refuse('INTERVAL must be 1 to 999.');
  const until = parts.get('UNTIL');
  if (until !== undefined && !/^\d{8}(T\d{6}Z?)?$/.test(until))
    refuse('UNTIL must look like 20261231 or 20261231T235959Z.');
  let options: RuleOptions;
  let occurs: boolean;
  try {
    options = RRule.parseString(body);
    // Runs the rule once, so a value rrule cannot use fails here rather than on a read.
    occurs = canOccur(body, options);
  } catch (error) {
    return refuse(`${(error as Error).message.slice(0, 200)}.`);
  }
  return {
    options,
    untilIsUtc: until !== undefined && until.endsWith('Z'),
    untilIsDate: until !== undefined && until.length === 8,
    occurs,
  };
}

export interface SeriesStart {
  startsAt: string;
  endsAt?: string;
  allDay?: boolean;
  timeZone?: string;
  recurrence: string;
}

export interface Occurrence {
  /** The occurrence's original start as a floating wall clock, the key exceptions replace it by (20260329T090000). */
  key: string;
  /** Timed: instants (ms); all-day: floating midnights of its dates. */
  start: number;
  end: number;
}

export const occurrenceKey = (floating: number, allDay: boolean) =>
  new Date(floating)
    .toISOString()
    .slice(0, allDay ? 10 : 19)
    .replace(/[-:]/g, '');

/** 400 Gregorian years: 146097 days, exactly 20871 weeks and 4800 months. */
const gregorianCycleMs = 146_097 * dayMs;

/**
 * The series' start moved forward by whole periods of its rule to at most one such span
 * before `windowStart`, so every occurrence from there on is the same: rrule walks every
 * period from the start, so a weekly meeting held for years cost a read more each week, and a
 * daily series from the year 1 cost 1.4 s. A DAILY or WEEKLY rule's period is INTERVAL days or
 * weeks on the wall clock (its BY* parts either pick within a period or filter dates, which the
 * shift does not change; WKST's weeks stay aligned); other rules move by whole 400-year
 * cycles (times INTERVAL), after which the calendar repeats. Not with COUNT, which counts
 * from the real start.
 */
function closerStart(dtstart: number, options: RuleOptions, windowStart: number): number {
  if (options.count !== null && options.count !== undefined) return dtstart;
  const interval = options.interval ?? 1;
  const span =
    options.freq === RRule.DAILY
      ? dayMs * interval
      : options.freq === RRule.WEEKLY
        ? 7 * dayMs * interval
        : gregorianCycleMs * interval;
  const cycles = Math.floor((windowStart - dtstart) / span);
  return cycles > 0 ? dtstart + cycles * span : dtstart;
}

/**
 * A series' rule on its own wall clock: rrule's options and DTSTART as a floating time. UNTIL
 * in UTC names an instant, so it becomes a wall clock too; a date alone ends a timed series
 * after that day (as Outlook's endDate, which it comes from, does).
 */
function wallClockRule(series: SeriesStart) {
  const { options, untilIsUtc, untilIsDate, occurs } = parseRuleParts(series.recurrence);
  const allDay = series.allDay === true || isDate(series.startsAt);
  const zone = series.timeZone ?? 'UTC';
  const dtstart = allDay ? floatingOfDate(series.startsAt.slice(0, 10)) : floatingOf(Date.parse(series.startsAt), zone);
  const until =
    !options.until || allDay
      ? options.until
      : untilIsUtc
        ? new Date(floatingOf(options.until.getTime(), zone))
        : untilIsDate
          ? new Date(options.until.getTime() + dayMs - 1)
          : options.until;
  return { options, until, occurs, allDay, zone, dtstart };
}

/**
 * The occurrences of a series that may overlap [from, to) (instants, ms). The rule runs on
 * the master's wall clock in its own time zone, so a 09:00 meeting stays at 09:00 across
 * DST; each result becomes an instant in that zone. All-day series run on dates.
 */
export function expandSeries(series: SeriesStart, from: number, to: number): Occurrence[] {
  const { options, until, occurs, allDay, zone, dtstart } = wallClockRule(series);
  // Stored before such rules were refused: it has no occurrences, and rrule would not stop.
  if (!occurs) return [];
  const startInstant = Date.parse(series.startsAt);
  const endInstant = series.endsAt ? Date.parse(series.endsAt) : allDay ? startInstant + dayMs : startInstant;
  const duration = Math.max(0, endInstant - startInstant);
  // Floating bounds wide enough for any zone's offset and the event's own length.
  const after = new Date(from - duration - 2 * dayMs);
  const before = new Date(to + 2 * dayMs);
  const rule = new RRule({
    ...options,
    until,
    dtstart: new Date(closerStart(dtstart, options, after.getTime())),
    tzid: null,
  });
  const occurrences: Occurrence[] = [];
  rule.between(after, before, true, (date) => {
    const floating = date.getTime();
    const start = allDay ? floating : instantOf(floating, zone);
    const end = allDay ? floating + Math.max(duration, dayMs) : instantOf(floating + duration, zone);
    occurrences.push({ key: occurrenceKey(floating, allDay), start, end });
    return occurrences.length < maxOccurrencesPerSeries;
  });
  return occurrences;
}

/**
 * How many occurrences of a series start before the wall clock `before` (a floating time, as
 * an occurrence key names it), counting at most `limit` (COUNT is at most 9999). For "this and
 * following": the part of a series that stays, and whether any does.
 */
export function occurrencesBefore(series: SeriesStart, before: number, limit = 10_000): number {
  const { options, until, occurs, dtstart } = wallClockRule(series);
  if (!occurs || before <= dtstart) return 0;
  const rule = new RRule({ ...options, until, dtstart: new Date(dtstart), tzid: null });
  let count = 0;
  rule.between(new Date(dtstart), new Date(before), true, (date) => {
    if (date.getTime() < before) count += 1;
    return count < limit;
  });
  return count;
}

/** A rule's COUNT, when it has one. */
export function countOf(recurrence: string): number | undefined {
  const count = /(?:^|;)COUNT=(\d+)/i.exec(recurrence.replace(/^RRULE:/i, ''))?.[1];
  return count === undefined ? undefined : Number(count);
}

/** The rule with its end replaced: COUNT=n, UNTIL=value, or no end at all. */
export function withEnd(recurrence: string, end: { count: number } | { until: string } | null): string {
  const parts = recurrence
    .trim()
    .replace(/^RRULE:/i, '')
    .split(';')
    .filter((part) => !/^(COUNT|UNTIL)=/i.test(part));
  if (end && 'count' in end) parts.push(`COUNT=${end.count}`);
  if (end && 'until' in end) parts.push(`UNTIL=${end.until}`);
  return parts.join(';');
}
