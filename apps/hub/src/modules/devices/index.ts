import type { RateLimiting } from '../../platform/http/rate-limit/index.ts';
import type { Config } from '../../platform/config.ts';
import type { Database } from '../../platform/db/index.ts';
import type { Logger } from '../../platform/logger.ts';
import type { HubModule } from '../../platform/module.ts';
import { z } from 'zod';
import { defineJob, type JobDefinition, type JobsModule } from '../jobs/index.ts';
import { createRetention, type Retention } from './devices.retention.ts';
import { createHealth, type DeviceHealth } from './devices.health.ts';
import type { EventOutbox, EventsModule } from '../events/index.ts';
import type { Ingest, RemoveExternal } from '../graph/index.ts';
import { createDays } from './devices.days.ts';
import { createAppUsage, type AppUsage } from './devices.appusage.ts';
import { createVisits } from './devices.visits.ts';
import { createDeviceEventsReader } from './devices.events.ts';
import { createDeviceIngest, type DeviceIngest } from './devices.ingest.ts';
import { createOwntracks } from './devices.owntracks.ts';
import { createCallLog, type CallLogDeps } from './devices.calls.ts';
import { devicesRoutes, type DevicesRouteDeps } from './devices.routes.ts';
import { createDevicesService, type DevicesService } from './devices.service.ts';

export type { DevicesService } from './devices.service.ts';

export const devicesMigrations = {
  module: 'devices',
  dir: new URL('./migrations', import.meta.url).pathname,
};

export const DEVICES_CALL_MATCH_CONSUMER = 'devices-call-match';

export interface DevicesModuleDeps {
  config: Pick<Config, 'publicUrl'>;
  db: Database;
  logger: Logger;
  outbox: Pick<EventOutbox, 'append'>;
  /** Graph ingest: OwnTracks waypoints and named visits become place entities, call-log lines calls. */
  ingest: Ingest;
  /** A call-log line's call entity is folded into the same call seen through Twilio. */
  removeExternal: RemoveExternal;
  /** The consumer that folds call-log calls into Twilio calls arriving after them. */
  events: Pick<EventsModule, 'subscribe'>;
  jobs: Pick<JobsModule, 'register'>;
  /** Account settings' default region, for call-log numbers without a country code. */
  defaultRegionOf?: CallLogDeps['defaultRegionOf'];
  /** Tests: other limits. */
  limits?: Partial<DevicesRouteDeps['limits']>;
  /** Where the pairing limit per client IP is counted (ADR 0035). */
  rateLimiting: RateLimiting;
}

export interface DevicesModule extends HubModule {
  service: DevicesService;
  ingestBatch: DeviceIngest;
  retention: Retention;
  capture: DeviceHealth;
  appUsage: AppUsage;
  /** The hourly summariser's job, for enqueueing a run now. */
  appUsageJob: JobDefinition<z.ZodObject<Record<string, never>>>;
}

/**
 * Devices (issue 16): pairing with one-time codes, per-device tokens, POST /device-events
 * and OwnTracks HTTP mode, and the owner's reads. See README.md for the protocol.
 */
export function createDevicesModule(deps: DevicesModuleDeps): DevicesModule {
  const service = createDevicesService({ db: deps.db, publicUrl: deps.config.publicUrl });
  const visits = createVisits({ db: deps.db, outbox: deps.outbox, ingest: deps.ingest });
  const callLog = createCallLog({
    ingest: deps.ingest,
    removeExternal: deps.removeExternal,
    defaultRegionOf: deps.defaultRegionOf,
  });
  const appUsage = createAppUsage({ db: deps.db });
  const ingestBatch = createDeviceIngest({
    db: deps.db,
    writeCalls: callLog.writeCalls,
    deriveVisits: visits.derive,
    markAppUsage: appUsage.markPending,
  });
  // Not transactional: each call is matched in a transaction as its owner (RLS), and a folded
  // device call is no longer a candidate, so a redelivered event changes nothing.
  deps.events.subscribe({
    name: DEVICES_CALL_MATCH_CONSUMER,
    types: ['data.EntityCreated'],
    transactional: false,
    handler: async (event) => {
      const entity = (event.data as { entity?: { type?: string; source?: string | null } }).entity;
      if (entity?.type !== 'call' || entity.source !== 'twilio') return;
      await deps.db.asUser({ role: 'authenticated', sub: event.ownerId }, (tx) => callLog.matchTwilioCall(tx, event));
    },
  });
  const owntracks = createOwntracks({
    db: deps.db,
    ingest: deps.ingest,
    outbox: deps.outbox,
    deviceIngest: ingestBatch,
  });
  const retention = createRetention({ db: deps.db, logger: deps.logger, outbox: deps.outbox });
  deps.jobs.register(
    defineJob({
      name: 'devices.retention',
      priority: 'background',
      payload: z.object({}),
      retry: { limit: 2, backoff: { type: 'exponential', delaySeconds: 300 } },
      cron: { expression: '23 3 * * *', payload: {} },
      handler: async (_payload, context) => {
        const deleted = await retention.runAll();
        context.logger.info({ deleted }, 'device event retention applied');
      },
    }),
  );
  // Daily app-usage summaries: finished days (and days with late events) of owners with pending focus events.
  const appUsageJob = defineJob({
    name: 'devices.app-usage',
    priority: 'background',
    payload: z.object({}),
    retry: { limit: 2, backoff: { type: 'exponential', delaySeconds: 120 } },
    cron: { expression: '7 * * * *', payload: {} },
    handler: async (_payload, context) => {
      const done = await appUsage.summariseAll();
      if (done.owners > 0) context.logger.info(done, 'app usage summarised');
    },
  });
  deps.jobs.register(appUsageJob);
  const health = createHealth({ db: deps.db, outbox: deps.outbox });
  deps.jobs.register(
    defineJob({
      name: 'devices.quiet',
      priority: 'background',
      payload: z.object({}),
      retry: { limit: 1, backoff: { type: 'fixed', delaySeconds: 60 } },
      cron: { expression: '*/15 * * * *', payload: {} },
      handler: async (_payload, context) => {
        const told = await health.notifyQuiet();
        if (told > 0) context.logger.info({ devices: told }, 'quiet devices notified');
      },
    }),
  );
  return {
    name: 'devices',
    capture: health,
    service,
    ingestBatch,
    retention,
    appUsage,
    appUsageJob,
    routes: devicesRoutes({
      service,
      ingest: ingestBatch,
      events: createDeviceEventsReader({ db: deps.db }),
      visits,
      days: createDays({ db: deps.db, appUsage }),
      appUsage,
      retention,
      health,
      owntracks,
      limits: { pairPerMinute: 10, uploadBurst: 30, uploadPerSecond: 1, ...deps.limits },
      rateLimiting: deps.rateLimiting,
    }),
  };
}
