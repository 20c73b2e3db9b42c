import { z } from 'zod';
import { capabilityNameSchema, credentialTypeSchema } from './wallet-events.ts';

/**
 * The wallet API's response shapes (/api/v1/credentials, /api/v1/capabilities), shared by
 * the hub, which validates what it sends, and the web app, which parses what it gets.
 */

/** Masked metadata: never a secret, or any part of one that authorises anything. */
export const credentialViewSchema = z.object({
  id: z.string(),
  type: credentialTypeSchema,
  name: z.string(),
  hints: z.record(z.string(), z.string()),
  fields: z.array(z.string()),
  createdAt: z.string(),
  updatedAt: z.string(),
  /** The last test's time, result and reason, kept until the next test; replacing the secret clears them. */
  lastTestedAt: z.string().nullable(),
  lastTestOk: z.boolean().nullable(),
  lastTestMessage: z.string().nullable(),
});
export type CredentialView = z.infer<typeof credentialViewSchema>;

export const credentialTestResultSchema = z.object({
  ok: z.boolean(),
  provider: z.string(),
  message: z.string(),
  details: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])).optional(),
});
export type CredentialTestResult = z.infer<typeof credentialTestResultSchema>;

/**
 * Why a capability is on or off: on needs a credential that passed its test and, where the
 * provider says so, a configured connection (a number, an account).
 */
export const capabilityStateSchema = z.enum([
  'on',
  'needs_credential',
  'not_tested',
  'test_failed',
  'needs_connection',
]);
export type CapabilityState = z.infer<typeof capabilityStateSchema>;

export const capabilitySchema = z.object({
  name: capabilityNameSchema,
  enabled: z.boolean(),
  /** The providers whose tested (and connected) credentials switch it on. */
  providedBy: z.array(credentialTypeSchema),
  state: capabilityStateSchema,
  /** Off: what to do, in a sentence. On: null. */
  reason: z.string().nullable(),
});
export type Capability = z.infer<typeof capabilitySchema>;
