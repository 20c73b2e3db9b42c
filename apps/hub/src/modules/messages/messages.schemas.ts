import { z } from 'zod';

export const sendMessageInput = z.strictObject({
  /** A person's id (their first phone number is used) or a phone number (E.164, or national with a +country). */
  to: z.string().trim().min(3).max(64),
  body: z.string().max(1600, 'A text message is at most 1600 characters.').default(''),
  /** Storage objects ("bucket/name") sent as MMS media; Twilio fetches them through signed URLs. */
  media: z.array(z.string().min(3).max(1024)).max(10).default([]),
  /** Which Twilio number sends it; default: your only connected one. */
  connectionId: z.string().uuid().optional(),
});
export type SendMessageInput = z.infer<typeof sendMessageInput>;

export const idempotencyKeyHeader = z.string().trim().min(1).max(200);

export const sentMessageView = z.object({
  id: z.string().uuid(),
  sid: z.string(),
  status: z.string(),
  from: z.string(),
  to: z.string(),
  personId: z.string().uuid(),
  threadId: z.string(),
  segments: z.number().int().nullable(),
  media: z.array(z.string()),
});
export type SentMessageView = z.infer<typeof sentMessageView>;

/** SMS thread ids: `sms:<own number E.164>:<person id>` (connectors/twilio threadIdOf). */
export const threadIdParam = z
  .string()
  .regex(
    /^sms:\+[1-9][0-9]{1,14}:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
    'Not a thread id: threads look like sms:+14155550100:<person id>.',
  );

export const pageQuery = z.strictObject({
  /** Pass `nextCursor` back for the next page. */
  cursor: z.string().min(1).max(200).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

const direction = z.enum(['inbound', 'outbound']);

export const threadView = z.object({
  id: z.string(),
  person: z.object({ id: z.string().uuid(), name: z.string() }),
  /** The other side's number (E.164) and your own number of the thread. */
  phone: z.string().nullable(),
  ownNumber: z.string(),
  lastMessage: z.object({
    id: z.string().uuid(),
    excerpt: z.string(),
    at: z.string(),
    direction,
    status: z.string().nullable(),
    hasMedia: z.boolean(),
  }),
  unread: z.number().int(),
});
export type ThreadView = z.infer<typeof threadView>;

export const messageView = z.object({
  id: z.string().uuid(),
  sid: z.string(),
  direction,
  status: z.string().nullable(),
  body: z.string(),
  from: z.string().nullable(),
  to: z.string().nullable(),
  at: z.string(),
  segments: z.number().int().nullable(),
  /** Storage paths (`bucket/name`); `path` is null while an inbound MMS item is still being fetched. */
  media: z.array(z.object({ contentType: z.string(), path: z.string().nullable() })),
  /** A failed or undelivered message: Twilio's code and advice a person can act on. */
  error: z.object({ code: z.number().int().nullable(), message: z.string() }).nullable(),
});
export type MessageView = z.infer<typeof messageView>;
