import type { HubModule } from '../../platform/module.ts';
import { createAttachmentsService } from './messages.attachments.ts';
import { mailAccounts, type MailConnections } from './messages.mail.ts';
import { createReadsService } from './messages.reads.ts';
import { messagesRoutes } from './messages.routes.ts';
import { createMessagesService, type MessagesServiceDeps } from './messages.service.ts';
import { createThreadsService } from './messages.threads.ts';

export type { MessagesService } from './messages.service.ts';
export type { ThreadsService } from './messages.threads.ts';
export type { MailConnections } from './messages.mail.ts';
export { messagesSendAction, messagesSendEmailAction } from './messages.action.ts';
export { threadMergeFollower } from './messages.merges.ts';
export { maxAttachmentBytes } from './messages.email.ts';

export const messagesMigrations = {
  module: 'messages',
  dir: new URL('./migrations', import.meta.url).pathname,
};

/**
 * Messages (issue 12 §4, §7; issue 13 §5, §7): sending SMS/MMS through a connected Twilio
 * number and email through a mail account, and the unified inbox's threads. See README.md.
 */
export function createMessagesModule(
  deps: Omit<MessagesServiceDeps, 'mail'> & { connections: MailConnections },
): HubModule & { service: ReturnType<typeof createMessagesService>; threads: ReturnType<typeof createThreadsService> } {
  const mail = mailAccounts(deps.connections, deps.logger);
  const service = createMessagesService({ ...deps, mail });
  const threads = createThreadsService({ db: deps.db, ownAddresses: mail.ownAddresses });
  const reads = createReadsService({ db: deps.db, ingest: deps.ingest, mail });
  const attachments = createAttachmentsService({ db: deps.db, ingest: deps.ingest, storage: deps.storage, mail });
  return { name: 'messages', service, threads, routes: messagesRoutes({ service, threads, reads, attachments }) };
}
