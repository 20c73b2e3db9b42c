import 'server-only';
import { z } from 'zod';
import { hubFetch } from '@/lib/hub';

export const CALL_FILTERS = ['missed', 'incoming', 'outgoing'] as const;
export type CallFilter = (typeof CALL_FILTERS)[number];

export const CallSchema = z.object({
  id: z.string(),
  direction: z.enum(['inbound', 'outbound']),
  from: z.string(),
  to: z.string(),
  number: z.string(),
  status: z.string(),
  durationSeconds: z.number().nullable(),
  startedAt: z.string().nullable(),
  person: z.object({ id: z.string(), name: z.string() }).nullable(),
  recording: z
    .object({ durationSeconds: z.number().nullable(), path: z.string().nullable(), url: z.string().nullable() })
    .nullable(),
});
export type Call = z.infer<typeof CallSchema>;

const CallPageSchema = z.object({ items: z.array(CallSchema), nextCursor: z.string().nullable() });

/** GET /api/v1/calls: the newest calls, optionally only missed, incoming or outgoing. */
export async function listCalls(filter: CallFilter | undefined, limit = 50) {
  return CallPageSchema.parse(await hubFetch('/calls', { query: { filter, limit } }));
}

const VoiceTokenSchema = z.object({
  token: z.string(),
  identity: z.string(),
  expiresAt: z.string(),
  connectionId: z.string(),
  number: z.string(),
});
export type VoiceToken = z.infer<typeof VoiceTokenSchema>;

/** POST /api/v1/calls/token: a one-hour Access Token for @twilio/voice-sdk. */
export async function getVoiceToken(): Promise<VoiceToken> {
  return VoiceTokenSchema.parse(await hubFetch('/calls/token', { method: 'POST', body: {} }));
}

const VideoTokenSchema = z.object({ token: z.string(), room: z.string(), identity: z.string(), expiresAt: z.string() });

/** POST /api/v1/calls/video-token: a token for a new video room for a call with a person. */
export async function getVideoToken(personId: string) {
  return VideoTokenSchema.parse(await hubFetch('/calls/video-token', { method: 'POST', body: { personId } }));
}
