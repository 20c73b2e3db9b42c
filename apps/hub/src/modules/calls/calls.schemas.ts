import { z } from 'zod';

export const tokenInput = z
  .strictObject({
    /** Which connected number (needed only when several are connected). */
    connectionId: z.string().uuid().optional(),
  })
  .default({});

export const voiceTokenView = z.object({
  /** An Access Token (JWT) for @twilio/voice-sdk's Device: VoiceGrant, this user's identity. */
  token: z.string(),
  identity: z.string(),
  expiresAt: z.string(),
  connectionId: z.string().uuid(),
  /** The connected number calls go out from. */
  number: z.string(),
});

export const videoTokenInput = z.strictObject({ personId: z.string().uuid() });

export const videoTokenView = z.object({
  /** An Access Token (JWT) for twilio-video: VideoGrant for this call's room only. */
  token: z.string(),
  room: z.string(),
  identity: z.string(),
  expiresAt: z.string(),
});

export const callFilter = z.enum(['missed', 'incoming', 'outgoing']);

export const callListQuery = z.strictObject({
  filter: callFilter.optional(),
  cursor: z
    .string()
    .max(300)
    .regex(/^[A-Za-z0-9_-]+$/, 'Not a cursor this API returned.')
    .optional(),
  limit: z.coerce.number().int().min(1).max(100).default(30),
});
export type CallListQuery = z.infer<typeof callListQuery>;

export const callView = z.object({
  id: z.string().uuid(),
  direction: z.enum(['inbound', 'outbound']),
  from: z.string(),
  to: z.string(),
  /** The other party's number. */
  number: z.string(),
  status: z.string(),
  durationSeconds: z.number().nullable(),
  startedAt: z.string().nullable(),
  person: z.object({ id: z.string().uuid(), name: z.string() }).nullable(),
  /** A voicemail: its length and, once stored, a signed Storage URL to play it (valid one hour). */
  recording: z
    .object({ durationSeconds: z.number().nullable(), path: z.string().nullable(), url: z.string().nullable() })
    .nullable(),
});
export type CallView = z.infer<typeof callView>;

export const callPage = z.object({ items: z.array(callView), nextCursor: z.string().nullable() });
