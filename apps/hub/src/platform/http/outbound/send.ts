import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import { OutboundRefused, OutboundUnreachable } from './errors.ts';

export interface PinnedAddress {
  address: string;
  family: number;
}

export interface HopToSend {
  url: URL;
  method: string;
  headers: Record<string, string>;
  body: Buffer | undefined;
}

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

export interface SendLimits {
  connectTimeoutMs: number;
  /** Wall-clock ms left for the whole call. */
  remainingMs: number;
  maxResponseBytes: number;
}

/**
 * One request on a fresh connection to `pinned`: the address that was checked, whatever
 * DNS answers now (a rebinding name cannot swap it). No connection pool: a pooled socket
 * would be reused by host name, past the check.
 */
export function sendPinned(hop: HopToSend, pinned: PinnedAddress, limits: SendLimits): Promise<RawResponse> {
  const host = hop.url.hostname;
  return new Promise<RawResponse>((resolve, reject) => {
    let settled = false;
    const fail = (error: Error) => {
      if (settled) return;
      settled = true;
      req.destroy();
      reject(error);
    };
    const lib = hop.url.protocol === 'https:' ? https : http;
    const headers: Record<string, string> = { ...hop.headers, host: hop.url.host };
    if (hop.body !== undefined) headers['content-length'] = String(hop.body.length);
    const req = lib.request(hop.url, {
      method: hop.method,
      headers,
      lookup: ((_name: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) => {
        if (options?.all) callback(null, [pinned]);
        else callback(null, pinned.address, pinned.family);
      }) as never,
      servername: isIP(host.replace(/^\[|\]$/g, '')) ? undefined : host,
      agent: false,
    });
    const total = setTimeout(
      () => fail(new OutboundUnreachable('timeout', `${host} did not answer in time.`, host)),
      Math.max(0, limits.remainingMs),
    );
    req.on('close', () => clearTimeout(total));
    req.on('socket', (socket) => {
      if (!socket.connecting) return;
      const connect = setTimeout(
        () => fail(new OutboundUnreachable('connect_timeout', `Could not connect to ${host} in time.`, host)),
        limits.connectTimeoutMs,
      );
      socket.once('connect', () => clearTimeout(connect));
      socket.once('close', () => clearTimeout(connect));
    });
    req.on('error', (error: NodeJS.ErrnoException) => {
      const refused = error.code === 'ECONNREFUSED' || error.code === 'EHOSTUNREACH' || error.code === 'ENETUNREACH';
      fail(
        refused
          ? new OutboundUnreachable('connect', `Could not connect to ${host}.`, host)
          : new OutboundUnreachable('network', `The connection to ${host} failed.`, host),
      );
    });
    req.on('response', (res) => {
      const tooLarge = () =>
        fail(
          new OutboundRefused(
            'response_too_large',
            `The response from ${host} is larger than ${limits.maxResponseBytes} bytes: refused.`,
            host,
          ),
        );
      if (Number(res.headers['content-length'] ?? 0) > limits.maxResponseBytes) return tooLarge();
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > limits.maxResponseBytes) return tooLarge();
        chunks.push(chunk);
      });
      res.on('end', () => {
        if (settled) return;
        settled = true;
        clearTimeout(total);
        const out: Record<string, string> = {};
        for (const [name, value] of Object.entries(res.headers))
          if (value !== undefined) out[name] = Array.isArray(value) ? value.join(', ') : value;
        resolve({ status: res.statusCode ?? 0, headers: out, body: Buffer.concat(chunks) });
      });
      res.on('error', () => fail(new OutboundUnreachable('network', `The connection to ${host} failed.`, host)));
    });
    if (hop.body !== undefined) req.write(hop.body);
    req.end();
  });
}
