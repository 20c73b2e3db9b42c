'use server';
import { z } from 'zod';
import { getVideoToken, getVoiceToken, type VoiceToken } from '@/lib/calls';
import { attempt, type ActionResult } from '@/lib/hub';

/** A fresh Voice Access Token (first call, and on the SDK's tokenWillExpire). */
export async function voiceTokenAction(): Promise<ActionResult<VoiceToken>> {
  return attempt(getVoiceToken);
}

/** A video room and its token for a call with this person (capability video). */
export async function videoTokenAction(personId: string): Promise<ActionResult<{ token: string; room: string }>> {
  if (!z.string().uuid().safeParse(personId).success) return { ok: false, error: 'Pick a contact to call.' };
  return attempt(async () => {
    const { token, room } = await getVideoToken(personId);
    return { token, room };
  });
}
