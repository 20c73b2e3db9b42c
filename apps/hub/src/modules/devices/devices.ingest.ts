import {
  clientEventIdSchema,
  deviceEventSchema,
  type DeviceEventBatch,
  type DeviceEventBatchResult,
} from '@made-open/shared';
import type { Database, Sql } from '../../platform/db/index.ts';
import { devicesRepository as repo, type DeviceEventInsert } from './devices.repository.ts';
import type { DevicePrincipal } from './devices.service.ts';

/** Below this the difference is network latency, not a wrong clock: left alone. */
export const skewToleranceMs = 5_000;
/** A corrected time further ahead of receipt than this cannot be real: the event is rejected. */
export const futureToleranceMs = 5 * 60_000;

type Result = DeviceEventBatchResult['results'][number];

function reasonOf(issues: readonly { path: PropertyKey[]; message: string }[]): string {
  return issues
    .slice(0, 3)
    .map((issue) => `${issue.path.map(String).join('.') || 'event'}: ${issue.message}`)
    .join('; ');
}

/**
 * Stores a batch of device events (issue 16 §2): each event is checked on its own and gets
 * its own result, so one bad event never sinks the batch and a retried batch stores nothing
 * twice (the client's id is the key). One multi-row insert and one counter upsert per batch.
 */
export function createDeviceIngest(deps: {
  db: Database;
  /** Call-log lines become call entities in the same transaction (devices.calls.ts). */
  writeCalls?: (tx: Sql, device: DevicePrincipal, events: readonly DeviceEventInsert[]) => Promise<void>;
  /** Location fixes continue the device's stay detector in the same transaction (devices.visits.ts). */
  deriveVisits?: (tx: Sql, device: DevicePrincipal, fixes: readonly DeviceEventInsert[]) => Promise<void>;
  /** Focus events mark their day for the app-usage summaries (devices.appusage.ts), in the same transaction. */
  markAppUsage?: (tx: Sql, device: DevicePrincipal, events: readonly DeviceEventInsert[]) => Promise<void>;
  now?: () => Date;
}) {
  const now = deps.now ?? (() => new Date());

  return async function ingestBatch(device: DevicePrincipal, batch: DeviceEventBatch): Promise<DeviceEventBatchResult> {
    const receivedAt = now().getTime();
    const rawSkew = Date.parse(batch.sentAt) - receivedAt;
    const skewMs = Math.abs(rawSkew) < skewToleranceMs ? 0 : rawSkew;
    const results: Result[] = [];
    const accepted: { index: number; row: DeviceEventInsert; bytes: number }[] = [];
    const seen = new Set<string>();

    batch.events.forEach((raw, index) => {
      const rawId = (raw as { id?: unknown } | null)?.id;
      const id = clientEventIdSchema.safeParse(rawId).success ? (rawId as string) : null;
      const parsed = deviceEventSchema.safeParse(raw);
      if (!parsed.success) {
        results.push({ index, id, status: 'rejected', reason: reasonOf(parsed.error.issues) });
        return;
      }
      const event = parsed.data;
      if (event.type === 'clipboard' && !device.clipboard) {
        results.push({ index, id, status: 'rejected', reason: 'clipboard capture is off for this device' });
        return;
      }
      const deviceTime = Date.parse(event.ts);
      const time = deviceTime - skewMs;
      if (time > receivedAt + futureToleranceMs) {
        results.push({
          index,
          id,
          status: 'rejected',
          reason: 'ts is in the future even after correcting for clock skew',
        });
        return;
      }
      if (seen.has(event.id)) {
        results.push({ index, id, status: 'duplicate' });
        return;
      }
      seen.add(event.id);
      const data = JSON.stringify(event.data);
      results.push({ index, id, status: 'stored' });
      accepted.push({
        index: results.length - 1,
        bytes: data.length,
        row: {
          event_id: event.id,
          type: event.type,
          device_time: new Date(deviceTime).toISOString(),
          time: new Date(time).toISOString(),
          seq: event.seq ?? null,
          data: event.data,
        },
      });
    });

    if (accepted.length > 0) {
      await deps.db.asUser(device.claims, async (tx) => {
        const stored = await repo.insertEvents(
          tx,
          device.ownerId,
          device.deviceId,
          accepted.map((a) => a.row),
        );
        const stats = new Map<string, { type: string; events: number; bytes: number; lastTime: string }>();
        for (const entry of accepted) {
          if (!stored.has(entry.row.event_id)) {
            results[entry.index] = { ...results[entry.index]!, status: 'duplicate' };
            continue;
          }
          const stat = stats.get(entry.row.type) ?? {
            type: entry.row.type,
            events: 0,
            bytes: 0,
            lastTime: entry.row.time,
          };
          stat.events += 1;
          stat.bytes += entry.bytes;
          if (entry.row.time > stat.lastTime) stat.lastTime = entry.row.time;
          stats.set(entry.row.type, stat);
        }
        await repo.addStats(tx, device.ownerId, device.deviceId, [...stats.values()]);
        const fresh = (type: string) =>
          accepted.filter((a) => a.row.type === type && stored.has(a.row.event_id)).map((a) => a.row);
        const calls = fresh('call_log');
        if (calls.length > 0 && deps.writeCalls) await deps.writeCalls(tx, device, calls);
        const fixes = fresh('location');
        if (fixes.length > 0 && deps.deriveVisits) await deps.deriveVisits(tx, device, fixes);
        const focus = ['active_app', 'idle', 'screen'].flatMap(fresh);
        if (focus.length > 0 && deps.markAppUsage) await deps.markAppUsage(tx, device, focus);
      });
    }

    const count = (status: Result['status']) => results.filter((r) => r.status === status).length;
    return {
      stored: count('stored'),
      duplicates: count('duplicate'),
      rejected: count('rejected'),
      skewMs,
      results,
    };
  };
}

export type DeviceIngest = ReturnType<typeof createDeviceIngest>;
