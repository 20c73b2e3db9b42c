import type { OutboundClient, OutboundResponse } from '../../../platform/http/outbound/index.ts';
import { ProviderRateLimited } from '../../../platform/http/outbound/index.ts';
import { ConnectorError } from '../connectors.contract.ts';
import { graphErrorOf } from './msgraph.errors.ts';
import { mailboxConcurrency, type MailboxLimits } from './msgraph.limits.ts';
import type { TokenOwner, TokenStore } from './msgraph.tokens.ts';

/** Graph caps a $batch at 20 requests; Outlook runs 4 of them at a time. */
export const maxBatch = 20;

/**
 * The largest Graph answer read (the outbound client's default, 10 MiB, is too small: a mail
 * delta page of 200 messages with their HTML bodies often is more). 64 MiB holds 200 messages
 * of ~300 KB of body each; a page still larger is asked for again in smaller pages by the
 * sync (odata.maxpagesize), so this bounds memory, not what can be synced. Tests lower it.
 */
export const graphLimits = { maxResponseBytes: 64 * 1024 * 1024 };

export interface GraphRequest {
  method?: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  /** A path under the Graph base URL (/me/messages) or a nextLink/deltaLink Graph gave. */
  url: string;
  headers?: Record<string, string>;
  json?: unknown;
}

export interface GraphAnswer<T = unknown> {
  status: number;
  headers: Record<string, string>;
  body: T;
}

export interface BatchPart {
  id: string;
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  /** Relative to the base URL, without the version: /me/messages/{id}/attachments. */
  url: string;
  headers?: Record<string, string>;
  body?: unknown;
  dependsOn?: string[];
}

/** The Graph API for one connection (one mailbox). */
export interface GraphClient {
  readonly baseUrl: string;
  /** Any request; a non-2xx answer is returned, not thrown. 401 has been refreshed once already. */
  send<T = unknown>(request: GraphRequest): Promise<GraphAnswer<T>>;
  /** GET (or another method) and the JSON body; a non-2xx answer throws a typed error (msgraph.errors.ts). */
  json<T = unknown>(request: GraphRequest | string): Promise<T>;
  /**
   * POST /$batch in chunks of 20; each part's answer by id. Parts answered 429/503 are sent
   * again after their Retry-After (which pauses every request of this mailbox meanwhile).
   */
  batch(parts: readonly BatchPart[]): Promise<Map<string, GraphAnswer>>;
  /**
   * PUT one byte range to an upload session's pre-authenticated URL (a large attachment). The
   * URL carries its own token, so no bearer token is sent; it is followed only to Outlook's
   * hosts (or the configured Graph origin, where a stand-in serves it).
   */
  uploadRange(uploadUrl: string, range: { start: number; bytes: Uint8Array; total: number }): Promise<GraphAnswer>;
}

/** Where Graph's upload sessions for Outlook items point (attachment: createUploadSession). */
const outlookUploadOrigins = ['https://outlook.office.com', 'https://outlook.office365.com'];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function retryAfterMs(value: string | undefined): number {
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.min(seconds, 600) * 1000;
  const date = value ? Date.parse(value) : NaN;
  return Number.isFinite(date) ? Math.max(0, Math.min(date - Date.now(), 600_000)) : 5_000;
}

export interface GraphClientDeps {
  outbound: OutboundClient;
  tokens: TokenStore;
  /** The Graph base URL with its version (MSGRAPH_API_URL, default https://graph.microsoft.com/v1.0). */
  baseUrl: string;
  /** Longest Retry-After a request waits out before giving up (the sync job retries later). */
  maxWaitMs?: number;
  /** Each mailbox's pause and slots: this process's, or every hub instance's (msgraph.limits.ts). */
  limits: MailboxLimits;
}

/**
 * Plain fetch through the hub's outbound client (ADR 0018): bearer tokens from the token
 * store, 401 → refresh once, at most 4 requests in flight per mailbox (the outbound
 * client's per-key limit, `msgraph:<connectionId>`, with the mailbox's limit as its shared
 * part: across hub instances on PostgreSQL + NATS, ADR 0033), every 429/503 Retry-After
 * (a batch part's too) pausing the mailbox, and only URLs under the Graph base followed.
 */
export function graphClient(deps: GraphClientDeps, owner: TokenOwner): GraphClient {
  const baseUrl = deps.baseUrl.replace(/\/+$/, '');
  const key = `msgraph:${owner.connectionId}`;
  const maxWaitMs = deps.maxWaitMs ?? 120_000;
  const mailbox = deps.limits.of(owner);
  const limit = { key, concurrency: mailboxConcurrency, shared: mailbox };
  const pause = (waitMs: number) => mailbox.pause(Date.now() + waitMs);

  function resolve(url: string): string {
    if (url.startsWith('/')) return `${baseUrl}${url}`;
    // A nextLink/deltaLink: followed only when it stays under the configured Graph base URL.
    if (url === baseUrl || url.startsWith(`${baseUrl}/`)) return url;
    throw new ConnectorError('provider', 'Microsoft Graph gave a link outside the Graph API; it was not followed.');
  }

  async function waitForMailbox() {
    await mailbox.ready();
    for (;;) {
      const until = mailbox.pausedUntil();
      const wait = until - Date.now();
      if (wait <= 0) return;
      if (wait > maxWaitMs)
        throw new ProviderRateLimited(new URL(baseUrl).host, until, 'Microsoft Graph is throttling this mailbox.');
      await sleep(wait);
    }
  }

  async function once(request: GraphRequest, token: string): Promise<OutboundResponse> {
    await waitForMailbox();
    const headers: Record<string, string> = {
      accept: 'application/json',
      ...request.headers,
      authorization: `Bearer ${token}`,
    };
    let body: string | undefined;
    if (request.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(request.json);
    }
    const response = await deps.outbound.request({
      url: resolve(request.url),
      method: request.method ?? 'GET',
      headers,
      body,
      redirect: 'manual',
      limit,
      secrets: [token],
      timeoutMs: 120_000,
      maxResponseBytes: graphLimits.maxResponseBytes,
    });
    // A 503 the outbound client returned (or a 429 without Retry-After) still pauses the mailbox.
    if (response.status === 429 || response.status === 503) pause(retryAfterMs(response.headers['retry-after']));
    return response;
  }

  async function send<T>(request: GraphRequest): Promise<GraphAnswer<T>> {
    let token = await deps.tokens.accessToken(owner);
    let response = await once(request, token);
    if (response.status === 401) {
      const refused = token;
      token = await deps.tokens.accessToken(owner, refused);
      response = await once(request, token);
      // Another process had already stored a newer token, and Graph refuses that one too: refresh it.
      if (response.status === 401 && token !== refused) {
        token = await deps.tokens.accessToken(owner, token);
        response = await once(request, token);
      }
    }
    // The outbound client retried 429/503 within its own cap; one still here waits out our pause once more.
    if (response.status === 429 || response.status === 503) response = await once(request, token);
    return { status: response.status, headers: response.headers, body: response.json() as T };
  }

  async function json<T>(request: GraphRequest | string): Promise<T> {
    const answer = await send<T>(typeof request === 'string' ? { url: request } : request);
    if (answer.status < 200 || answer.status >= 300) throw graphErrorOf(answer.status, answer.body);
    if (answer.body === undefined)
      throw new ConnectorError('provider', 'Microsoft Graph answered with something other than JSON.');
    return answer.body;
  }

  async function batch(parts: readonly BatchPart[]): Promise<Map<string, GraphAnswer>> {
    const answers = new Map<string, GraphAnswer>();
    let pending = [...parts];
    for (let round = 0; pending.length > 0 && round < 5; round += 1) {
      const again: BatchPart[] = [];
      const chunks: BatchPart[][] = [];
      for (let i = 0; i < pending.length; i += maxBatch) chunks.push(pending.slice(i, i + maxBatch));
      // One batch at a time: Graph runs up to 4 parts of a batch at once against the mailbox,
      // so batches side by side would break Outlook's limit of 4 requests in flight.
      for (const chunk of chunks) {
        const result = await json<{
          responses?: { id?: unknown; status?: unknown; headers?: Record<string, string>; body?: unknown }[];
        }>({
          method: 'POST',
          url: '/$batch',
          json: { requests: chunk },
        });
        const byId = new Map(chunk.map((part) => [part.id, part]));
        for (const response of result.responses ?? []) {
          const id = String(response.id);
          const part = byId.get(id);
          if (!part) continue;
          const status = Number(response.status);
          if (status === 429 || status === 503) {
            pause(retryAfterMs(response.headers?.['Retry-After'] ?? response.headers?.['retry-after']));
            again.push(part);
          } else answers.set(id, { status, headers: response.headers ?? {}, body: response.body });
          byId.delete(id);
        }
        // A part Graph did not answer is asked again.
        again.push(...byId.values());
      }
      pending = again;
    }
    for (const part of pending) answers.set(part.id, { status: 429, headers: {}, body: undefined });
    return answers;
  }

  async function uploadRange(
    uploadUrl: string,
    range: { start: number; bytes: Uint8Array; total: number },
  ): Promise<GraphAnswer> {
    let target: URL;
    try {
      target = new URL(uploadUrl);
    } catch {
      throw new ConnectorError('provider', 'Microsoft Graph gave an upload URL that is not a URL.');
    }
    if (![...outlookUploadOrigins, new URL(baseUrl).origin].includes(target.origin))
      throw new ConnectorError('provider', 'Microsoft Graph gave an upload URL outside Outlook; nothing was sent.');
    await waitForMailbox();
    const end = range.start + range.bytes.length - 1;
    const response = await deps.outbound.request({
      url: target.toString(),
      method: 'PUT',
      headers: {
        accept: 'application/json',
        'content-type': 'application/octet-stream',
        'content-range': `bytes ${range.start}-${end}/${range.total}`,
      },
      body: range.bytes,
      redirect: 'manual',
      limit,
      // The URL's authtoken is a credential: never in a log line or an error.
      secrets: [target.searchParams.get('authtoken') ?? uploadUrl],
      timeoutMs: 120_000,
    });
    return { status: response.status, headers: response.headers, body: response.json() };
  }

  return { baseUrl, send, json, batch, uploadRange };
}
