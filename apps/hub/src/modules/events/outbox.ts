import type { NewEvent } from '@made-open/shared';
import { uuidv7 } from 'uuidv7';
import type { Sql } from '../../platform/db/index.ts';

/** Modules write events through this, inside the transaction that makes the change. */
export interface EventOutbox {
  append(tx: Sql, event: NewEvent): Promise<string>;
  /** Appends several events with one statement. */
  appendMany(tx: Sql, events: readonly NewEvent[]): Promise<string[]>;
}

export function createEventOutbox(): EventOutbox {
  async function appendMany(tx: Sql, events: readonly NewEvent[]) {
    if (events.length === 0) return [];
    const ids = events.map(() => uuidv7());
    await tx.query(
      `INSERT INTO made_open.outbox (id, owner_id, type, subject, actor, data, v)
       SELECT e.id, e.owner_id, e.type, e.subject, e.actor, e.data, e.v
       FROM jsonb_to_recordset($1::jsonb) AS e(id uuid, owner_id uuid, type text, subject text, actor jsonb, data jsonb, v int)`,
      [
        JSON.stringify(
          events.map((event, i) => ({
            id: ids[i],
            owner_id: event.ownerId,
            type: event.type,
            subject: event.subject,
            actor: event.actor,
            data: event.data,
            v: event.v ?? 1,
          })),
        ),
      ],
    );
    return ids;
  }
  return {
    appendMany,
    async append(tx, event) {
      const [id] = await appendMany(tx, [event]);
      return id!;
    },
  };
}
