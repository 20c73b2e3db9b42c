import { z } from 'zod';

/** The hub's connections API (modules/connectors) as the connect screen reads it; tolerant of added fields. */
export const ConnectionSchema = z.object({
  id: z.string(),
  provider: z.string(),
  credentialId: z.string(),
  label: z.string(),
  capabilities: z.array(z.string()),
  status: z.enum(['connecting', 'active', 'error', 'needs_reauth', 'disconnected']),
  statusReason: z.string().nullable(),
  setup: z.record(z.string(), z.unknown()).nullable(),
  /** As the provider's connector checked them (a Twilio number's recordOutgoingCalls, ...). */
  options: z.record(z.string(), z.unknown()).optional(),
  createdAt: z.string(),
});
export type Connection = z.infer<typeof ConnectionSchema>;

/** A Microsoft 365 connection as its card reads it: options, sync state and progress, the mode. */
export const MicrosoftConnectionSchema = ConnectionSchema.extend({
  options: z.object({
    folders: z.array(z.string()).default([]),
    calendarPastDays: z.number().default(30),
    calendarFutureDays: z.number().default(365),
    pollMinutes: z.number().default(2),
    workAccount: z.boolean().default(false),
  }),
  sync: z.object({
    state: z.enum(['idle', 'queued', 'running']),
    progress: z.object({
      items: z.number(),
      created: z.number(),
      updated: z.number(),
      percent: z.number().nullable(),
      step: z.string().nullable().optional(),
    }),
    itemsSynced: z.number(),
    failures: z.number(),
    lastSuccessAt: z.string().nullable(),
    lastError: z.string().nullable(),
  }),
});
export type MicrosoftConnection = z.infer<typeof MicrosoftConnectionSchema>;

/** Microsoft 365's `setup`: change notifications or polling (and why), Teams presence offered or not. */
export const MicrosoftSetupSchema = z.object({
  mode: z.enum(['notifications', 'polling']),
  summary: z.string(),
  reason: z.string().nullable().optional(),
  subscriptionExpiresAt: z.string().nullable().optional(),
  lastNotificationAt: z.string().nullable().optional(),
  presence: z.object({ offered: z.boolean(), summary: z.string() }).optional(),
});
export type MicrosoftSetup = z.infer<typeof MicrosoftSetupSchema>;

export function microsoftSetupOf(connection: Pick<Connection, 'setup'>): MicrosoftSetup | undefined {
  const parsed = MicrosoftSetupSchema.safeParse(connection.setup);
  return parsed.success ? parsed.data : undefined;
}

/** The mode the connector reports in `setup` ("Checking every 2 minutes", "Live updates (change notifications)"). */
export function modeOf(connection: Pick<Connection, 'setup'>): string | undefined {
  const summary = connection.setup?.summary;
  return typeof summary === 'string' ? summary : undefined;
}

export const MicrosoftOptionsSchema = z.object({
  folders: z.array(z.string().min(1).max(300)).max(20),
  calendarPastDays: z.number().int().min(0).max(3650),
  calendarFutureDays: z.number().int().min(1).max(3650),
  pollMinutes: z.number().int().min(1).max(1440),
  workAccount: z.boolean(),
});
export type MicrosoftOptions = z.infer<typeof MicrosoftOptionsSchema>;
/** What may change after connecting (workAccount sets the scopes signed in with). */
export const MicrosoftSyncOptionsSchema = MicrosoftOptionsSchema.omit({ workAccount: true }).partial().strict();

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
  voiceIncoming: 'A call comes in (Voice URL, HTTP POST)',
  voiceStatus: 'Call status changes (HTTP POST)',
  voiceOutgoing: "Calls from the browser (the TwiML App's Voice Request URL, HTTP POST)",
};
