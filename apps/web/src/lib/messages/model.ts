import { z } from 'zod';

/** The hub's thread reads (modules/messages, GET /api/v1/messages/threads[/:id]). */
export const ThreadSchema = z.object({
  id: z.string(),
  person: z.object({ id: z.string(), name: z.string() }),
  phone: z.string().nullable(),
  ownNumber: z.string(),
  lastMessage: z.object({
    id: z.string(),
    excerpt: z.string(),
    at: z.string(),
    direction: z.enum(['inbound', 'outbound']),
    status: z.string().nullable(),
    hasMedia: z.boolean(),
  }),
  unread: z.number(),
});
export type Thread = z.infer<typeof ThreadSchema>;

export const MessageSchema = z.object({
  id: z.string(),
  sid: z.string(),
  direction: z.enum(['inbound', 'outbound']),
  status: z.string().nullable(),
  body: z.string(),
  from: z.string().nullable(),
  to: z.string().nullable(),
  at: z.string(),
  segments: z.number().nullable(),
  media: z.array(z.object({ contentType: z.string(), path: z.string().nullable() })),
  error: z.object({ code: z.number().nullable(), message: z.string() }).nullable(),
});
export type Message = z.infer<typeof MessageSchema>;

/** A message as shown: its media with signed Storage URLs (null while the hub still fetches it). */
export type ShownMessage = Message & { mediaUrls: { contentType: string; url: string | null }[] };

export const ThreadPageSchema = z.object({ threads: z.array(ThreadSchema), nextCursor: z.string().nullable() });
export const ThreadMessagesSchema = z.object({
  thread: ThreadSchema,
  messages: z.array(MessageSchema),
  nextCursor: z.string().nullable(),
});

/** Thread ids carry ':' and '+': one URL segment, encoded. */
export const threadHref = (threadId: string) => `/messages/${encodeURIComponent(threadId)}`;

export type Tick = 'queued' | 'sent' | 'delivered' | 'failed' | 'received';

/** Delivery as a person reads it: queued (clock), sent (one tick), delivered/read (two), failed. */
export function tickOf(status: string | null): Tick {
  switch (status) {
    case 'sent':
      return 'sent';
    case 'delivered':
    case 'read':
      return 'delivered';
    case 'failed':
    case 'undelivered':
      return 'failed';
    case 'received':
      return 'received';
    default:
      return 'queued';
  }
}

export const tickLabel: Record<Tick, string> = {
  queued: 'Queued',
  sent: 'Sent',
  delivered: 'Delivered',
  failed: 'Not delivered',
  received: 'Received',
};
