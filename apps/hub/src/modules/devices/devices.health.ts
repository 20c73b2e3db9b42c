import type { deviceHealthQuerySchema, deviceHealthSchema } from '@made-open/shared';
import type { z } from 'zod';
import type { Database } from '../../platform/db/index.ts';
import { NotFoundError } from '../../platform/errors.ts';
import type { AuthenticatedUser } from '../../platform/http/authentication.ts';
import type { EventOutbox } from '../events/index.ts';
import { devicesRepository } from './devices.repository.ts';
import { healthRepository as repo } from './devices.health.repository.ts';

type Health = z.infer<typeof deviceHealthSchema>;
type Cause = Health['gaps'][number]['cause'];

/** Below this battery level a silence is put down to the battery. */
const lowBatteryPercent = 15;

const explanations: Record<Cause, string> = {
  uploaded_late: 'Events were recorded but reached the hub late: the device was offline or its uploads were held back.',
  no_fix:
    'The device kept recording other things but no location: no GPS fix (indoors, underground), location turned off, or the OS throttling background location.',
  battery_low: 'Nothing was recorded after the battery ran low: the device likely died or entered power saving.',
  app_stopped:
    'Nothing at all was recorded: the app was stopped (battery optimisation kills background apps), or the device was off.',
};

/**
 * Why a periodic source fell silent, from what else the device recorded: other sources kept
 * going (no fix), the battery was low before it (battery), the event ending it arrived late
 * (offline), or nothing at all (the app stopped).
 */
export function causeOf(gap: { type: string; others: number; battery: number | null; late: boolean }): Cause {
  if (gap.late) return 'uploaded_late';
  if (gap.others > 0 && gap.type === 'location') return 'no_fix';
  if (gap.battery !== null && gap.battery <= lowBatteryPercent) return 'battery_low';
  return 'app_stopped';
}

export function createHealth(deps: { db: Database; outbox: Pick<EventOutbox, 'append'>; now?: () => Date }) {
  const now = deps.now ?? (() => new Date());
  return {
    async health(
      user: AuthenticatedUser,
      deviceId: string,
      query: z.infer<typeof deviceHealthQuerySchema>,
    ): Promise<Health> {
      return deps.db.asUser(user.claims, async (tx) => {
        const device = await devicesRepository.getDevice(tx, deviceId);
        if (!device) throw new NotFoundError('device');
        const since = new Date(now().getTime() - query.hours * 3_600_000);
        const [stats, gaps] = [await repo.stats(tx, deviceId), await repo.gaps(tx, deviceId, since, query.gapMinutes)];
        const lastSeen = device.last_seen_at ? Date.parse(device.last_seen_at) : null;
        return {
          deviceId,
          lastSeenAt: device.last_seen_at,
          quiet:
            device.revoked_at === null &&
            device.paired &&
            (lastSeen === null || now().getTime() - lastSeen > device.quiet_minutes * 60_000),
          types: stats.map((s) => ({
            type: s.type as Health['types'][number]['type'],
            events: Number(s.events),
            lastEventAt: s.last_time,
            lastReceivedAt: s.last_received_at,
            uploadLagMs: s.last_lag_ms === null ? null : Number(s.last_lag_ms),
          })),
          gaps: gaps.map((gap) => {
            const cause = causeOf(gap);
            return {
              type: gap.type as Health['gaps'][number]['type'],
              from: gap.from_time,
              to: gap.to_time,
              minutes: Math.round((Date.parse(gap.to_time) - Date.parse(gap.from_time)) / 60_000),
              cause,
              explanation: explanations[cause],
            };
          }),
        };
      });
    },

    /** What the quiet-device job runs: one device.Quiet per silence, cleared by the next upload. */
    async notifyQuiet(): Promise<number> {
      const quiet = await deps.db.asSystem((tx) => repo.quietDevices(tx));
      for (const device of quiet) {
        await deps.db.asUser({ role: 'authenticated', sub: device.owner_id }, async (tx) => {
          await deps.outbox.append(tx, {
            type: 'device.Quiet',
            ownerId: device.owner_id,
            subject: device.id,
            actor: { kind: 'system', id: 'devices.health' },
            data: {
              deviceId: device.id,
              name: device.name,
              lastEventAt: device.last_time,
              quietMinutes: device.quiet_minutes,
            },
          });
          await repo.markQuietNotified(tx, device.id);
        });
      }
      return quiet.length;
    },
  };
}

export type DeviceHealth = ReturnType<typeof createHealth>;
