import { Secret, TOTP } from 'otpauth';
import QRCode from 'qrcode';

/**
 * TOTP as GoTrue uses it (RFC 6238): SHA-1, 6 digits, 30 s steps, a 20-byte secret, and
 * one step of clock skew either side. Authenticator apps expect exactly these defaults.
 */
const period = 30;
const digits = 6;

export function newTotpSecret(): string {
  return new Secret({ size: 20 }).base32;
}

function totpOf(secret: string, issuer = '', label = '') {
  return new TOTP({ issuer, label, algorithm: 'SHA1', digits, period, secret: Secret.fromBase32(secret) });
}

/** The otpauth:// URI an authenticator app reads from the QR code. */
export function totpUri(secret: string, issuer: string, accountName: string): string {
  return totpOf(secret, issuer, accountName).toString();
}

/** The QR code of the URI as SVG markup (auth-js prefixes it into a data: URL). */
export async function totpQrSvg(uri: string): Promise<string> {
  const svg = await QRCode.toString(uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 1 });
  // auth-js puts the markup into a data: URL unencoded, where a '#' would end it: colour names instead.
  return svg.replace(/"#ffffff"/gi, '"white"').replace(/"#000000"/gi, '"black"');
}

/**
 * The time step a code belongs to, or null when it matches none within one step of now.
 * The caller refuses a step not after the last one accepted, so a code works once.
 */
export function matchingStep(secret: string, code: string, nowMs: number): number | null {
  if (!/^\d{6}$/.test(code)) return null;
  const delta = totpOf(secret).validate({ token: code, timestamp: nowMs, window: 1 });
  if (delta === null) return null;
  return Math.floor(nowMs / 1000 / period) + delta;
}
