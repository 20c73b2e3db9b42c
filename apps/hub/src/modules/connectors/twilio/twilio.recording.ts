import { Readable } from 'node:stream';
import { z } from 'zod';
import type { ProviderUrls } from '../../../platform/config.ts';
import type { Database } from '../../../platform/db/index.ts';
import type { OutboundClient } from '../../../platform/http/outbound/index.ts';
import type { Logger } from '../../../platform/logger.ts';
import type { EventOutbox } from '../../events/index.ts';
import type { Ingest } from '../../graph/index.ts';
import { defineJob } from '../../jobs/index.ts';
import type { StorageService } from '../../storage/index.ts';
import type { WalletService } from '../../wallet/index.ts';
import { ownerClaims } from '../connectors.sync.ts';
import { ownerBucket, twilioJobConnection } from './twilio.job-context.ts';
import { patchCall, personOfCall } from './twilio.calls.ts';

export const recordingJobPayload = z.object({
  connectionId: z.string().uuid(),
  ownerId: z.string().uuid(),
  callSid: z.string().regex(/^CA[0-9a-fA-F]{32}$/),
  recordingSid: z.string().regex(/^RE[0-9a-fA-F]{32}$/),
  /** A voicemail (<Record>) or an outgoing call's recording (<Dial record>); jobs queued before calls were recorded are voicemails. */
  kind: z.enum(['voicemail', 'call']).default('voicemail'),
  /** RecordingChannels as Twilio reported it (2: dual-channel). */
  channels: z.number().int().min(1).max(2).optional(),
});
export type RecordingJobPayload = z.infer<typeof recordingJobPayload>;

export interface RecordingJobDeps {
  db: Database;
  logger: Logger;
  outbound: OutboundClient;
  urls: ProviderUrls;
  ingest: Ingest;
  outbox: Pick<EventOutbox, 'append'>;
  storage: Pick<StorageService, 'createBucket' | 'upload'>;
  wallet: Pick<WalletService, 'unseal'>;
}

/** Each owner's voicemails live in their own private bucket. */
export const voicemailBucketOf = (ownerId: string) => `voicemail-${ownerId}`;
/** And the recordings of their outgoing calls in another. */
export const callRecordingBucketOf = (ownerId: string) => `call-recordings-${ownerId}`;

/**
 * Copies a recording (a voicemail, or an outgoing call's) into the owner's Storage and links
 * it to the call. The
 * address is built from the RecordingSid against the configured Twilio API (never a URL from
 * the request), so the credential only ever goes to Twilio; a redirect is followed without it.
 */
export function createTwilioRecordingJob(deps: RecordingJobDeps) {
  return defineJob({
    name: 'twilio.fetch-recording',
    priority: 'background',
    payload: recordingJobPayload,
    retry: { limit: 5, backoff: { type: 'exponential', delaySeconds: 5 } },
    async handler(payload) {
      const found = await twilioJobConnection(deps, payload);
      if (!found) return;
      const { connection, credential, api } = found;
      const accountSid = String(credential.secret.accountSid);
      let response = await api.request({
        path: `/2010-04-01/Accounts/${accountSid}/Recordings/${payload.recordingSid}.mp3`,
      });
      if (response.status >= 300 && response.status < 400 && response.headers.location)
        response = await deps.outbound.request({
          url: new URL(response.headers.location, api.baseUrl()),
          redirect: 'follow',
        });
      if (response.status !== 200) throw new Error(`Twilio recording answered HTTP ${response.status}.`);
      const voicemail = payload.kind === 'voicemail';
      const bucketId = voicemail ? voicemailBucketOf(payload.ownerId) : callRecordingBucketOf(payload.ownerId);
      const user = await ownerBucket(deps.storage, payload.ownerId, bucketId);
      const name = `${payload.callSid}/${payload.recordingSid}.mp3`;
      const object = await deps.storage.upload(user, {
        bucketId,
        name,
        body: Readable.from([response.body]),
        declaredSize: response.body.length,
        contentType: 'audio/mpeg',
        cacheControl: undefined,
        userMetadata: { callSid: payload.callSid },
        upsert: true,
      });
      const path = `${bucketId}/${name}`;
      await deps.db.asUser(ownerClaims(payload.ownerId), async (tx) => {
        const patched = await patchCall(
          tx,
          payload.ownerId,
          (items) =>
            deps.ingest(tx, { ownerId: payload.ownerId, actor: { kind: 'connector', id: connection.id }, items }),
          payload.callSid,
          (row) => {
            const recording = row.properties.recording as Record<string, unknown> | undefined;
            if (recording?.path !== undefined) return undefined; // a retried job
            return {
              recording: {
                ...recording,
                sid: payload.recordingSid,
                path,
                ...(object.entity_id ? { fileId: object.entity_id } : {}),
              },
            };
          },
        );
        if (!patched) return;
        const { properties, row } = patched;
        const recording = properties.recording as { durationSeconds?: number };
        const base = {
          ownerId: payload.ownerId,
          subject: row.id,
          actor: { kind: 'connector' as const, id: connection.id },
        };
        const data = {
          callId: row.id,
          connectionId: connection.id,
          personId: await personOfCall(tx, payload.ownerId, row.id),
          direction: properties.direction === 'inbound' ? ('inbound' as const) : ('outbound' as const),
          from: String(properties.from ?? ''),
          to: String(properties.to ?? ''),
          path,
          durationSeconds: recording.durationSeconds ?? null,
        };
        if (voicemail) await deps.outbox.append(tx, { ...base, type: 'comms.VoicemailReceived', data });
        else
          await deps.outbox.append(tx, {
            ...base,
            type: 'comms.CallRecorded',
            data: { ...data, channels: payload.channels ?? null },
          });
      });
      deps.logger.debug({ callSid: payload.callSid, kind: payload.kind }, 'recording stored');
    },
  });
}

export type TwilioRecordingJob = ReturnType<typeof createTwilioRecordingJob>;
