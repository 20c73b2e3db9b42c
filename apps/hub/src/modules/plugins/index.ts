import type { Database } from '../../platform/db/index.ts';
import type { Logger } from '../../platform/logger.ts';
import type { HubModule } from '../../platform/module.ts';
import type { EventOutbox, Subscription } from '../events/index.ts';
import { defineJob, type JobsModule } from '../jobs/index.ts';
import type { PolicyService } from '../policy/index.ts';
import type { WalletService } from '../wallet/index.ts';
import { z } from 'zod';
import type { ActionsService } from '../actions/index.ts';
import { pluginsRepository } from './plugins.repository.ts';
import { pluginsRoutes } from './plugins.routes.ts';
import type { RuntimePoolOptions } from './plugins.runtime.ts';
import { createCrashStrikes } from './runtime/strikes.ts';
import { createRuntimeSupervisor, type SupervisorOptions } from './runtime/supervisor.ts';
import { createPluginsService, type PluginsService } from './plugins.service.ts';

export type { PluginsService, RunResult } from './plugins.service.ts';
export { readPluginFolder, readPluginTarball } from './plugins.package.ts';
export { jsonText, pluginIdSchema, pluginRuleActions, pluginRunLimits, pluginRunPermission } from './plugins.rules.ts';

/** A plugin's key-value storage, for the actions module's storage.* actions (scoped by owner and plugin). */
export const pluginStorage = {
  storageGet: pluginsRepository.storageGet,
  storageList: pluginsRepository.storageList,
  storageSet: pluginsRepository.storageSet,
  storageDelete: pluginsRepository.storageDelete,
};

export interface PluginsModuleDeps {
  db: Database;
  logger: Logger;
  outbox: EventOutbox;
  policy: PolicyService;
  wallet: Pick<WalletService, 'unseal' | 'describe'>;
  /** The actions a plugin's ctx calls (the actions module: policy, limits, audit). */
  actions: Pick<ActionsService, 'invoke' | 'session'>;
  /** The events module's consumer API: event triggers run from a durable consumer. */
  subscribe?: (subscription: Subscription) => void;
  /** Event types plugins may be triggered by (the consumer must list its types). */
  triggerEventTypes?: readonly string[];
  /** The jobs module: a once-a-minute cron runs plugins' schedule triggers. */
  jobs?: Pick<JobsModule, 'register'>;
  /** Event-triggered runs per installation: a burst, then per second (config PLUGINS_EVENT_*). */
  eventRate?: { burst: number; perSecond: number };
  /** The plugin runtime process: its isolate pool, memory budget and heartbeat. */
  runtime?: Pick<RuntimePoolOptions, 'maxWarm' | 'idleMs' | 'maxPerPlugin' | 'memoryBudgetMb'> &
    Pick<SupervisorOptions, 'heartbeatMs' | 'deadlineMs' | 'rssLimitMb'>;
}

export interface PluginsModule extends HubModule {
  service: PluginsService;
}

export const pluginsMigrations = {
  module: 'plugins',
  dir: new URL('./migrations', import.meta.url).pathname,
};

/** The Plugin Manager and the isolated-vm runtime, in a supervised process of its own (ADR 0008). */
export function createPluginsModule(deps: PluginsModuleDeps): PluginsModule {
  const { maxWarm, idleMs, maxPerPlugin, memoryBudgetMb, ...supervision } = deps.runtime ?? {};
  const strikes = createCrashStrikes({
    logger: deps.logger,
    disable: (ownerId, pluginId, reason) => service.disableAfterCrash(ownerId, pluginId, reason),
  });
  const pool = createRuntimeSupervisor({
    logger: deps.logger,
    pool: { maxWarm, idleMs, maxPerPlugin, memoryBudgetMb },
    ...supervision,
    onCrash: (crash) => void strikes.crashed(crash),
  });
  const service = createPluginsService({
    db: deps.db,
    repository: pluginsRepository,
    policy: deps.policy,
    wallet: deps.wallet,
    actions: deps.actions,
    outbox: deps.outbox,
    logger: deps.logger,
    pool,
    eventRate: deps.eventRate,
  });
  if (deps.subscribe && deps.triggerEventTypes && deps.triggerEventTypes.length > 0) {
    deps.subscribe({
      name: 'plugin-triggers',
      types: deps.triggerEventTypes.filter((t) => !t.startsWith('plugin.') && !t.startsWith('policy.')),
      transactional: false,
      handler: async (event) => {
        await service.dispatchEvent(event);
      },
    });
  }
  deps.jobs?.register(
    defineJob({
      name: 'plugins.schedule-tick',
      priority: 'background',
      payload: z.object({}),
      retry: { limit: 0, backoff: { type: 'fixed', delaySeconds: 0 } },
      cron: { expression: '* * * * *', payload: {} },
      handler: async () => {
        await service.runDueSchedules(new Date());
      },
    }),
  );
  return {
    name: 'plugins',
    service,
    routes: pluginsRoutes(service),
    // Figures the runtime reported at its last heartbeat: health never waits on a plugin.
    async health() {
      const stats = pool.stats();
      return {
        plugins: {
          status: stats.crashesLastMinute >= 3 ? 'degraded' : 'ok',
          details: {
            runtime: stats.running ? 'running' : 'idle',
            restarts: stats.restarts,
            lastCrash: stats.lastCrash ?? null,
            warmIsolates: stats.warm,
            heapBytes: stats.heapBytes,
            reservedMb: stats.reservedMb,
            budgetMb: stats.budgetMb,
            runtimeRssBytes: stats.rssBytes,
          },
        },
      };
    },
    async stop() {
      await pool.close();
    },
  };
}
