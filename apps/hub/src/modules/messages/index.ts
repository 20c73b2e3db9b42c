import type { HubModule } from '../../platform/module.ts';
import { messagesRoutes } from './messages.routes.ts';
import { createMessagesService, type MessagesServiceDeps } from './messages.service.ts';
import { createThreadsService } from './messages.threads.ts';

export type { MessagesService } from './messages.service.ts';
export type { ThreadsService } from './messages.threads.ts';
export { messagesSendAction } from './messages.action.ts';

export const messagesMigrations = {
  module: 'messages',
  dir: new URL('./migrations', import.meta.url).pathname,
};

/** Messages (issue 12 §4, §7): sending SMS/MMS through a connected Twilio number, and reading threads. See README.md. */
export function createMessagesModule(
  deps: MessagesServiceDeps,
): HubModule & { service: ReturnType<typeof createMessagesService> } {
  const service = createMessagesService(deps);
  return { name: 'messages', service, routes: messagesRoutes(service, createThreadsService(deps.db)) };
}
