import { z } from 'zod';
import { defineEvent } from './events.ts';

/**
 * Credential Wallet events. They name a credential (id, type, label), never a secret or
 * any part of one. Subject: the credential's id; ownerId: its owner.
 */
export const credentialTypeSchema = z.enum(['twilio', 'openrouter', 'microsoft', 'ollama', 'generic']);
export type CredentialType = z.infer<typeof credentialTypeSchema>;

const credentialRef = z.object({
  credentialId: z.string().uuid(),
  type: credentialTypeSchema,
  name: z.string().max(200),
});

export const credentialAdded = defineEvent('wallet.CredentialAdded', 1, credentialRef);
export const credentialReplaced = defineEvent('wallet.CredentialReplaced', 1, credentialRef);
export const credentialRemoved = defineEvent('wallet.CredentialRemoved', 1, credentialRef);

/** What a user's hub can do because of the credentials in their wallet. */
export const capabilityNameSchema = z.enum([
  'sms',
  'voice',
  'video',
  'ai.cloud',
  'ai.local',
  'email',
  'calendar',
  'contacts',
]);
export type CapabilityName = z.infer<typeof capabilityNameSchema>;

/**
 * Emitted when adding or removing a credential switches capabilities on or off.
 * Subject: the owner's id.
 */
export const capabilityChanged = defineEvent(
  'capability.Changed',
  1,
  z.object({
    enabled: z.array(capabilityNameSchema),
    added: z.array(capabilityNameSchema),
    removed: z.array(capabilityNameSchema),
    cause: credentialRef.extend({ change: z.enum(['added', 'removed', 'replaced']) }),
  }),
);

export const walletEvents = [credentialAdded, credentialReplaced, credentialRemoved, capabilityChanged] as const;
