import { Readable } from 'node:stream';
import { providerRegistry } from '@made-open/shared/providers';
import { z } from 'zod';
import type { ProviderUrls } from '../../../platform/config.ts';
import type { Database } from '../../../platform/db/index.ts';
import { ConflictError } from '../../../platform/errors.ts';
import type { OutboundClient } from '../../../platform/http/outbound/index.ts';
import type { Logger } from '../../../platform/logger.ts';
import type { Ingest } from '../../graph/index.ts';
import { defineJob } from '../../jobs/index.ts';
import type { StorageService } from '../../storage/index.ts';
import type { WalletService } from '../../wallet/index.ts';
import { providerApi } from '../connectors.provider-api.ts';
import { connectorsRepository } from '../connectors.repository.ts';
import { ownerClaims } from '../connectors.sync.ts';
import { patchMessage } from './twilio.messages.ts';

export const mediaJobPayload = z.object({
  connectionId: z.string().uuid(),
  ownerId: z.string().uuid(),
  messageSid: z.string(),
  items: z.array(z.object({ url: z.string().url(), contentType: z.string().max(200) })).max(10),
});
export type MediaJobPayload = z.infer<typeof mediaJobPayload>;

export interface MediaJobDeps {
  db: Database;
  logger: Logger;
  outbound: OutboundClient;
  urls: ProviderUrls;
  ingest: Ingest;
  storage: Pick<StorageService, 'createBucket' | 'upload'>;
  wallet: Pick<WalletService, 'unseal'>;
}

/** Each owner's MMS media live in their own private bucket. */
export const mediaBucketOf = (ownerId: string) => `sms-media-${ownerId}`;

const extensionOf = (contentType: string) =>
  ({ 'image/jpeg': 'jpg', 'image/png': 'png', 'image/gif': 'gif', 'video/mp4': 'mp4', 'audio/mpeg': 'mp3' })[
    contentType
  ] ?? 'bin';

/**
 * Copies an inbound MMS's media (all NumMedia of them) into Storage and links them to the
 * message. Twilio's MediaUrl 302-redirects to its CDN: the credential goes only to Twilio's
 * API host (api.twilio.com, or the configured TWILIO_API_URL), never to the redirect target.
 */
export function createTwilioMediaJob(deps: MediaJobDeps) {
  const provider = providerRegistry.get('twilio')!;
  return defineJob({
    name: 'twilio.fetch-media',
    priority: 'background',
    payload: mediaJobPayload,
    retry: { limit: 5, backoff: { type: 'exponential', delaySeconds: 5 } },
    async handler(payload) {
      const connection = await deps.db.asSystem((tx) => connectorsRepository.get(tx, payload.connectionId));
      if (!connection || connection.owner_id !== payload.ownerId || connection.status === 'disconnected') return;
      const credential = await deps.wallet.unseal(connection.owner_id, connection.credential_id);
      if (!credential) return;
      const api = providerApi({
        provider,
        secret: credential.secret,
        outbound: deps.outbound,
        urls: deps.urls,
        connectionId: connection.id,
      });
      const apiOrigin = new URL(api.baseUrl()).origin;
      const user = {
        id: payload.ownerId,
        claims: { ...ownerClaims(payload.ownerId), sub: payload.ownerId, role: 'authenticated' as const },
      };
      const bucketId = mediaBucketOf(payload.ownerId);
      await deps.storage.createBucket(user, { id: bucketId }).catch((error: unknown) => {
        if (!(error instanceof ConflictError)) throw error;
      });
      const stored: { contentType: string; path: string; fileId?: string }[] = [];
      for (const [index, item] of payload.items.entries()) {
        const url = new URL(item.url);
        const twilioHost = url.hostname === 'api.twilio.com' || url.origin === apiOrigin;
        let response = twilioHost
          ? await api.request({ path: `${url.pathname}${url.search}` })
          : await deps.outbound.request({ url, redirect: 'follow' });
        if (twilioHost && response.status >= 300 && response.status < 400 && response.headers.location) {
          // The CDN address is signed by Twilio: fetched without the credential.
          response = await deps.outbound.request({ url: new URL(response.headers.location, url), redirect: 'follow' });
        }
        if (response.status !== 200) throw new Error(`Twilio media ${index} answered HTTP ${response.status}.`);
        const contentType = (response.headers['content-type'] ?? item.contentType).split(';')[0]!.trim();
        const name = `${payload.messageSid}/${index}.${extensionOf(contentType)}`;
        const object = await deps.storage.upload(user, {
          bucketId,
          name,
          body: Readable.from([response.body]),
          declaredSize: response.body.length,
          contentType,
          cacheControl: undefined,
          userMetadata: { messageSid: payload.messageSid },
          upsert: true,
        });
        stored.push({
          contentType,
          path: `${bucketId}/${name}`,
          ...(object.entity_id ? { fileId: object.entity_id } : {}),
        });
      }
      await deps.db.asUser(ownerClaims(payload.ownerId), (tx) =>
        patchMessage(
          tx,
          payload.ownerId,
          (items) =>
            deps.ingest(tx, { ownerId: payload.ownerId, actor: { kind: 'connector', id: connection.id }, items }),
          payload.messageSid,
          () => ({ media: stored }),
        ),
      );
      deps.logger.debug({ messageSid: payload.messageSid, media: stored.length }, 'MMS media stored');
    },
  });
}

export type TwilioMediaJob = ReturnType<typeof createTwilioMediaJob>;
