import { z } from 'zod';

/** The hub's connections API (modules/connectors) as the connect screen reads it; tolerant of added fields. */
export const ConnectionSchema = z.object({
  id: z.string(),
  provider: z.string(),
  credentialId: z.string(),
  label: z.string(),
  capabilities: z.array(z.string()),
  status: z.enum(['connecting', 'active', 'error', 'disconnected']),
  statusReason: z.string().nullable(),
  setup: z.record(z.string(), z.unknown()).nullable(),
  createdAt: z.string(),
});
export type Connection = z.infer<typeof ConnectionSchema>;

export const PublicUrlSchema = z.object({
  url: z.string().nullable(),
  reachable: z.boolean(),
  reason: z.string().nullable(),
});
export type PublicUrl = z.infer<typeof PublicUrlSchema>;

export const TwilioNumbersSchema = z.object({
  numbers: z.array(
    z.object({
      sid: z.string(),
      phoneNumber: z.string(),
      friendlyName: z.string(),
      smsUrl: z.string().nullable(),
      capabilities: z.object({ sms: z.boolean(), mms: z.boolean(), voice: z.boolean() }),
      warning: z.string().nullable(),
    }),
  ),
  publicUrl: PublicUrlSchema,
  webhooks: z.record(z.string(), z.string()),
});
export type TwilioNumbers = z.infer<typeof TwilioNumbersSchema>;

/** What connect answered about reaching the hub (the Twilio connector's `setup`). */
export const TwilioSetupSchema = z.object({
  publicUrl: PublicUrlSchema,
  webhookUrls: z.record(z.string(), z.string()),
  warnings: z.array(z.string()).default([]),
});
export type TwilioSetup = z.infer<typeof TwilioSetupSchema>;

export function setupOf(connection: Pick<Connection, 'setup'>): TwilioSetup | undefined {
  const parsed = TwilioSetupSchema.safeParse(connection.setup);
  return parsed.success ? parsed.data : undefined;
}

/** Webhook names in words, for the URLs to set by hand. */
export const webhookLabel: Record<string, string> = {
  sms: 'A message comes in (SMS URL, HTTP POST)',
  smsStatus: 'Message status callbacks (set per message by the hub)',
};
