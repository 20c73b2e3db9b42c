import { isIP } from 'node:net';

/** Can Twilio reach PUBLIC_URL from the internet? Unset, localhost or a private address: no, and why. */
export function publicUrlReachability(publicUrl: string | undefined): { reachable: boolean; reason: string | null } {
  if (!publicUrl) return { reachable: false, reason: 'PUBLIC_URL is not set: Twilio cannot reach this hub.' };
  let host: string;
  try {
    host = new URL(publicUrl).hostname.replace(/^\[|\]$/g, '').toLowerCase();
  } catch {
    return { reachable: false, reason: `PUBLIC_URL (${publicUrl}) is not a URL.` };
  }
  const local =
    'is only reachable from this network: Twilio cannot call it. Use a tunnel (for example cloudflared or ngrok) and restart the hub with PUBLIC_URL set to its https address.';
  if (host === 'localhost' || host.endsWith('.localhost') || host.endsWith('.local') || host.endsWith('.internal'))
    return { reachable: false, reason: `PUBLIC_URL (${host}) ${local}` };
  if (isIP(host) !== 0 && isPrivateAddress(host)) return { reachable: false, reason: `PUBLIC_URL (${host}) ${local}` };
  return { reachable: true, reason: null };
}

function isPrivateAddress(ip: string): boolean {
  if (ip === '::1' || ip === '::' || ip.startsWith('fc') || ip.startsWith('fd') || ip.startsWith('fe80')) return true;
  const mapped = ip.startsWith('::ffff:') ? ip.slice(7) : ip;
  const parts = mapped.split('.').map(Number);
  if (parts.length !== 4) return false;
  const [a, b] = parts as [number, number, number, number];
  return (
    a === 10 ||
    a === 127 ||
    a === 0 ||
    (a === 172 && b >= 16 && b <= 31) ||
    (a === 192 && b === 168) ||
    (a === 169 && b === 254) ||
    (a === 100 && b >= 64 && b <= 127)
  );
}
