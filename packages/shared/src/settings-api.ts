import { z } from 'zod';
import { countryCodeSchema } from './entities.ts';

/**
 * /api/v1/settings: the signed-in account's preferences that the hub itself reads, and
 * for the hub's owner (its first account) the hub-wide ones. Shared by the hub, which
 * validates what it sends, and the web app, which parses what it gets.
 */
export const accountSettingsSchema = z.object({
  /** Region of phone numbers written without a country code (ISO 3166-1 alpha-2), or null. */
  defaultRegion: z.string().nullable(),
  /** Whether this account owns the hub (the first account): only it may open or close sign-up. */
  hubOwner: z.boolean(),
  /** Whether new accounts may sign up; null for everyone but the owner. */
  signUpOpen: z.boolean().nullable(),
});
export type AccountSettings = z.infer<typeof accountSettingsSchema>;

/** PATCH /api/v1/settings: only the fields given change; null clears the region. */
export const accountSettingsUpdateSchema = z
  .strictObject({
    defaultRegion: countryCodeSchema.nullable().optional(),
    signUpOpen: z.boolean().optional(),
  })
  .refine((input) => input.defaultRegion !== undefined || input.signUpOpen !== undefined, {
    message: 'Give defaultRegion or signUpOpen.',
  });
export type AccountSettingsUpdate = z.infer<typeof accountSettingsUpdateSchema>;
