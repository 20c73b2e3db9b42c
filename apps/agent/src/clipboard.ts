import { createHash } from 'node:crypto';
import type { DeviceEvent } from '@made-open/shared/devices';
import { makeEvent } from './events.ts';
import type { Window } from './privacy.ts';
import { secretKind } from './secrets.ts';

/** At most this much of a copy is sent (UTF-8 bytes; the hub's schema allows 10,000 characters). */
export const clipboardSendBytes = 4 * 1024;
/** At most this much is read (and checked for secrets); the rest of a larger copy is never read. */
export const clipboardReadBytes = 64 * 1024;

/** Text targets, best first: UTF-8 ones, then Latin-1 STRING, then plain text of unknown charset. */
const textTargets: Array<[target: string, encoding: 'utf8' | 'latin1']> = [
  ['UTF8_STRING', 'utf8'],
  ['text/plain;charset=utf-8', 'utf8'],
  ['STRING', 'latin1'],
  ['text/plain', 'utf8'],
];
/** File managers offer these for copied files (besides the paths as text): not sent. */
const fileTargets = ['text/uri-list', 'x-special/gnome-copied-files', 'application/x-kde-cutselection'];
/** KeePassXC and KDE's own tools add this target with the value "secret" to what must not be kept. */
export const passwordManagerHint = 'x-kde-passwordManagerHint';

export interface ClipboardSource {
  targets(): Promise<string[]>;
  read(target: string, maxBytes: number): Promise<{ bytes: Buffer; complete: boolean }>;
}

export type ClipboardOutcome =
  'sent' | 'duplicate' | 'private' | 'password-manager' | 'secret' | 'files' | 'not-text' | 'empty' | 'unreadable';

export interface ClipboardStatus {
  lastCaptureAt: string | null;
  /** Copies seen since start (each counted once, whatever became of it). */
  copies: number;
  sent: number;
  /** Copies not sent, by why (never what they held). */
  skipped: Partial<Record<Exclude<ClipboardOutcome, 'sent'>, number>>;
}

/** Cuts text to at most `maxBytes` of UTF-8 without splitting a character. */
export function cutUtf8(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text) <= maxBytes) return text;
  let bytes = 0;
  let end = 0;
  for (const c of text) {
    const size = Buffer.byteLength(c);
    if (bytes + size > maxBytes) break;
    bytes += size;
    end += c.length;
  }
  return text.slice(0, end);
}

/**
 * Decides what becomes of each copy, in this order: the window focused when it happened (the
 * privacy filter), duplicates of the previous copy, files and non-text, the password-manager
 * hint, empty text, secret-looking text; whatever is left is sent (cut to 4 KiB) as a
 * `clipboard` event. The previous copy is remembered as a digest only.
 */
export class ClipboardCapture {
  readonly status: ClipboardStatus = { lastCaptureAt: null, copies: 0, sent: 0, skipped: {} };
  private lastDigest: string | null = null;

  constructor(
    private readonly source: ClipboardSource,
    private readonly focusedWindow: () => Promise<Window | null>,
    private readonly guard: (window: Window | null) => string | null,
  ) {}

  async onCopy(now: number): Promise<{ outcome: ClipboardOutcome; why?: string; event?: DeviceEvent }> {
    const result = await this.decide(now);
    this.status.copies++; // once decided, so a count that went up means this copy is dealt with
    if (result.outcome === 'sent') {
      this.status.sent++;
      this.status.lastCaptureAt = new Date(now).toISOString();
    } else {
      this.status.skipped[result.outcome] = (this.status.skipped[result.outcome] ?? 0) + 1;
    }
    return result;
  }

  private async decide(now: number): Promise<{ outcome: ClipboardOutcome; why?: string; event?: DeviceEvent }> {
    // Focus first: the copy was made in the window focused now, not in one switched to later.
    const window = await this.focusedWindow().catch(() => undefined);
    let targets: string[];
    let text: string;
    let complete: boolean;
    try {
      targets = await this.source.targets();
      const files = targets.some((t) => fileTargets.includes(t));
      const textTarget = textTargets.find(([t]) => targets.includes(t));
      if (files || !textTarget) {
        this.lastDigest = `targets:${targets.sort().join(',')}`;
        return { outcome: files ? 'files' : 'not-text', why: targets.filter((t) => t.includes('/')).join(' ') };
      }
      const read = await this.source.read(textTarget[0], clipboardReadBytes);
      text = new TextDecoder(textTarget[1] === 'utf8' ? 'utf-8' : 'latin1').decode(read.bytes);
      complete = read.complete;
    } catch (error) {
      return { outcome: 'unreadable', why: (error as Error).message };
    }
    const digest = createHash('sha256').update(text).digest('base64');
    const repeated = digest === this.lastDigest;
    this.lastDigest = digest;
    // A window that cannot be read (undefined) counts as private: the filter could not be applied.
    const privateWhy = window === undefined ? 'focused window unknown' : this.guard(window);
    if (privateWhy) return { outcome: 'private', why: privateWhy };
    if (repeated) return { outcome: 'duplicate' };
    if (targets.includes(passwordManagerHint)) {
      const hint = await this.source.read(passwordManagerHint, 1024).catch(() => null);
      // Only "secret" is defined; a hint that cannot be read is taken as that too.
      if (!hint || hint.bytes.toString('utf8').trim() === 'secret') return { outcome: 'password-manager' };
    }
    if (!text.trim()) return { outcome: 'empty' };
    const secret = secretKind(text);
    if (secret) return { outcome: 'secret', why: secret };
    const sent = cutUtf8(text, clipboardSendBytes);
    return {
      outcome: 'sent',
      ...(complete && sent === text ? {} : { why: 'cut to 4 KiB' }),
      event: makeEvent('clipboard', new Date(now), { text: sent }),
    };
  }
}
