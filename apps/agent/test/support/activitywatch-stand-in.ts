import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Test support: a stand-in for a local ActivityWatch server (aw-server), serving the part of
 * its documented REST API the relay reads: `GET /api/0/buckets/` and
 * `GET /api/0/buckets/{id}/events?start&limit` (newest first; events overlapping `start`
 * included, as aw-server does). The relay is pointed at it by its base URL.
 */
export interface AwEvent {
  id: number;
  timestamp: string;
  duration: number;
  data: Record<string, unknown>;
}

export interface ActivityWatchStandIn {
  url: string;
  buckets: Map<string, { type: string; events: AwEvent[] }>;
  requests: string[];
  close(): Promise<void>;
}

export async function startActivityWatchStandIn(): Promise<ActivityWatchStandIn> {
  const buckets = new Map<string, { type: string; events: AwEvent[] }>();
  const requests: string[] = [];
  const server: Server = createServer((request, response) => {
    requests.push(request.url ?? '');
    const url = new URL(request.url ?? '/', 'http://stand-in');
    const json = (status: number, body: unknown) =>
      response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (url.pathname === '/api/0/buckets/') {
      const out: Record<string, unknown> = {};
      for (const [id, bucket] of buckets) {
        out[id] = {
          id,
          type: bucket.type,
          client: 'aw-watcher-test',
          hostname: 'test-host',
          created: '2026-01-01T00:00:00+00:00',
        };
      }
      return json(200, out);
    }
    const match = /^\/api\/0\/buckets\/([^/]+)\/events$/.exec(url.pathname);
    if (match) {
      const bucket = buckets.get(decodeURIComponent(match[1]!));
      if (!bucket) return json(404, { message: 'There is no bucket with that id' });
      const start = url.searchParams.get('start');
      const limit = Number(url.searchParams.get('limit') ?? '-1');
      let events = [...bucket.events].sort((a, b) => Date.parse(b.timestamp) - Date.parse(a.timestamp));
      if (start) events = events.filter((e) => Date.parse(e.timestamp) + e.duration * 1000 >= Date.parse(start));
      if (limit > 0) events = events.slice(0, limit);
      return json(200, events);
    }
    json(404, { message: 'not found' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    buckets,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
