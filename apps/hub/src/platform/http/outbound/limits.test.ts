import type { ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createOutboundClient } from './client.ts';
import { OutboundRefused, OutboundUnreachable, ProviderRateLimited } from './errors.ts';
import { parseRetryAfter } from './retry.ts';
import { epoch, instantClock, manualClock } from './test/clocks.ts';
import { startRemote, type Remote } from './test/remote.ts';

/**
 * Sizes, timeouts, retries, Retry-After, pauses and concurrency against a real local
 * server. Time is an injected clock: the tests count requests and waits, never measure.
 */
let remote: Remote;
/** Per path: the statuses to answer with, in order (then 200). */
const script = new Map<string, { status: number; headers?: Record<string, string> }[]>();
const held: ServerResponse[] = [];
let holdAll = false;

beforeAll(async () => {
  remote = await startRemote((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (path === '/big') return res.end('x'.repeat(2 * 1024 * 1024));
    if (path === '/big-declared') return res.writeHead(200, { 'content-length': String(5 * 1024 * 1024) }).end();
    if (path === '/silent') return; // never answers
    if (holdAll) return void held.push(res);
    const next = script.get(path)?.shift();
    if (next) return res.writeHead(next.status, next.headers ?? {}).end(String(next.status));
    res.end('ok');
  });
});
afterAll(async () => {
  await remote?.close();
});

const allowRemote = ({ port }: { port: number }) => port === remote.port;
const count = (path: string) => remote.seen.filter((s) => s.url.startsWith(path)).length;

describe('size limits and timeouts', () => {
  const client = () => createOutboundClient({ allowPrivate: allowRemote, defaults: { maxResponseBytes: 1024 * 1024 } });

  it('refuses responses over the limit, streamed or declared, and request bodies over the limit before connecting', async () => {
    for (const path of ['/big', '/big-declared'])
      await expect(client().request({ url: `${remote.url}${path}` }), path).rejects.toMatchObject({
        reason: 'response_too_large',
      });
    const before = remote.seen.length;
    const error = await client()
      .request({ url: `${remote.url}/upload`, method: 'POST', body: 'x'.repeat(2048), maxRequestBytes: 1024 })
      .catch((e) => e);
    expect(error).toBeInstanceOf(OutboundRefused);
    expect(error.reason).toBe('request_too_large');
    expect(remote.seen.length).toBe(before);
  });

  it('gives up at the total timeout, as the operator’s problem, and does not repeat a request that timed out', async () => {
    const error = await client()
      .request({ url: `${remote.url}/silent`, timeoutMs: 300 })
      .catch((e) => e);
    expect(error).toBeInstanceOf(OutboundUnreachable);
    expect(error).toMatchObject({ reason: 'timeout', code: 'provider_unreachable' });
    expect(count('/silent')).toBe(1);
  });

  it('reports a refused connection as unreachable after retrying an idempotent request', async () => {
    const closed = await startRemote();
    const port = closed.port;
    await closed.close();
    const clock = instantClock();
    const error = await createOutboundClient({ allowPrivate: () => true, clock, random: () => 0.5 })
      .request({ url: `http://127.0.0.1:${port}/` })
      .catch((e) => e);
    expect(error).toMatchObject({ reason: 'connect' });
    expect(clock.slept).toHaveLength(2);
  });
});

describe('retries', () => {
  const setup = () => {
    const clock = instantClock();
    const client = createOutboundClient({
      allowPrivate: allowRemote,
      clock,
      random: () => 0.5,
      defaults: { retries: 2, backoff: { baseMs: 100, maxMs: 10_000 } },
    });
    return { clock, client };
  };

  it('reads Retry-After as seconds or an HTTP-date', () => {
    expect(parseRetryAfter('3', epoch)).toBe(3000);
    expect(parseRetryAfter(new Date(epoch + 7000).toUTCString(), epoch)).toBe(7000);
    expect(parseRetryAfter(new Date(epoch - 7000).toUTCString(), epoch)).toBe(0);
    expect(parseRetryAfter('soon', epoch)).toBeUndefined();
    expect(parseRetryAfter(undefined, epoch)).toBeUndefined();
  });

  it('backs off exponentially (with jitter) for idempotent methods only', async () => {
    const get = setup();
    script.set('/flaky-get', [{ status: 502 }, { status: 502 }, { status: 502 }]);
    expect((await get.client.request({ url: `${remote.url}/flaky-get` })).status).toBe(502);
    expect(count('/flaky-get')).toBe(3);
    // Equal jitter at 0.5: three quarters of 100, then of 200.
    expect(get.clock.slept).toEqual([75, 150]);

    const post = setup();
    script.set('/flaky-post', [{ status: 502 }, { status: 502 }]);
    const response = await post.client.request({ url: `${remote.url}/flaky-post`, method: 'POST', body: '{}' });
    expect(response.status).toBe(502);
    expect(count('/flaky-post')).toBe(1);
    expect(post.clock.slept).toEqual([]);

    const marked = setup();
    script.set('/token', [{ status: 504 }]);
    const token = await marked.client.request({ url: `${remote.url}/token`, method: 'POST', idempotent: true });
    expect(token.status).toBe(200);
    expect(count('/token')).toBe(2);
  });

  it('never retries a 4xx other than 429, nor a 500', async () => {
    const { client, clock } = setup();
    for (const status of [400, 401, 403, 404, 409, 422, 500]) {
      script.set(`/status-${status}`, [{ status }, { status }, { status }]);
      expect((await client.request({ url: `${remote.url}/status-${status}` })).status).toBe(status);
      expect(count(`/status-${status}`), String(status)).toBe(1);
    }
    expect(clock.slept).toEqual([]);
  });

  it('honours Retry-After in seconds and as a date, for any method, since a 429 was not processed', async () => {
    const seconds = setup();
    script.set('/limited-s', [{ status: 429, headers: { 'retry-after': '3' } }]);
    const response = await seconds.client.request({ url: `${remote.url}/limited-s`, method: 'POST', body: 'x' });
    expect(response.status).toBe(200);
    expect(count('/limited-s')).toBe(2);
    expect(seconds.clock.slept).toEqual([3000]);

    const date = setup();
    script.set('/limited-d', [{ status: 503, headers: { 'retry-after': new Date(epoch + 7000).toUTCString() } }]);
    expect((await date.client.request({ url: `${remote.url}/limited-d`, method: 'POST' })).status).toBe(200);
    expect(date.clock.slept).toEqual([7000]);

    // A 503 without a time may have been half-processed: a POST is not repeated.
    const bare = setup();
    script.set('/down', [{ status: 503 }]);
    expect((await bare.client.request({ url: `${remote.url}/down`, method: 'POST' })).status).toBe(503);
    expect(count('/down')).toBe(1);
  });

  it('does not wait past the cap: the caller gets ProviderRateLimited, and others for that key fail fast', async () => {
    const { client, clock } = setup();
    script.set('/hour', [{ status: 429, headers: { 'retry-after': '3600' } }]);
    const limit = { key: 'mailbox-capped', concurrency: 4 };
    const error = await client.request({ url: `${remote.url}/hour`, limit }).catch((e) => e);
    expect(error).toBeInstanceOf(ProviderRateLimited);
    expect(error).toMatchObject({ status: 429, retryAt: epoch + 3_600_000 });
    await expect(client.request({ url: `${remote.url}/hour`, limit })).rejects.toBeInstanceOf(ProviderRateLimited);
    expect(count('/hour')).toBe(1);
    expect(clock.slept).toEqual([]);
  });
});

describe('shared pauses and concurrency', () => {
  it('a 429 pauses every caller of that key, queued or new, until Retry-After has passed; other keys go on', async () => {
    const manual = manualClock();
    const client = createOutboundClient({ allowPrivate: allowRemote, clock: manual.clock });
    script.set('/mailbox', [{ status: 429, headers: { 'retry-after': '5' } }]);
    const limit = { key: 'mailbox-1', concurrency: 4 };
    const a = client.request({ url: `${remote.url}/mailbox?n=a`, limit });
    await vi.waitFor(() => expect(manual.sleeping).toBe(1));
    const b = client.request({ url: `${remote.url}/mailbox?n=b`, limit });
    const c = client.request({ url: `${remote.url}/mailbox?n=c`, limit });
    await vi.waitFor(() => expect(manual.sleeping).toBe(3));
    // Asleep before sending: only the request that got the 429 reached the server.
    expect(count('/mailbox')).toBe(1);
    expect(manual.wakeTimes()).toEqual([epoch + 5000, epoch + 5000, epoch + 5000]);
    const otherKey = await client.request({
      url: `${remote.url}/mailbox?n=d`,
      limit: { key: 'mailbox-2', concurrency: 4 },
    });
    expect(otherKey.status).toBe(200);
    manual.advance(5000);
    expect((await Promise.all([a, b, c])).map((r) => r.status)).toEqual([200, 200, 200]);
    expect(count('/mailbox')).toBe(5);
  });

  it('a caller queued for the key’s slot when the 429 arrives waits out the pause too', async () => {
    const manual = manualClock();
    const client = createOutboundClient({ allowPrivate: allowRemote, clock: manual.clock });
    script.set('/queued', [{ status: 429, headers: { 'retry-after': '2' } }]);
    const limit = { key: 'mailbox-queued', concurrency: 1 };
    const both = Promise.all([
      client.request({ url: `${remote.url}/queued?n=a`, limit }),
      client.request({ url: `${remote.url}/queued?n=b`, limit }),
    ]);
    await vi.waitFor(() => expect(manual.sleeping).toBe(2));
    expect(count('/queued')).toBe(1);
    manual.advance(2000);
    expect((await both).map((r) => r.status)).toEqual([200, 200]);
    expect(count('/queued')).toBe(3);
  });

  /** Fires `n` requests while the server holds answers until `limit` are in flight; returns the most it saw. */
  async function maxInFlight(
    n: number,
    limit: number,
    request: (i: number) => Promise<unknown>,
    keyOf = (_url: string) => 'all',
  ) {
    holdAll = true;
    const inFlight = new Map<string, number>();
    let max = 0;
    const before = remote.seen.length;
    const all = Promise.all(Array.from({ length: n }, (_, i) => request(i)));
    let answered = 0;
    while (answered < n) {
      await vi.waitFor(() => expect(held.length).toBeGreaterThanOrEqual(Math.min(limit, n - answered)));
      for (const seen of remote.seen.slice(before + answered, before + answered + held.length)) {
        const key = keyOf(seen.url);
        inFlight.set(key, (inFlight.get(key) ?? 0) + 1);
        max = Math.max(max, ...inFlight.values());
      }
      for (const seen of remote.seen.slice(before + answered, before + answered + held.length))
        inFlight.set(keyOf(seen.url), inFlight.get(keyOf(seen.url))! - 1);
      answered += held.length;
      for (const res of held.splice(0)) res.end('ok');
    }
    holdAll = false;
    await all;
    return max;
  }

  it('never has more than the per-host limit in flight', async () => {
    const client = createOutboundClient({ allowPrivate: allowRemote, defaults: { perHostConcurrency: 3 } });
    expect(await maxInFlight(9, 3, (i) => client.request({ url: `${remote.url}/host?i=${i}` }))).toBe(3);
  });

  it('never has more than a key’s limit in flight ("at most 4 per mailbox"), while other keys share the host', async () => {
    const client = createOutboundClient({ allowPrivate: allowRemote, defaults: { perHostConcurrency: 16 } });
    const max = await maxInFlight(
      16,
      8,
      (i) =>
        client.request({
          url: `${remote.url}/mb?m=${i % 2}&i=${i}`,
          limit: { key: `mailbox-${i % 2}`, concurrency: 4 },
        }),
      (url) => new URL(url, 'http://x').searchParams.get('m')!,
    );
    expect(max).toBe(4);
  });
});

describe('a key shared with other processes (limit.shared)', () => {
  /** Another process's view of one mailbox, in memory: what connectors/msgraph keeps over NATS and PostgreSQL. */
  function sharedLimit(slots: number) {
    const state = { pausedUntil: 0, pauses: [] as number[], free: slots, acquired: 0, released: 0 };
    return {
      state,
      limit: {
        pausedUntil: () => state.pausedUntil,
        pause(until: number) {
          state.pauses.push(until);
          state.pausedUntil = Math.max(state.pausedUntil, until);
        },
        async acquire() {
          if (state.free === 0) throw new ProviderRateLimited('remote', undefined, 'no shared slot');
          state.free--;
          state.acquired++;
          return () => {
            state.free++;
            state.released++;
          };
        },
      },
    };
  }

  it('passes a 429’s Retry-After on to the shared part, even one the client then retried by itself', async () => {
    const manual = manualClock();
    const client = createOutboundClient({ allowPrivate: allowRemote, clock: manual.clock });
    const shared = sharedLimit(4);
    script.set('/shared-429', [{ status: 429, headers: { 'retry-after': '4' } }]);
    const answer = client.request({
      url: `${remote.url}/shared-429`,
      limit: { key: 'shared-1', concurrency: 4, shared: shared.limit },
    });
    await vi.waitFor(() => expect(manual.sleeping).toBe(1));
    expect(shared.state.pauses).toEqual([epoch + 4000]);
    manual.advance(4000);
    expect((await answer).status).toBe(200);
    expect(count('/shared-429')).toBe(2);
  });

  it('waits out a pause another process set, before sending anything', async () => {
    const manual = manualClock();
    const client = createOutboundClient({ allowPrivate: allowRemote, clock: manual.clock });
    const shared = sharedLimit(4);
    shared.state.pausedUntil = epoch + 3000;
    const answer = client.request({
      url: `${remote.url}/shared-paused`,
      limit: { key: 'shared-2', concurrency: 4, shared: shared.limit },
    });
    await vi.waitFor(() => expect(manual.sleeping).toBe(1));
    expect(manual.wakeTimes()).toEqual([epoch + 3000]);
    expect(count('/shared-paused')).toBe(0);
    manual.advance(3000);
    expect((await answer).status).toBe(200);
    expect(count('/shared-paused')).toBe(1);
  });

  it('holds a shared slot for each request in flight and gives it back after the answer, refused or not', async () => {
    const client = createOutboundClient({ allowPrivate: allowRemote, clock: instantClock() });
    const shared = sharedLimit(2);
    const limit = { key: 'shared-3', concurrency: 1, shared: shared.limit };
    const answers = await Promise.all(
      Array.from({ length: 2 }, (_, i) => client.request({ url: `${remote.url}/shared-slot?i=${i}`, limit })),
    );
    expect(answers.map((a) => a.status)).toEqual([200, 200]);
    expect(shared.state).toMatchObject({ acquired: 2, released: 2, free: 2 });
    // No shared slot to be had: the request is not sent, and the in-process slot is not kept.
    shared.state.free = 0;
    const before = count('/shared-slot');
    await expect(client.request({ url: `${remote.url}/shared-slot?i=9`, limit })).rejects.toBeInstanceOf(
      ProviderRateLimited,
    );
    expect(count('/shared-slot')).toBe(before);
    shared.state.free = 1;
    expect((await client.request({ url: `${remote.url}/shared-slot?i=10`, limit })).status).toBe(200);
  });
});
