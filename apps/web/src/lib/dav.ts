import 'server-only';
import { z } from 'zod';
import { hubFetch } from '@/lib/hub';

/** App passwords for phone sync (the hub's /api/v1/dav, modules/dav). */
export const appPasswordSchema = z.object({
  id: z.string(),
  name: z.string(),
  hint: z.string(),
  status: z.enum(['active', 'revoked']),
  createdAt: z.string(),
  lastUsedAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
});
export type AppPassword = z.infer<typeof appPasswordSchema>;

const setupSchema = z.object({
  serverUrl: z.string(),
  username: z.string(),
  carddavUrl: z.string(),
  caldavUrl: z.string(),
});
export type DavSetup = z.infer<typeof setupSchema>;

export async function listAppPasswords() {
  return z.object({ items: z.array(appPasswordSchema) }).parse(await hubFetch('/dav/app-passwords')).items;
}

export async function davSetup() {
  return setupSchema.parse(await hubFetch('/dav/setup'));
}

/** Makes one: the password is in this answer only. */
export async function createAppPassword(name: string) {
  return z
    .object({ appPassword: appPasswordSchema, password: z.string() })
    .parse(await hubFetch('/dav/app-passwords', { method: 'POST', body: { name } }));
}

export async function revokeAppPassword(id: string) {
  return appPasswordSchema.parse(await hubFetch(`/dav/app-passwords/${id}/revoke`, { method: 'POST' }));
}
