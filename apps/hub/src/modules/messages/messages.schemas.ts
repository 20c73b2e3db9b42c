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
