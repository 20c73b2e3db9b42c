import {
  deviceEventTypes,
  type DeviceEventType,
  type deviceSourceSchema,
  type RetentionSettings,
} from '@made-open/shared';
import type { z } from 'zod';
import type { Database } from '../../platform/db/index.ts';
import type { AuthenticatedUser } from '../../platform/http/authentication.ts';
import type { Logger } from '../../platform/logger.ts';
import type { EventOutbox } from '../events/index.ts';
import { retentionRepository as repo, type RetentionRow } from './devices.retention.repository.ts';

/**
 * What each source keeps when its owner has not said otherwise: raw locations for 30 days,
 * then one point per 10 minutes for good; clipboard text a week; the rest 90 days.
 */
export const defaultRetention: Record<DeviceEventType, RetentionSettings> = {
  location: { rawDays: 30, downsampleMinutes: 10, keepDays: null, budgetMb: null },
  wifi: { rawDays: 90, downsampleMinutes: null, keepDays: null, budgetMb: null },
  active_app: { rawDays: 90, downsampleMinutes: null, keepDays: null, budgetMb: null },
  idle: { rawDays: 90, downsampleMinutes: null, keepDays: null, budgetMb: null },
  clipboard: { rawDays: 7, downsampleMinutes: null, keepDays: null, budgetMb: null },
  call_log: { rawDays: 90, downsampleMinutes: null, keepDays: null, budgetMb: null },
  battery: { rawDays: 30, downsampleMinutes: 60, keepDays: 365, budgetMb: null },
  screen: { rawDays: 90, downsampleMinutes: null, keepDays: null, budgetMb: null },
};

/**
 * Disk a stored event takes besides its JSON payload: the tuple header and line pointer
 * (28 B), the fixed columns (~90 B with the event id), its primary-key entry (~50 B) and page
 * slack: bench/devices.ts measured 253 B per location event with a ~50 B payload.
 * Measured against pg_total_relation_size by bench/devices.ts (see docs/BENCHMARKS.md).
 */
export const rowOverheadBytes = 200;
const mb = 1024 * 1024;
const day = 86_400_000;

function settingsOf(row: RetentionRow): RetentionSettings {
  return {
    rawDays: row.raw_days,
    downsampleMinutes: row.downsample_minutes,
    keepDays: row.keep_days,
    budgetMb: row.budget_bytes === null ? null : Math.round(Number(row.budget_bytes) / mb),
  };
}

export interface RetentionDeps {
  db: Database;
  logger: Logger;
  outbox: Pick<EventOutbox, 'append'>;
  now?: () => Date;
}

/** Retention, downsampling and budgets per source (issue 16 §4), run by the devices.retention job. */
export function createRetention(deps: RetentionDeps) {
  const now = deps.now ?? (() => new Date());

  async function sources(user: AuthenticatedUser): Promise<z.infer<typeof deviceSourceSchema>[]> {
    const [rows, usage] = await deps.db.asUser(
      user.claims,
      async (tx) => [await repo.settings(tx), await repo.usage(tx)] as const,
    );
    return deviceEventTypes.map((type) => {
      const row = rows.find((r) => r.type === type);
      const used = usage.find((u) => u.type === type);
      const settings = row ? settingsOf(row) : defaultRetention[type];
      const events = Number(used?.events ?? 0);
      const estimatedBytes = Number(used?.bytes ?? 0) + events * rowOverheadBytes;
      return {
        type,
        settings,
        custom: row !== undefined,
        events,
        estimatedBytes,
        overBudget: settings.budgetMb !== null && estimatedBytes > settings.budgetMb * mb,
      };
    });
  }

  /** Applies one owner's retention to every source, then checks their budgets. */
  async function runForOwner(ownerId: string) {
    const claims = { role: 'authenticated' as const, sub: ownerId };
    const at = now();
    let deleted = 0;
    await deps.db.asUser(claims, async (tx) => {
      const rows = await repo.settings(tx);
      for (const type of deviceEventTypes) {
        const row = rows.find((r) => r.type === type);
        const settings = row ? settingsOf(row) : defaultRetention[type];
        const rawEnd = new Date(at.getTime() - settings.rawDays * day);
        let removed = 0;
        if (settings.downsampleMinutes === null) {
          removed += await repo.deleteBefore(tx, type, rawEnd);
        } else {
          const bucketMs = settings.downsampleMinutes * 60_000;
          const until = new Date(Math.floor(rawEnd.getTime() / bucketMs) * bucketMs);
          const from = row?.downsampled_until ? new Date(row.downsampled_until) : null;
          if (from === null || from < until) {
            removed += await repo.downsample(tx, type, settings.downsampleMinutes, from, until);
            // Defaults have no row to remember progress in: they rescan, which keeps the same points.
            if (row) await repo.markDownsampled(tx, ownerId, type, until);
          }
          if (settings.keepDays !== null) {
            removed += await repo.deleteBefore(tx, type, new Date(at.getTime() - settings.keepDays * day));
          }
        }
        if (removed > 0) await repo.recount(tx, type);
        deleted += removed;
      }
    });
    // Budgets: one alert per source until its owner changes the budget (or it falls back under).
    const user = { id: ownerId, claims } as AuthenticatedUser;
    const alerts = (await sources(user)).filter((s) => s.custom);
    await deps.db.asUser(claims, async (tx) => {
      const rows = await repo.settings(tx);
      for (const source of alerts) {
        const row = rows.find((r) => r.type === source.type)!;
        if (source.overBudget && row.over_budget_notified_at === null) {
          await deps.outbox.append(tx, {
            type: 'device.SourceOverBudget',
            ownerId,
            subject: source.type,
            actor: { kind: 'system', id: 'devices.retention' },
            data: { type: source.type, bytes: source.estimatedBytes, budgetBytes: source.settings.budgetMb! * mb },
          });
          await repo.markNotified(tx, ownerId, source.type);
        } else if (!source.overBudget && row.over_budget_notified_at !== null) {
          await repo.clearNotified(tx, ownerId, source.type);
        }
      }
    });
    return deleted;
  }

  return {
    sources,
    async save(user: AuthenticatedUser, type: DeviceEventType, settings: RetentionSettings) {
      await deps.db.asUser(user.claims, (tx) =>
        repo.saveSettings(tx, user.id, type, {
          rawDays: settings.rawDays,
          downsampleMinutes: settings.downsampleMinutes,
          keepDays: settings.keepDays,
          budgetBytes: settings.budgetMb === null ? null : settings.budgetMb * mb,
        }),
      );
      return (await sources(user)).find((s) => s.type === type)!;
    },
    runForOwner,
    /** What the daily job runs: every owner with device events, each under their own RLS. */
    async runAll() {
      const owners = await deps.db.asSystem((tx) => repo.ownersWithEvents(tx));
      let deleted = 0;
      for (const ownerId of owners) deleted += await runForOwner(ownerId);
      return deleted;
    },
  };
}

export type Retention = ReturnType<typeof createRetention>;
