import { z } from 'zod';
import { defineEvent } from './events.ts';
import { capabilityNamePattern, providerIdPattern } from './providers/registry.ts';

/**
 * Credential Wallet events. They name a credential (id, type, label), never a secret or
 * any part of one. Subject: the credential's id; ownerId: its owner.
 */
export const credentialTypeSchema = z.string().regex(providerIdPattern, 'a provider id like twilio');
/**
 * A provider id (providers.ts). Events and views check its shape only: a credential whose
 * provider was removed must still list and delete. Input is checked against the registry.
 */
export type CredentialType = z.infer<typeof credentialTypeSchema>;

const credentialRef = z.object({
  credentialId: z.string().uuid(),
  type: credentialTypeSchema,
  name: z.string().max(200),
});

export const credentialAdded = defineEvent('wallet.CredentialAdded', 1, credentialRef);
export const credentialReplaced = defineEvent('wallet.CredentialReplaced', 1, credentialRef);
export const credentialRemoved = defineEvent('wallet.CredentialRemoved', 1, credentialRef);

/** What a user's hub can do because of the credentials in their wallet (declared by providers). */
export const capabilityNameSchema = z.string().regex(capabilityNamePattern, 'a capability name like sms');
export type CapabilityName = z.infer<typeof capabilityNameSchema>;

/**
 * Emitted when adding, replacing, testing or removing a credential, or connecting or
 * disconnecting an account with it (connectors), switches capabilities on or off.
 * Subject: the owner's id.
 */
export const capabilityChanged = defineEvent(
  'capability.Changed',
  1,
  z.object({
    enabled: z.array(capabilityNameSchema),
    added: z.array(capabilityNameSchema),
    removed: z.array(capabilityNameSchema),
    cause: credentialRef.extend({
      change: z.enum(['added', 'removed', 'replaced', 'tested', 'connected', 'disconnected']),
    }),
  }),
);

export const walletEvents = [credentialAdded, credentialReplaced, credentialRemoved, capabilityChanged] as const;
