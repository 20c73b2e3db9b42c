import type { Database } from '../../platform/db/index.ts';
import { NotFoundError, UserError } from '../../platform/errors.ts';
import type { AuthenticatedUser } from '../../platform/http/authentication.ts';
import { twilioErrorMessage } from '../connectors/twilio/index.ts';
import { messagesRepository as repo, type MessageRow, type Position, type ThreadRow } from './messages.repository.ts';
import type { MessageView, ThreadView } from './messages.schemas.ts';

// Opaque cursors: base64url of "<t|m>.<µs>.<id>" (t: the thread list, m: a thread's messages).
const encodeCursor = (kind: 't' | 'm', micros: string, id: string) =>
  Buffer.from(`${kind}.${micros}.${id}`).toString('base64url');
const cursorPattern = /^([tm])\.(\d{1,18})\.([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;

function decodeCursor(cursor: string | undefined, kind: 't' | 'm'): Position | undefined {
  if (cursor === undefined) return undefined;
  const match = cursorPattern.exec(Buffer.from(cursor, 'base64url').toString('latin1'));
  if (!match || match[1] !== kind)
    throw new UserError(400, 'invalid_cursor', 'The cursor is not one this list returned: start again without it.');
  return { micros: match[2]!, id: match[3]! };
}

const text = (value: unknown) => (typeof value === 'string' ? value : null);
const directionOf = (properties: Record<string, unknown>) =>
  properties.direction === 'outbound' ? ('outbound' as const) : ('inbound' as const);
/** The other side of a message: the sender of an inbound one, the recipient of an outbound one. */
const otherOf = (properties: Record<string, unknown>) =>
  directionOf(properties) === 'inbound'
    ? text(properties.from)
    : text(Array.isArray(properties.to) ? properties.to[0] : properties.to);

function mediaOf(properties: Record<string, unknown>): MessageView['media'] {
  if (!Array.isArray(properties.media)) return [];
  return properties.media.map((item: Record<string, unknown>) => ({
    contentType: text(item?.contentType) ?? 'application/octet-stream',
    path: text(item?.path),
  }));
}

function messageOf(row: MessageRow): MessageView {
  const p = row.properties;
  const status = text(p.status);
  const code = typeof p.errorCode === 'number' ? p.errorCode : null;
  const failed = status === 'failed' || status === 'undelivered';
  return {
    id: row.id,
    sid: row.external_id,
    direction: directionOf(p),
    status,
    body: row.body,
    from: text(p.from),
    to: text(Array.isArray(p.to) ? p.to[0] : p.to),
    at: row.at,
    segments: typeof p.segments === 'number' ? p.segments : null,
    media: mediaOf(p),
    error: failed
      ? { code, message: text(p.error) ?? twilioErrorMessage(code ?? undefined, 'Twilio could not deliver it.') }
      : null,
  };
}

/**
 * The read side of SMS/MMS (issue 12 §7): threads with unread counts, a thread's messages,
 * read marks. Every read runs as the user, so RLS keeps other owners' threads out (a 404).
 */
export function createThreadsService(db: Database) {
  return {
    async threads(user: AuthenticatedUser, query: { cursor?: string; limit: number }) {
      const after = decodeCursor(query.cursor, 't');
      const rows = await db.asUser(user.claims, (tx) => repo.threads(tx, user.id, query.limit + 1, after));
      const page = rows.slice(0, query.limit);
      const last = page[page.length - 1];
      return {
        threads: page.map(threadOf),
        nextCursor: rows.length > query.limit && last ? encodeCursor('t', last.at_micros, last.last_id) : null,
      };
    },

    /** The newest page of a thread (oldest first on the page); `nextCursor` goes further back. */
    async thread(user: AuthenticatedUser, threadId: string, query: { cursor?: string; limit: number }) {
      const before = decodeCursor(query.cursor, 'm');
      const [summary, rows] = await db.asUser(
        user.claims,
        async (tx) =>
          [
            (await repo.threads(tx, user.id, 1, undefined, threadId))[0],
            await repo.messages(tx, user.id, threadId, query.limit + 1, before),
          ] as const,
      );
      if (!summary) throw new NotFoundError('thread');
      const page = rows.slice(0, query.limit);
      const oldest = page[page.length - 1];
      return {
        thread: threadOf(summary),
        messages: page.reverse().map(messageOf),
        nextCursor: rows.length > query.limit && oldest ? encodeCursor('m', oldest.at_micros, oldest.id) : null,
      };
    },

    async markRead(user: AuthenticatedUser, threadId: string) {
      const marked = await db.asUser(user.claims, (tx) => repo.markRead(tx, user.id, threadId));
      if (!marked) throw new NotFoundError('thread');
    },
  };
}

function threadOf(row: ThreadRow): ThreadView {
  const p = row.last_properties;
  const phone = otherOf(p);
  return {
    id: row.thread_id,
    person: { id: row.person_id, name: row.person_name ?? phone ?? 'Unknown' },
    phone,
    ownNumber: row.thread_id.split(':')[1]!,
    lastMessage: {
      id: row.last_id,
      excerpt: row.last_body.slice(0, 160),
      at: row.at,
      direction: directionOf(p),
      status: text(p.status),
      hasMedia: mediaOf(p).length > 0,
    },
    unread: row.unread,
  };
}

export type ThreadsService = ReturnType<typeof createThreadsService>;
