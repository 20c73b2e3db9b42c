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

export const commsEvents = [commsSmsReceived] as const;
