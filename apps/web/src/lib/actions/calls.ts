'use server';
import { z } from 'zod';
import {
  endVideoRoom,
  getGuestVideoToken,
  getRingTokens,
  getVideoToken,
  getVoiceToken,
  lookupCaller,
  type Caller,
  type GuestToken,
  type VideoRoom,
  type VoiceToken,
} from '@/lib/calls';
import { attempt, type ActionResult } from '@/lib/hub';
import type { RingAccounts } from '@/lib/voice-accounts';

/** A fresh Voice Access Token (first call, and on the SDK's tokenWillExpire), for the number chosen under From. */
export async function voiceTokenAction(connectionId?: string): Promise<ActionResult<VoiceToken>> {
  if (connectionId !== undefined && !z.string().uuid().safeParse(connectionId).success)
    return { ok: false, error: 'Choose one of your numbers under From.' };
  return attempt(() => getVoiceToken(connectionId));
}

/**
 * A token for every Twilio account the user has a number on, for the tab that rings: one Device
 * per account, so calls to each account's numbers ring (lib/voice-accounts.ts).
 */
export async function ringTokensAction(): Promise<ActionResult<RingAccounts>> {
  return attempt(() => getRingTokens());
}

/** Who is calling (the contact's name when the hub knows the number), for the incoming-call banner. */
export async function callerAction(number: string): Promise<ActionResult<Caller>> {
  if (typeof number !== 'string' || number.length > 64) return { ok: false, error: 'Not a phone number.' };
  return attempt(() => lookupCaller(number));
}

/** A video room, its token and its guest link, for a call with this person (capability video). */
export async function videoTokenAction(personId: string): Promise<ActionResult<VideoRoom>> {
  if (!z.string().uuid().safeParse(personId).success) return { ok: false, error: 'Pick a contact to call.' };
  return attempt(() => getVideoToken(personId));
}

/** Ends the room: its guest link stops working. */
export async function endVideoRoomAction(room: string): Promise<ActionResult> {
  if (!/^call-[0-9a-f-]{36}$/.test(room)) return { ok: false, error: 'Not a video room.' };
  return attempt(async () => {
    await endVideoRoom(room);
    return undefined;
  });
}

const guestName = z
  .string()
  .trim()
  .min(1, 'Type your name, so the host knows who is joining.')
  .max(60, 'At most 60 characters.')
  .regex(/^[^\p{Cc}\p{Cf}<>]+$/u, 'Use letters, numbers and spaces.');

/** A guest (no account) joins with the link's token and their name. */
export async function guestVideoTokenAction(token: string, name: string): Promise<ActionResult<GuestToken>> {
  const checked = guestName.safeParse(name);
  if (!checked.success) return { ok: false, error: checked.error.issues[0]!.message };
  if (!/^[A-Za-z0-9_-]{43}$/.test(token))
    return { ok: false, error: 'This link is not a video call link. Ask the person who sent it for a new one.' };
  const result = await attempt(() => getGuestVideoToken(token, checked.data));
  if (!result.ok && result.code === 'not_found')
    return { ...result, error: 'This link has ended or expired. Ask the person who sent it for a new one.' };
  return result;
}
