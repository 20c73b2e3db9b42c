import { z } from 'zod';
import { defineJob } from '../../jobs/index.ts';
import type { Subscriptions } from './msgraph.subscriptions.ts';

/**
 * pg-boss: every 5 minutes, each active Microsoft connection's subscriptions are made (when
 * there are none yet and PUBLIC_URL is https), renewed when they expire within a day, or
 * made again when Graph forgot them; with a connectionId, only that connection.
 */
export function subscriptionsJob(subscriptions: Subscriptions) {
  return defineJob({
    name: 'msgraph.subscriptions',
    priority: 'background',
    payload: z.object({ connectionId: z.string().uuid().optional() }),
    handler: async (payload) => {
      if (payload.connectionId) await subscriptions.maintain(payload.connectionId);
      else await subscriptions.maintainAll();
    },
    retry: { limit: 2, backoff: { type: 'exponential', delaySeconds: 30 } },
    cron: { expression: '*/5 * * * *', payload: {} },
  });
}
