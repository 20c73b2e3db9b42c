'use server';
import { z } from 'zod';
import { attempt, type ActionResult } from '@/lib/hub';
import { markThreadRead, sendMessage } from '@/lib/messages/api';

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
  if (typeof threadId !== 'string' || threadId.length > 200) return { ok: false, error: 'Not a thread.' };
  return attempt(async () => {
    await markThreadRead(threadId);
    return undefined;
  });
}
