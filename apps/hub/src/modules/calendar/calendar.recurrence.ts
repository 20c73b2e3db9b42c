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

/** Parses an RRULE (with or without the `RRULE:` prefix); a 400 naming what is wrong otherwise. */
export function parseRule(recurrence: string): { options: RuleOptions; untilIsUtc: boolean } {
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
  try {
    options = RRule.parseString(body);
    // Builds the rule once, so a value rrule cannot use fails here rather than on a read.
    new RRule({ ...options, dtstart: new Date(Date.UTC(2026, 0, 1)) }).after(new Date(Date.UTC(2026, 0, 1)), true);
  } catch (error) {
    return refuse(`${(error as Error).message.slice(0, 200)}.`);
  }
  return { options, untilIsUtc: until !== undefined && until.endsWith('Z') };
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

/**
 * The occurrences of a series that may overlap [from, to) (instants, ms). The rule runs on
 * the master's wall clock in its own time zone, so a 09:00 meeting stays at 09:00 across
 * DST; each result becomes an instant in that zone. All-day series run on dates.
 */
export function expandSeries(series: SeriesStart, from: number, to: number): Occurrence[] {
  const { options, untilIsUtc } = parseRule(series.recurrence);
  const allDay = series.allDay === true || isDate(series.startsAt);
  const zone = series.timeZone ?? 'UTC';
  const startInstant = Date.parse(series.startsAt);
  const endInstant = series.endsAt ? Date.parse(series.endsAt) : allDay ? startInstant + dayMs : startInstant;
  const dtstart = allDay ? floatingOfDate(series.startsAt.slice(0, 10)) : floatingOf(startInstant, zone);
  const duration = Math.max(0, endInstant - startInstant);
  // UNTIL in UTC names an instant; the rule runs on wall clocks, so it becomes one too.
  const until =
    options.until && untilIsUtc && !allDay ? new Date(floatingOf(options.until.getTime(), zone)) : options.until;
  const rule = new RRule({ ...options, until, dtstart: new Date(dtstart), tzid: null });
  // Floating bounds wide enough for any zone's offset and the event's own length.
  const after = new Date(from - duration - 2 * dayMs);
  const before = new Date(to + 2 * dayMs);
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
