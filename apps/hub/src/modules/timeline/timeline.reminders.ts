import type { Actor } from '@made-open/shared';
import { uuidv7 } from 'uuidv7';
import type { RequestClaims, Sql } from '../../platform/db/index.ts';
import type { EventOutbox } from '../events/index.ts';
import type { GraphService, Ingest } from '../graph/index.ts';
import { REMINDER_SOURCE, type TimelineRepository } from './timeline.repository.ts';

const WEEK_MS = 7 * 24 * 3600 * 1000;
export const reminderActor: Actor = { kind: 'system', id: 'timeline.reminders' };

export interface ReminderDeps {
  repository: TimelineRepository;
  ingest: Ingest;
  graph: Pick<GraphService, 'updateEntity'>;
  outbox: Pick<EventOutbox, 'append'>;
}

export interface ReminderOutcome {
  created: string[];
  closed: string[];
}

/** The key of one due period: the same person due on the same day never gets two tasks. */
export const reminderKey = (personId: string, due: Date) =>
  `stay-in-touch:${personId}:${due.toISOString().slice(0, 10)}`;

/**
 * The stay-in-touch engine, for one owner inside their transaction (their RLS):
 * - last in touch = the newer of the newest message, call, note or event linked to the
 *   person (not in the future) and the completion of their latest reminder; never in touch
 *   counts from when the person was added;
 * - due = last in touch + N weeks; when due and no reminder is open, a `task` (source
 *   `reminders`, externalId `stay-in-touch:<person>:<due day>`) is made and linked
 *   task -about-> person. A key made once is never made again, even if that task was deleted;
 * - an open reminder whose person is no longer due (they were contacted, or the period
 *   grew) is completed, dated by the contact, so it resets the clock without moving it.
 * Idempotent: running it twice in a row changes nothing the second time.
 */
export function createReminderEngine(deps: ReminderDeps) {
  const { repository: repo } = deps;
  return async function refreshReminders(
    tx: Sql,
    owner: { ownerId: string; claims: RequestClaims },
    now: Date,
  ): Promise<ReminderOutcome> {
    const outcome: ReminderOutcome = { created: [], closed: [] };
    const caller = { id: owner.ownerId, claims: owner.claims as never, actor: reminderActor };
    for (const row of await repo.stayInTouch(tx, now)) {
      const times = [row.last_contact, row.last_done]
        .filter((t): t is Date => t !== null)
        .map((t) => new Date(t).getTime());
      const base = times.length > 0 ? Math.max(...times) : new Date(row.created_at).getTime();
      const due = new Date(base + row.weeks * WEEK_MS);
      if (due.getTime() <= now.getTime()) {
        if (row.open_task_id) continue;
        const key = reminderKey(row.id, due);
        if (await repo.reminderExists(tx, key)) continue;
        const name = row.title.trim() || 'someone';
        const result = await deps.ingest(tx, {
          ownerId: owner.ownerId,
          actor: reminderActor,
          items: [
            {
              type: 'task',
              source: REMINDER_SOURCE,
              externalId: key,
              title: `Get in touch with ${name}`.slice(0, 1000),
              body: `You wanted to stay in touch with ${name} every ${row.weeks === 1 ? 'week' : `${row.weeks} weeks`}.`,
              properties: { dueAt: due.toISOString(), status: 'todo', priority: 'normal' },
            },
          ],
        });
        const taskId = result.items[0]!.id;
        const link = await repo.insertAboutLink(tx, { id: uuidv7(), fromId: taskId, toId: row.id });
        if (link) {
          await deps.outbox.append(tx, {
            type: 'data.LinkCreated',
            ownerId: owner.ownerId,
            subject: link.id,
            actor: reminderActor,
            data: { link },
          });
        }
        outcome.created.push(taskId);
      } else if (row.open_task_id) {
        const task = await repo.taskState(tx, row.open_task_id);
        if (!task) continue;
        const contacted = row.last_contact ? new Date(row.last_contact) : now;
        await deps.graph.updateEntity(
          caller,
          row.open_task_id,
          {
            version: task.version,
            properties: { ...task.properties, status: 'done', completedAt: contacted.toISOString() },
          },
          tx,
        );
        outcome.closed.push(row.open_task_id);
      }
    }
    return outcome;
  };
}

export type RefreshReminders = ReturnType<typeof createReminderEngine>;
