'use server';
import { z } from 'zod';
import { attempt, type ActionResult } from '@/lib/hub';
import { markThreadRead, markThreadUnread, sendEmail, sendMessage } from '@/lib/messages/api';

const sendInput = z.object({
  to: z.string().trim().min(3, 'Choose a person or type a number.').max(64),
  body: z.string().trim().min(1, 'Write a message first.').max(1600, 'A text message is at most 1600 characters.'),
  /** Which of your numbers sends it (a thread's own number); the hub's default when you have one. */
  connectionId: z.string().uuid().optional(),
});

/**
 * Sends a text. The browser makes the Idempotency-Key once per message and reuses it on a
 * retry, so a send whose answer was lost is not sent twice.
 */
export async function sendMessageAction(
  input: { to: string; body: string; connectionId?: string },
  idempotencyKey: string,
): Promise<ActionResult<{ threadId: string; status: string }>> {
  const parsed = sendInput.safeParse(input);
  if (!parsed.success) return { ok: false, error: parsed.error.issues[0]!.message };
  const key = z.string().trim().min(1).max(200).safeParse(idempotencyKey);
  if (!key.success) return { ok: false, error: 'Reload the page and try again.' };
  return attempt(async () => {
    const { message } = await sendMessage(parsed.data, key.data);
    return { threadId: message.threadId, status: message.status };
  });
}

export async function markThreadReadAction(threadId: string): Promise<ActionResult> {
  if (typeof threadId !== 'string' || threadId.length > 800) return { ok: false, error: 'Not a thread.' };
  return attempt(async () => {
    await markThreadRead(threadId);
    return undefined;
  });
}

export async function markThreadUnreadAction(threadId: string): Promise<ActionResult> {
  if (typeof threadId !== 'string' || threadId.length > 800) return { ok: false, error: 'Not a thread.' };
  return attempt(async () => {
    await markThreadUnread(threadId);
    return undefined;
  });
}

const emailInput = z.object({
  to: z.array(z.string().trim().min(1).max(320)).min(1, 'Add at least one recipient.').max(100),
  cc: z.array(z.string().trim().min(1).max(320)).max(100),
  subject: z.string().trim().max(1000, 'A subject is at most 1000 characters.'),
  body: z.string().max(1_000_000, 'The text is too long.'),
  replyTo: z.string().uuid().optional(),
  attachments: z.array(z.string().min(3).max(1024)).max(20, 'Attach at most 20 files.'),
  /** Which mail account sends it: chosen under "From" when several are connected. */
  connectionId: z.string().uuid().optional(),
});

/** Sends an email through your mail account; the Idempotency-Key works as for texts. */
export async function sendEmailAction(
  input: z.input<typeof emailInput>,
  idempotencyKey: string,
): Promise<ActionResult<{ threadId: string | null }>> {
  const parsed = emailInput.safeParse(input);
  if (!parsed.success) return { ok: false, error: parsed.error.issues[0]!.message };
  if (!parsed.data.body.trim() && parsed.data.attachments.length === 0)
    return { ok: false, error: 'Write a message or attach a file.' };
  const key = z.string().trim().min(1).max(200).safeParse(idempotencyKey);
  if (!key.success) return { ok: false, error: 'Reload the page and try again.' };
  return attempt(async () => {
    const { message } = await sendEmail(parsed.data, key.data);
    return { threadId: message.threadId };
  });
}
