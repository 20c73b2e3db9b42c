import { lookup as dnsLookup } from 'node:dns/promises';
import http from 'node:http';
import https from 'node:https';
import { BlockList, isIP } from 'node:net';

/**
 * Host-side HTTP for plugins (ctx.http.fetch). Every hop, redirects included, is checked
 * before a connection is made: the host must pass `prepare` (the plugin's allow-list and
 * credential rules), and every address its name resolves to must be public. The
 * connection is pinned to the checked address, so a DNS answer that changes between the
 * check and the connect (rebinding) cannot reach a private address.
 */
const blocked = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.88.99.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const)
  blocked.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
  ['2001:db8::', 32],
  ['100::', 64],
] as const)
  blocked.addSubnet(net, prefix, 'ipv6');

/** IPv4 carried inside IPv6 (::ffff:a.b.c.d, NAT64 64:ff9b::/96, ::a.b.c.d). */
function embeddedIpv4(address: string): string | undefined {
  const lower = address.toLowerCase();
  const dotted = /^(?:::ffff:|64:ff9b::|::)(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
  if (dotted) return dotted[1];
  const hex = /^(?:::ffff:|64:ff9b::)([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(lower);
  if (hex) {
    const hi = parseInt(hex[1]!, 16);
    const lo = parseInt(hex[2]!, 16);
    return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  }
  return undefined;
}

export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return blocked.check(address, 'ipv4');
  if (family === 6) {
    const v4 = embeddedIpv4(address);
    if (v4) return blocked.check(v4, 'ipv4');
    return blocked.check(address, 'ipv6');
  }
  return true;
}

export class FetchRefused extends Error {
  constructor(
    readonly reason:
      | 'host_not_allowed'
      | 'private_address'
      | 'bad_url'
      | 'too_many_redirects'
      | 'response_too_large'
      | 'timeout'
      | 'network'
      | 'credential_not_allowed',
    message: string,
    readonly host?: string,
  ) {
    super(message);
    this.name = 'FetchRefused';
  }
}

export interface GuardedRequest {
  url: string;
  method: string;
  headers: Record<string, string>;
  body?: string;
}

export interface GuardOptions {
  /**
   * Per hop: checks the host against the plugin's permissions and returns the request
   * to send (credential filled in only where its type allows). Throws to refuse.
   */
  prepare(hop: URL, request: GuardedRequest, hopIndex: number): Promise<GuardedRequest>;
  maxRedirects?: number;
  maxResponseBytes?: number;
  timeoutMs?: number;
  /** DNS, injectable for tests (a name that resolves to a private address). */
  lookup?: (host: string) => Promise<{ address: string; family: number }[]>;
  /** Tests only: private ip:port pairs that stand-in servers listen on. */
  allowPrivate?: (address: string, port: number) => boolean;
}

export interface GuardedResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
  url: string;
}

const defaultLookup = (host: string) => dnsLookup(host, { all: true, verbatim: true });

export async function guardedFetch(initial: GuardedRequest, options: GuardOptions): Promise<GuardedResponse> {
  const maxRedirects = options.maxRedirects ?? 3;
  const maxBytes = options.maxResponseBytes ?? 1024 * 1024;
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  const lookup = options.lookup ?? defaultLookup;
  let request = initial;
  for (let hop = 0; hop <= maxRedirects; hop++) {
    let url: URL;
    try {
      url = new URL(request.url);
    } catch {
      throw new FetchRefused('bad_url', 'ctx.http.fetch needs an absolute http(s) URL.');
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:')
      throw new FetchRefused('bad_url', 'Only http and https URLs can be fetched.');
    if (url.username || url.password) throw new FetchRefused('bad_url', 'URLs with embedded credentials are refused.');
    const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
    const prepared = await options.prepare(url, request, hop);
    const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
    let addresses: { address: string; family: number }[];
    if (isIP(host)) addresses = [{ address: host, family: isIP(host) }];
    else {
      try {
        addresses = await lookup(host);
      } catch {
        throw new FetchRefused('network', `The host ${host} could not be resolved.`, host);
      }
    }
    if (addresses.length === 0) throw new FetchRefused('network', `The host ${host} could not be resolved.`, host);
    for (const a of addresses) {
      if (isPrivateAddress(a.address) && !options.allowPrivate?.(a.address, port)) {
        throw new FetchRefused('private_address', `${host} resolves to a private or loopback address: refused.`, host);
      }
    }
    const pinned = addresses[0]!;
    const response = await send(new URL(prepared.url), prepared, pinned, maxBytes, deadline);
    const location = response.headers.location;
    if (response.status >= 300 && response.status < 400 && location) {
      const next = new URL(location, prepared.url).toString();
      const keepBody = response.status === 307 || response.status === 308;
      // The next hop starts from the plugin's own request: headers the host added
      // (a credential) are re-decided by `prepare` for the new host.
      request = {
        url: next,
        method: keepBody ? initial.method : 'GET',
        headers: initial.headers,
        body: keepBody ? initial.body : undefined,
      };
      continue;
    }
    return { ...response, url: prepared.url };
  }
  throw new FetchRefused('too_many_redirects', `More than ${maxRedirects} redirects: refused.`);
}

function send(
  url: URL,
  request: GuardedRequest,
  pinned: { address: string; family: number },
  maxBytes: number,
  deadline: number,
) {
  return new Promise<{ status: number; headers: Record<string, string>; body: string }>((resolve, reject) => {
    const remaining = deadline - Date.now();
    if (remaining <= 0) return reject(new FetchRefused('timeout', 'The request timed out.'));
    const lib = url.protocol === 'https:' ? https : http;
    const req = lib.request(
      url,
      {
        method: request.method,
        headers: { ...request.headers, host: url.host },
        // Pinned: the connection goes to the address that was checked, whatever DNS says now.
        lookup: ((_host: string, opts: { all?: boolean }, cb: (...args: unknown[]) => void) => {
          if (opts?.all) cb(null, [pinned]);
          else cb(null, pinned.address, pinned.family);
        }) as never,
        servername: isIP(url.hostname) ? undefined : url.hostname,
        timeout: remaining,
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > maxBytes) {
            req.destroy();
            reject(new FetchRefused('response_too_large', `The response is larger than ${maxBytes} bytes: refused.`));
            return;
          }
          chunks.push(chunk);
        });
        res.on('end', () => {
          const headers: Record<string, string> = {};
          for (const [k, v] of Object.entries(res.headers))
            if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
          resolve({ status: res.statusCode ?? 0, headers, body: Buffer.concat(chunks).toString('utf8') });
        });
        res.on('error', () => reject(new FetchRefused('network', 'The connection failed.')));
      },
    );
    const timer = setTimeout(() => {
      req.destroy();
      reject(new FetchRefused('timeout', 'The request timed out.'));
    }, remaining);
    req.on('close', () => clearTimeout(timer));
    req.on('timeout', () => {
      req.destroy();
      reject(new FetchRefused('timeout', 'The request timed out.'));
    });
    req.on('error', (error) =>
      reject(error instanceof FetchRefused ? error : new FetchRefused('network', 'The connection failed.')),
    );
    if (request.body !== undefined) req.write(request.body);
    req.end();
  });
}
