import rateLimit from '@fastify/rate-limit';
import type { RateLimiting } from '../../platform/http/rate-limit/index.ts';
import {
  deviceCreateInputSchema,
  deviceEventTypeSchema,
  deviceHealthQuerySchema,
  deviceHealthSchema,
  deviceSourceSchema,
  retentionSettingsSchema,
  deviceEventBatchResultSchema,
  deviceEventBatchSchema,
  deviceEventPageSchema,
  deviceSchema,
  deviceUpdateInputSchema,
  maxDeviceBatchBytes,
  pairExchangeInputSchema,
  pairExchangeResultSchema,
  pairingCodeSchema,
  uuidSchema,
  appUsageDaysSchema,
  appUsageQuerySchema,
  dateSchema,
  dayQuerySchema,
  deviceDaySchema,
  visitPlaceInputSchema,
  visitQuerySchema,
  visitSchema,
  appUsageSettingsSchema,
  storedAppUsagePageSchema,
  storedAppUsageQuerySchema,
} from '@made-open/shared';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { bearerToken, requireUser } from '../../platform/http/authentication.ts';
import { ForbiddenError, RateLimitedError, UnauthorizedError } from '../../platform/errors.ts';
import { createTokenBuckets } from '../../platform/token-bucket.ts';
import { errorResponses, errorSchema } from '../graph/graph.schemas.ts';
import type { DeviceEventsReader } from './devices.events.ts';
import { deviceEventQuerySchema } from './devices.events.ts';
import type { DeviceHealth } from './devices.health.ts';
import type { DeviceIngest } from './devices.ingest.ts';
import type { Retention } from './devices.retention.ts';
import type { Days } from './devices.days.ts';
import type { AppUsage } from './devices.appusage.ts';
import type { Visits } from './devices.visits.ts';
import type { DevicesService } from './devices.service.ts';

const tags = ['devices'];
const idParams = z.strictObject({ id: uuidSchema });

export interface DevicesRouteDeps {
  service: DevicesService;
  ingest: DeviceIngest;
  events: DeviceEventsReader;
  retention: Retention;
  health: DeviceHealth;
  visits: Visits;
  days: Days;
  appUsage: AppUsage;
  owntracks: (device: Awaited<ReturnType<DevicesService['authenticate']>>, message: unknown) => Promise<unknown[]>;
  limits: {
    /** Code exchanges per client IP per minute. */
    pairPerMinute: number;
    /** Uploads a device may burst, and regains per second. */
    uploadBurst: number;
    uploadPerSecond: number;
  };
  /** Where the pairing limit is counted (ADR 0035). */
  rateLimiting: RateLimiting;
}

/** A JWT is three dot-separated parts: a user's session token where a device's belongs. */
const looksLikeJwt = (token: string) => token.split('.').length === 3;

/** /api/v1/devices (the owner's), /devices/pair (the code exchange), /device-events (devices' uploads). */
export function devicesRoutes(deps: DevicesRouteDeps) {
  const uploads = createTokenBuckets({ burst: deps.limits.uploadBurst, perSecond: deps.limits.uploadPerSecond });

  async function requireDevice(request: FastifyRequest) {
    const token = bearerToken(request);
    if (token === undefined)
      throw new UnauthorizedError(
        'This needs a device token: Authorization: Bearer mo_dev_...',
        'device_token_required',
      );
    if (looksLikeJwt(token)) {
      throw new ForbiddenError(
        'A user session cannot upload device events: pair the device and use its token.',
        'device_token_required',
      );
    }
    return deps.service.authenticate(token);
  }

  function spendUpload(deviceId: string) {
    if (!uploads.take(deviceId)) {
      throw new RateLimitedError(
        'This device is uploading too often: send larger batches less often, and retry after a while.',
      );
    }
  }

  return async function routes(fastify: FastifyInstance) {
    // The pairing limit guards one-time codes: refused (503) rather than uncounted when the shared count fails (ADR 0035).
    await fastify.register(rateLimit, deps.rateLimiting.plugin('refuse'));
    const app = fastify.withTypeProvider<ZodTypeProvider>();

    app.get(
      '/api/v1/devices',
      {
        schema: {
          tags,
          summary: 'Your devices',
          response: { 200: z.object({ items: z.array(deviceSchema) }), ...errorResponses },
        },
      },
      async (request) => ({ items: await deps.service.list(await requireUser(request)) }),
    );

    app.post(
      '/api/v1/devices',
      {
        schema: {
          tags,
          summary: 'Add a device: answers its one-time pairing code',
          description:
            'The device is `pending` until its code is exchanged at POST /devices/pair (once, within 10 minutes). ' +
            'The code and the pairing URL (for a QR code) are shown only here; the hub keeps their sha256.',
          body: deviceCreateInputSchema,
          response: { 201: z.object({ device: deviceSchema, pairing: pairingCodeSchema }), ...errorResponses },
        },
      },
      async (request, reply) => {
        const user = await requireUser(request);
        reply.status(201);
        return deps.service.create(user, request.body);
      },
    );

    app.get(
      '/api/v1/devices/:id',
      {
        schema: {
          tags,
          summary: 'One of your devices',
          params: idParams,
          response: { 200: deviceSchema, ...errorResponses },
        },
      },
      async (request) => deps.service.get(await requireUser(request), request.params.id),
    );

    app.get(
      '/api/v1/devices/:id/health',
      {
        schema: {
          tags,
          summary: 'Capture health: last event per type, upload lag, and silences with their likely cause',
          description:
            'Gaps longer than `gapMinutes` (default 30) in the last `hours` (default 24) of location and battery events, each with a cause: ' +
            'no_fix (other events kept coming), battery_low, uploaded_late (recorded while offline), app_stopped (nothing at all).',
          params: idParams,
          querystring: deviceHealthQuerySchema,
          response: { 200: deviceHealthSchema, ...errorResponses },
        },
      },
      async (request) => deps.health.health(await requireUser(request), request.params.id, request.query),
    );

    app.patch(
      '/api/v1/devices/:id',
      {
        schema: {
          tags,
          summary: 'Rename a device, turn its clipboard capture on or off, or set when it counts as quiet',
          params: idParams,
          body: deviceUpdateInputSchema,
          response: { 200: deviceSchema, ...errorResponses },
        },
      },
      async (request) => deps.service.update(await requireUser(request), request.params.id, request.body),
    );

    app.post(
      '/api/v1/devices/:id/pairing-code',
      {
        schema: {
          tags,
          summary: 'A new one-time pairing code for a device (re-pairing gives it a new token)',
          params: idParams,
          response: { 200: pairingCodeSchema, ...errorResponses },
        },
      },
      async (request) => deps.service.newCode(await requireUser(request), request.params.id),
    );

    app.post(
      '/api/v1/devices/:id/revoke',
      {
        schema: {
          tags,
          summary: 'Revoke a device: its token stops working at once (its events stay until you delete them)',
          params: idParams,
          response: { 200: deviceSchema, ...errorResponses },
        },
      },
      async (request) => deps.service.revoke(await requireUser(request), request.params.id),
    );

    app.post(
      '/devices/pair',
      {
        config: {
          rateLimit: {
            max: deps.limits.pairPerMinute,
            timeWindow: '1 minute',
            errorResponseBuilder: (_request, context) => ({
              statusCode: 429,
              code: 'rate_limited',
              message: `Too many pairing attempts from here: wait ${context.after} and try again.`,
            }),
          },
        },
        schema: {
          tags,
          summary: "Exchange a one-time pairing code for the device's token (no sign-in: the code is the credential)",
          description: `Unknown, used and expired codes are all 401 invalid_code. Rate limited to ${deps.limits.pairPerMinute} a minute per client IP.`,
          security: [],
          body: pairExchangeInputSchema,
          response: { 200: pairExchangeResultSchema, 401: errorSchema, 429: errorSchema },
        },
      },
      async (request) => deps.service.exchange(request.body.code),
    );

    app.post(
      '/device-events',
      {
        bodyLimit: maxDeviceBatchBytes,
        schema: {
          tags,
          summary: 'Upload a batch of device events (device token only)',
          description:
            'Up to 1,000 events or 1 MiB. Each event gets its own result: stored, duplicate (its id was sent before) or rejected (with why). ' +
            'Malformed JSON, a wrong batch shape or an oversized body stores nothing (400/413). A user session token is 403. ' +
            'See modules/devices/README.md for the protocol.',
          security: [{ bearer: [] }],
          body: deviceEventBatchSchema,
          response: { 200: deviceEventBatchResultSchema, 401: errorSchema, 403: errorSchema, 429: errorSchema },
        },
      },
      async (request) => {
        const device = await requireDevice(request);
        if (request.body.deviceId !== undefined && request.body.deviceId !== device.deviceId) {
          throw new ForbiddenError('deviceId is not the device this token belongs to.', 'wrong_device');
        }
        spendUpload(device.deviceId);
        return deps.ingest(device, request.body);
      },
    );

    app.get(
      '/api/v1/device-events',
      {
        schema: {
          tags,
          summary: "Your devices' events, oldest first, by device, type and time range",
          description:
            '`type` filters (comma-separated); `from` (inclusive) and `to` (exclusive) bound the corrected time. Pages of `limit` (1-1000, default 100); ' +
            'pass `nextCursor` back as `cursor`.',
          querystring: deviceEventQuerySchema,
          response: { 200: deviceEventPageSchema, ...errorResponses },
        },
      },
      async (request) => deps.events.list(await requireUser(request), request.query),
    );

    app.get(
      '/api/v1/visits',
      {
        schema: {
          tags,
          summary: "Your devices' visits (stays of 10 minutes or more within 150 m) overlapping a time range",
          description:
            'Detected from location events as they arrive; each is linked to the place it lies in, when you have one there. ' +
            '`from` and `to` bound the range (at most 2,000 visits).',
          querystring: visitQuerySchema,
          response: { 200: z.object({ items: z.array(visitSchema) }), ...errorResponses },
        },
      },
      async (request) => ({ items: await deps.visits.list(await requireUser(request), request.query) }),
    );

    app.get(
      '/api/v1/visits/:id',
      {
        schema: { tags, summary: 'One visit', params: idParams, response: { 200: visitSchema, ...errorResponses } },
      },
      async (request) => deps.visits.get(await requireUser(request), request.params.id),
    );

    app.post(
      '/api/v1/visits/:id/place',
      {
        schema: {
          tags,
          summary: "Name the place of a visit that lies in none: a place entity at the visit's centre",
          description:
            'Every other unnamed visit within `radiusMeters` (default 100) is linked to it too; later stays there are linked as they are detected. ' +
            '409 visit_has_place when the visit already lies in a place.',
          params: idParams,
          body: visitPlaceInputSchema,
          response: { 200: z.object({ visit: visitSchema, named: z.number().int() }), ...errorResponses },
        },
      },
      async (request) => deps.visits.namePlace(await requireUser(request), request.params.id, request.body),
    );

    app.get(
      '/api/v1/device-days/:date',
      {
        schema: {
          tags,
          summary: 'A day of your devices: visits, moves between them, the track, and app usage',
          description:
            '`date` is a local date in `timeZone` (IANA, default UTC); the day runs from its midnight to the next. ' +
            'Tracks are thinned to 500 fixes a device.',
          params: z.strictObject({ date: dateSchema }),
          querystring: dayQuerySchema,
          response: { 200: deviceDaySchema, ...errorResponses },
        },
      },
      async (request) => deps.days.day(await requireUser(request), request.params.date, request.query.timeZone),
    );

    app.get(
      '/api/v1/app-usage',
      {
        schema: {
          tags,
          summary: 'Seconds in the foreground per app, for each local day from `from` to `to` (at most 62 days)',
          description:
            'From active_app events: a heartbeat lasts its durationSeconds, a focus change until the next (at most an hour); ' +
            'idle and screen off/locked end it. Optionally one device.',
          querystring: appUsageQuerySchema,
          response: { 200: appUsageDaysSchema, ...errorResponses },
        },
      },
      async (request) => deps.days.appUsage(await requireUser(request), request.query),
    );

    app.get(
      '/api/v1/devices/app-usage',
      {
        schema: {
          tags,
          summary: 'Stored daily app-usage summaries for local dates from `from` to `to`, oldest first',
          description:
            'Written by the hourly devices.app-usage job for finished days (and again when late events for a day arrive), ' +
            'in the zone of `/api/v1/devices/app-usage/settings`; they outlive the raw events. Today is not stored ' +
            '(see /api/v1/device-days/:date). Keyset-paged: pass `nextCursor` as `cursor`.',
          querystring: storedAppUsageQuerySchema,
          response: { 200: storedAppUsagePageSchema, ...errorResponses },
        },
      },
      async (request) => deps.appUsage.list(await requireUser(request), request.query),
    );

    app.get(
      '/api/v1/devices/app-usage/settings',
      {
        schema: {
          tags,
          summary: 'The time zone daily app-usage summaries are cut in (default UTC)',
          response: { 200: appUsageSettingsSchema, ...errorResponses },
        },
      },
      async (request) => deps.appUsage.settings(await requireUser(request)),
    );

    app.put(
      '/api/v1/devices/app-usage/settings',
      {
        schema: {
          tags,
          summary: 'Set the time zone daily app-usage summaries are cut in',
          description:
            'Days summarised from now on run midnight to midnight in this IANA zone; stored days keep their zone.',
          body: appUsageSettingsSchema,
          response: { 200: appUsageSettingsSchema, ...errorResponses },
        },
      },
      async (request) => deps.appUsage.saveSettings(await requireUser(request), request.body),
    );

    app.get(
      '/api/v1/device-sources',
      {
        schema: {
          tags,
          summary: 'Each event type of your devices: its retention, downsampling and budget, and its disk use',
          response: { 200: z.object({ items: z.array(deviceSourceSchema) }), ...errorResponses },
        },
      },
      async (request) => ({ items: await deps.retention.sources(await requireUser(request)) }),
    );

    app.put(
      '/api/v1/device-sources/:type',
      {
        schema: {
          tags,
          summary: "Set how long a source's events are kept, how they are thinned, and its budget",
          description:
            'Raw events are kept `rawDays`; then, with `downsampleMinutes`, thinned to one per device per bucket (kept `keepDays`, or for good), ' +
            'else deleted. Past `budgetMb` of estimated disk use, a device.SourceOverBudget notification. Applied by the daily devices.retention job.',
          params: z.strictObject({ type: deviceEventTypeSchema }),
          body: retentionSettingsSchema,
          response: { 200: deviceSourceSchema, ...errorResponses },
        },
      },
      async (request) => deps.retention.save(await requireUser(request), request.params.type, request.body),
    );

    // OwnTracks posts one JSON message a request, sometimes with an empty body: parsed here only.
    await app.register(async (owntracks) => {
      owntracks.addContentTypeParser(
        ['application/json', 'text/plain'],
        { parseAs: 'string' },
        (_request, body, done) => {
          const text = String(body);
          if (text.trim() === '') return done(null, null);
          try {
            done(null, JSON.parse(text));
          } catch {
            const error = Object.assign(new Error('The body is not valid JSON.'), {
              statusCode: 400,
              code: 'FST_ERR_INVALID_JSON',
            });
            done(error, undefined);
          }
        },
      );
      owntracks.post(
        '/device-events/owntracks',
        {
          bodyLimit: maxDeviceBatchBytes,
          schema: {
            tags,
            summary: 'OwnTracks HTTP mode: one message per request (HTTP Basic: device id, device token)',
            description:
              'location → device events (location, battery, wifi); waypoint(s) → places; transition → location.PlaceEntered/PlaceLeft. ' +
              'Zero-length bodies are 200. Answers `[]`.',
            security: [],
          },
        },
        async (request) => {
          const header = request.headers.authorization ?? '';
          const match = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(header);
          const decoded = match ? Buffer.from(match[1]!, 'base64').toString('utf8') : '';
          const colon = decoded.indexOf(':');
          if (colon < 0)
            throw new UnauthorizedError(
              'OwnTracks needs HTTP Basic auth: the device id as user, its token as password.',
            );
          const user = decoded.slice(0, colon);
          if (!uuidSchema.safeParse(user).success) throw new UnauthorizedError('The user name must be the device id.');
          const device = await deps.service.authenticate(decoded.slice(colon + 1), user);
          spendUpload(device.deviceId);
          return deps.owntracks(device, request.body ?? null);
        },
      );
    });
  };
}
