import type { DeviceEvent } from '@made-open/shared/devices';
import { makeEvent } from './events.ts';
import type { Window } from './privacy.ts';

const seconds = (ms: number) => Math.round(ms / 100) / 10;

/**
 * Turns focus samples into spans: one `active_app` event per stretch of focus on the same
 * window (ts = when it began, durationSeconds = how long), cut at `maxSpanMs` so a window
 * kept in focus for hours still shows up while it lasts.
 */
export class FocusTracker {
  private current: { window: Window; since: number } | null = null;

  constructor(private readonly maxSpanMs = 60_000) {}

  observe(window: Window | null, now: number): DeviceEvent[] {
    const out: DeviceEvent[] = [];
    const same =
      this.current && window && this.current.window.app === window.app && this.current.window.title === window.title;
    if (same && now - this.current!.since < this.maxSpanMs) return out;
    const closed = this.close(now);
    if (closed) out.push(closed);
    if (window) this.current = { window, since: now };
    return out;
  }

  /** Ends the current span (on shutdown, or when the user goes idle). */
  close(now: number): DeviceEvent | null {
    if (!this.current) return null;
    const { window, since } = this.current;
    this.current = null;
    return makeEvent('active_app', new Date(since), {
      app: window.app,
      ...(window.title !== null ? { title: window.title } : {}),
      durationSeconds: seconds(Math.max(0, now - since)),
    });
  }

  get focused(): Window | null {
    return this.current?.window ?? null;
  }
}

/**
 * Idle transitions: `idle: true` dated when the last input happened (seconds = idle so far),
 * then `idle: false` when input comes back (seconds = how long the user was away).
 */
export class IdleTracker {
  private idleSince: number | null = null;
  private known = false;

  constructor(private readonly thresholdMs = 180_000) {}

  observe(idleMs: number, now: number): DeviceEvent[] {
    const lastInput = now - idleMs;
    if (idleMs >= this.thresholdMs) {
      if (this.idleSince !== null) return [];
      this.idleSince = lastInput;
      this.known = true;
      return [makeEvent('idle', new Date(lastInput), { idle: true, seconds: seconds(idleMs) })];
    }
    if (this.idleSince !== null) {
      const away = lastInput - this.idleSince;
      this.idleSince = null;
      return [makeEvent('idle', new Date(lastInput), { idle: false, seconds: seconds(Math.max(0, away)) })];
    }
    if (!this.known) {
      this.known = true;
      return [makeEvent('idle', new Date(now), { idle: false, seconds: seconds(idleMs) })];
    }
    return [];
  }

  get idle(): boolean {
    return this.idleSince !== null;
  }
}
