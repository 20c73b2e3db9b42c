import { z } from 'zod';
import { defineEvent } from './events.ts';

/**
 * Communications events (stream platform-events). Subject: the message entity's id; ownerId:
 * whose number received it. They carry ids and numbers, never a credential.
 */
export const commsSmsReceived = defineEvent(
  'comms.SmsReceived',
  1,
  z.object({
    messageId: z.string().uuid(),
    connectionId: z.string().uuid(),
    /** The sender's person (found by the E.164 number, or made for it). */
    personId: z.string().uuid().nullable(),
    from: z.string().max(64),
    to: z.string().max(64),
    /** Media items announced by the provider (fetched into Storage afterwards). */
    numMedia: z.number().int().min(0).max(10),
  }),
);

/** Subject: the call entity's id. Common fields of the call events. */
const callFacts = {
  callId: z.string().uuid(),
  connectionId: z.string().uuid(),
  /** The other party's person (found by the E.164 number, or made for it). */
  personId: z.string().uuid().nullable(),
  direction: z.enum(['inbound', 'outbound']),
  from: z.string().max(320),
  to: z.string().max(320),
};

/** A call that was answered has ended. */
export const commsCallCompleted = defineEvent(
  'comms.CallCompleted',
  1,
  z.object({ ...callFacts, durationSeconds: z.number().int().min(0).nullable() }),
);

/** An incoming call nobody answered (before any voicemail). */
export const commsCallMissed = defineEvent('comms.CallMissed', 1, z.object(callFacts));

/** A voicemail's recording is stored in the owner's Storage. */
export const commsVoicemailReceived = defineEvent(
  'comms.VoicemailReceived',
  1,
  z.object({
    ...callFacts,
    /** bucket/name of the recording in Storage. */
    path: z.string().max(1024),
    durationSeconds: z.number().int().min(0).nullable(),
  }),
);

/**
 * An outgoing call's recording (the connection's recordOutgoingCalls option) is stored in the
 * owner's Storage. Its own event, not a VoicemailReceived: rules about voicemails must not
 * fire for the owner's own calls.
 */
export const commsCallRecorded = defineEvent(
  'comms.CallRecorded',
  1,
  z.object({
    ...callFacts,
    /** bucket/name of the recording in Storage. */
    path: z.string().max(1024),
    durationSeconds: z.number().int().min(0).nullable(),
    /** 2 for a dual-channel recording (each party on its own channel), as Twilio reported it. */
    channels: z.number().int().min(1).max(2).nullable(),
  }),
);

export const commsEvents = [
  commsSmsReceived,
  commsCallCompleted,
  commsCallMissed,
  commsVoicemailReceived,
  commsCallRecorded,
] as const;
