import 'server-only';
import {
  deviceDaySchema,
  deviceHealthSchema,
  deviceSchema,
  deviceSourceSchema,
  pairingCodeSchema,
  visitSchema,
  appUsageSettingsSchema,
  type RetentionSettings,
} from '@made-open/shared/devices';
import { z } from 'zod';
import { hubFetch } from '@/lib/hub';

export type { Device, RetentionSettings } from '@made-open/shared/devices';
export type DeviceHealth = z.infer<typeof deviceHealthSchema>;
export type DeviceSource = z.infer<typeof deviceSourceSchema>;
export type Pairing = z.infer<typeof pairingCodeSchema> & { qrSvg: string };

/** Every device of the signed-in user. */
export async function listDevices() {
  return z.object({ items: z.array(deviceSchema) }).parse(await hubFetch('/devices')).items;
}

/** Every device of the signed-in user with its capture health (revoked ones without). */
export async function listDevicesWithHealth() {
  const { items } = z.object({ items: z.array(deviceSchema) }).parse(await hubFetch('/devices'));
  return Promise.all(
    items.map(async (device) => ({
      device,
      health:
        device.status === 'active' ? deviceHealthSchema.parse(await hubFetch(`/devices/${device.id}/health`)) : null,
    })),
  );
}

export async function listSources() {
  return z.object({ items: z.array(deviceSourceSchema) }).parse(await hubFetch('/device-sources')).items;
}

/**
 * A pairing code with its URL drawn as a QR code: the qrcode library makes the matrix, drawn
 * here as one SVG path (its toString picks a canvas-based build under Next's bundler).
 */
async function withQr(pairing: z.infer<typeof pairingCodeSchema>): Promise<Pairing> {
  const QRCode = await import('qrcode');
  const { modules } = QRCode.create(pairing.pairingUrl, { errorCorrectionLevel: 'M' });
  const margin = 2;
  const side = modules.size + margin * 2;
  let path = '';
  for (let y = 0; y < modules.size; y++) {
    for (let x = 0; x < modules.size; x++) {
      if (modules.get(y, x)) path += `M${x + margin} ${y + margin}h1v1h-1z`;
    }
  }
  const qrSvg =
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${side} ${side}" shape-rendering="crispEdges" aria-hidden="true">` +
    `<rect width="${side}" height="${side}" fill="#fff"/><path d="${path}" fill="#000"/></svg>`;
  return { ...pairing, qrSvg };
}

export async function createDevice(input: { name: string; kind: 'agent' | 'owntracks' | 'phone' | 'other' }) {
  const made = z
    .object({ device: deviceSchema, pairing: pairingCodeSchema })
    .parse(await hubFetch('/devices', { method: 'POST', body: input }));
  return { device: made.device, pairing: await withQr(made.pairing) };
}

export async function newPairingCode(id: string) {
  return withQr(pairingCodeSchema.parse(await hubFetch(`/devices/${id}/pairing-code`, { method: 'POST', body: {} })));
}

export async function revokeDevice(id: string) {
  return deviceSchema.parse(await hubFetch(`/devices/${id}/revoke`, { method: 'POST', body: {} }));
}

export async function saveRetention(type: string, settings: RetentionSettings) {
  return deviceSourceSchema.parse(await hubFetch(`/device-sources/${type}`, { method: 'PUT', body: settings }));
}

export type DeviceDay = z.infer<typeof deviceDaySchema>;

/** One local day of the user's devices: visits, moves, tracks and app usage. */
export async function getDay(date: string, timeZone: string): Promise<DeviceDay> {
  return deviceDaySchema.parse(await hubFetch(`/device-days/${date}`, { query: { timeZone } }));
}

/** Names the place of an unnamed visit (a place entity at its centre). */
export async function nameVisitPlace(visitId: string, name: string) {
  return z
    .object({ visit: visitSchema, named: z.number() })
    .parse(await hubFetch(`/visits/${visitId}/place`, { method: 'POST', body: { name } }));
}

/** The zone the hub cuts stored daily app-usage summaries in. */
export async function getAppUsageSettings() {
  return appUsageSettingsSchema.parse(await hubFetch('/devices/app-usage/settings'));
}

export async function saveAppUsageSettings(timeZone: string) {
  return appUsageSettingsSchema.parse(
    await hubFetch('/devices/app-usage/settings', { method: 'PUT', body: { timeZone } }),
  );
}
