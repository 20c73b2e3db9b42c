import {
  deviceEventBatchResultSchema,
  maxDeviceBatchBytes,
  maxDeviceEventsPerBatch,
  type DeviceEvent,
} from '@made-open/shared/devices';
import type { Credentials } from './credentials.ts';
import type { Logger } from './log.ts';
import type { DiskQueue } from './queue.ts';

export interface UploaderOptions {
  batchSize?: number;
  minBackoffMs?: number;
  maxBackoffMs?: number;
  fetchImpl?: typeof fetch;
  now?: () => number;
  /** Told the hub's answer for each event it answered for (e.g. clipboard events it refuses). */
  onResult?: (event: DeviceEvent, status: 'stored' | 'duplicate' | 'rejected', reason?: string) => void;
}

export interface UploaderState {
  lastUploadAt: string | null;
  lastError: string | null;
  failures: number;
  nextAttemptAt: string | null;
  /** The hub refused the token (revoked, or another device's): nothing more is sent until a new pairing. */
  refused: boolean;
  stored: number;
  duplicates: number;
  rejected: number;
}

/** Leaves room for the batch envelope under the hub's 1 MiB limit. */
const batchBytes = maxDeviceBatchBytes - 16 * 1024;

/**
 * Sends the queue to POST /device-events in batches. An event leaves the queue only once
 * the hub has answered for it (stored, duplicate, or rejected for good), so a batch cut off
 * by a dropped connection is simply sent again: the hub stores nothing twice. Network
 * errors, 5xx and 429 back off exponentially (with jitter, honouring Retry-After).
 */
export class Uploader {
  readonly state: UploaderState = {
    lastUploadAt: null,
    lastError: null,
    failures: 0,
    nextAttemptAt: null,
    refused: false,
    stored: 0,
    duplicates: 0,
    rejected: 0,
  };
  private batchSize: number;
  private readonly minBackoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly fetchImpl: typeof fetch;
  private readonly now: () => number;
  private readonly onResult: NonNullable<UploaderOptions['onResult']>;
  private nextAttempt = 0;

  constructor(
    private readonly credentials: Credentials,
    private readonly queue: DiskQueue,
    private readonly log: Logger,
    options: UploaderOptions = {},
  ) {
    this.batchSize = Math.min(options.batchSize ?? 500, maxDeviceEventsPerBatch);
    this.minBackoffMs = options.minBackoffMs ?? 1_000;
    this.maxBackoffMs = options.maxBackoffMs ?? 5 * 60_000;
    this.fetchImpl = options.fetchImpl ?? fetch;
    this.now = options.now ?? Date.now;
    this.onResult = options.onResult ?? (() => undefined);
  }

  /** Whether a flush now would send anything (not refused, not backing off, something queued). */
  due(): boolean {
    return !this.state.refused && this.queue.length > 0 && this.now() >= this.nextAttempt;
  }

  /** Sends batches until the queue is empty or one fails. Returns how many events left the queue. */
  async flush(): Promise<number> {
    let sent = 0;
    while (this.due()) {
      const batch = this.queue.peek(this.batchSize, batchBytes);
      const outcome = await this.send(batch);
      if (outcome === 'retry-later') break;
      sent += outcome;
    }
    return sent;
  }

  private async send(batch: ReturnType<DiskQueue['peek']>): Promise<number | 'retry-later'> {
    let response: Response;
    try {
      response = await this.fetchImpl(`${this.credentials.hubUrl}/device-events`, {
        method: 'POST',
        headers: { authorization: `Bearer ${this.credentials.token}`, 'content-type': 'application/json' },
        // sentAt is the clock at sending, so the hub measures this device's skew correctly.
        body: JSON.stringify({ deviceId: this.credentials.deviceId, sentAt: new Date().toISOString(), events: batch }),
        signal: AbortSignal.timeout(30_000),
      });
    } catch (error) {
      return this.backOff(`cannot reach the hub: ${(error as Error).message}`);
    }
    if (response.status === 200) {
      const result = deviceEventBatchResultSchema.parse(await response.json());
      for (const r of result.results) {
        if (r.status === 'rejected') this.log.warn('the hub rejected an event', { id: r.id, reason: r.reason });
        const event = batch[r.index];
        if (event) this.onResult(event, r.status, r.reason);
      }
      this.queue.remove(batch.map((event) => event.id));
      Object.assign(this.state, {
        lastUploadAt: new Date(this.now()).toISOString(),
        lastError: null,
        failures: 0,
        nextAttemptAt: null,
        stored: this.state.stored + result.stored,
        duplicates: this.state.duplicates + result.duplicates,
        rejected: this.state.rejected + result.rejected,
      });
      this.nextAttempt = 0;
      this.log.info('uploaded', { events: batch.length, stored: result.stored, duplicates: result.duplicates });
      return batch.length;
    }
    const body = await response.text().catch(() => '');
    if (response.status === 401 || response.status === 403) {
      this.state.refused = true;
      this.state.lastError = `the hub refused this device's token (${response.status}): it was revoked or replaced; pair again`;
      this.log.error('upload refused: pair this device again', { status: response.status });
      return 'retry-later';
    }
    if ((response.status === 413 || response.status === 400) && batch.length > 1) {
      // Too big or malformed as a whole: try smaller batches, down to single events.
      this.batchSize = Math.max(1, Math.floor(batch.length / 2));
      this.log.warn('batch refused, sending smaller batches', { status: response.status, batchSize: this.batchSize });
      return 0;
    }
    if (response.status === 413 || response.status === 400) {
      // One event the hub can never take: drop it rather than block the queue for ever.
      this.queue.remove([batch[0]!.id]);
      this.state.rejected++;
      this.log.warn('dropped an event the hub refuses', {
        id: batch[0]!.id,
        status: response.status,
        body: body.slice(0, 300),
      });
      return 1;
    }
    const retryAfter = Number(response.headers.get('retry-after'));
    return this.backOff(`the hub answered ${response.status}`, Number.isFinite(retryAfter) ? retryAfter * 1000 : 0);
  }

  private backOff(reason: string, atLeastMs = 0): 'retry-later' {
    this.state.failures++;
    const exponential = Math.min(this.maxBackoffMs, this.minBackoffMs * 2 ** (this.state.failures - 1));
    const delay = Math.round(Math.max(atLeastMs, exponential * (0.5 + Math.random() / 2)));
    this.nextAttempt = this.now() + delay;
    this.state.lastError = reason;
    this.state.nextAttemptAt = new Date(this.nextAttempt).toISOString();
    this.log.warn('upload failed, will retry', { reason, retryInMs: delay, queued: this.queue.length });
    return 'retry-later';
  }
}
