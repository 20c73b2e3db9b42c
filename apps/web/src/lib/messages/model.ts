import { z } from 'zod';

/** The hub's thread reads (modules/messages, GET /api/v1/messages/threads[/:id]). */
export const PartySchema = z.object({
  address: z.string(),
  name: z.string().nullable(),
  personId: z.string().nullable(),
});
export type Party = z.infer<typeof PartySchema>;

export const ThreadSchema = z.object({
  id: z.string(),
  channel: z.enum(['sms', 'email']).default('sms'),
  person: z.object({ id: z.string().nullable(), name: z.string() }),
  phone: z.string().nullable(),
  ownNumber: z.string().nullable(),
  /** Email threads (issue 13): subject, everyone on it but you, attachments, message count. */
  email: z
    .object({
      subject: z.string(),
      participants: z.array(PartySchema),
      hasAttachments: z.boolean(),
      messages: z.number(),
    })
    .nullable()
    .default(null),
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
  sid: z.string().nullable(),
  direction: z.enum(['inbound', 'outbound']),
  status: z.string().nullable(),
  body: z.string(),
  from: z.string().nullable(),
  to: z.string().nullable(),
  at: z.string(),
  segments: z.number().nullable(),
  media: z.array(z.object({ contentType: z.string(), path: z.string().nullable() })),
  error: z.object({ code: z.number().nullable(), message: z.string() }).nullable(),
  email: z
    .object({
      subject: z.string(),
      from: PartySchema.nullable(),
      to: z.array(PartySchema),
      cc: z.array(PartySchema),
      /** Sanitised by the hub; shown only inside a sandboxed frame. */
      html: z.string().nullable(),
      isRead: z.boolean().nullable(),
      attachments: z.array(
        z.object({
          id: z.string(),
          name: z.string(),
          contentType: z.string(),
          size: z.number(),
          inline: z.boolean(),
          stored: z.boolean(),
        }),
      ),
    })
    .nullable()
    .default(null),
});
export type Message = z.infer<typeof MessageSchema>;
export type EmailAttachment = NonNullable<Message['email']>['attachments'][number];

/** How a person on an email reads: their name, else their address. */
export const partyLabel = (party: Party) => party.name ?? party.address;

/** Where the browser downloads an email attachment (a route handler streams it from the hub). */
export const attachmentHref = (messageId: string, attachmentId: string) =>
  `/messages/mail/attachments/${encodeURIComponent(messageId)}/${encodeURIComponent(attachmentId)}`;

/** Bytes as a person reads them. */
export function fileSize(bytes: number) {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** A message as shown: its media with signed Storage URLs (null while the hub still fetches it). */
export type ShownMessage = Message & { mediaUrls: { contentType: string; url: string | null }[] };

export const ThreadPageSchema = z.object({ threads: z.array(ThreadSchema), nextCursor: z.string().nullable() });
export const ThreadMessagesSchema = z.object({
  thread: ThreadSchema,
  messages: z.array(MessageSchema),
  nextCursor: z.string().nullable(),
});

/** Thread ids carry ':' and '+': one URL segment, encoded. */
/**
 * A failed send the hub may or may not have carried out (unreachable, still in progress, a
 * server error): retried with the same Idempotency-Key, so it cannot go out twice. Any other
 * failure was refused for sure: the next attempt is a new message with a new key.
 */
export const mayHaveBeenSent = (code: string | undefined) =>
  !!code && /^(unreachable|idempotency_in_progress|internal_error|service_unavailable|http_5\d\d)$/.test(code);

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
