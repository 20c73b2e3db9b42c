import { randomBytes, randomUUID } from 'node:crypto';
import type { Msg, NatsConnection, Subscription } from '@nats-io/transport-node';
import type { Database } from '../../../platform/db/index.ts';
import { ProviderRateLimited } from '../../../platform/http/outbound/index.ts';
import type { Logger } from '../../../platform/logger.ts';
import { metric } from '../../../platform/metrics.ts';
import type { MailboxLimit, MailboxLimits } from './msgraph.limits.ts';
import { mailboxLimitsRepository } from './msgraph.limits.repository.ts';

/**
 * Outlook's per-mailbox limits across hub instances on one PostgreSQL database and one NATS
 * (ADR 0033). Core NATS subjects, ephemeral and at most once, under `prefix` (default `msgraph`):
 * - `<prefix>.mailbox.<connection id>.pause` `{i: instance, w: ms to wait}`: a Retry-After one
 *   instance was given. Every instance keeps it in memory, so a request reads the pause from
 *   memory, never from the database. The pause is also written to msgraph_mailbox_pauses, which
 *   an instance reads when it first uses a mailbox (and again after NATS reconnected: it may
 *   have missed a message).
 * - `<prefix>.mailbox.<connection id>.free` `{i}`: a slot was given back; an instance waiting for
 *   one claims again at once instead of at its next retry.
 * - `<prefix>.mailbox.<connection id>.want` `{i}`: an instance found every slot taken; whoever
 *   keeps one idle gives it back at once.
 * Slots are rows of msgraph_mailbox_slots claimed by one UPDATE for `leaseMs` and renewed every
 * third of it while held: a crashed instance's slots come back within `leaseMs`. A slot whose
 * request has finished stays with its instance for `lingerMs` (idle) and is reused by that
 * instance's next request of the mailbox with no round trip, unless another instance wants it:
 * a sync's requests, one after another on one instance, claim a slot once, not once each.
 */
export interface ClusterMailboxLimitsOptions {
  db: Database;
  /** The hub's one NATS connection (the events transport's), open once that module has started. */
  connection: () => NatsConnection | undefined;
  logger: Logger;
  /** Subject prefix: tests give each run its own. */
  prefix?: string;
  /** How long a claimed slot lasts without renewal (default 30 s). */
  leaseMs?: number;
  /** How often a request waiting for a slot claims again without being told one is free (default 1 s). */
  retryMs?: number;
  /** How long a finished request's slot stays with this instance for its next request (default 1 s). */
  lingerMs?: number;
}

/** A slot row this instance claimed. */
interface Claim {
  id: string;
  slot: number;
  /** When the row was claimed (epoch ms). */
  at: number;
  connectionId: string;
  ownerId: string;
}

interface Mailbox {
  pausedUntil: number;
  loaded?: Promise<void>;
  /** Counts the slots freed (here or elsewhere): a claim that failed retries at once when it moved meanwhile. */
  freed: number;
  waiters: Set<() => void>;
  /** Slots this instance holds that no request uses now: the next request takes one with no round trip. */
  idle: Claim[];
  linger?: NodeJS.Timeout;
  /** Until when another instance waits for a slot: finished requests give theirs back rather than keep them. */
  wantedUntil: number;
  wantSentAt: number;
}

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const validPrefix = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;
const sleepOrWake = (ms: number, waiters: Set<() => void>) =>
  new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      waiters.delete(done);
      resolve();
    };
    const timer = setTimeout(done, Math.max(0, ms));
    waiters.add(done);
  });

export function clusterMailboxLimits(options: ClusterMailboxLimitsOptions): MailboxLimits & {
  readonly instanceId: string;
  /** Slots this instance holds now (tests, health). */
  held(): number;
} {
  const { logger } = options;
  const prefix = options.prefix ?? 'msgraph';
  if (!validPrefix.test(prefix))
    throw new Error(`msgraph subject prefix ${JSON.stringify(prefix)} is not a NATS subject`);
  const leaseMs = options.leaseMs ?? 30_000;
  const retryMs = options.retryMs ?? 1_000;
  const lingerMs = options.lingerMs ?? 1_000;
  const instanceId = `msgraph-${randomBytes(6).toString('hex')}`;
  const repository = mailboxLimitsRepository(options.db);
  const mailboxes = new Map<string, Mailbox>();
  /** claim id → slot, for renewal bookkeeping. */
  const held = new Map<string, number>();
  let nc: NatsConnection | undefined;
  let subscription: Subscription | undefined;
  let renewal: NodeJS.Timeout | undefined;
  let stopped = false;
  /** The last time every claim of this instance was renewed (epoch ms). */
  let renewedAt = 0;
  const counts = { claims: 0, reused: 0, claimMs: 0, waits: 0, pausesSent: 0, pausesHeard: 0 };
  const subjectOf = (connectionId: string, kind: 'pause' | 'free' | 'want') =>
    `${prefix}.mailbox.${connectionId}.${kind}`;

  const mailboxOf = (connectionId: string) => {
    let mailbox = mailboxes.get(connectionId);
    if (!mailbox)
      mailboxes.set(
        connectionId,
        (mailbox = { pausedUntil: 0, freed: 0, waiters: new Set(), idle: [], wantedUntil: 0, wantSentAt: 0 }),
      );
    return mailbox;
  };
  const extendPause = (mailbox: Mailbox, waitMs: number) => {
    if (waitMs > 0) mailbox.pausedUntil = Math.max(mailbox.pausedUntil, Date.now() + waitMs);
  };

  function publish(subject: string, body: Record<string, unknown>) {
    if (!nc || nc.isClosed()) return;
    try {
      nc.publish(subject, JSON.stringify({ i: instanceId, ...body }));
    } catch (error) {
      // The row (pause) or the retry timer (free) still tells the others, only later.
      logger.warn({ err: error, subject }, 'msgraph limits: publish failed');
    }
  }

  function received(msg: Msg) {
    const [connectionId, kind] = msg.subject
      .slice(prefix.length + 1)
      .split('.')
      .slice(1);
    if (!connectionId || !uuid.test(connectionId)) return;
    let body: { i?: unknown; w?: unknown };
    try {
      body = msg.json();
    } catch {
      return;
    }
    if (body === null || typeof body !== 'object' || body.i === instanceId) return;
    const mailbox = mailboxOf(connectionId);
    if (kind === 'pause' && typeof body.w === 'number' && Number.isFinite(body.w)) {
      counts.pausesHeard++;
      extendPause(mailbox, Math.min(body.w, 600_000));
    } else if (kind === 'free') freed(mailbox);
    else if (kind === 'want') {
      // Requests finishing in the next moments give their slots back too (the other may want several).
      mailbox.wantedUntil = Date.now() + 2 * retryMs;
      giveBackIdle(mailbox);
    }
  }

  function freed(mailbox: Mailbox) {
    mailbox.freed++;
    for (const wake of [...mailbox.waiters]) wake();
  }

  /** The row freed for any instance. Until it is, the slot stays taken (or expires): never more than 4 in flight. */
  function giveBack(mailbox: Mailbox, claim: Claim): Promise<void> {
    return repository.release(claim.connectionId, claim.ownerId, claim.slot, claim.id).then(
      () => {
        held.delete(claim.id);
        freed(mailbox);
        publish(subjectOf(claim.connectionId, 'free'), {});
      },
      (error: unknown) => {
        held.delete(claim.id);
        logger.warn({ err: error }, 'msgraph limits: giving a slot back failed (it expires)');
      },
    );
  }

  function giveBackIdle(mailbox: Mailbox): Promise<unknown> {
    if (mailbox.linger) clearTimeout(mailbox.linger);
    mailbox.linger = undefined;
    return Promise.all(mailbox.idle.splice(0).map((claim) => giveBack(mailbox, claim)));
  }

  /** A request's slot, handed back by the outbound client after the answer. */
  function releaseOf(mailbox: Mailbox, claim: Claim): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      if (stopped || mailbox.wantedUntil > Date.now()) return void giveBack(mailbox, claim);
      // Kept for this instance's next request of the mailbox; given back when none comes soon.
      mailbox.idle.push(claim);
      freed(mailbox);
      if (mailbox.linger) clearTimeout(mailbox.linger);
      mailbox.linger = setTimeout(() => void giveBackIdle(mailbox), lingerMs);
      mailbox.linger.unref();
    };
  }

  async function renew() {
    if (held.size === 0) return;
    try {
      const at = Date.now();
      await repository.renew(instanceId, leaseMs);
      renewedAt = at;
    } catch (error) {
      logger.warn({ err: error }, 'msgraph limits: renewing slot claims failed');
    }
  }

  function limitOf(connectionId: string, ownerId: string): MailboxLimit {
    const mailbox = mailboxOf(connectionId);

    async function acquire(deadline: number): Promise<() => void> {
      const started = performance.now();
      let waited = false;
      for (;;) {
        const kept = mailbox.idle.pop();
        // A kept claim is used only while surely alive (renewals failing: it may have expired and gone to another).
        if (kept && Date.now() - Math.max(kept.at, renewedAt) < (leaseMs * 2) / 3) {
          counts.reused++;
          return releaseOf(mailbox, kept);
        }
        if (kept) {
          void giveBack(mailbox, kept);
          continue;
        }
        const freedBefore = mailbox.freed;
        const claim: Claim = { id: randomUUID(), slot: -1, at: Date.now(), connectionId, ownerId };
        const { slot, pauseMs, slots } = await repository.claim(connectionId, ownerId, {
          holder: instanceId,
          id: claim.id,
          leaseMs,
        });
        extendPause(mailbox, pauseMs);
        // No rows: make them (a connection deleted meanwhile fails here, at once, not after a long wait).
        if (slots === 0) {
          await repository.prepare(connectionId, ownerId);
          continue;
        }
        if (slot !== undefined) {
          counts.claims++;
          counts.claimMs += performance.now() - started;
          claim.slot = slot;
          held.set(claim.id, slot);
          return releaseOf(mailbox, claim);
        }
        const left = deadline - Date.now();
        if (left <= 0)
          throw new ProviderRateLimited(
            'graph.microsoft.com',
            undefined,
            'Microsoft Graph: this mailbox has 4 requests in flight from other hub instances; try again later.',
          );
        // Every slot taken: an instance keeping one idle gives it back when asked.
        if (Date.now() - mailbox.wantSentAt >= Math.min(100, retryMs)) {
          mailbox.wantSentAt = Date.now();
          publish(subjectOf(connectionId, 'want'), {});
        }
        if (!waited) counts.waits++;
        waited = true;
        if (mailbox.freed === freedBefore) await sleepOrWake(Math.min(retryMs, left), mailbox.waiters);
      }
    }

    return {
      ready() {
        mailbox.loaded ??= repository.prepare(connectionId, ownerId).then(
          (waitMs) => extendPause(mailbox, waitMs),
          (error: unknown) => {
            mailbox.loaded = undefined;
            throw error;
          },
        );
        return mailbox.loaded;
      },
      pausedUntil: () => mailbox.pausedUntil,
      pause(until) {
        const waitMs = Math.min(until - Date.now(), 600_000);
        if (waitMs <= 0 || until <= mailbox.pausedUntil) return;
        mailbox.pausedUntil = until;
        counts.pausesSent++;
        // NATS first (the others stop at once), then the row for instances that start later.
        publish(subjectOf(connectionId, 'pause'), { w: waitMs });
        repository
          .pause(connectionId, ownerId, waitMs)
          .catch((error: unknown) => logger.warn({ err: error }, 'msgraph limits: recording a pause failed'));
      },
      acquire,
    };
  }

  return {
    instanceId,
    held: () => held.size,
    of: ({ connectionId, ownerId }) => limitOf(connectionId, ownerId),

    metrics: () =>
      [
        ...metric(
          'made_open_msgraph_slot_claims_total',
          'counter',
          'Microsoft 365 mailbox slots claimed from the database.',
          counts.claims,
        ),
        ...metric(
          'made_open_msgraph_slot_reuses_total',
          'counter',
          'Graph requests that took a slot this instance kept (no round trip).',
          counts.reused,
        ),
        ...metric(
          'made_open_msgraph_slot_claim_seconds_total',
          'counter',
          'Time Graph requests spent claiming a slot from the database, waits included.',
          counts.claimMs / 1000,
        ),
        ...metric(
          'made_open_msgraph_slot_waits_total',
          'counter',
          'Claims that found every slot of their mailbox taken and waited.',
          counts.waits,
        ),
        ...metric(
          'made_open_msgraph_slots_held',
          'gauge',
          'Mailbox slots this instance holds now (in use or kept idle).',
          held.size,
        ),
        ...metric(
          'made_open_msgraph_pauses_total',
          'counter',
          'Retry-After pauses this instance met (sent) and heard from others.',
          [
            [{ origin: 'this' }, counts.pausesSent],
            [{ origin: 'others' }, counts.pausesHeard],
          ],
        ),
      ].join('\n'),

    async start() {
      nc = options.connection();
      if (!nc) throw new Error('msgraph limits: the NATS connection is not open (start the events module first)');
      stopped = false;
      subscription = nc.subscribe(`${prefix}.mailbox.*.*`, {
        callback: (error, msg) => {
          if (!error) received(msg);
        },
      });
      const connection = nc;
      void (async () => {
        // Messages sent while this instance was cut off are lost: read the pauses again on next use.
        for await (const status of connection.status()) {
          if (stopped) break;
          if (status.type === 'reconnect') for (const mailbox of mailboxes.values()) mailbox.loaded = undefined;
        }
      })().catch(() => undefined);
      await nc.flush().catch(() => undefined);
      renewal = setInterval(() => void renew(), Math.max(50, Math.floor(leaseMs / 3)));
      renewal.unref();
    },

    async stop() {
      stopped = true;
      // Kept slots go back now, not when their lease runs out.
      await Promise.all([...mailboxes.values()].map((mailbox) => giveBackIdle(mailbox)));
      if (renewal) clearInterval(renewal);
      renewal = undefined;
      subscription?.unsubscribe();
      subscription = undefined;
      nc = undefined;
      for (const mailbox of mailboxes.values()) for (const wake of [...mailbox.waiters]) wake();
    },
  };
}
