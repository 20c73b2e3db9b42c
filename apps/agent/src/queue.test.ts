import { appendFileSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeEvent } from './events.ts';
import { DiskQueue } from './queue.ts';

const file = () => join(mkdtempSync(join(tmpdir(), 'agent-queue-')), 'queue.jsonl');
const app = (title: string) => makeEvent('active_app', new Date(), { app: 'XTerm', title, durationSeconds: 1 });

describe('DiskQueue', () => {
  it('keeps events across reopening, private to the user, and forgets only removed ones', () => {
    const path = file();
    const queue = DiskQueue.open(path);
    const events = [app('a'), app('b'), app('c')];
    queue.push(events);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    queue.remove([events[1]!.id]);

    const reopened = DiskQueue.open(path);
    expect(reopened.peek(10).map((e) => e.id)).toEqual([events[0]!.id, events[2]!.id]);
  });

  it('skips a line torn by a crash mid-write and keeps the rest', () => {
    const path = file();
    const queue = DiskQueue.open(path);
    const kept = app('kept');
    queue.push([kept]);
    appendFileSync(path, '{"id":"torn","type":"active_');
    const reopened = DiskQueue.open(path);
    expect(reopened.skippedLines).toBe(1);
    expect(reopened.peek(10).map((e) => e.id)).toEqual([kept.id]);
    expect(readFileSync(path, 'utf8')).not.toContain('torn');
  });

  it('drops the oldest past its size limit and counts them', () => {
    const queue = DiskQueue.open(file(), { maxEvents: 2 });
    const events = [app('1'), app('2'), app('3')];
    queue.push(events);
    expect(queue.peek(10).map((e) => e.id)).toEqual([events[1]!.id, events[2]!.id]);
    expect(queue.dropped).toBe(1);
  });

  it('peeks batches bounded by count and bytes, oldest first', () => {
    const queue = DiskQueue.open(file());
    queue.push(Array.from({ length: 5 }, (_, i) => app(`title ${i} ${'x'.repeat(200)}`)));
    expect(queue.peek(3)).toHaveLength(3);
    const size = JSON.stringify(queue.peek(1)[0]).length + 1;
    expect(queue.peek(10, Math.floor(size * 2.5))).toHaveLength(2);
    expect(queue.peek(10, 1)).toHaveLength(1); // one event always fits, however big
  });
});
