import type { NewEventOf } from '@made-open/shared';
import { eventRegistry, type EventRegistry, type PlatformEventMap } from '@made-open/shared/event-registry';
import { uuidv7 } from 'uuidv7';
import type { Sql } from '../../platform/db/index.ts';

/**
 * Modules write events through this, inside the transaction that makes the change. Typed
 * by the registry's event map: an unknown type or a wrong payload does not compile.
 */
export interface EventOutbox<Map = PlatformEventMap> {
  /**
   * Validates the event against the registry again at run time (what a cast hid throws
   * InvalidEventError: a bug) and inserts it; returns its id (uuid v7).
   */
  append(tx: Sql, event: NewEventOf<Map>): Promise<string>;
  /** Appends several events with one statement. */
  appendMany(tx: Sql, events: readonly NewEventOf<Map>[]): Promise<string[]>;
  /**
   * Called once the transaction of an append has committed (never for one rolled back),
   * once per transaction however many events it appended: the relay uses it to wake up
   * when there is something to see. Returns an unsubscribe function.
   */
  onAppend(listener: () => void): () => void;
  /**
   * For writers that insert their outbox row in their own SQL (the one-round-trip hot
   * paths): wakes the relay exactly as `append` does, after `tx` commits (at once without it).
   */
  notifyAppended(tx?: Sql): void;
}

export interface EventOutboxOptions<Map> {
  /** Defaults to every domain's registered events (packages/shared/src/event-registry.ts). */
  registry?: EventRegistry<Map>;
}

export function createEventOutbox<Map = PlatformEventMap>(options: EventOutboxOptions<Map> = {}): EventOutbox<Map> {
  // Without a registry, Map is the default (the platform's map): the two always match.
  const registry: EventRegistry<unknown> = options.registry ?? eventRegistry;
  const listeners = new Set<() => void>();
  const notify = () => {
    for (const listener of listeners) listener();
  };
  /** Transactions that will notify when they commit (one notification each). */
  const notifying = new WeakSet<Sql>();
  function notifyAfterCommit(tx: Sql | undefined) {
    if (!tx?.afterCommit) return notify();
    if (notifying.has(tx)) return;
    notifying.add(tx);
    tx.afterCommit(notify);
  }

  async function appendMany(tx: Sql, events: readonly NewEventOf<Map>[]) {
    if (events.length === 0) return [];
    const rows = events.map((event) => {
      const { v, data } = registry.validate(event);
      return {
        id: uuidv7(),
        owner_id: event.ownerId,
        type: event.type,
        subject: event.subject,
        actor: event.actor,
        data,
        v,
      };
    });
    await tx.query(
      `INSERT INTO made_open.outbox (id, owner_id, type, subject, actor, data, v)
       SELECT e.id, e.owner_id, e.type, e.subject, e.actor, e.data, e.v
       FROM jsonb_to_recordset($1::jsonb) AS e(id uuid, owner_id uuid, type text, subject text, actor jsonb, data jsonb, v int)`,
      [JSON.stringify(rows)],
    );
    notifyAfterCommit(tx);
    return rows.map((row) => row.id);
  }

  return {
    appendMany,
    async append(tx, event) {
      const [id] = await appendMany(tx, [event]);
      return id!;
    },
    onAppend(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    notifyAppended(tx) {
      notifyAfterCommit(tx);
    },
  };
}
