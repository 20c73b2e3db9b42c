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

/** A room's single guest link: the path on the web app (its origin is the web app's own). */
export const guestLinkView = z.object({
  /** `/video/join/<token>`: the token is unguessable and only its sha256 is stored. */
  path: z.string(),
  expiresAt: z.string(),
});

export const videoRoomView = videoTokenView.extend({ guest: guestLinkView });

export const roomParams = z.strictObject({
  room: z.string().regex(/^call-[0-9a-f-]{36}$/, 'Not a room this API returned.'),
});

/** Guest link tokens: 32 random bytes, base64url (43 characters). */
export const guestTokenInput = z.strictObject({
  token: z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'Not a guest link token.'),
  name: z
    .string()
    .trim()
    .min(1, 'Your name, so the host knows who joined.')
    .max(60)
    .regex(/^[^\p{Cc}\p{Cf}<>]+$/u, 'A name without control characters or angle brackets.'),
});

export const guestTokenView = z.object({
  /** A short-lived Access Token (JWT) for twilio-video: VideoGrant for this link's room only. */
  token: z.string(),
  room: z.string(),
  identity: z.string(),
  expiresAt: z.string(),
  /** The host's display name (nothing else of theirs), or null when they have not set one. */
  hostName: z.string().nullable(),
});
