import type { Clock } from './clock.ts';
import { ProviderRateLimited } from './errors.ts';

/**
 * Per-key concurrency slots and shared pauses. A key is a host ("at most N in flight to
 * api.twilio.com") or a caller's key ("at most 4 per mailbox", Graph's MailboxConcurrency).
 * A pause set by one caller's 429 holds every caller of that key, queued or new, until
 * the provider's Retry-After has passed.
 */
export interface GateKey {
  key: string;
  concurrency: number;
  /** The same limit as other processes hold it (several hub instances): consulted on top of this process's. */
  shared?: SharedLimit;
}

/**
 * A caller's limit that several processes share (connectors/msgraph's mailbox limits on
 * PostgreSQL + NATS). The in-process gate still queues this process's callers first, so a
 * shared slot is asked for only by a caller that already holds a local one.
 */
export interface SharedLimit {
  /** When the pause any process was given ends (epoch ms). Read on every attempt: memory only, no I/O. */
  pausedUntil(): number;
  /** A Retry-After this process was given: the others are told. */
  pause(until: number): void;
  /** One of the limit's slots across processes (waits for one); resolves with its release. */
  acquire?(deadline: number): Promise<() => void>;
}

interface Gate {
  active: number;
  waiting: (() => void)[];
  pausedUntil: number;
}

export function createGates(clock: Clock) {
  const gates = new Map<string, Gate>();
  const gateOf = (key: string) => {
    let gate = gates.get(key);
    if (!gate) gates.set(key, (gate = { active: 0, waiting: [], pausedUntil: 0 }));
    return gate;
  };
  // Idle, unpaused gates are dropped so one-off hosts do not accumulate.
  const tidy = (key: string, gate: Gate) => {
    if (gate.active === 0 && gate.waiting.length === 0 && gate.pausedUntil <= clock.now() && gates.get(key) === gate)
      gates.delete(key);
  };

  async function acquire({ key, concurrency }: GateKey): Promise<() => void> {
    const gate = gateOf(key);
    if (gate.active < concurrency) gate.active++;
    // The releasing caller hands its slot straight to the first waiter (FIFO, no overtaking).
    else await new Promise<void>((resolve) => gate.waiting.push(resolve));
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = gate.waiting.shift();
      if (next) next();
      else {
        gate.active--;
        tidy(key, gate);
      }
    };
  }

  const pausedUntil = (keys: readonly GateKey[]) =>
    Math.max(0, ...keys.map((k) => Math.max(gates.get(k.key)?.pausedUntil ?? 0, k.shared?.pausedUntil() ?? 0)));

  /** Waits out any pause on these keys; refuses to wait past `deadline` or longer than `maxWaitMs`. */
  async function waitForPauses(keys: readonly GateKey[], host: string, deadline: number, maxWaitMs: number) {
    for (;;) {
      const until = pausedUntil(keys);
      const now = clock.now();
      if (until <= now) return;
      if (until - now > maxWaitMs || until > deadline)
        throw new ProviderRateLimited(
          host,
          until,
          `${host} asked for a pause until ${new Date(until).toISOString()}: try again after that.`,
        );
      await clock.sleep(until - now);
    }
  }

  return {
    pause(key: string, until: number) {
      const gate = gateOf(key);
      gate.pausedUntil = Math.max(gate.pausedUntil, until);
    },

    /**
     * Runs `work` holding a slot of every key (acquired in the order given, so callers
     * never deadlock), after every pause on them has passed.
     */
    async run<T>(
      keys: readonly GateKey[],
      limits: { host: string; deadline: number; maxWaitMs: number },
      work: () => Promise<T>,
    ): Promise<T> {
      for (;;) {
        await waitForPauses(keys, limits.host, limits.deadline, limits.maxWaitMs);
        const releases: (() => void)[] = [];
        try {
          for (const key of keys) {
            releases.push(await acquire(key));
            // The shared slot right after this process's own: a caller waiting for another
            // instance to finish holds no slot of the host (other mailboxes go on meanwhile).
            if (key.shared?.acquire) releases.push(await key.shared.acquire(limits.deadline));
          }
          // A pause may have started while this caller queued for a slot: wait it out too.
          if (pausedUntil(keys) > clock.now()) continue;
          return await work();
        } finally {
          for (const release of releases.reverse()) release();
        }
      }
    },
  };
}

export type Gates = ReturnType<typeof createGates>;
