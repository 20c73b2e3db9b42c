import { z } from 'zod';
import type { Database } from '../../platform/db/index.ts';
import type { Logger } from '../../platform/logger.ts';
import { defineJob, type JobDefinition } from '../jobs/index.ts';
import { eventsRepository as repo } from './events.repository.ts';

/**
 * How long published events stay in the outbox: the platform-events stream's max_age on NATS
 * (transport.nats.ts), so the embedded transport keeps the same replay window. Consumers
 * that fall further behind lose events, as they would on JetStream.
 */
export const EVENT_RETENTION_DAYS = 7;
/** Rows per delete statement: short transactions that never hold up the relay for long. */
const CHUNK = 5_000;

export interface PruneResult {
  events: number;
  processedMarkers: number;
}

/** Deletes published events and idempotency markers older than `olderThan`, in chunks. */
export async function pruneEvents(db: Database, olderThan: Date): Promise<PruneResult> {
  const result: PruneResult = { events: 0, processedMarkers: 0 };
  for (;;) {
    const n = await db.asSystem((tx) => repo.prunePublished(tx, olderThan, CHUNK));
    result.events += n;
    if (n < CHUNK) break;
  }
  for (;;) {
    const n = await db.asSystem((tx) => repo.pruneProcessed(tx, olderThan, CHUNK));
    result.processedMarkers += n;
    if (n < CHUNK) break;
  }
  return result;
}

/** events.prune: every night at 03:17, the retention window above. */
export function pruneJob(db: Database, logger: Logger): JobDefinition {
  return defineJob({
    name: 'events.prune',
    priority: 'background',
    payload: z.object({}),
    retry: { limit: 3, backoff: { type: 'exponential', delaySeconds: 60 } },
    cron: { expression: '17 3 * * *', payload: {} },
    handler: async () => {
      const olderThan = new Date(Date.now() - EVENT_RETENTION_DAYS * 24 * 3600 * 1000);
      const pruned = await pruneEvents(db, olderThan);
      logger.info({ ...pruned, olderThan }, 'pruned events past the retention window');
    },
  });
}
