import {
  appendFileSync,
  closeSync,
  existsSync,
  fsyncSync,
  openSync,
  readFileSync,
  renameSync,
  writeSync,
} from 'node:fs';
import { deviceEventSchema, type DeviceEvent } from '@made-open/shared/devices';

export interface QueueOptions {
  /** Past this many events the oldest are dropped (a laptop offline for weeks must not fill its disk). */
  maxEvents?: number;
}

/**
 * The offline queue: one JSON event per line in a file, appended as events are made and
 * rewritten (temporary file + rename) when uploaded events leave it. A crash mid-append
 * leaves at most one torn last line, which the next start skips.
 */
export class DiskQueue {
  private events: DeviceEvent[];
  readonly skippedLines: number;
  dropped = 0;

  private constructor(
    private readonly path: string,
    private readonly maxEvents: number,
    events: DeviceEvent[],
    skippedLines: number,
  ) {
    this.events = events;
    this.skippedLines = skippedLines;
  }

  static open(path: string, options: QueueOptions = {}): DiskQueue {
    const events: DeviceEvent[] = [];
    let skipped = 0;
    if (existsSync(path)) {
      for (const line of readFileSync(path, 'utf8').split('\n')) {
        if (!line.trim()) continue;
        try {
          const parsed = deviceEventSchema.safeParse(JSON.parse(line));
          if (parsed.success) events.push(parsed.data);
          else skipped++;
        } catch {
          skipped++;
        }
      }
    }
    const queue = new DiskQueue(path, options.maxEvents ?? 200_000, events, skipped);
    if (skipped > 0) queue.rewrite();
    return queue;
  }

  get length() {
    return this.events.length;
  }

  push(events: DeviceEvent[]) {
    if (events.length === 0) return;
    appendFileSync(this.path, events.map((event) => `${JSON.stringify(event)}\n`).join(''), { mode: 0o600 });
    this.events.push(...events);
    const excess = this.events.length - this.maxEvents;
    if (excess > 0) {
      this.events.splice(0, excess);
      this.dropped += excess;
      this.rewrite();
    }
  }

  /** The oldest events, at most `count`, whose JSON together stays under `maxBytes`. */
  peek(count: number, maxBytes = Infinity): DeviceEvent[] {
    const batch: DeviceEvent[] = [];
    let bytes = 0;
    for (const event of this.events) {
      if (batch.length >= count) break;
      const size = JSON.stringify(event).length + 1;
      if (batch.length > 0 && bytes + size > maxBytes) break;
      batch.push(event);
      bytes += size;
    }
    return batch;
  }

  /** Takes the given ids out (they were stored, were duplicates, or can never be stored). */
  remove(ids: Iterable<string>) {
    const gone = new Set(ids);
    if (gone.size === 0) return;
    const before = this.events.length;
    this.events = this.events.filter((event) => !gone.has(event.id));
    if (this.events.length !== before) this.rewrite();
  }

  private rewrite() {
    const temporary = `${this.path}.tmp`;
    const fd = openSync(temporary, 'w', 0o600);
    try {
      writeSync(fd, this.events.map((event) => `${JSON.stringify(event)}\n`).join(''));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, this.path);
  }
}
