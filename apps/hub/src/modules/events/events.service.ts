import type { Database, RequestClaims } from '../../platform/db/index.ts';
import { NotFoundError } from '../../platform/errors.ts';
import { eventsRepository as repo } from './events.repository.ts';

export interface OwnEventsPage {
  events: (Awaited<ReturnType<typeof repo.ownEventsAfter>>[number]['event'] & { cursor: string })[];
  nextCursor: string;
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The caller's own event feed, in publication order, under RLS. */
export function createEventsService(deps: { db: Database }) {
  const { db } = deps;
  return {
    /** Resolves `after` (an event id or a cursor) to a cursor; an unknown or foreign id is a 404. */
    async resolveCursor(claims: RequestClaims, after: string | undefined): Promise<string> {
      if (after === undefined) return '0';
      if (!uuidPattern.test(after)) return after;
      const cursor = await db.asUser(claims, (tx) => repo.ownEventCursor(tx, after));
      if (cursor === null) throw new NotFoundError('event');
      return cursor;
    },

    async page(claims: RequestClaims, cursor: string, limit: number): Promise<OwnEventsPage> {
      const rows = await db.asUser(claims, (tx) => repo.ownEventsAfter(tx, cursor, limit));
      return {
        events: rows.map((row) => ({ ...row.event, cursor: row.pubSeq })),
        nextCursor: rows.length > 0 ? rows[rows.length - 1]!.pubSeq : cursor,
      };
    },

    async deadLetters(claims: RequestClaims, limit: number) {
      const rows = await db.asUser(claims, (tx) => repo.ownDeadLetters(tx, limit));
      return rows.map((row) => ({
        consumer: row.consumer,
        event: row.event,
        attempts: row.attempts,
        failedAt: new Date(row.failed_at).toISOString(),
      }));
    },
  };
}

export type EventsService = ReturnType<typeof createEventsService>;
