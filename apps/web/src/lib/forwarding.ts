import { isIP } from 'node:net';

/** At most this many proxies in front of the web app (WEB_TRUST_PROXY); more is a typo. */
export const maxTrustedHops = 10;

/**
 * WEB_TRUST_PROXY: how many proxies in front of the web app append the client to
 * X-Forwarded-For. Unset, empty, `false` or `0`: none, nothing is forwarded to the hub.
 */
export function parseTrustedHops(value: string | undefined): number {
  const text = value?.trim().toLowerCase() ?? '';
  if (text === '' || text === 'false' || text === '0') return 0;
  if (/^\d+$/.test(text) && Number(text) <= maxTrustedHops) return Number(text);
  throw new Error(
    `WEB_TRUST_PROXY must be the number of proxies in front of the web app (0 to ${maxTrustedHops}), got "${value}"`,
  );
}

/** One X-Forwarded-For entry as an address: `[::1]:443` and `1.2.3.4:5678` lose their port. */
function addressOf(entry: string): string | undefined {
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(entry);
  const candidate = bracketed
    ? bracketed[1]!
    : /^[\d.]+:\d+$/.test(entry)
      ? entry.slice(0, entry.lastIndexOf(':'))
      : entry;
  return isIP(candidate) ? candidate : undefined;
}

/**
 * The browser's address as the trusted proxies say it. Each proxy appends the address it was
 * called from, so with `hops` proxies the client is the hops-th entry from the right; what
 * lies further left came from the client and proves nothing. Next.js keeps the header it was
 * given and fills it with the socket's address only when there is none: without a proxy
 * (hops 0) a browser could write any address there, so nothing is believed.
 */
export function forwardedClient(forwardedFor: string | null | undefined, hops: number): string | undefined {
  if (hops <= 0 || !forwardedFor) return undefined;
  const entries = forwardedFor
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  if (entries.length === 0) return undefined;
  return addressOf(entries[Math.max(0, entries.length - hops)]!);
}

/**
 * Headers for the web server's own calls to the hub on a browser's behalf: the browser's
 * address (the hub's per-IP limits, such as sign-in's, then count each browser rather than
 * the web server, once the hub's TRUST_PROXY names the web server) and its User-Agent (what
 * the hub records for the session it signs in).
 */
export function forwardingHeaders(incoming: Pick<Headers, 'get'>, hops: number): Record<string, string> {
  const headers: Record<string, string> = {};
  const client = forwardedClient(incoming.get('x-forwarded-for'), hops);
  if (client) headers['x-forwarded-for'] = client;
  const userAgent = incoming.get('user-agent');
  if (userAgent) headers['user-agent'] = userAgent.slice(0, 512);
  return headers;
}
