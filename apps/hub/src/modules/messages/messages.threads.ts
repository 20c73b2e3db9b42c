import type { Database, Sql } from '../../platform/db/index.ts';
import { NotFoundError, UserError } from '../../platform/errors.ts';
import type { AuthenticatedUser } from '../../platform/http/authentication.ts';
import { sanitizeEmailHtml } from '../../platform/html.ts';
import { twilioErrorMessage } from '../connectors/twilio/index.ts';
import {
  messagesRepository as repo,
  type Channel,
  type EmailHeaders,
  type MessageRow,
  type Position,
  type ThreadRow,
} from './messages.repository.ts';
import type { MessageView, Party, ThreadView } from './messages.schemas.ts';

/** An API thread id: SMS ids as they are; email `email:` + the conversation id in base64url. */
export function threadIdOf(channel: Channel, threadId: string) {
  return channel === 'sms' ? threadId : `email:${Buffer.from(threadId, 'utf8').toString('base64url')}`;
}

/** The channel and stored thread id an API thread id names; undefined for an email id that decodes to nothing sane. */
export function parseThreadId(id: string): { channel: Channel; threadId: string } | undefined {
  if (id.startsWith('sms:')) return { channel: 'sms', threadId: id };
  const encoded = id.slice('email:'.length);
  const threadId = Buffer.from(encoded, 'base64url').toString('utf8');
  if (threadId === '' || threadId.length > 500 || Buffer.from(threadId, 'utf8').toString('base64url') !== encoded)
    return undefined;
  return { channel: 'email', threadId };
}

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

const addressesOf = (value: unknown): string[] =>
  (Array.isArray(value) ? value : [value])
    .filter((item): item is string => typeof item === 'string' && item.trim() !== '')
    .map((item) => item.trim().toLowerCase());

function namesOf(value: unknown, into = new Map<string, string>()) {
  if (value && typeof value === 'object' && !Array.isArray(value))
    for (const [address, name] of Object.entries(value as Record<string, unknown>))
      if (typeof name === 'string' && name.trim() !== '') into.set(address.trim().toLowerCase(), name.trim());
  return into;
}

/** Names and persons of the addresses on a page: the person's own name first, then the one the sender wrote. */
type Directory = { names: Map<string, string>; persons: Map<string, { id: string; name: string }> };

const partyOf = (address: string, directory: Directory): Party => {
  const person = directory.persons.get(address);
  return {
    address,
    name: person && person.name !== address ? person.name : (directory.names.get(address) ?? null),
    personId: person?.id ?? null,
  };
};

async function directoryOf(tx: Sql, ownerId: string, addresses: Set<string>, names: Map<string, string>) {
  const persons = new Map<string, { id: string; name: string }>();
  for (const row of await repo.personsByEmail(tx, ownerId, [...addresses]))
    persons.set(row.value, { id: row.person_id, name: row.name });
  return { names, persons };
}

interface AttachmentMeta {
  id: string;
  name: string;
  contentType: string;
  size: number;
  inline: boolean;
  stored: boolean;
}

function attachmentsOf(properties: Record<string, unknown>): AttachmentMeta[] {
  if (!Array.isArray(properties.attachments)) return [];
  return properties.attachments
    .filter(
      (item): item is Record<string, unknown> => !!item && typeof item === 'object' && typeof item.id === 'string',
    )
    .map((item) => ({
      id: item.id as string,
      name: text(item.name) ?? 'attachment',
      contentType: text(item.contentType) ?? 'application/octet-stream',
      size: typeof item.size === 'number' ? item.size : 0,
      inline: item.inline === true,
      stored: typeof item.path === 'string',
    }));
}

function emailOf(row: MessageRow, directory: Directory): NonNullable<MessageView['email']> {
  const p = row.properties;
  const from = addressesOf(p.from)[0];
  return {
    subject: text(p.subject) ?? '',
    from: from ? partyOf(from, directory) : null,
    to: addressesOf(p.to).map((address) => partyOf(address, directory)),
    cc: addressesOf(p.cc).map((address) => partyOf(address, directory)),
    // Sanitised where it came in; again here, so nothing written around ingest reaches a reader unsanitised.
    html: typeof p.html === 'string' && p.html !== '' ? sanitizeEmailHtml(p.html) : null,
    isRead: typeof p.isRead === 'boolean' ? p.isRead : null,
    attachments: attachmentsOf(p),
  };
}

function messageOf(row: MessageRow, directory?: Directory): MessageView {
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
    error:
      failed && !directory
        ? { code, message: text(p.error) ?? twilioErrorMessage(code ?? undefined, 'Twilio could not deliver it.') }
        : null,
    email: directory ? emailOf(row, directory) : null,
  };
}

export interface ThreadsDeps {
  db: Database;
  /** The owner's own mailbox addresses (their mail connections' labels): never "the other side". */
  ownAddresses(user: AuthenticatedUser): Promise<string[]>;
}

/**
 * The read side of the unified inbox (issue 12 §7, issue 13 §7): SMS and email threads with
 * unread counts, a thread's messages, read marks. Every read runs as the user, so RLS keeps
 * other owners' threads out (a 404).
 */
export function createThreadsService(deps: ThreadsDeps) {
  const { db } = deps;

  /** Names and persons of every email address on these threads. */
  async function directoryForThreads(tx: Sql, ownerId: string, rows: ThreadRow[]) {
    const addresses = new Set<string>();
    const names = new Map<string, string>();
    for (const row of rows)
      for (const headers of row.headers ?? []) {
        for (const address of [...addressesOf(headers.from), ...addressesOf(headers.to), ...addressesOf(headers.cc)])
          addresses.add(address);
        namesOf(headers.names, names);
      }
    return directoryOf(tx, ownerId, addresses, names);
  }

  return {
    async threads(user: AuthenticatedUser, query: { cursor?: string; limit: number; channel?: Channel }) {
      const after = decodeCursor(query.cursor, 't');
      const own = new Set((await deps.ownAddresses(user)).map((address) => address.toLowerCase()));
      const { rows, directory } = await db.asUser(user.claims, async (tx) => {
        const rows = await repo.threads(tx, user.id, query.limit + 1, after, { channel: query.channel });
        return { rows, directory: await directoryForThreads(tx, user.id, rows.slice(0, query.limit)) };
      });
      const page = rows.slice(0, query.limit);
      const last = page[page.length - 1];
      return {
        threads: page.map((row) => threadOf(row, directory, own)),
        nextCursor: rows.length > query.limit && last ? encodeCursor('t', last.at_micros, last.last_id) : null,
      };
    },

    /** The newest page of a thread (oldest first on the page); `nextCursor` goes further back. */
    async thread(user: AuthenticatedUser, id: string, query: { cursor?: string; limit: number }) {
      const named = parseThreadId(id);
      if (!named) throw new NotFoundError('thread');
      const before = decodeCursor(query.cursor, 'm');
      const own = new Set((await deps.ownAddresses(user)).map((address) => address.toLowerCase()));
      const { summary, rows, directory } = await db.asUser(user.claims, async (tx) => {
        const summaryOf = async (threadId: string) =>
          (await repo.threads(tx, user.id, 1, undefined, { channel: named.channel, only: threadId }))[0];
        let threadId = named.threadId;
        let summary = await summaryOf(threadId);
        if (!summary && named.channel === 'sms') {
          // An old link to a person merged away: their texts are in the survivor's thread now.
          const survivor = await repo.survivorThread(tx, user.id, threadId);
          if (survivor) [threadId, summary] = [survivor, await summaryOf(survivor)];
        }
        const rows = await repo.messages(tx, user.id, named.channel, threadId, query.limit + 1, before);
        if (named.channel === 'sms' || !summary) return { summary, rows, directory: undefined };
        const directory = await directoryForThreads(tx, user.id, [summary]);
        return { summary, rows, directory };
      });
      if (!summary) throw new NotFoundError('thread');
      const page = rows.slice(0, query.limit);
      const oldest = page[page.length - 1];
      return {
        thread: threadOf(summary, directory, own),
        messages: page.reverse().map((row) => messageOf(row, directory)),
        nextCursor: rows.length > query.limit && oldest ? encodeCursor('m', oldest.at_micros, oldest.id) : null,
      };
    },
  };
}

/** Everyone on an email thread but the owner: the last message's other side first. */
function participantsOf(row: ThreadRow, directory: Directory, own: Set<string>): Party[] {
  const ordered = new Set<string>();
  const p = row.last_properties;
  const mine = new Set(own);
  for (const headers of row.headers ?? [])
    if (headers.direction === 'outbound') for (const address of addressesOf(headers.from)) mine.add(address);
  const lastOther = p.direction === 'outbound' ? addressesOf(p.to) : addressesOf(p.from);
  const all = (row.headers ?? []).flatMap((headers: EmailHeaders) => [
    ...addressesOf(headers.from),
    ...addressesOf(headers.to),
    ...addressesOf(headers.cc),
  ]);
  for (const address of [...lastOther, ...all]) if (!mine.has(address)) ordered.add(address);
  return [...ordered].map((address) => partyOf(address, directory));
}

function threadOf(row: ThreadRow, directory: Directory | undefined, own: Set<string>): ThreadView {
  const p = row.last_properties;
  if (row.channel === 'email') {
    const participants = directory ? participantsOf(row, directory, own) : [];
    const first = participants[0];
    return {
      id: threadIdOf('email', row.thread_id),
      channel: 'email',
      person: { id: first?.personId ?? null, name: first ? (first.name ?? first.address) : 'Only you' },
      phone: null,
      ownNumber: null,
      email: {
        subject: text(p.subject) ?? '',
        participants,
        hasAttachments: row.has_attachments === true,
        messages: row.message_count ?? 1,
      },
      lastMessage: {
        id: row.last_id,
        excerpt: row.last_body.replace(/\s+/g, ' ').trim().slice(0, 160),
        at: row.at,
        direction: directionOf(p),
        status: text(p.status),
        hasMedia: attachmentsOf(p).some((attachment) => !attachment.inline),
      },
      unread: row.unread,
    };
  }
  const other = otherOf(p);
  // A short code or a sender name ("VERIFY") is who wrote, but no number to call or text back.
  const phone = other !== null && /^\+\d{6,15}$/.test(other) ? other : null;
  return {
    id: row.thread_id,
    channel: 'sms',
    person: { id: row.person_id, name: row.person_name ?? other ?? 'Unknown' },
    phone,
    ownNumber: row.thread_id.split(':')[1]!,
    email: null,
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
