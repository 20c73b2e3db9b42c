import { Readable } from 'node:stream';
import { z } from 'zod';
import type { ProviderUrls } from '../../../platform/config.ts';
import type { Database } from '../../../platform/db/index.ts';
import type { OutboundClient } from '../../../platform/http/outbound/index.ts';
import type { Logger } from '../../../platform/logger.ts';
import type { Ingest } from '../../graph/index.ts';
import { defineJob } from '../../jobs/index.ts';
import type { StorageService } from '../../storage/index.ts';
import type { WalletService } from '../../wallet/index.ts';
import { ownerClaims } from '../connectors.sync.ts';
import { ownerBucket, twilioJobConnection } from './twilio.job-context.ts';
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
  return defineJob({
    name: 'twilio.fetch-media',
    priority: 'background',
    payload: mediaJobPayload,
    retry: { limit: 5, backoff: { type: 'exponential', delaySeconds: 5 } },
    async handler(payload) {
      const found = await twilioJobConnection(deps, payload);
      if (!found) return;
      const { connection, api } = found;
      const apiOrigin = new URL(api.baseUrl()).origin;
      const bucketId = mediaBucketOf(payload.ownerId);
      const user = await ownerBucket(deps.storage, payload.ownerId, bucketId);
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
