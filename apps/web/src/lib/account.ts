import 'server-only';
import { accountSettingsSchema, type AccountSettings } from '@made-open/shared/settings-api';
import { phoneRegions } from '@made-open/shared/entities';
import { HubError } from '@/lib/errors';
import { hubFetch } from '@/lib/hub';

/** The hub's /api/v1/settings as the signed-in user. */
export async function getAccountSettings(): Promise<AccountSettings> {
  return accountSettingsSchema.parse(await hubFetch('/settings'));
}

/**
 * The default region, or none on a hub older than account settings (404): phone numbers
 * then need their country code, as before.
 */
export async function getDefaultRegion(): Promise<string | undefined> {
  try {
    return (await getAccountSettings()).defaultRegion ?? undefined;
  } catch (error) {
    if (error instanceof HubError && error.status === 404) return undefined;
    throw error;
  }
}

export async function updateAccountSettings(input: {
  defaultRegion?: string | null;
  signUpOpen?: boolean;
}): Promise<AccountSettings> {
  return accountSettingsSchema.parse(await hubFetch('/settings', { method: 'PATCH', body: input }));
}

export interface RegionOption {
  code: string;
  name: string;
}

/** Regions with a phone numbering plan, named in English and sorted by name (server-side, once). */
export function regionOptions(): RegionOption[] {
  const names = new Intl.DisplayNames(['en'], { type: 'region' });
  return phoneRegions()
    .map((code) => ({ code, name: names.of(code) ?? code }))
    .sort((a, b) => a.name.localeCompare(b.name, 'en'));
}
