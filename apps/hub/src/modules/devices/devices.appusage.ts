import type { Database, Sql } from '../../platform/db/index.ts';
import { ValidationError } from '../../platform/errors.ts';
import type { AuthenticatedUser } from '../../platform/http/authentication.ts';
import { focusEvents, rankAppsWithTitles, usageByApp } from './devices.apps.ts';
import { checkZone, dayBounds, localDate } from './devices.days.ts';
import { appUsageRepository as repo, type AppUsageDay, type AppUsageDayRow } from './devices.appusage.repository.ts';
import type { DeviceEventInsert } from './devices.repository.ts';
import type { DevicePrincipal } from './devices.service.ts';

/** Focus events: what app usage is computed from. */
export const focusEventTypes: readonly string[] = ['active_app', 'idle', 'screen'];
/** Days read from the events at a time while summarising (one BRIN range read each). */
const chunkDays = 31;

const iso = (ms: number) => new Date(ms).toISOString();
const addDays = (date: string, days: number) => {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
};

export interface StoredAppUsageDay extends AppUsageDay {
  computedAt: string;
}

const toStored = (row: AppUsageDayRow): StoredAppUsageDay => ({
  date: row.date,
  timeZone: row.time_zone,
  from: row.starts_at,
  to: row.ends_at,
  totalSeconds: row.total_seconds,
  apps: row.apps,
  events: row.events,
  computedAt: row.computed_at,
});

/**
 * Daily app-usage summaries (issue 16 §5), stored so they outlive the raw events:
 *
 * - Each upload that stores focus events marks the owner's earliest unsummarised one
 *   (`markPending`, in the upload's transaction).
 * - The devices.app-usage job (hourly) summarises, per owner with something pending, every
 *   finished local day from the pending one through yesterday, in the owner's summary zone
 *   (`device_app_usage_state.time_zone`, default UTC, set with PUT /api/v1/devices/app-usage/settings).
 *   A day is computed whole from its events and written over the stored one, so a rerun or a
 *   late event's rerun gives the same row (idempotent); a day with no usage left is deleted.
 * - Today is never stored: the day view computes it live.
 */
export function createAppUsage(deps: { db: Database; now?: () => Date }) {
  const now = deps.now ?? (() => new Date());

  /** Summarises `dates` (consecutive, oldest first) in `timeZone`; returns how many were stored. */
  async function summariseDays(tx: Sql, ownerId: string, dates: string[], timeZone: string) {
    let stored = 0;
    for (let i = 0; i < dates.length; i += chunkDays) {
      const chunk = dates.slice(i, i + chunkDays);
      const start = dayBounds(chunk[0]!, timeZone).from;
      const end = dayBounds(chunk.at(-1)!, timeZone).to;
      const events = await focusEvents(tx, start, end);
      for (const date of chunk) {
        const { from, to } = dayBounds(date, timeZone);
        const apps = rankAppsWithTitles(usageByApp(events, from, to));
        const totalSeconds = apps.reduce((sum, app) => sum + app.seconds, 0);
        if (totalSeconds === 0) {
          await repo.deleteDay(tx, date);
          continue;
        }
        const count = events.filter((event) => event.time >= from && event.time < to).length;
        await repo.saveDay(tx, ownerId, {
          date,
          timeZone,
          from: iso(from),
          to: iso(to),
          totalSeconds,
          apps,
          events: count,
        });
        stored += 1;
      }
    }
    return stored;
  }

  /**
   * One owner's pending days, under their RLS, with their state locked (an upload marking new
   * events waits, so no event is marked between reading the days and clearing the mark).
   */
  async function summariseOwner(ownerId: string): Promise<{ days: number; stored: number }> {
    return deps.db.asUser({ role: 'authenticated', sub: ownerId }, async (tx) => {
      const state = await repo.lockState(tx);
      if (!state || state.pending_from === null) return { days: 0, stored: 0 };
      const timeZone = state.time_zone;
      const today = localDate(now().getTime(), timeZone);
      const first = localDate(state.pending_from, timeZone);
      if (first >= today) return { days: 0, stored: 0 };
      const dates: string[] = [];
      for (let date = first; date < today; date = addDays(date, 1)) dates.push(date);
      const stored = await summariseDays(tx, ownerId, dates, timeZone);
      // Today's events (if any) are summarised once today is over.
      const todayStart = iso(dayBounds(today, timeZone).from);
      await repo.setPending(tx, ownerId, (await repo.hasFocusSince(tx, todayStart)) ? todayStart : null);
      return { days: dates.length, stored };
    });
  }

  return {
    /** In an upload's transaction: the earliest focus event it stored becomes pending. */
    async markPending(tx: Sql, device: DevicePrincipal, events: readonly DeviceEventInsert[]) {
      const earliest = events.reduce<string | null>(
        (min, event) => (min === null || Date.parse(event.time) < Date.parse(min) ? event.time : min),
        null,
      );
      if (earliest !== null) await repo.markPending(tx, device.ownerId, earliest);
    },

    summariseOwner,

    /** What the job runs: every owner with pending focus events, each under their own RLS. */
    async summariseAll() {
      const owners = await deps.db.asSystem((tx) => repo.pendingOwners(tx));
      let days = 0;
      for (const owner of owners) days += (await summariseOwner(owner.owner_id)).stored;
      return { owners: owners.length, days };
    },

    /** The stored summary the day view uses for `date` in `timeZone`, if it is current. */
    async storedDay(tx: Sql, date: string, timeZone: string): Promise<StoredAppUsageDay | undefined> {
      const { to } = dayBounds(date, timeZone);
      if (to > now().getTime()) return undefined;
      const [row, state] = [await repo.day(tx, date), await repo.state(tx)];
      if (!row || row.time_zone !== timeZone) return undefined;
      // Late events for this day arrived after it was summarised: the events say more until the job reruns.
      if (state?.pending_from !== null && state?.pending_from !== undefined && state.pending_from < to)
        return undefined;
      return toStored(row);
    },

    /** GET /api/v1/devices/app-usage: stored days in [from, to], oldest first, keyset-paged by date. */
    async list(
      user: AuthenticatedUser,
      query: { from: string; to: string; limit: number; cursor?: string | undefined },
    ) {
      if (query.to < query.from)
        throw new ValidationError('to must not be before from.', [{ path: '/to', message: 'Before from.' }]);
      return deps.db.asUser(user.claims, async (tx) => {
        const state = await repo.state(tx);
        const rows = await repo.listDays(tx, {
          from: query.from,
          to: query.to,
          after: query.cursor ?? null,
          limit: query.limit + 1,
        });
        const items = rows.slice(0, query.limit).map(toStored);
        return {
          timeZone: state?.time_zone ?? 'UTC',
          items,
          nextCursor: rows.length > query.limit ? items.at(-1)!.date : null,
        };
      });
    },

    async settings(user: AuthenticatedUser) {
      const state = await deps.db.asUser(user.claims, (tx) => repo.state(tx));
      return { timeZone: state?.time_zone ?? 'UTC' };
    },

    /** New days are cut in this zone; days already stored keep theirs. */
    async saveSettings(user: AuthenticatedUser, input: { timeZone: string }) {
      checkZone(input.timeZone);
      await deps.db.asUser(user.claims, (tx) => repo.saveTimeZone(tx, user.id, input.timeZone));
      return { timeZone: input.timeZone };
    },
  };
}

export type AppUsage = ReturnType<typeof createAppUsage>;
