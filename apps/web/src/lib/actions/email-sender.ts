'use server';
import { revalidatePath } from 'next/cache';
import { z } from 'zod';
import { attempt, type ActionResult } from '@/lib/hub';
import { removeEmailSender, saveEmailSender, testEmailSender, type EmailSender } from '@/lib/email-sender';

const formSchema = z.object({
  host: z
    .string()
    .trim()
    .min(1, 'Enter the mail server, e.g. smtp.example.com.')
    .max(253)
    .regex(/^[A-Za-z0-9.:[\]-]+$/, 'The mail server is a host name like smtp.example.com.'),
  port: z.coerce
    .number({ error: 'The port is a number, usually 587 or 465.' })
    .int('The port is a number, usually 587 or 465.')
    .min(1, 'The port is a number from 1 to 65535.')
    .max(65535, 'The port is a number from 1 to 65535.'),
  security: z.enum(['starttls', 'tls']),
  username: z.string().trim().max(320),
  password: z.string().max(1024),
  from: z.string().trim().min(3, 'Enter the From address, e.g. Made Open <me@example.com>.').max(320),
});

export type EmailSenderForm = z.input<typeof formSchema>;

/** Saves the SMTP account; an empty password keeps the stored one. */
export async function saveEmailSenderAction(form: EmailSenderForm): Promise<ActionResult<EmailSender>> {
  const parsed = formSchema.safeParse(form);
  if (!parsed.success) return { ok: false, error: parsed.error.issues[0]?.message ?? 'Check the fields.' };
  const { security, username, password, ...rest } = parsed.data;
  const result = await attempt(() =>
    saveEmailSender({
      ...rest,
      secure: security === 'tls',
      username: username || null,
      ...(password ? { password } : {}),
    }),
  );
  if (result.ok) revalidatePath('/settings');
  return result;
}

export async function testEmailSenderAction(): Promise<ActionResult<void>> {
  return attempt(() => testEmailSender());
}

export async function removeEmailSenderAction(): Promise<ActionResult<void>> {
  const result = await attempt(() => removeEmailSender());
  if (result.ok) revalidatePath('/settings');
  return result;
}
