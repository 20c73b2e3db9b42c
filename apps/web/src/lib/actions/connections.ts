'use server';
import { revalidatePath } from 'next/cache';
import { z } from 'zod';
import {
  connectTwilioNumber,
  disconnect,
  listTwilioNumbers,
  startMicrosoftSignIn,
  syncConnection,
  testConnection,
  saveToContacts,
  updateConnectionOptions,
} from '@/lib/connections/api';
import { MicrosoftOptionsSchema, MicrosoftSyncOptionsSchema, type MicrosoftOptions } from '@/lib/connections/model';
import type { Connection, TwilioNumbers } from '@/lib/connections/model';
import { attempt, type ActionResult } from '@/lib/hub';

const uuid = z.string().uuid();
const notAnId: ActionResult<never> = { ok: false, error: 'Reload the page and try again.' };

export async function listTwilioNumbersAction(credentialId: string): Promise<ActionResult<TwilioNumbers>> {
  if (!uuid.safeParse(credentialId).success) return notAnId;
  return attempt(() => listTwilioNumbers(credentialId));
}

export async function connectTwilioAction(
  credentialId: string,
  phoneNumber: string,
  recordOutgoingCalls = false,
): Promise<ActionResult<Connection>> {
  if (!uuid.safeParse(credentialId).success || !/^\+[1-9][0-9]{1,14}$/.test(phoneNumber)) return notAnId;
  // A server action's arguments come from the client: only a real boolean turns recording on.
  const result = await attempt(() => connectTwilioNumber(credentialId, phoneNumber, recordOutgoingCalls === true));
  if (result.ok) revalidatePath('/settings/connections');
  return result;
}

/** Microsoft 365: where to send the browser to sign in (a new connection, or `connectionId` again). */
export async function startMicrosoftSignInAction(input: {
  credentialId: string;
  options?: MicrosoftOptions;
  connectionId?: string;
  returnTo: string;
}): Promise<ActionResult<{ authorizeUrl: string }>> {
  if (!uuid.safeParse(input.credentialId).success) return notAnId;
  if (input.connectionId !== undefined && !uuid.safeParse(input.connectionId).success) return notAnId;
  if (input.options !== undefined && !MicrosoftOptionsSchema.safeParse(input.options).success)
    return { ok: false, error: 'Check the options: folders, calendar days and the polling interval.' };
  if (!/^https?:\/\//.test(input.returnTo)) return notAnId;
  return attempt(() => startMicrosoftSignIn(input));
}

/** Microsoft 365: change the folders, calendar window or polling of a connected mailbox. */
export async function updateMicrosoftOptionsAction(connectionId: string, options: unknown): Promise<ActionResult> {
  if (!uuid.safeParse(connectionId).success) return notAnId;
  const parsed = MicrosoftSyncOptionsSchema.safeParse(options);
  if (!parsed.success)
    return { ok: false, error: 'Check the options: folders, calendar days and the polling interval.' };
  const result = await attempt(async () => {
    await updateConnectionOptions(connectionId, parsed.data);
    return undefined;
  });
  revalidatePath('/settings/connections');
  return result;
}

/** Twilio: record this number's outgoing calls, or stop (calls already recorded stay). */
export async function setCallRecordingAction(connectionId: string, record: unknown): Promise<ActionResult> {
  if (!uuid.safeParse(connectionId).success || typeof record !== 'boolean') return notAnId;
  const result = await attempt(async () => {
    await updateConnectionOptions(connectionId, { recordOutgoingCalls: record });
    return undefined;
  });
  revalidatePath('/settings/connections');
  return result;
}

/** "Save to Outlook" on a contact page. */
export async function saveToOutlookAction(connectionId: string, personId: string): Promise<ActionResult> {
  if (!uuid.safeParse(connectionId).success || !uuid.safeParse(personId).success) return notAnId;
  const result = await attempt(async () => {
    await saveToContacts(connectionId, personId);
    return undefined;
  });
  if (result.ok) revalidatePath(`/contacts/${personId}`);
  return result;
}

export async function syncNowAction(connectionId: string): Promise<ActionResult> {
  if (!uuid.safeParse(connectionId).success) return notAnId;
  const result = await attempt(async () => {
    await syncConnection(connectionId);
    return undefined;
  });
  revalidatePath('/settings/connections');
  return result;
}

export async function testConnectionAction(
  connectionId: string,
): Promise<ActionResult<{ ok: boolean; message: string }>> {
  if (!uuid.safeParse(connectionId).success) return notAnId;
  const result = await attempt(() => testConnection(connectionId));
  revalidatePath('/settings/connections');
  return result;
}

export async function disconnectAction(connectionId: string): Promise<ActionResult> {
  if (!uuid.safeParse(connectionId).success) return notAnId;
  const result = await attempt(async () => {
    await disconnect(connectionId);
    return undefined;
  });
  if (result.ok) revalidatePath('/settings/connections');
  return result;
}
