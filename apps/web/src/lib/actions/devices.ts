'use server';
import { deviceEventTypeSchema, retentionSettingsSchema, timeZoneNameSchema } from '@made-open/shared/devices';
import { revalidatePath } from 'next/cache';
import { z } from 'zod';
import {
  createDevice,
  nameVisitPlace,
  newPairingCode,
  revokeDevice,
  saveAppUsageSettings,
  saveRetention,
  type Pairing,
} from '@/lib/devices';
import { attempt, type ActionResult } from '@/lib/hub';

const newDevice = z.object({
  name: z.string().trim().min(1, 'Name the device, like "Work laptop".').max(100, 'At most 100 characters.'),
  kind: z.enum(['agent', 'owntracks', 'phone', 'other']),
});

/** Adds a device and answers its one-time pairing code (shown once). */
export async function createDeviceAction(name: string, kind: string): Promise<ActionResult<Pairing>> {
  const checked = newDevice.safeParse({ name, kind });
  if (!checked.success) return { ok: false, error: checked.error.issues[0]!.message };
  const result = await attempt(async () => (await createDevice(checked.data)).pairing);
  revalidatePath('/devices');
  return result;
}

export async function newPairingCodeAction(id: string): Promise<ActionResult<Pairing>> {
  if (!z.string().uuid().safeParse(id).success) return { ok: false, error: 'Not a device.' };
  return attempt(() => newPairingCode(id));
}

export async function revokeDeviceAction(id: string): Promise<ActionResult> {
  if (!z.string().uuid().safeParse(id).success) return { ok: false, error: 'Not a device.' };
  const result = await attempt(async () => {
    await revokeDevice(id);
    return undefined;
  });
  revalidatePath('/devices');
  return result;
}

export async function saveRetentionAction(type: string, settings: unknown): Promise<ActionResult> {
  const checkedType = deviceEventTypeSchema.safeParse(type);
  const checked = retentionSettingsSchema.safeParse(settings);
  if (!checkedType.success) return { ok: false, error: 'Not a source.' };
  if (!checked.success) return { ok: false, error: checked.error.issues[0]!.message };
  const result = await attempt(async () => {
    await saveRetention(checkedType.data, checked.data);
    return undefined;
  });
  revalidatePath('/devices');
  return result;
}

const placeName = z.string().trim().min(1, 'Name the place, like "Office".').max(200, 'At most 200 characters.');

/** Names the place of a visit (and of the other unnamed visits there); the day page is read again. */
export async function nameVisitPlaceAction(visitId: string, name: string): Promise<ActionResult<{ named: number }>> {
  if (!z.string().uuid().safeParse(visitId).success) return { ok: false, error: 'Not a visit.' };
  const checked = placeName.safeParse(name);
  if (!checked.success) return { ok: false, error: checked.error.issues[0]!.message };
  const result = await attempt(async () => ({ named: (await nameVisitPlace(visitId, checked.data)).named }));
  revalidatePath('/devices/day', 'layout');
  return result;
}

/** Sets the zone daily app-usage summaries are cut in (days already stored keep theirs). */
export async function saveAppUsageZoneAction(timeZone: string): Promise<ActionResult> {
  if (!timeZoneNameSchema.safeParse(timeZone).success) return { ok: false, error: 'Not a time zone.' };
  const result = await attempt(async () => {
    await saveAppUsageSettings(timeZone);
    return undefined;
  });
  revalidatePath('/devices/day', 'layout');
  return result;
}
