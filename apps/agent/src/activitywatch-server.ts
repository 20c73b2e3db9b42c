import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { hostname } from 'node:os';
import type { DeviceEvent } from '@made-open/shared/devices';
import { z } from 'zod';
import { awToDeviceEvent, type AwEvent } from './activitywatch.ts';
import type { Logger } from './log.ts';
import type { Window } from './privacy.ts';

const bucketInput = z.object({ client: z.string(), type: z.string(), hostname: z.string() }).loose();
const eventInput = z.object({
  timestamp: z.string().refine((t) => Number.isFinite(Date.parse(t)), 'not a date-time'),
  duration: z.number().min(0).default(0),
  data: z.record(z.string(), z.unknown()),
});

interface Bucket {
  id: string;
  type: string;
  client: string;
  hostname: string;
  created: string;
}

export interface AwServerOptions {
  port: number;
  /** Bucket metadata survives restarts: watchers create their bucket once and keep posting to it. */
  stateFile: string;
  log: Logger;
  filter: (window: Window) => Window | null;
  /** Finished events go to the agent's queue. */
  emit: (events: DeviceEvent[]) => void;
  /** An event still growing by heartbeats is closed and sent after this long (seconds). */
  maxSpanSeconds?: number;
}

const sameData = (a: Record<string, unknown>, b: Record<string, unknown>) => JSON.stringify(a) === JSON.stringify(b);

/**
 * The part of aw-server's REST API that aw-watcher-window and aw-watcher-afk use (through
 * aw-client): `GET /api/0/info`, `GET /api/0/buckets/`, `GET|POST /api/0/buckets/{id}`,
 * `POST /api/0/buckets/{id}/heartbeat?pulsetime=`, `POST /api/0/buckets/{id}/events`.
 * Heartbeats merge as aw-server merges them (same data, within pulsetime of the last event's
 * end); an event is forwarded once it is finished: a different heartbeat followed it, it grew
 * past the span limit, or the agent stops.
 */
export class ActivityWatchServer {
  private readonly buckets: Map<string, Bucket>;
  private readonly open = new Map<string, AwEvent>();
  private nextId = 1;
  private server: Server | null = null;

  constructor(private readonly options: AwServerOptions) {
    const saved = existsSync(options.stateFile)
      ? (JSON.parse(readFileSync(options.stateFile, 'utf8')) as Bucket[])
      : [];
    this.buckets = new Map(saved.map((b) => [b.id, b]));
  }

  async start(): Promise<number> {
    this.server = createServer((request, response) => {
      this.handle(request, response).catch((error) => {
        this.options.log.warn('ActivityWatch request failed', { error: (error as Error).message });
        if (!response.headersSent) send(response, 500, { message: 'internal error' });
      });
    });
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(this.options.port, '127.0.0.1', resolve);
    });
    return (this.server.address() as { port: number }).port;
  }

  /** Closes and forwards every open event (on shutdown). */
  async stop() {
    for (const [bucketId, event] of this.open) this.finish(bucketId, event);
    this.open.clear();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private finish(bucketId: string, event: AwEvent) {
    const bucket = this.buckets.get(bucketId);
    const converted = bucket ? awToDeviceEvent(bucketId, bucket.type, event, this.options.filter) : null;
    if (converted) this.options.emit([converted]);
  }

  private heartbeat(bucketId: string, beat: AwEvent, pulsetime: number): AwEvent {
    const last = this.open.get(bucketId);
    const start = Date.parse(beat.timestamp);
    if (last && sameData(last.data, beat.data)) {
      const lastStart = Date.parse(last.timestamp);
      const lastEnd = lastStart + last.duration * 1000;
      if (start >= lastStart && start <= lastEnd + pulsetime * 1000) {
        const end = Math.max(lastEnd, start + beat.duration * 1000);
        if ((end - lastStart) / 1000 <= (this.options.maxSpanSeconds ?? 60)) {
          last.duration = (end - lastStart) / 1000;
          return last;
        }
        // Long focus: send what is there and go on from its end, so it shows while it lasts.
        this.finish(bucketId, last);
        const next = {
          id: this.nextId++,
          timestamp: new Date(lastEnd).toISOString(),
          duration: (end - lastEnd) / 1000,
          data: beat.data,
        };
        this.open.set(bucketId, next);
        return next;
      }
    }
    if (last) this.finish(bucketId, last);
    const fresh = {
      id: this.nextId++,
      timestamp: new Date(start).toISOString(),
      duration: beat.duration,
      data: beat.data,
    };
    this.open.set(bucketId, fresh);
    return fresh;
  }

  private saveBuckets() {
    const temporary = `${this.options.stateFile}.tmp`;
    writeFileSync(temporary, JSON.stringify([...this.buckets.values()]), { mode: 0o600 });
    renameSync(temporary, this.options.stateFile);
  }

  private async handle(request: IncomingMessage, response: ServerResponse) {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const path = url.pathname;
    if (request.method === 'GET' && path === '/api/0/info') {
      return send(response, 200, {
        hostname: hostname(),
        version: 'made-open-agent',
        testing: false,
        device_id: hostname(),
      });
    }
    if (request.method === 'GET' && path === '/api/0/buckets/') {
      return send(response, 200, Object.fromEntries([...this.buckets].map(([id, b]) => [id, { ...b, name: null }])));
    }
    const match = /^\/api\/0\/buckets\/([^/]+)(\/heartbeat|\/events)?\/?$/.exec(path);
    if (!match) return send(response, 404, { message: 'not found' });
    const bucketId = decodeURIComponent(match[1]!);
    const bucket = this.buckets.get(bucketId);
    const body = request.method === 'POST' ? await readJson(request) : undefined;
    if (body instanceof Error) return send(response, 400, { message: body.message });

    if (!match[2]) {
      if (request.method === 'GET')
        return bucket
          ? send(response, 200, bucket)
          : send(response, 404, { message: 'There is no bucket with that id' });
      if (request.method !== 'POST') return send(response, 405, { message: 'method not allowed' });
      if (bucket) return send(response, 304, null); // aw-server: the bucket exists already
      const input = bucketInput.safeParse(body);
      if (!input.success) return send(response, 400, { message: input.error.issues[0]?.message ?? 'invalid bucket' });
      this.buckets.set(bucketId, { id: bucketId, ...input.data, created: new Date().toISOString() });
      this.saveBuckets();
      return send(response, 200, null);
    }
    if (!bucket) return send(response, 404, { message: 'There is no bucket with that id' });
    if (request.method !== 'POST') return send(response, 405, { message: 'method not allowed' });
    if (match[2] === '/heartbeat') {
      const beat = eventInput.safeParse(body);
      const pulsetime = Number(url.searchParams.get('pulsetime'));
      if (!beat.success) return send(response, 400, { message: beat.error.issues[0]?.message ?? 'invalid event' });
      if (!Number.isFinite(pulsetime) || pulsetime < 0)
        return send(response, 400, { message: 'pulsetime is required' });
      return send(response, 200, this.heartbeat(bucketId, { id: null, ...beat.data }, pulsetime));
    }
    const events = z.array(eventInput).safeParse(Array.isArray(body) ? body : [body]);
    if (!events.success) return send(response, 400, { message: events.error.issues[0]?.message ?? 'invalid event' });
    const stored = events.data.map((e) => ({ id: this.nextId++, ...e }));
    for (const e of stored) this.finish(bucketId, e);
    return send(response, 200, stored.length === 1 ? stored[0] : stored);
  }
}

function send(response: ServerResponse, status: number, body: unknown) {
  if (status === 304 || body === null) {
    response.writeHead(status).end();
    return;
  }
  response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

async function readJson(request: IncomingMessage): Promise<unknown> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > 1024 * 1024) return new Error('body too large');
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    return new Error('body is not JSON');
  }
}
