import type { Entity, RecentItem, TimelinePage, TimelineQuery, Today, TodayQuery, TodayTask } from '@made-open/shared';
import type { Database, Sql } from '../../platform/db/index.ts';
import { ConflictError, NotFoundError, UserError } from '../../platform/errors.ts';
import type { AuthenticatedUser } from '../../platform/http/authentication.ts';
import { MergedError, type GraphService } from '../graph/index.ts';
import { localDate, upcomingOccasions } from './timeline.occasions.ts';
import type { RefreshReminders } from './timeline.reminders.ts';
import { REMINDER_SOURCE, type TimelineRepository, type TimelineRow } from './timeline.repository.ts';

type Caller = Pick<AuthenticatedUser, 'id' | 'claims'>;

export interface TimelineServiceDeps {
  db: Pick<Database, 'asUser'>;
  repository: TimelineRepository;
  graph: Pick<GraphService, 'updateEntity'>;
  refreshReminders: RefreshReminders;
  /** Tests: a fixed clock. */
  now?: () => Date;
}

// Opaque cursors: base64url of "t.<timeline_at µs>.<id>".
const cursorPattern = /^t\.(-?\d{1,18})\.([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;
const encodeCursor = (row: TimelineRow) => Buffer.from(`t.${row.at_micros}.${row.id}`).toString('base64url');
function decodeCursor(cursor: string) {
  const match = cursorPattern.exec(Buffer.from(cursor, 'base64url').toString('latin1'));
  if (!match)
    throw new UserError(400, 'invalid_cursor', 'The cursor is not one this timeline returned: start again without it.');
  return { micros: match[1]!, id: match[2]! };
}

const item = (row: TimelineRow) => ({
  id: row.id,
  type: row.type as Entity['type'],
  title: row.title,
  excerpt: row.excerpt,
  properties: row.properties,
  at: row.at,
  linkKinds: row.link_kinds,
});

export function createTimelineService(deps: TimelineServiceDeps) {
  const { db, repository: repo } = deps;
  const now = deps.now ?? (() => new Date());

  async function livePerson(tx: Sql, id: string) {
    const state = await repo.personState(tx, id);
    if (!state || state.type !== 'person') throw new NotFoundError('person');
    if (state.merged_into_id) throw new MergedError(state.merged_into_id);
    if (state.deleted) throw new NotFoundError('person');
  }

  return {
    /** A page of everything linked to a person, newest first by each entity's own time. */
    async timeline(user: Caller, personId: string, query: TimelineQuery): Promise<TimelinePage> {
      const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
      return db.asUser(user.claims, async (tx) => {
        await livePerson(tx, personId);
        const rows = await repo.page(tx, personId, { types: query.types, after, limit: query.limit + 1 });
        const page = rows.slice(0, query.limit);
        const last = page[page.length - 1];
        return { items: page.map(item), nextCursor: rows.length > query.limit && last ? encodeCursor(last) : null };
      });
    },

    /**
     * What needs attention today. Reading it first brings the caller's stay-in-touch
     * reminders up to date (idempotent), so a reminder due since the last hourly run shows.
     */
    async today(user: Caller, query: TodayQuery): Promise<Today> {
      const at = now();
      const date = localDate(at, query.timeZone);
      return db.asUser(user.claims, async (tx) => {
        await deps.refreshReminders(tx, { ownerId: user.id, claims: user.claims }, at);
        const [occasionRows, taskRows, recentRows, people] = [
          await repo.occasionPersons(tx),
          await repo.openTasks(tx, 50),
          await repo.recent(tx, query.recent),
          await repo.countPersons(tx),
        ];
        const tasks: TodayTask[] = taskRows.map((row) => ({
          id: row.id,
          title: row.title,
          version: row.version,
          dueAt: typeof row.properties.dueAt === 'string' ? row.properties.dueAt : null,
          status: typeof row.properties.status === 'string' ? row.properties.status : 'todo',
          person: row.person_id ? { id: row.person_id, name: row.person_name?.trim() || 'Unnamed contact' } : null,
          reminder: row.source === REMINDER_SOURCE,
        }));
        const recent: RecentItem[] = recentRows.map((row) => ({
          id: row.id,
          type: row.type as Entity['type'],
          title: row.title,
          excerpt: row.excerpt,
          properties: row.properties,
          at: row.at,
          people: row.people.map((p) => ({ id: p.id, name: p.name.trim() || 'Unnamed contact' })),
        }));
        return { date, occasions: upcomingOccasions(occasionRows, date, query.days), tasks, recent, people };
      });
    },

    /** Marks a task done (status done, completedAt now); completing a reminder resets its person's clock. */
    async completeTask(user: Caller, id: string, version: number): Promise<Entity> {
      return db.asUser(user.claims, async (tx) => {
        const task = await repo.taskState(tx, id);
        if (!task) throw new NotFoundError('task');
        if (task.properties.status === 'done') throw new ConflictError('This task is done already.', 'already_done');
        return deps.graph.updateEntity(
          user,
          id,
          { version, properties: { ...task.properties, status: 'done', completedAt: now().toISOString() } },
          tx,
        );
      });
    },
  };
}

export type TimelineService = ReturnType<typeof createTimelineService>;
