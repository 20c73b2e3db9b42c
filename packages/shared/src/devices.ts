import { z } from 'zod';
import { dateSchema, dateTimeSchema } from './entities.ts';
import { defineEvent } from './events.ts';

/**
 * The Made Open device protocol (issue 16; apps/hub/src/modules/devices/README.md): the
 * typed events a paired device uploads to POST /device-events, the batch around them and
 * the per-event answer, plus the pairing and listing DTOs of /api/v1/devices.
 */

export const deviceEventTypes = [
  'location',
  'wifi',
  'active_app',
  'idle',
  'clipboard',
  'call_log',
  'battery',
  'screen',
] as const;
export type DeviceEventType = (typeof deviceEventTypes)[number];
export const deviceEventTypeSchema = z.enum(deviceEventTypes);

const text = (max: number) => z.string().min(1).max(max);

/** A GPS fix. Speeds in km/h and course in degrees, as OwnTracks reports them. */
export const locationDataSchema = z.strictObject({
  lat: z.number().min(-90).max(90),
  lon: z.number().min(-180).max(180),
  accuracyM: z.number().min(0).max(1_000_000).optional(),
  altitudeM: z.number().min(-1_000).max(100_000).optional(),
  speedKmh: z.number().min(0).max(5_000).optional(),
  course: z.number().min(0).max(360).optional(),
});
export const wifiDataSchema = z.strictObject({
  ssid: z.string().max(64),
  bssid: z
    .string()
    .regex(/^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/, 'Must be a MAC address like aa:bb:cc:dd:ee:ff.')
    .optional(),
  connected: z.boolean().optional(),
});
/** The foreground app; a heartbeat lasting `durationSeconds`. */
export const activeAppDataSchema = z.strictObject({
  app: text(300),
  title: z.string().max(1_000).optional(),
  durationSeconds: z
    .number()
    .min(0)
    .max(24 * 3600)
    .optional(),
});
export const idleDataSchema = z.strictObject({
  idle: z.boolean(),
  /** How long the user had been idle (or active) when this was sent. */
  seconds: z
    .number()
    .min(0)
    .max(7 * 24 * 3600)
    .optional(),
});
/** Only stored when the device opted in to clipboard capture. */
export const clipboardDataSchema = z.strictObject({ text: z.string().max(10_000) });
export const callLogDataSchema = z.strictObject({
  number: text(64),
  direction: z.enum(['inbound', 'outbound', 'missed']),
  durationSeconds: z
    .number()
    .int()
    .min(0)
    .max(7 * 24 * 3600),
  name: z.string().max(300).optional(),
});
export const batteryDataSchema = z.strictObject({
  level: z.number().min(0).max(100),
  charging: z.boolean().optional(),
});
export const screenDataSchema = z.strictObject({ state: z.enum(['on', 'off', 'locked', 'unlocked']) });

export const deviceEventDataSchemas = {
  location: locationDataSchema,
  wifi: wifiDataSchema,
  active_app: activeAppDataSchema,
  idle: idleDataSchema,
  clipboard: clipboardDataSchema,
  call_log: callLogDataSchema,
  battery: batteryDataSchema,
  screen: screenDataSchema,
} as const satisfies Record<DeviceEventType, z.ZodType>;
export type DeviceEventData<T extends DeviceEventType> = z.infer<(typeof deviceEventDataSchemas)[T]>;

/** A client-made event id (ULID, UUIDv7 or any stable string): the idempotency key per device. */
export const clientEventIdSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_.:-]+$/, 'Must be 1-64 letters, digits, or _ . : -');

const deviceEventBase = {
  id: clientEventIdSchema,
  /** When it happened, on the device's clock. */
  ts: dateTimeSchema,
  /** The device's own counter: orders events with the same ts. */
  seq: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
};

/** One uploaded event, checked on its own so one bad event never sinks its batch. */
export const deviceEventSchema = z.discriminatedUnion('type', [
  z.strictObject({ ...deviceEventBase, type: z.literal('location'), data: locationDataSchema }),
  z.strictObject({ ...deviceEventBase, type: z.literal('wifi'), data: wifiDataSchema }),
  z.strictObject({ ...deviceEventBase, type: z.literal('active_app'), data: activeAppDataSchema }),
  z.strictObject({ ...deviceEventBase, type: z.literal('idle'), data: idleDataSchema }),
  z.strictObject({ ...deviceEventBase, type: z.literal('clipboard'), data: clipboardDataSchema }),
  z.strictObject({ ...deviceEventBase, type: z.literal('call_log'), data: callLogDataSchema }),
  z.strictObject({ ...deviceEventBase, type: z.literal('battery'), data: batteryDataSchema }),
  z.strictObject({ ...deviceEventBase, type: z.literal('screen'), data: screenDataSchema }),
]);
export type DeviceEvent = z.infer<typeof deviceEventSchema>;

export const maxDeviceEventsPerBatch = 1_000;
export const maxDeviceBatchBytes = 1024 * 1024;

/**
 * The body of POST /device-events. `events` are checked one by one (each gets its own result);
 * the batch shape itself (and `sentAt`) must be right or nothing is stored.
 */
export const deviceEventBatchSchema = z.strictObject({
  /** Optional; when given it must be the token's own device. */
  deviceId: z.string().uuid().optional(),
  batchId: z.string().max(64).optional(),
  /** When the device sent the batch, on its clock: the skew against receipt corrects every ts. */
  sentAt: dateTimeSchema,
  events: z.array(z.unknown()).min(1).max(maxDeviceEventsPerBatch),
});
export type DeviceEventBatch = z.infer<typeof deviceEventBatchSchema>;

export const deviceEventResultSchema = z.object({
  /** Position in the batch. */
  index: z.number().int(),
  /** The client's id, when it sent a usable one. */
  id: z.string().nullable(),
  status: z.enum(['stored', 'duplicate', 'rejected']),
  /** Why it was rejected. */
  reason: z.string().optional(),
});
export const deviceEventBatchResultSchema = z.object({
  stored: z.number().int(),
  duplicates: z.number().int(),
  rejected: z.number().int(),
  /** Device clock minus the hub's at receipt, in ms (positive: the device runs ahead). */
  skewMs: z.number().int(),
  results: z.array(deviceEventResultSchema),
});
export type DeviceEventBatchResult = z.infer<typeof deviceEventBatchResultSchema>;

/** A stored event as GET /api/v1/device-events returns it. */
export const storedDeviceEventSchema = z.object({
  deviceId: z.string().uuid(),
  id: z.string(),
  type: deviceEventTypeSchema,
  /** Device clock. */
  deviceTime: z.string(),
  /** Device clock corrected for the batch's skew: what queries and ordering use. */
  time: z.string(),
  receivedAt: z.string(),
  seq: z.number().int().nullable(),
  data: z.record(z.string(), z.unknown()),
});
export const deviceEventPageSchema = z.object({
  items: z.array(storedDeviceEventSchema),
  nextCursor: z.string().nullable(),
});

export const deviceKindSchema = z.enum(['agent', 'owntracks', 'phone', 'other']);

export const deviceCreateInputSchema = z.strictObject({
  name: z.string().trim().min(1).max(100),
  kind: deviceKindSchema.default('agent'),
  /** Clipboard capture is off unless the owner turns it on for this device. */
  clipboard: z.boolean().default(false),
});
export const deviceUpdateInputSchema = z
  .strictObject({
    name: z.string().trim().min(1).max(100).optional(),
    clipboard: z.boolean().optional(),
    /** After this long without an upload, a device.Quiet notification (15 minutes to 7 days). */
    quietMinutes: z.number().int().min(15).max(10_080).optional(),
  })
  .refine(
    (input) => input.name !== undefined || input.clipboard !== undefined || input.quietMinutes !== undefined,
    'Give name, clipboard or quietMinutes.',
  );

export const deviceSchema = z.object({
  id: z.string().uuid(),
  name: z.string(),
  kind: deviceKindSchema,
  clipboard: z.boolean(),
  quietMinutes: z.number().int(),
  /** pending: made, waiting for its code to be exchanged; active: paired; revoked. */
  status: z.enum(['pending', 'active', 'revoked']),
  createdAt: z.string(),
  pairedAt: z.string().nullable(),
  lastSeenAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
});
export type Device = z.infer<typeof deviceSchema>;

export const gapCauseSchema = z.enum(['no_fix', 'battery_low', 'app_stopped', 'uploaded_late']);

/** GET /api/v1/devices/:id/health: is capture working, and if not, why. */
export const deviceHealthSchema = z.object({
  deviceId: z.string().uuid(),
  lastSeenAt: z.string().nullable(),
  /** No upload for longer than the device's quietMinutes. */
  quiet: z.boolean(),
  types: z.array(
    z.object({
      type: deviceEventTypeSchema,
      events: z.number().int(),
      lastEventAt: z.string().nullable(),
      lastReceivedAt: z.string().nullable(),
      /** Receipt minus the newest event's time at the last upload. */
      uploadLagMs: z.number().int().nullable(),
    }),
  ),
  /** Silences longer than gapMinutes in the window, for location and battery (the periodic sources). */
  gaps: z.array(
    z.object({
      type: deviceEventTypeSchema,
      from: z.string(),
      to: z.string(),
      minutes: z.number().int(),
      cause: gapCauseSchema,
      explanation: z.string(),
    }),
  ),
});
export const deviceHealthQuerySchema = z.strictObject({
  hours: z.coerce.number().int().min(1).max(168).default(24),
  gapMinutes: z.coerce.number().int().min(5).max(1440).default(30),
});

/** A fresh one-time pairing code, shown to the owner once. */
export const pairingCodeSchema = z.object({
  deviceId: z.string().uuid(),
  code: z.string(),
  expiresAt: z.string(),
  /** The URL a QR code carries (the hub's pairing address with the code). */
  pairingUrl: z.string(),
});

export const pairExchangeInputSchema = z.strictObject({ code: z.string().trim().min(1).max(64) });
export const pairExchangeResultSchema = z.object({
  deviceId: z.string().uuid(),
  /** The device's token: shown once, kept hashed by the hub. */
  token: z.string(),
  /** Where to upload. */
  eventsUrl: z.string(),
});

/** A source (event type) of the owner's devices grew past the budget they set. Subject: the type. */
export const deviceSourceOverBudget = defineEvent(
  'device.SourceOverBudget',
  1,
  z.object({ type: deviceEventTypeSchema, bytes: z.number().int(), budgetBytes: z.number().int() }),
);
/** A paired device has sent nothing for longer than its owner's quiet threshold. Subject: the device id. */
export const deviceQuiet = defineEvent(
  'device.Quiet',
  1,
  z.object({
    deviceId: z.string().uuid(),
    name: z.string(),
    lastEventAt: z.string().datetime({ offset: true }).nullable(),
    quietMinutes: z.number().int(),
  }),
);

/** Entering and leaving places: `location.PlaceEntered` / `location.PlaceLeft` in location-events.ts. */
export const deviceEvents = [deviceSourceOverBudget, deviceQuiet] as const;

/** A whole number in a range, its refusal naming the field as the settings screen labels it. */
const wholeNumber = (name: string, min: number, max: number) => {
  const message = `${name}: a whole number from ${min.toLocaleString('en')} to ${max.toLocaleString('en')}.`;
  return z.number({ error: message }).int({ error: message }).min(min, { error: message }).max(max, { error: message });
};

/** How long one source's events are kept (issue 16 §4). */
export const retentionSettingsSchema = z
  .strictObject({
    /** Raw events are kept this many days. */
    rawDays: wholeNumber('Raw days', 1, 3650),
    /** null: raw events are deleted after rawDays; else thinned to one per device per this many minutes. */
    downsampleMinutes: wholeNumber('Thinning minutes', 1, 1440).nullable(),
    /** With downsampling: thinned events are deleted after this many days (null keeps them). */
    keepDays: wholeNumber('Days to keep thinned events', 1, 36500).nullable(),
    /** An alert (device.SourceOverBudget) when the source's estimated disk use grows past this. */
    budgetMb: wholeNumber('Budget MB', 1, 10_000_000).nullable(),
  })
  .refine((s) => s.keepDays === null || s.downsampleMinutes !== null, {
    message: 'keepDays needs downsampleMinutes: without downsampling, rawDays is how long events are kept.',
    path: ['keepDays'],
  })
  .refine((s) => s.keepDays === null || s.keepDays >= s.rawDays, {
    message: 'keepDays must be at least rawDays.',
    path: ['keepDays'],
  });
export type RetentionSettings = z.infer<typeof retentionSettingsSchema>;

/** One source's settings and what it holds now. */
export const deviceSourceSchema = z.object({
  type: deviceEventTypeSchema,
  settings: retentionSettingsSchema,
  /** false: the defaults apply. */
  custom: z.boolean(),
  events: z.number().int(),
  /** Estimated disk use: payload bytes plus a per-row overhead (see modules/devices/README.md). */
  estimatedBytes: z.number().int(),
  overBudget: z.boolean(),
});

// ---------------------------------------------------------------------------------------
// Visits, days and app usage (derived from device events; modules/devices/README.md).

/** A stay detected in a device's locations: at least 10 minutes within 150 m. */
export const visitSchema = z.object({
  id: z.string().uuid(),
  deviceId: z.string().uuid(),
  startedAt: z.string(),
  /** The last fix inside the stay (for an ongoing visit: the latest so far). */
  endedAt: z.string(),
  /** Still there: the device's newest fix is inside this stay. */
  ongoing: z.boolean(),
  durationSeconds: z.number().int(),
  /** The centre of the stay's fixes. */
  lat: z.number(),
  lon: z.number(),
  samples: z.number().int(),
  /** The owner's place it lies inside, when any. */
  place: z.object({ id: z.string().uuid(), name: z.string() }).nullable(),
});
export type Visit = z.infer<typeof visitSchema>;

export const visitQuerySchema = z.strictObject({
  from: dateTimeSchema,
  to: dateTimeSchema,
  deviceId: z.string().uuid().optional(),
});

/** POST /api/v1/visits/:id/place: names the place of an unnamed visit (a place entity is made there). */
export const visitPlaceInputSchema = z.strictObject({
  name: z.string().trim().min(1).max(200),
  /** How far around the visit's centre the place reaches (default 100 m). */
  radiusMeters: z.number().int().min(20).max(5_000).default(100),
});

/** An IANA zone name, checked again by the hub with Intl. */
export const timeZoneNameSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z][A-Za-z0-9_+\-/]*$/, 'Must be an IANA time zone like Europe/London.');

export const dayQuerySchema = z.strictObject({ timeZone: timeZoneNameSchema.default('UTC') });

/** Seconds in the foreground per app (and, in the day view and stored summaries, its most-used window titles). */
export const appUsageSchema = z.object({
  app: z.string(),
  seconds: z.number().int(),
  titles: z.array(z.object({ title: z.string(), seconds: z.number().int() })).optional(),
});

/** GET /api/v1/device-days/:date: where the owner's devices were, how they moved, which apps were used. */
export const deviceDaySchema = z.object({
  date: z.string(),
  timeZone: z.string(),
  /** The day's bounds as instants in that zone. */
  from: z.string(),
  to: z.string(),
  visits: z.array(visitSchema),
  /** Travel between two visits of a device (or from/to the day's edge). */
  moves: z.array(
    z.object({
      deviceId: z.string().uuid(),
      from: z.string(),
      to: z.string(),
      durationSeconds: z.number().int(),
      distanceMeters: z.number().int(),
      /** The visits it left and reached (null at the day's edge or with no stay there). */
      fromVisitId: z.string().uuid().nullable(),
      toVisitId: z.string().uuid().nullable(),
    }),
  ),
  /** The day's fixes per device, thinned to at most 500 each, for drawing the track. */
  tracks: z.array(
    z.object({
      deviceId: z.string().uuid(),
      points: z.array(z.tuple([z.number(), z.number()])),
    }),
  ),
  apps: z.array(appUsageSchema),
  /** `summary`: a finished day read from its stored summary; `events`: computed from the events now (today, or not yet summarised). */
  appsFrom: z.enum(['summary', 'events']),
  /** When the stored summary was computed. */
  appsComputedAt: z.string().optional(),
});
export type DeviceDay = z.infer<typeof deviceDaySchema>;

export const appUsageQuerySchema = z.strictObject({
  from: dateSchema,
  to: dateSchema,
  timeZone: timeZoneNameSchema.default('UTC'),
  deviceId: z.string().uuid().optional(),
});
export const appUsageDaysSchema = z.object({
  timeZone: z.string(),
  days: z.array(z.object({ date: z.string(), totalSeconds: z.number().int(), apps: z.array(appUsageSchema) })),
});

/** GET /api/v1/devices/app-usage: stored daily summaries, local dates from `from` to `to`, oldest first. */
export const storedAppUsageQuerySchema = z.strictObject({
  from: dateSchema,
  to: dateSchema,
  limit: z.coerce.number().int().min(1).max(100).default(31),
  /** The `nextCursor` of the page before (a date). */
  cursor: dateSchema.optional(),
});

export const storedAppUsageDaySchema = z.object({
  date: z.string(),
  /** The zone whose midnight-to-midnight the day is. */
  timeZone: z.string(),
  from: z.string(),
  to: z.string(),
  totalSeconds: z.number().int(),
  apps: z.array(appUsageSchema),
  /** Focus events (active_app, idle, screen) it was computed from. */
  events: z.number().int(),
  computedAt: z.string(),
});
export type StoredAppUsageDay = z.infer<typeof storedAppUsageDaySchema>;

export const storedAppUsagePageSchema = z.object({
  /** The zone new days are summarised in. */
  timeZone: z.string(),
  items: z.array(storedAppUsageDaySchema),
  nextCursor: z.string().nullable(),
});

/** PUT /api/v1/devices/app-usage/settings: the zone days are cut in for stored summaries. */
export const appUsageSettingsSchema = z.strictObject({ timeZone: timeZoneNameSchema });
