import { providerIdPattern } from '@made-open/shared/providers';
import { syncCountsSchema } from '@made-open/shared/connector-events';
import { z } from 'zod';

export const connectionInputSchema = z.strictObject({
  provider: z.string().regex(providerIdPattern, 'A provider id like twilio.'),
  credentialId: z.string().uuid('The id of a credential in your wallet.'),
  /** Checked by the provider's connector (which number, which folders ...). */
  options: z
    .record(z.string(), z.unknown())
    .default({})
    .describe(
      "Checked by the provider's connector. twilio: { phoneNumber (E.164, required), recordOutgoingCalls (boolean, default false: record calls placed from the number, both parties) }. microsoft: see its connector.",
    ),
});
export type ConnectionInput = z.infer<typeof connectionInputSchema>;

/** PATCH /api/v1/connections/:id: the options to change, by name (the connector says which may). */
export const connectionPatchSchema = z.strictObject({
  options: z
    .record(z.string().max(100), z.unknown())
    .refine((options) => Object.keys(options).length > 0, 'Name at least one option to change.'),
});

export const connectionIdParams = z.object({ id: z.string().uuid() });

const iso = z.string().datetime({ offset: true });

export const syncViewSchema = z.object({
  /** idle, queued (waiting for a worker) or running. */
  state: z.enum(['idle', 'queued', 'running']),
  jobId: z.string().uuid().nullable(),
  phase: z.enum(['initial', 'incremental']).nullable(),
  requestedAt: iso.nullable(),
  /** The current run's counts, or the last run's when idle. */
  progress: syncCountsSchema,
  itemsSynced: z.number().int(),
  /** Runs that failed since the last success. */
  failures: z.number().int(),
  lastSuccessAt: iso.nullable(),
  lastError: z.string().nullable(),
  lastErrorAt: iso.nullable(),
});

export const connectionViewSchema = z.object({
  id: z.string().uuid(),
  provider: z.string(),
  /** The `source` the connection's entities carry (the provider id unless its connector says otherwise). */
  source: z.string(),
  credentialId: z.string().uuid(),
  accountId: z.string().nullable(),
  label: z.string(),
  options: z.record(z.string(), z.unknown()),
  capabilities: z.array(z.string()),
  /** connecting, active, error (statusReason says what to do), needs_reauth (sign in again) or disconnected. */
  status: z.enum(['connecting', 'active', 'error', 'needs_reauth', 'disconnected']),
  statusReason: z.string().nullable(),
  /** The sub-paths the provider is told to call, under /webhooks/<provider>/<id>/. */
  webhooks: z.array(z.string()),
  /** The connector's set-up notes (reachability of PUBLIC_URL, URLs to set by hand, warnings); null when it has none. */
  setup: z.record(z.string(), z.unknown()).nullable(),
  sync: syncViewSchema,
  createdAt: iso,
  updatedAt: iso,
  disconnectedAt: iso.nullable(),
});
export type ConnectionView = z.infer<typeof connectionViewSchema>;

export const syncRequestViewSchema = z.object({
  job: z.object({ id: z.string().uuid(), state: z.enum(['queued', 'running']) }),
  /** false: a sync was already queued or running; this is that one. */
  created: z.boolean(),
  connection: connectionViewSchema,
});

export const connectionTestViewSchema = z.object({
  ok: z.boolean(),
  message: z.string(),
  connection: connectionViewSchema,
});
