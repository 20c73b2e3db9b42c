import { createHash } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { DeviceEvent } from '@made-open/shared/devices';
import { z } from 'zod';
import { makeEvent } from './events.ts';
import type { Logger } from './log.ts';
import type { Window } from './privacy.ts';

/** aw-server's bucket list: `GET /api/0/buckets/` → `{ [id]: { id, type, client, hostname, ... } }`. */
const bucketsSchema = z.record(z.string(), z.object({ id: z.string(), type: z.string() }).loose());
/** `GET /api/0/buckets/{id}/events` → newest first: `[{ id, timestamp, duration (s), data }]`. */
const eventsSchema = z.array(
  z.object({
    id: z.number().nullable().optional(),
    timestamp: z.string(),
    duration: z.number(),
    data: z.record(z.string(), z.unknown()),
  }),
);
export type AwEvent = z.infer<typeof eventsSchema>[number];

/** The two watchers' bucket types the hub has event types for. */
const relayedTypes = new Set(['currentwindow', 'afkstatus']);

export interface RelayOptions {
  /** e.g. http://127.0.0.1:5600 (aw-server's default). */
  baseUrl: string;
  /** Where the per-bucket cursors are kept, so a restart neither re-reads nor misses events. */
  stateFile: string;
  log: Logger;
  filter: (window: Window) => Window | null;
  /** How far back to start on a bucket seen for the first time. */
  backfillMs?: number;
  /** The newest event of a bucket may still grow (heartbeats merge into it): wait this long after its end. */
  settleMs?: number;
  fetchImpl?: typeof fetch;
}

/**
 * Reads the window and AFK buckets of a local ActivityWatch server through its documented REST
 * API and turns their events into device events. Each ActivityWatch event keeps a stable id
 * (bucket hash, event id, start), so reading it twice stores it once on the hub. The cursor of a
 * bucket only moves once its events are in the agent's queue (`commit`).
 */
export class ActivityWatchRelay {
  private cursors: Record<string, string>;
  private pending: Record<string, string> = {};
  private readonly baseUrl: string;
  private readonly fetchImpl: typeof fetch;
  lastError: string | null = null;
  lastPollAt: string | null = null;

  constructor(private readonly options: RelayOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.fetchImpl = options.fetchImpl ?? fetch;
    this.cursors = existsSync(options.stateFile)
      ? z
          .record(z.string(), z.string())
          .catch({})
          .parse(JSON.parse(readFileSync(options.stateFile, 'utf8')))
      : {};
  }

  private async get(path: string): Promise<unknown> {
    const response = await this.fetchImpl(`${this.baseUrl}${path}`, { signal: AbortSignal.timeout(10_000) });
    if (!response.ok) throw new Error(`ActivityWatch answered ${response.status} to ${path}`);
    return response.json();
  }

  /** New, settled events of every relayed bucket, oldest first. Call `commit()` once they are queued. */
  async poll(now = Date.now()): Promise<DeviceEvent[]> {
    const out: DeviceEvent[] = [];
    try {
      const buckets = bucketsSchema.parse(await this.get('/api/0/buckets/'));
      for (const bucket of Object.values(buckets)) {
        if (!relayedTypes.has(bucket.type)) continue;
        const start = this.cursors[bucket.id] ?? new Date(now - (this.options.backfillMs ?? 3_600_000)).toISOString();
        const query = new URLSearchParams({ start, limit: '1000' });
        const events = eventsSchema.parse(
          await this.get(`/api/0/buckets/${encodeURIComponent(bucket.id)}/events?${query}`),
        );
        const settledBefore = now - (this.options.settleMs ?? 120_000);
        // aw-server also returns events ending exactly at `start`: those were relayed already.
        const relayedUntil = this.cursors[bucket.id] ? Date.parse(this.cursors[bucket.id]!) : -Infinity;
        const ordered = events
          .map((e) => ({ e, start: Date.parse(e.timestamp), end: Date.parse(e.timestamp) + e.duration * 1000 }))
          .filter((x) => Number.isFinite(x.start) && x.end <= settledBefore && x.end > relayedUntil)
          .sort((a, b) => a.start - b.start);
        for (const { e } of ordered) {
          const event = awToDeviceEvent(bucket.id, bucket.type, e, this.options.filter);
          if (event) out.push(event);
        }
        const last = ordered.at(-1);
        if (last) this.pending[bucket.id] = new Date(last.end).toISOString();
      }
      this.lastError = null;
    } catch (error) {
      this.lastError = (error as Error).message;
      this.options.log.warn('ActivityWatch poll failed', { error: this.lastError });
    }
    this.lastPollAt = new Date(now).toISOString();
    return out;
  }

  commit() {
    Object.assign(this.cursors, this.pending);
    this.pending = {};
    const temporary = `${this.options.stateFile}.tmp`;
    writeFileSync(temporary, JSON.stringify(this.cursors), { mode: 0o600 });
    renameSync(temporary, this.options.stateFile);
  }
}

/**
 * One ActivityWatch event as a device event: `currentwindow` → `active_app`, `afkstatus` →
 * `idle`; null for other data. The id (bucket hash, event id, start) is the same every time
 * the event is read, so the hub stores it once.
 */
export function awToDeviceEvent(
  bucketId: string,
  type: string,
  e: AwEvent,
  filter: (window: Window) => Window | null,
): DeviceEvent | null {
  const bucketHash = createHash('sha256').update(bucketId).digest('hex').slice(0, 12);
  const id = `aw.${bucketHash}.${e.id ?? 'x'}.${Date.parse(e.timestamp).toString(36)}`;
  const ts = new Date(Date.parse(e.timestamp));
  const durationSeconds = Math.min(24 * 3600, Math.max(0, Math.round(e.duration * 10) / 10));
  if (type === 'currentwindow') {
    const app = typeof e.data.app === 'string' && e.data.app ? e.data.app.slice(0, 300) : null;
    if (!app) return null;
    const title = typeof e.data.title === 'string' ? e.data.title.slice(0, 1000) : null;
    const window = filter({ app, title });
    if (!window) return null;
    return makeEvent(
      'active_app',
      ts,
      { app: window.app, ...(window.title !== null ? { title: window.title } : {}), durationSeconds },
      id,
    );
  }
  if (type !== 'afkstatus') return null;
  const status = e.data.status;
  if (status !== 'afk' && status !== 'not-afk') return null;
  return makeEvent('idle', ts, { idle: status === 'afk', seconds: durationSeconds }, id);
}
