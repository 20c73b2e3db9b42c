import type { DeviceDay } from '@made-open/shared';
import type { Database } from '../../platform/db/index.ts';
import { ValidationError } from '../../platform/errors.ts';
import type { AuthenticatedUser } from '../../platform/http/authentication.ts';
import { focusEvents, rankApps, rankAppsWithTitles, usageByApp, usageOf } from './devices.apps.ts';
import type { AppUsage } from './devices.appusage.ts';
import { distanceMeters } from './devices.stays.ts';
import { toVisit } from './devices.visits.ts';
import { visitsRepository as repo } from './devices.visits.repository.ts';

/** Fixes drawn per device and day (a fix a minute would be 1,440). */
export const maxTrackPoints = 500;
/** At most this many days of app usage per request. */
export const maxUsageDays = 62;

export function checkZone(timeZone: string) {
  try {
    new Intl.DateTimeFormat('en-CA', { timeZone });
  } catch {
    throw new ValidationError(`timeZone: "${timeZone}" is not a time zone. Use an IANA name like Europe/London.`, [
      { path: '/timeZone', message: 'Not an IANA time zone.' },
    ]);
  }
}

/** The local date (YYYY-MM-DD) of an instant in `timeZone`. */
export function localDate(instant: number, timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(
    new Date(instant),
  );
}

/** How far `zone`'s clock is ahead of UTC at `instant`, in ms. */
function offsetAt(instant: number, timeZone: string): number {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-CA', {
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
      .map((part) => [part.type, part.value]),
  );
  const asUtc = Date.UTC(+parts.year!, +parts.month! - 1, +parts.day!, +parts.hour!, +parts.minute!, +parts.second!);
  return asUtc - Math.floor(instant / 1000) * 1000;
}

/** The instant a local date begins in `timeZone` (23 or 25 hours long on clock changes). */
export function startOfDay(date: string, timeZone: string): number {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const guess = Date.UTC(y, m - 1, d);
  const first = guess - offsetAt(guess, timeZone);
  return guess - offsetAt(first, timeZone);
}

export function dayBounds(date: string, timeZone: string) {
  checkZone(timeZone);
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const next = new Date(Date.UTC(y, m - 1, d + 1)).toISOString().slice(0, 10);
  return { from: startOfDay(date, timeZone), to: startOfDay(next, timeZone) };
}

const iso = (ms: number) => new Date(ms).toISOString();

/** Every other fix, until at most `max` are left (keeping the first and last). */
function thin<T>(points: readonly T[], max: number): T[] {
  if (points.length <= max) return [...points];
  const stride = Math.ceil(points.length / max);
  const kept = points.filter((_, index) => index % stride === 0);
  if (kept.at(-1) !== points.at(-1)) kept[kept.length - 1] = points.at(-1)!;
  return kept;
}

/** The day view (issue 16 §8) and app usage over days: reads only, under the owner's RLS. */
export function createDays(deps: { db: Database; appUsage: Pick<AppUsage, 'storedDay'> }) {
  return {
    async day(user: AuthenticatedUser, date: string, timeZone: string): Promise<DeviceDay> {
      const { from, to } = dayBounds(date, timeZone);
      return deps.db.asUser(user.claims, async (tx) => {
        const visits = (await repo.listVisits(tx, { from: iso(from), to: iso(to) })).map(toVisit);
        const fixes = await repo.fixesBetween(tx, iso(from), iso(to));
        // A finished day summarised in this zone is read from its summary (its events may be gone by
        // retention); today, a day with late events not yet summarised, or another zone, from the events.
        const stored = await deps.appUsage.storedDay(tx, date, timeZone);
        const apps = stored?.apps ?? rankAppsWithTitles(usageByApp(await focusEvents(tx, from, to), from, to));

        const byDevice = new Map<string, typeof fixes>();
        for (const fix of fixes) byDevice.set(fix.device_id, [...(byDevice.get(fix.device_id) ?? []), fix]);
        const deviceIds = [...new Set([...byDevice.keys(), ...visits.map((v) => v.deviceId)])].sort();

        const moves: DeviceDay['moves'] = [];
        for (const deviceId of deviceIds) {
          const own = visits.filter((v) => v.deviceId === deviceId);
          const track = byDevice.get(deviceId) ?? [];
          // The stretches between visits (and before the first / after the last).
          const stops = [null, ...own, null];
          for (let i = 0; i + 1 < stops.length; i += 1) {
            const left = stops[i] ?? null;
            const right = stops[i + 1] ?? null;
            const start = left ? Date.parse(left.endedAt) : from;
            const end = right ? Date.parse(right.startedAt) : to;
            const between = track.filter((fix) => fix.time > start && fix.time < end);
            if (between.length === 0 && (left === null || right === null)) continue;
            const path = [...(left ? [left] : []), ...between, ...(right ? [right] : [])];
            let meters = 0;
            for (let k = 1; k < path.length; k += 1) meters += distanceMeters(path[k - 1]!, path[k]!);
            const moveFrom = left ? start : between[0]!.time;
            const moveTo = right ? end : between.at(-1)!.time;
            if (moveTo <= moveFrom) continue;
            moves.push({
              deviceId,
              from: iso(Math.max(moveFrom, from)),
              to: iso(Math.min(moveTo, to)),
              durationSeconds: Math.round((Math.min(moveTo, to) - Math.max(moveFrom, from)) / 1000),
              distanceMeters: Math.round(meters),
              fromVisitId: left?.id ?? null,
              toVisitId: right?.id ?? null,
            });
          }
        }
        moves.sort((a, b) => a.from.localeCompare(b.from));

        return {
          date,
          timeZone,
          from: iso(from),
          to: iso(to),
          visits,
          moves,
          tracks: [...byDevice].map(([deviceId, list]) => ({
            deviceId,
            points: thin(list, maxTrackPoints).map((fix) => [fix.lat, fix.lon] as [number, number]),
          })),
          apps,
          appsFrom: stored ? ('summary' as const) : ('events' as const),
          ...(stored ? { appsComputedAt: stored.computedAt } : {}),
        };
      });
    },

    /** Seconds per app for each local day of [fromDate, toDate]. */
    async appUsage(
      user: AuthenticatedUser,
      query: { from: string; to: string; timeZone: string; deviceId?: string | undefined },
    ) {
      checkZone(query.timeZone);
      const first = Date.parse(`${query.from}T00:00:00Z`);
      const last = Date.parse(`${query.to}T00:00:00Z`);
      const count = Math.round((last - first) / 86_400_000) + 1;
      if (count < 1)
        throw new ValidationError('to must not be before from.', [{ path: '/to', message: 'Before from.' }]);
      if (count > maxUsageDays) {
        throw new ValidationError(`At most ${maxUsageDays} days at a time.`, [
          { path: '/to', message: 'Too far from from.' },
        ]);
      }
      const dates = Array.from({ length: count }, (_, i) => iso(first + i * 86_400_000).slice(0, 10));
      const start = dayBounds(dates[0]!, query.timeZone).from;
      const end = dayBounds(dates.at(-1)!, query.timeZone).to;
      return deps.db.asUser(user.claims, async (tx) => {
        const events = await focusEvents(tx, start, end, query.deviceId);
        return {
          timeZone: query.timeZone,
          days: dates.map((date) => {
            const bounds = dayBounds(date, query.timeZone);
            const apps = rankApps(usageOf(events, bounds.from, bounds.to));
            return { date, totalSeconds: apps.reduce((sum, a) => sum + a.seconds, 0), apps };
          }),
        };
      });
    },
  };
}

export type Days = ReturnType<typeof createDays>;
