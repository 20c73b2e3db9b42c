import type { Database } from '../../../platform/db/index.ts';
import type { Logger } from '../../../platform/logger.ts';
import type { AuthenticatedUser } from '../../../platform/http/authentication.ts';
import type { ConnectorsService } from '../connectors.service.ts';
import { ownerClaims } from '../connectors.sync.ts';
import { safetyNetMinutes } from './msgraph.subscriptions.ts';

/** After failed runs in a row, polling waits pollMinutes × 2^(failures − 1), at most this long. */
export const maxBackoffMinutes = 60;

/**
 * Delta polling (issue 13 §4) while there are no change notifications: every tick, each
 * active Microsoft 365 connection whose last sync is older than its `pollMinutes` (default
 * 2) and that is not syncing gets a sync requested, through the same path as "sync now".
 * With change notifications live (msgraph.subscriptions.ts) it polls every 30 minutes instead.
 * A failed run counts as a run: the next comes pollMinutes after it, and after failures in a
 * row (the connection's sync_failures) the wait doubles each time, up to an hour.
 */
export function createPolling(deps: {
  db: Database;
  logger: Logger;
  service: ConnectorsService;
  tickMs?: number;
  /** Also on every tick (change notifications: connections not yet subscribed). */
  alsoEachTick?: () => Promise<void>;
}) {
  let timer: NodeJS.Timeout | undefined;
  let running = false;

  async function due(): Promise<{ id: string; owner_id: string }[]> {
    // System read across owners: ids only; each request then runs as its owner.
    const { rows } = await deps.db.asSystem((tx) =>
      tx.query<{ id: string; owner_id: string }>(
        `SELECT id, owner_id FROM made_open.connections
          WHERE provider = 'microsoft' AND status = 'active' AND sync_state = 'idle'
            -- Since the last run, whether it succeeded or failed (greatest ignores nulls) ...
            AND coalesce(greatest(last_success_at, last_error_at), created_at)
                < now() - make_interval(mins => (
                  SELECT CASE WHEN sync_failures > 0
                    -- ... failed runs in a row: doubling waits, up to an hour (never below the interval).
                    THEN greatest(base, least(base * power(2, least(sync_failures, 6))::int / 2, ${maxBackoffMinutes}))
                    ELSE base END
                  FROM (SELECT CASE
                    -- Change notifications live: polling is only a slow safety net.
                    WHEN state->'notifications'->>'mode' = 'notifications'
                      THEN greatest(${safetyNetMinutes}, coalesce((options->>'pollMinutes')::int, 2))
                    ELSE greatest(1, coalesce((options->>'pollMinutes')::int, 2)) END AS base) b))
          ORDER BY coalesce(last_success_at, created_at) LIMIT 100`,
      ),
    );
    return rows;
  }

  async function tick() {
    if (running) return;
    running = true;
    try {
      for (const row of await due()) {
        const user: AuthenticatedUser = {
          id: row.owner_id,
          claims: ownerClaims(row.owner_id) as AuthenticatedUser['claims'],
        };
        await deps.service
          .requestSync(user, row.id)
          .catch((error: unknown) =>
            deps.logger.warn({ err: error, connectionId: row.id }, 'microsoft 365 poll could not queue a sync'),
          );
      }
      await deps.alsoEachTick?.();
    } catch (error) {
      deps.logger.warn({ err: error }, 'microsoft 365 polling tick failed');
    } finally {
      running = false;
    }
  }

  return {
    tick,
    start() {
      timer = setInterval(() => void tick(), deps.tickMs ?? 30_000);
      timer.unref();
    },
    stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
    },
  };
}
