import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { Logger } from '../../logger.ts';
import { isPrivateAddress } from './address.ts';
import { systemClock, type Clock } from './clock.ts';
import { OutboundRefused, OutboundUnreachable, ProviderRateLimited } from './errors.ts';
import { createGates, type GateKey, type SharedLimit } from './gates.ts';
import { backoffDelay, isIdempotent, parseRetryAfter, type Backoff } from './retry.ts';
import { createScrubber, type Scrubber } from './scrubber.ts';
import { sendPinned, type PinnedAddress, type RawResponse } from './send.ts';

/** A request as a per-hop check sees it, and returns it (perhaps with a credential filled in). */
export interface GuardedRequest {
  url: string;
  method: string;
  headers: Record<string, string>;
  body?: string | Uint8Array;
}

export interface OutboundRequest {
  url: string | URL;
  method?: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
  /**
   * A caller's limit on top of the host's: `{ key: 'msgraph:<mailbox>', concurrency: 4 }`. A 429 pauses this key.
   * `shared`: the same limit held by other processes too (its pauses and slots are consulted as well; a
   * 429 or 503 with a Retry-After is passed to it).
   */
  limit?: { key: string; concurrency: number; shared?: SharedLimit };
  /** A POST that is safe to repeat (an OAuth token request, a request with an idempotency key). */
  idempotent?: boolean;
  retries?: number;
  /** 'manual' returns a 3xx as it is; 'follow' re-checks every hop. */
  redirect?: 'follow' | 'manual';
  maxRedirects?: number;
  /** The whole call, retries and waits included. */
  timeoutMs?: number;
  connectTimeoutMs?: number;
  maxRequestBytes?: number;
  maxResponseBytes?: number;
  /** Secret values this request carries, kept out of logs and errors (a function: read after each hop). */
  secrets?: readonly string[] | (() => readonly string[]);
  /** Runs before every hop, redirects included: may refuse (throw) or fill the request in. */
  beforeHop?: (hop: URL, request: GuardedRequest, hopIndex: number) => Promise<GuardedRequest>;
}

export interface OutboundResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  /** The last hop's URL, scrubbed. */
  url: string;
  text(): string;
  /** The body as JSON, or undefined when it is not JSON. */
  json(): unknown;
}

export interface OutboundDefaults {
  timeoutMs: number;
  connectTimeoutMs: number;
  maxRequestBytes: number;
  maxResponseBytes: number;
  retries: number;
  maxRedirects: number;
  /** Longest Retry-After the client waits out; past it the caller gets ProviderRateLimited. */
  maxRetryAfterMs: number;
  backoff: Backoff;
  perHostConcurrency: number;
}

export interface OutboundOptions {
  logger?: Logger;
  scrubber?: Scrubber;
  /** DNS; tests inject names that resolve to private addresses or change their answer. */
  lookup?: (host: string) => Promise<PinnedAddress[]>;
  /** Private addresses that may be reached anyway: configured stand-ins and local services, tests. */
  allowPrivate?: (target: { address: string; port: number; url: URL }) => boolean;
  schemes?: readonly string[];
  defaults?: Partial<OutboundDefaults>;
  clock?: Clock;
  random?: () => number;
}

export interface OutboundClient {
  request(request: OutboundRequest): Promise<OutboundResponse>;
  readonly scrubber: Scrubber;
}

export const outboundDefaults: OutboundDefaults = {
  timeoutMs: 30_000,
  connectTimeoutMs: 10_000,
  maxRequestBytes: 10 * 1024 * 1024,
  maxResponseBytes: 10 * 1024 * 1024,
  retries: 2,
  maxRedirects: 3,
  maxRetryAfterMs: 60_000,
  backoff: { baseMs: 500, maxMs: 8_000 },
  perHostConcurrency: 8,
};

const credentialHeaders = ['authorization', 'proxy-authorization', 'cookie'];
const defaultLookup = (host: string) => dnsLookup(host, { all: true, verbatim: true });

/**
 * The hub's one outbound HTTP client (DESIGN §2): every call to a provider, a plugin's
 * ctx.http.fetch and every credential test goes through it. Created once in the
 * composition root; limits and pauses are shared by everyone who holds it.
 */
export function createOutboundClient(options: OutboundOptions = {}): OutboundClient {
  const d = { ...outboundDefaults, ...options.defaults };
  const clock = options.clock ?? systemClock;
  const random = options.random ?? Math.random;
  const lookup = options.lookup ?? defaultLookup;
  const schemes = options.schemes ?? ['http:', 'https:'];
  const scrubber = options.scrubber ?? createScrubber();
  const log = options.logger?.child({ component: 'outbound' });
  const gates = createGates(clock);

  function parse(text: string): URL {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      throw new OutboundRefused('bad_url', 'An absolute http(s) URL is needed.');
    }
    if (!schemes.includes(url.protocol))
      throw new OutboundRefused(
        'bad_url',
        `Only ${schemes.map((s) => s.slice(0, -1)).join(' and ')} URLs can be fetched.`,
      );
    if (url.username || url.password)
      throw new OutboundRefused('bad_url', 'URLs with embedded credentials are refused.');
    return url;
  }

  /** Resolves, refuses private answers (every address, not only the first), and pins the first. */
  async function resolve(url: URL): Promise<PinnedAddress> {
    const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
    const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
    let addresses: PinnedAddress[];
    if (isIP(host)) addresses = [{ address: host, family: isIP(host) }];
    else {
      try {
        addresses = await lookup(host);
      } catch {
        throw new OutboundUnreachable('dns', `The host ${host} could not be resolved.`, host);
      }
      if (addresses.length === 0) throw new OutboundUnreachable('dns', `The host ${host} could not be resolved.`, host);
    }
    for (const a of addresses)
      if (isPrivateAddress(a.address) && !options.allowPrivate?.({ address: a.address, port, url }))
        throw new OutboundRefused(
          'private_address',
          `${host} resolves to a private or loopback address: refused.`,
          host,
        );
    return addresses[0]!;
  }

  async function request(req: OutboundRequest): Promise<OutboundResponse> {
    const method = (req.method ?? 'GET').toUpperCase();
    const idempotent = req.idempotent ?? isIdempotent(method);
    const retries = req.retries ?? d.retries;
    const maxResponseBytes = req.maxResponseBytes ?? d.maxResponseBytes;
    const deadline = clock.now() + (req.timeoutMs ?? d.timeoutMs);
    const secrets: string[] = [];
    const readSecrets = () => {
      const given = typeof req.secrets === 'function' ? req.secrets() : (req.secrets ?? []);
      for (const s of given) if (!secrets.includes(s)) secrets.push(s);
      scrubber.add(...secrets);
    };
    readSecrets();
    const bodyBytes = req.body === undefined ? 0 : Buffer.byteLength(req.body);
    if (bodyBytes > (req.maxRequestBytes ?? d.maxRequestBytes))
      throw new OutboundRefused(
        'request_too_large',
        `The request body is larger than the limit of ${req.maxRequestBytes ?? d.maxRequestBytes} bytes.`,
      );

    let current: GuardedRequest = {
      url: String(req.url),
      method,
      headers: Object.fromEntries(Object.entries(req.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v])),
      body: req.body,
    };
    try {
      for (let hop = 0; ; hop++) {
        if (hop > (req.maxRedirects ?? d.maxRedirects))
          throw new OutboundRefused(
            'too_many_redirects',
            `More than ${req.maxRedirects ?? d.maxRedirects} redirects: refused.`,
          );
        const url = parse(current.url);
        const prepared = req.beforeHop ? await req.beforeHop(url, current, hop) : current;
        const target = parse(prepared.url);
        // Whatever credential the hop carries is a secret from here on, in every encoding.
        for (const name of credentialHeaders) {
          const value = prepared.headers[name];
          if (!value) continue;
          secrets.push(value);
          const token = /^\S+\s+(.+)$/.exec(value)?.[1];
          if (token) secrets.push(token);
        }
        readSecrets();
        const response = await attempts(target, prepared, { idempotent, retries, maxResponseBytes, deadline, req });
        const location = response.headers.location;
        if ((req.redirect ?? 'follow') === 'follow' && response.status >= 300 && response.status < 400 && location) {
          current = redirected(current, url, response.status, location);
          continue;
        }
        log?.debug(
          { method, url: scrubber.scrub(target.toString(), secrets), status: response.status, hop },
          'outbound',
        );
        return toResponse(response, scrubber.scrub(target.toString(), secrets));
      }
    } catch (error) {
      throw scrubber.error(error, secrets);
    }
  }

  /** The next hop starts from the caller's request (before any per-hop fill-in); RFC 9110 §15.4 for the method. */
  function redirected(current: GuardedRequest, from: URL, status: number, location: string): GuardedRequest {
    let next: URL;
    try {
      next = new URL(location, from);
    } catch {
      throw new OutboundRefused('bad_url', 'The server redirected to an invalid URL.', from.hostname);
    }
    const keepBody = status === 307 || status === 308;
    const headers = { ...current.headers };
    if (!keepBody) delete headers['content-type'];
    // Like browsers: a credential the caller set is not handed to another origin.
    if (next.origin !== from.origin) for (const name of credentialHeaders) delete headers[name];
    return {
      url: next.toString(),
      method: keepBody || current.method === 'HEAD' ? current.method : 'GET',
      headers,
      body: keepBody ? current.body : undefined,
    };
  }

  async function attempts(
    url: URL,
    hop: GuardedRequest,
    o: { idempotent: boolean; retries: number; maxResponseBytes: number; deadline: number; req: OutboundRequest },
  ): Promise<RawResponse> {
    const host = url.hostname;
    const hostKey: GateKey = { key: `host:${url.host}`, concurrency: d.perHostConcurrency };
    const callerKey: GateKey | undefined = o.req.limit && {
      key: `key:${o.req.limit.key}`,
      concurrency: o.req.limit.concurrency,
      shared: o.req.limit.shared,
    };
    const keys = callerKey ? [callerKey, hostKey] : [hostKey];
    const body = hop.body === undefined ? undefined : Buffer.from(hop.body);
    const backoff = async (attempt: number) => {
      const wait = backoffDelay(attempt, d.backoff, random);
      if (clock.now() + wait >= o.deadline) return false;
      log?.warn({ host, attempt, waitMs: wait }, 'outbound: retrying after backoff');
      await clock.sleep(wait);
      return true;
    };
    for (let attempt = 0; ; attempt++) {
      let response: RawResponse;
      try {
        response = await gates.run(keys, { host, deadline: o.deadline, maxWaitMs: d.maxRetryAfterMs }, async () =>
          sendPinned({ url, method: hop.method, headers: hop.headers, body }, await resolve(url), {
            connectTimeoutMs: o.req.connectTimeoutMs ?? d.connectTimeoutMs,
            remainingMs: o.deadline - clock.now(),
            maxResponseBytes: o.maxResponseBytes,
          }),
        );
      } catch (error) {
        // A failed connection may have delivered the request: only repeat what is safe to repeat.
        const retryable = error instanceof OutboundUnreachable && error.reason !== 'timeout' && o.idempotent;
        if (retryable && attempt < o.retries && (await backoff(attempt))) continue;
        throw error;
      }
      const status = response.status;
      if (status === 429 || status === 503) {
        const now = clock.now();
        const wait = parseRetryAfter(response.headers['retry-after'], now);
        // 429: the caller's key (a mailbox) is over its limit; 503: the whole host is.
        if (wait !== undefined) {
          gates.pause(status === 429 ? keys[0]!.key : hostKey.key, now + wait);
          // Other processes calling for the same key wait it out too (the limit decides what a 503 means to it).
          callerKey?.shared?.pause(now + wait);
        }
        // A 429, or a 503 that names a time, means the request was not processed: any method may repeat it.
        if ((status === 429 || wait !== undefined || o.idempotent) && attempt < o.retries) {
          log?.warn({ host, status, attempt, retryAfterMs: wait }, 'outbound: provider asked to slow down');
          // With a Retry-After the next attempt waits out the shared pause (or gives up past the cap).
          if (wait !== undefined || (await backoff(attempt))) continue;
        }
        if (status === 429)
          throw new ProviderRateLimited(
            host,
            wait === undefined ? undefined : now + wait,
            `${host} is rate limiting these requests: try again later.`,
          );
        return response;
      }
      if ((status === 502 || status === 504) && o.idempotent && attempt < o.retries && (await backoff(attempt)))
        continue;
      return response;
    }
  }

  return { request, scrubber };
}

function toResponse(raw: RawResponse, url: string): OutboundResponse {
  return {
    ...raw,
    url,
    text: () => raw.body.toString('utf8'),
    json: () => {
      try {
        return JSON.parse(raw.body.toString('utf8')) as unknown;
      } catch {
        return undefined;
      }
    },
  };
}
