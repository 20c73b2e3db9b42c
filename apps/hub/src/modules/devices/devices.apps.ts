import type { Sql } from '../../platform/db/index.ts';

/**
 * App usage (issue 16 §5) from a device's focus events, computed for a time range when asked
 * (the events are the summary's only input, so nothing can drift out of step with them):
 *
 * - `active_app` at t opens a span for its app. A heartbeat with `durationSeconds` (the agent,
 *   ActivityWatch) lasts that long; a plain focus change lasts until the next focus event,
 *   at most an hour (a laptop shut without an idle event does not count the night).
 * - Every span ends at the device's next `active_app`, `idle` with idle: true, or `screen`
 *   off/locked, so overlapping heartbeats never count twice.
 * - Spans are clipped to the range; seconds are summed per app over the owner's devices.
 */
export const maxFocusChangeMs = 60 * 60_000;

export interface FocusEvent {
  device_id: string;
  time: number;
  type: string;
  data: Record<string, unknown>;
}

const endsFocus = (event: FocusEvent) =>
  event.type === 'active_app' ||
  (event.type === 'idle' && event.data.idle === true) ||
  (event.type === 'screen' && (event.data.state === 'off' || event.data.state === 'locked'));

/** At most this many window titles are kept per app in a summary. */
export const maxTitlesPerApp = 5;
/** A title longer than this is cut (titles are kept as the device's privacy filters let them through). */
export const maxTitleLength = 200;

export interface AppSpanTotals {
  seconds: number;
  /** Seconds per window title (events without a title count only for the app). */
  titles: Map<string, number>;
}

/**
 * Seconds per app (and per window title) in [from, to) from events in time order per device.
 * Linear in the events: each device's list is walked backwards once to find where every span ends.
 */
export function usageByApp(events: readonly FocusEvent[], from: number, to: number): Map<string, AppSpanTotals> {
  const usage = new Map<string, AppSpanTotals>();
  const byDevice = new Map<string, FocusEvent[]>();
  for (const event of events) {
    const list = byDevice.get(event.device_id);
    if (list) list.push(event);
    else byDevice.set(event.device_id, [event]);
  }
  for (const list of byDevice.values()) {
    let nextEnd = Infinity;
    for (let index = list.length - 1; index >= 0; index -= 1) {
      const event = list[index]!;
      const endsAt = nextEnd;
      if (endsFocus(event)) nextEnd = event.time;
      if (event.type !== 'active_app' || typeof event.data.app !== 'string') continue;
      const duration =
        typeof event.data.durationSeconds === 'number' ? event.data.durationSeconds * 1000 : maxFocusChangeMs;
      const end = Math.min(event.time + duration, endsAt, to);
      const start = Math.max(event.time, from);
      if (end <= start) continue;
      const seconds = (end - start) / 1000;
      const totals = usage.get(event.data.app) ?? { seconds: 0, titles: new Map<string, number>() };
      totals.seconds += seconds;
      if (typeof event.data.title === 'string' && event.data.title.trim() !== '') {
        const title = event.data.title.trim().slice(0, maxTitleLength);
        totals.titles.set(title, (totals.titles.get(title) ?? 0) + seconds);
      }
      usage.set(event.data.app, totals);
    }
  }
  return usage;
}

/** Seconds per app in [from, to) from events in time order (per device). */
export function usageOf(events: readonly FocusEvent[], from: number, to: number): Map<string, number> {
  return new Map([...usageByApp(events, from, to)].map(([app, totals]) => [app, totals.seconds]));
}

const ms = (column: string) => `(extract(epoch FROM ${column}) * 1000)::float8`;
const focusTypes = `type IN ('active_app', 'idle', 'screen')`;
/** endsFocus in SQL. */
const spanEnds = `(type = 'active_app' OR (type = 'idle' AND data->>'idle' = 'true') OR (type = 'screen' AND data->>'state' IN ('off', 'locked')))`;

/**
 * The focus events of [from, to) plus, per device, the last span-ending one in the day before
 * (a span reaching into the range starts there). Two BRIN range reads under the owner's RLS.
 */
export async function focusEvents(tx: Sql, from: number, to: number, deviceId?: string): Promise<FocusEvent[]> {
  const [start, end, device] = [new Date(from).toISOString(), new Date(to).toISOString(), deviceId ?? null];
  const { rows: before } = await tx.query<FocusEvent & Record<string, unknown>>(
    `SELECT DISTINCT ON (device_id) device_id, ${ms('time')} AS time, type, data FROM made_open.device_events
     WHERE ${spanEnds} AND time >= $1::timestamptz - interval '1 day' AND time < $1 AND ($2::uuid IS NULL OR device_id = $2)
     ORDER BY device_id, time DESC, seq DESC NULLS LAST, event_id DESC`,
    [start, device],
  );
  const { rows } = await tx.query<FocusEvent & Record<string, unknown>>(
    `SELECT device_id, ${ms('time')} AS time, type, data FROM made_open.device_events
     WHERE ${focusTypes} AND time >= $1 AND time < $2 AND ($3::uuid IS NULL OR device_id = $3)
     ORDER BY device_id, time, seq NULLS FIRST, event_id`,
    [start, end, device],
  );
  return [...before, ...rows].sort((a, b) =>
    a.device_id === b.device_id ? a.time - b.time : a.device_id < b.device_id ? -1 : 1,
  );
}

/** Apps by seconds used, most first (ties by name). */
export function rankApps(seconds: Map<string, number>) {
  return [...seconds]
    .map(([app, s]) => ({ app, seconds: Math.round(s) }))
    .filter((entry) => entry.seconds > 0)
    .sort((a, b) => b.seconds - a.seconds || a.app.localeCompare(b.app));
}

export interface RankedApp {
  app: string;
  seconds: number;
  titles: { title: string; seconds: number }[];
}

/** Apps by seconds used, most first, each with its most-used window titles (at most maxTitlesPerApp). */
export function rankAppsWithTitles(usage: Map<string, AppSpanTotals>): RankedApp[] {
  const bySeconds = <T extends { seconds: number }>(a: T & { name: string }, b: T & { name: string }) =>
    b.seconds - a.seconds || a.name.localeCompare(b.name);
  return [...usage]
    .map(([app, totals]) => ({ name: app, seconds: Math.round(totals.seconds), totals }))
    .filter((entry) => entry.seconds > 0)
    .sort(bySeconds)
    .map(({ name, seconds, totals }) => ({
      app: name,
      seconds,
      titles: [...totals.titles]
        .map(([title, s]) => ({ name: title, seconds: Math.round(s) }))
        .filter((entry) => entry.seconds > 0)
        .sort(bySeconds)
        .slice(0, maxTitlesPerApp)
        .map(({ name: title, seconds: s }) => ({ title, seconds: s })),
    }));
}
