/**
 * Wall clocks and instants in IANA time zones, with Intl only (Node 20 ships the full ICU).
 * A "floating" time is a wall clock written as if it were UTC (Date.UTC of its fields): the
 * form recurrence rules expand in, so 09:00 stays 09:00 on both sides of a DST change.
 */

import { LRUCache } from 'lru-cache';

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let format = formatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      era: 'short',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, format);
  }
  return format;
}

/** Whether Intl knows this IANA zone (Europe/London, UTC); never throws. */
export function isTimeZone(value: string): boolean {
  if (!/^[A-Za-z0-9_+\-/]{1,64}$/.test(value)) return false;
  try {
    formatter(value);
    return true;
  } catch {
    return false;
  }
}

const dayLength = 86_400_000;

/**
 * Per zone and UTC day: the zone's offset when it holds all day (no DST change or other
 * transition that day). Expanding a series asks for the same days on every read, and Intl's
 * formatToParts is most of a long window's cost; a day whose offset changes is read exactly.
 */
const dayOffsets = new LRUCache<string, number>({ max: 100_000 });

/** The wall clock of `instant` in `timeZone`, as a floating time (ms). */
export function floatingOf(instant: number, timeZone: string): number {
  const day = Math.floor(instant / dayLength);
  const key = `${timeZone}\n${day}`;
  let offset = dayOffsets.get(key);
  if (offset === undefined) {
    const start = day * dayLength;
    const end = start + dayLength - 1000;
    offset = wallClockOf(start, timeZone) - start;
    // Changed within the day: this instant is read exactly, and the day is not cached.
    if (wallClockOf(end, timeZone) - end !== offset) return wallClockOf(instant, timeZone);
    dayOffsets.set(key, offset);
  }
  return instant + offset;
}

/** floatingOf, read from Intl for this one instant. */
function wallClockOf(instant: number, timeZone: string): number {
  const parts: Record<string, number> = {};
  let beforeChrist = false;
  for (const part of formatter(timeZone).formatToParts(new Date(instant))) {
    if (part.type === 'era') beforeChrist = part.value === 'BC';
    else if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  const ms = ((instant % 1000) + 1000) % 1000;
  // Not Date.UTC: it reads the years 0 to 99 as 1900 to 1999. Intl counts 1 BC as year 1 BC,
  // the year 0 here (one day before 0001-01-01 is where instantOf looks first).
  const at = new Date(0);
  at.setUTCFullYear(beforeChrist ? 1 - parts.year! : parts.year!, parts.month! - 1, parts.day!);
  at.setUTCHours(parts.hour!, parts.minute!, parts.second!, ms);
  return at.getTime();
}

/** The zone's offset from UTC at `instant`, in ms. */
export function offsetAt(instant: number, timeZone: string): number {
  return floatingOf(instant, timeZone) - instant;
}

/**
 * The instant a wall clock in `timeZone` names. A wall clock skipped by DST (02:30 on a
 * spring-forward night) moves forward by the gap; a repeated one takes its first instant.
 */
export function instantOf(floating: number, timeZone: string): number {
  const before = offsetAt(floating - 86_400_000, timeZone);
  const after = offsetAt(floating + 86_400_000, timeZone);
  const first = floating - before;
  if (floatingOf(first, timeZone) === floating) return first;
  const second = floating - after;
  if (floatingOf(second, timeZone) === floating) return second;
  // In the gap: read with the offset before the jump, it lands the gap's length later (02:30 -> 03:30).
  return first;
}

const pad = (n: number, width = 2) => String(Math.abs(n)).padStart(width, '0');

/** `instant` written in `timeZone` with its offset: 2026-03-29T09:00:00+02:00. */
export function isoInZone(instant: number, timeZone: string): string {
  const floating = floatingOf(instant, timeZone);
  const offsetMinutes = Math.round((floating - instant) / 60_000);
  const wall = new Date(floating).toISOString().slice(0, 19);
  const sign = offsetMinutes < 0 ? '-' : '+';
  return `${wall}${sign}${pad(Math.trunc(offsetMinutes / 60))}:${pad(offsetMinutes % 60)}`;
}

/** YYYY-MM-DD of a floating time. */
export const dateOfFloating = (floating: number) => new Date(floating).toISOString().slice(0, 10);

/** A date (YYYY-MM-DD) as a floating midnight. */
export const floatingOfDate = (date: string) => Date.parse(`${date}T00:00:00Z`);

export const isDate = (value: string) => /^\d{4}-\d{2}-\d{2}$/.test(value);

export const dayMs = 86_400_000;

/**
 * The floating time of iCalendar's basic-format fields (`20261224`, `093000`), or null when
 * they name no real date or time. Date.UTC would roll 20260230 over to 2 March and read the
 * year 0050 as 1950; a resource must not be stored as a day it does not say.
 */
export function floatingOfBasic(date: string, time = '000000'): number | null {
  const d = /^(\d{4})(\d{2})(\d{2})$/.exec(date);
  const t = /^(\d{2})(\d{2})(\d{2})$/.exec(time);
  if (!d || !t) return null;
  const [year, month, day, hour, minute, second] = [d[1], d[2], d[3], t[1], t[2], t[3]].map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (hour > 23 || minute > 59 || second > 59) return null;
  const at = new Date(0);
  at.setUTCFullYear(year, month - 1, day);
  at.setUTCHours(hour, minute, second, 0);
  const real = at.getUTCFullYear() === year && at.getUTCMonth() === month - 1 && at.getUTCDate() === day;
  return real ? at.getTime() : null;
}
