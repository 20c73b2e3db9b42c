import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeEvent } from './events.ts';
import { createLogger } from './log.ts';
import { DiskQueue } from './queue.ts';
import { Uploader } from './uploader.ts';

/** A port nothing listens on: a real connection refusal, as when the hub is down. */
async function closedPort() {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('Uploader backoff', () => {
  it('backs off exponentially while the hub is unreachable and keeps every event queued', async () => {
    const queue = DiskQueue.open(join(mkdtempSync(join(tmpdir(), 'agent-up-')), 'queue.jsonl'));
    queue.push([makeEvent('idle', new Date(), { idle: false })]);
    const lines: string[] = [];
    const log = createLogger('debug', (line) => lines.push(line));
    const token = `mo_dev_${'s'.repeat(43)}`;
    let now = 1_000_000;
    const uploader = new Uploader(
      {
        hubUrl: `http://127.0.0.1:${await closedPort()}`,
        deviceId: '0193a0a0-0000-7000-8000-000000000000',
        token,
        pairedAt: '',
      },
      queue,
      log,
      { minBackoffMs: 1_000, maxBackoffMs: 8_000, now: () => now },
    );
    log.addSecret(token);
    const waits: number[] = [];
    for (let i = 0; i < 6; i++) {
      expect(uploader.due()).toBe(true);
      expect(await uploader.flush()).toBe(0);
      expect(uploader.due()).toBe(false);
      const next = Date.parse(uploader.state.nextAttemptAt!);
      waits.push(next - now);
      now = next;
    }
    // Each wait is the doubled base (capped at 8 s) times a jitter in [0.5, 1].
    const bases = [1_000, 2_000, 4_000, 8_000, 8_000, 8_000];
    waits.forEach((wait, i) => {
      expect(wait).toBeGreaterThanOrEqual(bases[i]! / 2);
      expect(wait).toBeLessThanOrEqual(bases[i]!);
    });
    expect(uploader.state.failures).toBe(6);
    expect(queue.length).toBe(1);
    expect(lines.join('')).toContain('upload failed, will retry');
    expect(lines.join('')).not.toContain(token);
  });
});
