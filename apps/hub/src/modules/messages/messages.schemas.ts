import { z } from 'zod';
import { messageThreadIdPattern } from '@made-open/shared/messages';

export const sendSmsInput = z.strictObject({
  /** SMS is the default channel: `channel` may be left out. */
  channel: z.literal('sms').optional(),
  /** A person's id (their first phone number is used) or a phone number (E.164, or national with a +country). */
  to: z.string().trim().min(3).max(64),
  body: z.string().max(1600, 'A text message is at most 1600 characters.').default(''),
  /** Storage objects ("bucket/name") sent as MMS media; Twilio fetches them through signed URLs. */
  media: z.array(z.string().min(3).max(1024)).max(10).default([]),
  /** Which Twilio number sends it; default: your only connected one. */
  connectionId: z.string().uuid().optional(),
});
export type SendSmsInput = z.infer<typeof sendSmsInput>;

/** Most recipients (to, cc and bcc together) one email may have. */
export const maxRecipients = 100;
const recipient = z.string().trim().min(1).max(320);

export const sendEmailInput = z.strictObject({
  channel: z.literal('email'),
  /** Each a person's id (their first email address is used) or an email address. */
  to: z.array(recipient).min(1, 'Say who it is for (to).').max(maxRecipients),
  cc: z.array(recipient).max(maxRecipients).default([]),
  bcc: z.array(recipient).max(maxRecipients).default([]),
  subject: z.string().trim().max(1000, 'A subject is at most 1000 characters.').default(''),
  /** The text of the email (also what search reads). */
  body: z.string().max(1_000_000, 'The text is at most 1,000,000 characters.').default(''),
  /** Optional HTML; sanitised (nothing that runs, remote images held back) before it is sent. */
  html: z.string().max(2_000_000, 'The HTML is at most 2,000,000 characters.').optional(),
  /** The id of the message (an email entity) this answers: same conversation, "Re:" subject. */
  replyTo: z.string().uuid().optional(),
  /** Storage objects ("bucket/name") you own, attached with their content. */
  attachments: z.array(z.string().min(3).max(1024)).max(20).default([]),
  /** Which mail account sends it; default: the one the answered message came through, or your only one. */
  connectionId: z.string().uuid().optional(),
});
export type SendEmailInput = z.infer<typeof sendEmailInput>;

/** POST /api/v1/messages: a text (the default) or an email (`channel: "email"`). */
export const sendMessageInput = z.discriminatedUnion('channel', [sendSmsInput, sendEmailInput]);
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

export const sentEmailView = z.object({
  channel: z.literal('email'),
  /** The sent message's entity when the provider answered with it; else it arrives with the next sync. */
  id: z.string().uuid().nullable(),
  status: z.literal('sent'),
  connectionId: z.string().uuid(),
  from: z.string(),
  to: z.array(z.string()),
  cc: z.array(z.string()),
  bcc: z.array(z.string()),
  subject: z.string(),
  /** The thread it belongs to (GET /api/v1/messages/threads/:id), when known. */
  threadId: z.string().nullable(),
  attachments: z.array(z.string()),
});
export type SentEmailView = z.infer<typeof sentEmailView>;

/** Thread ids (connectors/twilio threadIdOf and senderThreadIdOf; email threadIdOf). */
export const threadIdParam = z
  .string()
  .max(800)
  .regex(messageThreadIdPattern, 'Not a thread id: threads look like sms:+14155550100:<person id> or email:<id>.');

export const pageQuery = z.strictObject({
  /** Only texts or only email; both when left out. */
  channel: z.enum(['sms', 'email']).optional(),
  /** Pass `nextCursor` back for the next page. */
  cursor: z.string().min(1).max(200).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

const direction = z.enum(['inbound', 'outbound']);

/** Someone on an email: the address, the name they wrote, and the person it resolves to. */
export const party = z.object({
  address: z.string(),
  name: z.string().nullable(),
  personId: z.string().uuid().nullable(),
});
export type Party = z.infer<typeof party>;

export const threadView = z.object({
  id: z.string(),
  channel: z.enum(['sms', 'email']),
  /** SMS: the person texted; email: the first participant other than you (id null when unknown). */
  person: z.object({ id: z.string().uuid().nullable(), name: z.string() }),
  /** SMS: the other side's number (E.164) and your own number of the thread; null for email. */
  phone: z.string().nullable(),
  ownNumber: z.string().nullable(),
  /** Email threads: subject, everyone on it but you, attachments anywhere in it, message count. */
  email: z
    .object({
      subject: z.string(),
      participants: z.array(party),
      hasAttachments: z.boolean(),
      messages: z.number().int(),
    })
    .nullable(),
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
  /** The provider's id (a Twilio SID, an email's Message-ID); null for a message added by hand or by an import without one. */
  sid: z.string().nullable(),
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
  /** Email: headers, sanitised HTML (show it in a sandboxed frame) and attachments; null for SMS. */
  email: z
    .object({
      subject: z.string(),
      from: party.nullable(),
      to: z.array(party),
      cc: z.array(party),
      html: z.string().nullable(),
      isRead: z.boolean().nullable(),
      /** `stored`: already in your Storage; GET /api/v1/messages/:id/attachments/:attachmentId serves it either way. */
      attachments: z.array(
        z.object({
          id: z.string(),
          name: z.string(),
          contentType: z.string(),
          size: z.number().int(),
          inline: z.boolean(),
          stored: z.boolean(),
        }),
      ),
    })
    .nullable(),
});
export type MessageView = z.infer<typeof messageView>;
