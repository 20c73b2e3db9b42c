import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { afterAll, describe, expect, it } from 'vitest';
import { createFsBlobStore } from './storage.blobs.ts';

describe('the file blob store', () => {
  const root = mkdtempSync(join(tmpdir(), 'made-open-blobs-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('sends the whole file even when an upsert removes it once the download has begun', async () => {
    const blobs = createFsBlobStore(root);
    const key = blobs.newKey();
    await blobs.put(key, Readable.from(['tulips in October']), undefined, 'text/plain');
    // The download's stream is handed to the answer, and before a byte is read a concurrent
    // upsert deletes the old blob (at once: nothing else gets a turn in between).
    const whole = await blobs.get(key);
    rmSync(join(root, 'objects', key.slice(-2), key));
    expect(await text(whole!)).toBe('tulips in October');
    await blobs.put(key, Readable.from(['tulips in October']), undefined, 'text/plain');
    const ranged = await blobs.get(key, { start: 10, end: 16 });
    await blobs.delete([key]);
    expect(await text(ranged!)).toBe('October');
    expect(await blobs.get(key)).toBeUndefined();
  });
});
