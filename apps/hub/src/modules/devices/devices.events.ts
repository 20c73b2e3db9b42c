import { dateTimeSchema, deviceEventTypeSchema, uuidSchema } from '@made-open/shared';
import { z } from 'zod';
import type { Database } from '../../platform/db/index.ts';
import { ValidationError } from '../../platform/errors.ts';
import type { AuthenticatedUser } from '../../platform/http/authentication.ts';
import { devicesRepository as repo } from './devices.repository.ts';

export const deviceEventQuerySchema = z.strictObject({
  deviceId: uuidSchema.optional(),
  type: z
    .string()
    .max(200)
    .transform((value, context) => {
      const types = value.split(',').filter(Boolean);
      for (const type of types) {
        if (!deviceEventTypeSchema.safeParse(type).success) {
          context.addIssue({ code: 'custom', message: `Unknown event type ${type}.` });
          return z.NEVER;
        }
      }
      return types;
    })
    .optional(),
  from: dateTimeSchema.optional(),
  to: dateTimeSchema.optional(),
  cursor: z.string().max(400).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});
export type DeviceEventQuery = z.infer<typeof deviceEventQuerySchema>;

const cursorSchema = z.tuple([dateTimeSchema, uuidSchema, z.string().min(1).max(64)]);

/** Keyset cursors: the last row's (time, device, event id), opaque to clients. */
function decodeCursor(cursor: string) {
  try {
    const parsed = cursorSchema.safeParse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
    if (parsed.success) return { time: parsed.data[0], deviceId: parsed.data[1], eventId: parsed.data[2] };
  } catch {
    // Falls through to the 400.
  }
  throw new ValidationError('cursor is not one this API returned: pass nextCursor back unchanged.');
}

/** GET /api/v1/device-events: the owner's events (RLS), oldest first, keyset-paged. */
export function createDeviceEventsReader(deps: { db: Database }) {
  return {
    async list(user: AuthenticatedUser, query: DeviceEventQuery) {
      const after = query.cursor ? decodeCursor(query.cursor) : undefined;
      const rows = await deps.db.asUser(user.claims, (tx) =>
        repo.listEvents(tx, {
          deviceId: query.deviceId,
          types: query.type,
          from: query.from,
          to: query.to,
          after,
          limit: query.limit + 1,
        }),
      );
      const page = rows.slice(0, query.limit);
      const last = page.at(-1);
      return {
        items: page.map((row) => ({
          deviceId: row.device_id,
          id: row.event_id,
          type: row.type as z.infer<typeof deviceEventTypeSchema>,
          deviceTime: row.device_time,
          time: row.time,
          receivedAt: row.received_at,
          seq: row.seq === null ? null : Number(row.seq),
          data: row.data,
        })),
        nextCursor:
          rows.length > query.limit && last
            ? Buffer.from(JSON.stringify([last.time, last.device_id, last.event_id])).toString('base64url')
            : null,
      };
    },
  };
}

export type DeviceEventsReader = ReturnType<typeof createDeviceEventsReader>;
