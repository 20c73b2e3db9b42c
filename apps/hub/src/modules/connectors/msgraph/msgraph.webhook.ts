import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Database } from '../../../platform/db/index.ts';
import { NotFoundError, UserError } from '../../../platform/errors.ts';
import type { AuthenticatedUser } from '../../../platform/http/authentication.ts';
import type { Logger } from '../../../platform/logger.ts';
import type { ConnectorsService } from '../connectors.service.ts';
import { ownerClaims } from '../connectors.sync.ts';
import { sha256, type Subscriptions } from './msgraph.subscriptions.ts';
import { subscriptionsRepository as repo, type SubscriptionRow } from './msgraph.subscriptions.repository.ts';

/** Graph batches notifications; a body past this is not Graph's (413). */
export const notificationBodyLimit = 1024 * 1024;
const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Only what the hub uses; resourceData is never read (a notification is a hint, not data). */
const notificationSchema = z.object({
  subscriptionId: z.string().min(1).max(200),
  clientState: z.string().max(256).optional(),
  lifecycleEvent: z.string().max(100).optional(),
});
const bodySchema = z.object({ value: z.array(z.unknown()).min(1).max(1000) });

/** Constant-time: the SHA-256 of the presented clientState against the stored one. */
export function clientStateMatches(presented: string | undefined, storedHash: string): boolean {
  if (!presented) return false;
  const given = Buffer.from(sha256(presented), 'hex');
  const wanted = Buffer.from(storedHash, 'hex');
  return wanted.length === given.length && timingSafeEqual(wanted, given);
}

/**
 * A delta run per connection, debounced (a burst of notifications is one run) and single-
 * flight (through requestSync, which answers with the run already queued or running). When
 * a run was already going, another is asked for after it, since it may have passed the change.
 */
export function createRunScheduler(deps: { service: () => ConnectorsService; logger: Logger; debounceMs?: number }) {
  const pending = new Map<string, NodeJS.Timeout>();
  const debounceMs = deps.debounceMs ?? 2_000;

  function schedule(connectionId: string, ownerId: string, attempt = 0, delay = debounceMs) {
    if (pending.has(connectionId)) return;
    const timer = setTimeout(() => {
      pending.delete(connectionId);
      const user: AuthenticatedUser = { id: ownerId, claims: ownerClaims(ownerId) as AuthenticatedUser['claims'] };
      deps
        .service()
        .requestSync(user, connectionId)
        .then((result) => {
          if (!result.created && attempt < 3) schedule(connectionId, ownerId, attempt + 1, 10_000);
        })
        .catch((error: unknown) =>
          deps.logger.info({ err: error, connectionId }, 'a change notification could not start a sync'),
        );
    }, delay);
    timer.unref();
    pending.set(connectionId, timer);
  }

  return {
    schedule,
    stop() {
      for (const timer of pending.values()) clearTimeout(timer);
      pending.clear();
    },
  };
}
export type RunScheduler = ReturnType<typeof createRunScheduler>;

export interface WebhookDeps {
  db: Database;
  logger: Logger;
  subscriptions: Subscriptions;
  runs: RunScheduler;
}

/**
 * What Graph's notifications do: valid ones (known subscription of this connection, its
 * clientState) only schedule a delta run, or renew / recreate subscriptions (lifecycle);
 * anything else is ignored with nothing changed. Returns how many were accepted.
 */
export function createNotificationHandler(deps: WebhookDeps) {
  return async function receive(connectionId: string, items: readonly unknown[]): Promise<number> {
    const notifications = items
      .map((item) => notificationSchema.safeParse(item))
      .filter((parsed) => parsed.success)
      .map((parsed) => parsed.data);
    if (notifications.length === 0) return 0;
    // System read: the caller is Graph; the connection id in the path and the subscription id select the row.
    const rows = await deps.db.asSystem((tx) =>
      repo.byIds(
        tx,
        connectionId,
        notifications.map((n) => n.subscriptionId),
      ),
    );
    const byId = new Map(rows.map((row) => [row.subscription_id, row]));
    const accepted: { row: SubscriptionRow; lifecycleEvent?: string }[] = [];
    for (const notification of notifications) {
      const row = byId.get(notification.subscriptionId);
      if (row && clientStateMatches(notification.clientState, row.client_state_hash))
        accepted.push({ row, lifecycleEvent: notification.lifecycleEvent });
    }
    if (accepted.length === 0) {
      deps.logger.warn(
        { connectionId, count: notifications.length },
        'graph notifications refused (unknown or bad clientState)',
      );
      return 0;
    }
    const ownerId = accepted[0]!.row.owner_id;
    const now = new Date().toISOString();
    await deps.db.asUser(ownerClaims(ownerId), async (tx) => {
      await repo.notified(
        tx,
        accepted.map((a) => a.row.subscription_id),
      );
      await repo.setState(tx, connectionId, { lastNotificationAt: now });
    });
    let run = false;
    const renew: string[] = [];
    const removed: string[] = [];
    for (const { row, lifecycleEvent } of accepted) {
      if (lifecycleEvent === 'reauthorizationRequired') renew.push(row.subscription_id);
      else if (lifecycleEvent === 'subscriptionRemoved') removed.push(row.subscription_id);
      else run = true; // a change, or `missed`: either way a delta run catches up
    }
    if (run) deps.runs.schedule(connectionId, ownerId);
    if (renew.length > 0 || removed.length > 0) {
      // After the answer: Graph wants it within 3 s, renewing calls Graph (and its handshake).
      setImmediate(() => {
        deps.subscriptions
          .maintain(connectionId, { renew, removed, force: true })
          .catch((error: unknown) =>
            deps.logger.warn({ err: error, connectionId }, 'lifecycle notification not handled'),
          );
      });
      if (removed.length > 0) deps.runs.schedule(connectionId, ownerId);
    }
    return accepted.length;
  };
}

/**
 * POST /webhooks/microsoft/:connectionId/notifications and …/lifecycle (Graph's
 * notificationUrl and lifecycleNotificationUrl). The validationToken handshake is answered
 * first, before any database work. Well-formed bodies get 202 whatever they name (Graph
 * retries anything else for hours); malformed ones 400, oversized 413.
 */
export function notificationRoutes(deps: WebhookDeps) {
  const receive = createNotificationHandler(deps);
  return async function routes(app: FastifyInstance) {
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: notificationBodyLimit }, (_request, body, done) =>
      done(null, body),
    );
    app.route({
      method: 'POST',
      url: '/webhooks/microsoft/:connectionId/:kind',
      bodyLimit: notificationBodyLimit,
      schema: {
        tags: ['webhooks'],
        summary: 'Microsoft Graph change and lifecycle notifications (validationToken handshake; clientState checked)',
        security: [],
      },
      handler: async (request, reply) => {
        const query = (request.query ?? {}) as Record<string, unknown>;
        const token = query.validationToken;
        if (token !== undefined) {
          if (typeof token !== 'string' || token.length === 0 || token.length > 4096)
            throw new UserError(400, 'bad_validation_token', 'The validationToken is empty or too long.');
          return reply
            .status(200)
            .header('x-content-type-options', 'nosniff')
            .type('text/plain; charset=utf-8')
            .send(token);
        }
        const { connectionId, kind } = request.params as { connectionId: string; kind: string };
        if (!uuid.test(connectionId) || (kind !== 'notifications' && kind !== 'lifecycle'))
          throw new NotFoundError('webhook');
        const raw = Buffer.isBuffer(request.body) ? request.body.toString('utf8') : '';
        let parsed: ReturnType<typeof bodySchema.safeParse>;
        try {
          parsed = bodySchema.safeParse(JSON.parse(raw));
        } catch {
          throw new UserError(400, 'bad_notification', 'The body is not JSON.');
        }
        if (!parsed.success)
          throw new UserError(400, 'bad_notification', 'Expected a Graph notification collection: { value: [...] }.');
        await receive(connectionId, parsed.data.value);
        return reply.status(202).send();
      },
    });
  };
}
