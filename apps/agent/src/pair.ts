import { pairExchangeResultSchema } from '@made-open/shared/devices';
import { saveCredentials, type Credentials } from './credentials.ts';

export class PairingError extends Error {}

export function normaliseHubUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new PairingError(`Not a hub URL: ${raw} (for example https://hub.example.org)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new PairingError(`Not an http(s) URL: ${raw}`);
  return url.toString().replace(/\/+$/, '');
}

/**
 * Exchanges a one-time code (from the hub's Devices page) for this device's token and keeps
 * it in the agent's folder. Uploads go to the hub URL the user typed, which is known to
 * reach the hub (the hub's own idea of its public URL may not, behind NAT).
 */
export async function pair(dir: string, hubUrlRaw: string, code: string, fetchImpl: typeof fetch = fetch) {
  const hubUrl = normaliseHubUrl(hubUrlRaw);
  let response: Response;
  try {
    response = await fetchImpl(`${hubUrl}/devices/pair`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ code }),
    });
  } catch (error) {
    throw new PairingError(`Cannot reach the hub at ${hubUrl}: ${(error as Error).message}`);
  }
  if (response.status === 401) {
    throw new PairingError(
      'The hub refused the code: it is unknown, used or expired. Make a new one on the Devices page.',
    );
  }
  if (response.status === 429) throw new PairingError('Too many pairing tries from here: wait a minute and try again.');
  if (response.status !== 200) throw new PairingError(`The hub answered ${response.status} to the pairing request.`);
  const result = pairExchangeResultSchema.parse(await response.json());
  const credentials: Credentials = {
    hubUrl,
    deviceId: result.deviceId,
    token: result.token,
    pairedAt: new Date().toISOString(),
  };
  saveCredentials(dir, credentials);
  return credentials;
}
