import type { Link } from '@made-open/shared';
import type { Sql } from '../../platform/db/index.ts';

/**
 * The only file of the timeline module that knows SQL. It reads the graph's tables
 * (entities, entity_links) under the caller's RLS; every method takes the transaction.
 */

const iso = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
const micros = (column: string) => `(extract(epoch FROM ${column}) * 1000000)::bigint::text`;
const fromMicros = (param: string) => `(timestamptz 'epoch' + ${param}::bigint * interval '1 microsecond')`;

export type TimelineRow = {
  id: string;
  type: string;
  title: string;
  excerpt: string;
  properties: Record<string, unknown>;
  at: string;
  at_micros: string;
  link_kinds: string[];
};

export type RecentRow = Omit<TimelineRow, 'link_kinds' | 'at_micros'> & {
  people: { id: string; name: string }[];
};

export type PersonState = {
  type: string;
  deleted: boolean;
  merged_into_id: string | null;
};

export type OccasionRow = {
  id: string;
  title: string;
  birthday: string | null;
  anniversaries: { label: string; date: string }[] | null;
};

export type TaskRow = {
  id: string;
  title: string;
  version: number;
  properties: Record<string, unknown>;
  source: string | null;
  person_id: string | null;
  person_name: string | null;
};

export type StayInTouchRow = {
  id: string;
  title: string;
  weeks: number;
  created_at: Date;
  last_contact: Date | null;
  last_done: Date | null;
  open_task_id: string | null;
};

const itemColumns = `e.id, e.type, e.title, left(e.body, 280) AS excerpt, e.properties,
  ${iso('public.timeline_at(e)')} AS at`;

/** The kinds of entity that count as contact for "last contacted". */
export const CONTACT_TYPES = ['message', 'call', 'note', 'calendar_event'];
export const REMINDER_SOURCE = 'reminders';

export const timelineRepository = {
  async personState(tx: Sql, id: string): Promise<PersonState | undefined> {
    const result = await tx.query<PersonState>(
      `SELECT type, deleted_at IS NOT NULL AS deleted, merged_into_id FROM public.entities WHERE id = $1`,
      [id],
    );
    return result.rows[0];
  },

  /**
   * One page of a person's timeline, newest first by each entity's own time, keyset-paged on
   * (at, id). The instants live on the links (from_at / to_at, migrations/0001), so this walks
   * the person's links down the entity_links_timeline_to/_from indexes in order (a Merge
   * Append of the two directions), drops repeats of an entity linked twice, joins each to its
   * entity by primary key and stops at the page's end: the cost is the page, not the person.
   */
  async page(
    tx: Sql,
    personId: string,
    options: { types?: string[]; after?: { micros: string; id: string }; limit: number },
  ): Promise<TimelineRow[]> {
    const params: unknown[] = [personId];
    const param = (value: unknown) => {
      params.push(value);
      return `$${params.length}`;
    };
    const where = ['e.deleted_at IS NULL', `e.type <> 'person'`];
    if (options.types?.length) where.push(`e.type = ANY(${param(options.types)}::text[])`);
    // The keyset condition goes inside each index walk, so a later page starts where it left off.
    let toBefore = '';
    let fromBefore = '';
    if (options.after) {
      const at = fromMicros(param(options.after.micros));
      const id = `${param(options.after.id)}::uuid`;
      toBefore = `AND (l.from_at, l.from_id) < (${at}, ${id})`;
      fromBefore = `AND (l.to_at, l.to_id) < (${at}, ${id})`;
    }
    const result = await tx.query<TimelineRow>(
      `SELECT e.id, e.type, e.title, left(e.body, 280) AS excerpt, e.properties, ${iso('h.at')} AS at,
              ${micros('h.at')} AS at_micros,
              -- Each direction by the (owner, from_id, kind, to_id) key: a few rows per entry.
              ARRAY(SELECT k.kind FROM public.entity_links k WHERE k.from_id = e.id AND k.to_id = $1
                    UNION SELECT k.kind FROM public.entity_links k WHERE k.from_id = $1 AND k.to_id = e.id
                    ORDER BY 1) AS link_kinds
         FROM (
           SELECT DISTINCT ON (h.at, h.id) h.at, h.id FROM (
             (SELECT l.from_at AS at, l.from_id AS id FROM public.entity_links l
               WHERE l.to_id = $1 ${toBefore} ORDER BY l.from_at DESC, l.from_id DESC)
             UNION ALL
             (SELECT l.to_at, l.to_id FROM public.entity_links l
               WHERE l.from_id = $1 ${fromBefore} ORDER BY l.to_at DESC, l.to_id DESC)
           ) h
           ORDER BY h.at DESC, h.id DESC
         ) h
         JOIN public.entities e ON e.id = h.id
        WHERE ${where.join(' AND ')}
        ORDER BY h.at DESC, h.id DESC
        LIMIT ${param(options.limit)}`,
      params,
    );
    return result.rows;
  },

  /** The latest messages, calls and notes across everyone, each with the people it links. */
  async recent(tx: Sql, limit: number): Promise<RecentRow[]> {
    if (limit === 0) return [];
    const result = await tx.query<RecentRow>(
      `WITH candidates AS (
         -- By the (owner, type, updated_at) index; a few more than asked, then by their own time.
         (SELECT * FROM public.entities WHERE type = 'message' AND deleted_at IS NULL ORDER BY updated_at DESC LIMIT $1 * 3)
         UNION ALL
         (SELECT * FROM public.entities WHERE type = 'call' AND deleted_at IS NULL ORDER BY updated_at DESC LIMIT $1 * 3)
         UNION ALL
         (SELECT * FROM public.entities WHERE type = 'note' AND deleted_at IS NULL ORDER BY updated_at DESC LIMIT $1 * 3)
       )
       SELECT ${itemColumns},
              (SELECT coalesce(json_agg(json_build_object('id', p.id, 'name', p.title) ORDER BY p.title), '[]'::json)
                 FROM public.entities p
                WHERE p.type = 'person' AND p.deleted_at IS NULL AND p.id IN (
                  SELECT l.to_id FROM public.entity_links l WHERE l.from_id = e.id
                  UNION SELECT l.from_id FROM public.entity_links l WHERE l.to_id = e.id)) AS people
         FROM candidates e
        ORDER BY public.timeline_at(e) DESC, e.id DESC
        LIMIT $1`,
      [limit],
    );
    return result.rows;
  },

  async countPersons(tx: Sql): Promise<number> {
    const result = await tx.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM public.entities WHERE type = 'person' AND deleted_at IS NULL`,
    );
    return result.rows[0]!.n;
  },

  async occasionPersons(tx: Sql): Promise<OccasionRow[]> {
    const result = await tx.query<OccasionRow>(
      `SELECT id, title, properties ->> 'birthday' AS birthday, properties -> 'anniversaries' AS anniversaries
         FROM public.entities
        WHERE type = 'person' AND deleted_at IS NULL AND (properties ? 'birthday' OR properties ? 'anniversaries')`,
    );
    return result.rows;
  },

  /** Open tasks (not done or canceled), soonest due first, undated last; each with the person it is about. */
  async openTasks(tx: Sql, limit: number): Promise<TaskRow[]> {
    const result = await tx.query<TaskRow>(
      `SELECT t.id, t.title, t.version, t.properties, t.source, p.id AS person_id, p.title AS person_name
         FROM public.entities t
         LEFT JOIN LATERAL (
           SELECT p.id, p.title FROM public.entity_links l JOIN public.entities p ON p.id = l.to_id
            WHERE l.from_id = t.id AND l.kind = 'about' AND p.type = 'person' AND p.deleted_at IS NULL
            ORDER BY l.created_at LIMIT 1) p ON true
        WHERE t.type = 'task' AND t.deleted_at IS NULL
          AND coalesce(t.properties ->> 'status', 'todo') NOT IN ('done', 'canceled')
        ORDER BY public.timeline_at(t) ASC NULLS LAST, t.id
        LIMIT $1`,
      [limit],
    );
    return result.rows;
  },

  /**
   * Persons with a stay-in-touch period, with when they were last in touch (the newest
   * message, call, note or event linked to them that is not in the future), when their
   * latest reminder was completed, and their open reminder task.
   */
  async stayInTouch(tx: Sql, now: Date): Promise<StayInTouchRow[]> {
    const result = await tx.query<StayInTouchRow>(
      `SELECT p.id, p.title, (p.properties ->> 'stayInTouchWeeks')::int AS weeks, p.created_at,
              -- Newest first down entity_links_timeline_to: stops at the first contact.
              (SELECT l.from_at FROM public.entity_links l JOIN public.entities e ON e.id = l.from_id
                WHERE l.owner_id = p.owner_id AND l.to_id = p.id AND l.from_at <= $1
                  AND e.type = ANY($2::text[]) AND e.deleted_at IS NULL
                ORDER BY l.from_at DESC LIMIT 1) AS last_contact,
              (SELECT max(coalesce((t.properties ->> 'completedAt')::timestamptz, t.updated_at))
                 FROM public.entity_links l JOIN public.entities t ON t.id = l.from_id
                WHERE l.to_id = p.id AND l.kind = 'about' AND t.type = 'task' AND t.source = $3
                  AND t.properties ->> 'status' = 'done') AS last_done,
              (SELECT t.id FROM public.entity_links l JOIN public.entities t ON t.id = l.from_id
                WHERE l.to_id = p.id AND l.kind = 'about' AND t.type = 'task' AND t.source = $3 AND t.deleted_at IS NULL
                  AND coalesce(t.properties ->> 'status', 'todo') NOT IN ('done', 'canceled')
                ORDER BY t.created_at DESC LIMIT 1) AS open_task_id
         FROM public.entities p
        WHERE p.type = 'person' AND p.deleted_at IS NULL AND p.properties ? 'stayInTouchWeeks'`,
      [now, CONTACT_TYPES, REMINDER_SOURCE],
    );
    return result.rows;
  },

  /** Whether a reminder with this key was ever made (even if since deleted): never make it twice. */
  async reminderExists(tx: Sql, externalId: string): Promise<boolean> {
    const result = await tx.query(`SELECT 1 FROM public.entities WHERE source = $1 AND external_id = $2`, [
      REMINDER_SOURCE,
      externalId,
    ]);
    return result.rows.length > 0;
  },

  async taskState(tx: Sql, id: string): Promise<{ version: number; properties: Record<string, unknown> } | undefined> {
    const result = await tx.query<{ version: number; properties: Record<string, unknown> }>(
      `SELECT version, properties FROM public.entities WHERE id = $1 AND type = 'task' AND deleted_at IS NULL`,
      [id],
    );
    return result.rows[0];
  },

  /** task -about-> person; undefined when it exists already. */
  async insertAboutLink(tx: Sql, link: { id: string; fromId: string; toId: string }): Promise<Link | undefined> {
    const result = await tx.query<{ link: Link }>(
      `INSERT INTO public.entity_links AS l (id, kind, from_id, to_id) VALUES ($1, 'about', $2, $3)
       ON CONFLICT (owner_id, from_id, kind, to_id) DO NOTHING
       RETURNING json_build_object('id', l.id, 'kind', l.kind, 'fromId', l.from_id, 'toId', l.to_id,
                                   'createdAt', ${iso('l.created_at')}) AS link`,
      [link.id, link.fromId, link.toId],
    );
    return result.rows[0]?.link;
  },

  /** The owners who have anyone to stay in touch with: for the scheduled job, run as the system. */
  async ownersWithStayInTouch(tx: Sql): Promise<string[]> {
    const result = await tx.query<{ owner_id: string }>(
      `SELECT DISTINCT owner_id FROM public.entities
        WHERE type = 'person' AND deleted_at IS NULL AND properties ? 'stayInTouchWeeks'`,
    );
    return result.rows.map((row) => row.owner_id);
  },
};

export type TimelineRepository = typeof timelineRepository;
