import { providerRegistry } from '@made-open/shared/providers';
import type { ProviderUrls } from '../../../platform/config.ts';
import type { Database } from '../../../platform/db/index.ts';
import { ConflictError } from '../../../platform/errors.ts';
import type { OutboundClient } from '../../../platform/http/outbound/index.ts';
import type { StorageService } from '../../storage/index.ts';
import type { WalletService } from '../../wallet/index.ts';
import { providerApi } from '../connectors.provider-api.ts';
import { connectorsRepository } from '../connectors.repository.ts';
import { ownerClaims } from '../connectors.sync.ts';

export interface TwilioJobDeps {
  db: Database;
  outbound: OutboundClient;
  urls: ProviderUrls;
  wallet: Pick<WalletService, 'unseal'>;
}

/**
 * What a Twilio fetch job (MMS media, voicemail) works with: the connection, its unsealed
 * credential and the provider API bound to it. Undefined when the connection was removed,
 * disconnected or belongs to someone else, or its credential is gone: nothing left to fetch.
 */
export async function twilioJobConnection(deps: TwilioJobDeps, payload: { connectionId: string; ownerId: string }) {
  const connection = await deps.db.asSystem((tx) => connectorsRepository.get(tx, payload.connectionId));
  if (!connection || connection.owner_id !== payload.ownerId || connection.status === 'disconnected') return undefined;
  const credential = await deps.wallet.unseal(connection.owner_id, connection.credential_id);
  if (!credential) return undefined;
  const api = providerApi({
    provider: providerRegistry.get('twilio')!,
    secret: credential.secret,
    outbound: deps.outbound,
    urls: deps.urls,
    connectionId: connection.id,
  });
  return { connection, credential, api };
}

/** The owner as Storage's caller, with their private bucket made if it is not there yet. */
export async function ownerBucket(storage: Pick<StorageService, 'createBucket'>, ownerId: string, bucketId: string) {
  const user = { id: ownerId, claims: { ...ownerClaims(ownerId), sub: ownerId, role: 'authenticated' as const } };
  await storage.createBucket(user, { id: bucketId }).catch((error: unknown) => {
    if (!(error instanceof ConflictError)) throw error;
  });
  return user;
}
