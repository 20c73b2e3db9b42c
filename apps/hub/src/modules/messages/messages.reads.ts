import type { Database } from '../../platform/db/index.ts';
import { NotFoundError } from '../../platform/errors.ts';
import type { AuthenticatedUser } from '../../platform/http/authentication.ts';
import type { Ingest, IngestItem } from '../graph/index.ts';
import type { MailAccounts } from './messages.mail.ts';
import { messagesRepository as repo, type EmailRow } from './messages.repository.ts';
import { parseThreadId } from './messages.threads.ts';

/** An email entity written back whole through ingest with some properties changed. */
export function emailItem(row: EmailRow & { source: string; external_id: string }, changes: Record<string, unknown>) {
  return {
    type: 'message',
    source: row.source,
    externalId: row.external_id,
    title: row.title,
    body: row.body,
    occurredAt: row.occurred_at === null ? null : new Date(row.occurred_at).toISOString(),
    properties: { ...row.properties, ...changes },
  } satisfies IngestItem;
}

const fromConnector = (row: EmailRow): row is EmailRow & { source: string; external_id: string } =>
  row.source !== null && row.external_id !== null;

/**
 * Read and unread marks (issue 12 §7, issue 13 §5). SMS: the thread's mark only. Email: the
 * mark, the messages' `isRead` (through ingest, so the graph and search agree) and, best
 * effort after the commit, the provider's read state through the mail capability.
 */
export function createReadsService(deps: { db: Database; ingest: Ingest; mail: MailAccounts }) {
  async function mark(user: AuthenticatedUser, id: string, read: boolean) {
    const named = parseThreadId(id);
    if (!named) throw new NotFoundError('thread');
    const flipped = await deps.db.asUser(user.claims, async (tx) => {
      const markOf = (threadId: string) =>
        read
          ? repo.markRead(tx, user.id, named.channel, threadId)
          : repo.markUnread(tx, user.id, named.channel, threadId);
      let marked = await markOf(named.threadId);
      if (!marked && named.channel === 'sms') {
        // An old link to a person merged away marks the survivor's thread, where the texts are.
        const survivor = await repo.survivorThread(tx, user.id, named.threadId);
        if (survivor) marked = await markOf(survivor);
      }
      if (!marked) throw new NotFoundError('thread');
      if (named.channel !== 'email') return [];
      const rows = (await repo.emailsToFlip(tx, user.id, named.threadId, read)).filter(fromConnector);
      if (rows.length > 0)
        await deps.ingest(tx, {
          ownerId: user.id,
          actor: { kind: 'user', id: user.id },
          items: rows.map((row) => emailItem(row, { isRead: read })),
        });
      return rows;
    });
    const bySource = new Map<string, string[]>();
    for (const row of flipped) bySource.set(row.source, [...(bySource.get(row.source) ?? []), row.external_id]);
    for (const [source, externalIds] of bySource) await deps.mail.setRead(user, source, externalIds, read);
  }

  return {
    markRead: (user: AuthenticatedUser, id: string) => mark(user, id, true),
    markUnread: (user: AuthenticatedUser, id: string) => mark(user, id, false),
  };
}

export type ReadsService = ReturnType<typeof createReadsService>;
