import 'server-only';
import { emailSenderSchema, type EmailSender, type EmailSenderInput } from '@made-open/shared/email-sender-api';
import { hubFetch } from '@/lib/hub';

export type { EmailSender, EmailSenderInput } from '@made-open/shared/email-sender-api';

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
