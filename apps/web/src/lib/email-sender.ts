import 'server-only';
import { z } from 'zod';
import { hubFetch } from '@/lib/hub';

/** The hub's email sender (/api/v1/settings/email-sender), as its owner sees it: never the password. */
export const emailSenderSchema = z.union([
  z.object({ configured: z.literal(false) }),
  z.object({
    configured: z.literal(true),
    host: z.string(),
    port: z.number(),
    secure: z.boolean(),
    username: z.string().nullable(),
    passwordSet: z.boolean(),
    from: z.string(),
    updatedAt: z.string(),
  }),
]);
export type EmailSender = z.infer<typeof emailSenderSchema>;

export interface EmailSenderInput {
  host: string;
  port: number;
  secure: boolean;
  username: string | null;
  /** Absent: keep the stored one. */
  password?: string;
  from: string;
}

export async function getEmailSender(): Promise<EmailSender> {
  return emailSenderSchema.parse(await hubFetch('/settings/email-sender'));
}

export async function saveEmailSender(input: EmailSenderInput): Promise<EmailSender> {
  return emailSenderSchema.parse(await hubFetch('/settings/email-sender', { method: 'PUT', body: input }));
}

export async function removeEmailSender(): Promise<void> {
  await hubFetch('/settings/email-sender', { method: 'DELETE' });
}

export async function testEmailSender(): Promise<void> {
  await hubFetch('/settings/email-sender/test', { method: 'POST' });
}
