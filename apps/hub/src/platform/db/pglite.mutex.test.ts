import { describe, expect, it } from 'vitest';
import { Mutex } from './pglite.ts';

/** A holder that records when it starts and runs until released. */
function holder(log: string[], name: string) {
  let release!: () => void;
  const done = new Promise<void>((resolve) => (release = resolve));
  let started!: () => void;
  const hasStarted = new Promise<void>((resolve) => (started = resolve));
  const work = async () => {
    log.push(name);
    started();
    await done;
    return name;
  };
  return { work, release, hasStarted };
}

describe('the PGlite mutex', () => {
  it('runs one holder at a time, a queued request statement before queued background work', async () => {
    const mutex = new Mutex();
    const log: string[] = [];
    const first = holder(log, 'background 1');
    const second = holder(log, 'background 2');
    const request = holder(log, 'request');
    const running = [
      mutex.run(first.work, 'background'),
      mutex.run(second.work, 'background'),
      mutex.run(request.work, 'request'),
    ];
    await first.hasStarted;
    expect(log).toEqual(['background 1']);
    first.release();
    await request.hasStarted;
    expect(log).toEqual(['background 1', 'request']);
    request.release();
    await second.hasStarted;
    second.release();
    expect(await Promise.all(running)).toEqual(['background 1', 'background 2', 'request']);
    expect(log).toEqual(['background 1', 'request', 'background 2']);
  });

  it('gives queued background work a turn after every few requests, so requests cannot starve it', async () => {
    const mutex = new Mutex(2);
    const log: string[] = [];
    const gate = holder(log, 'gate');
    const all = [mutex.run(gate.work)];
    const queued = ['b1', 'r1', 'r2', 'r3', 'r4', 'r5', 'b2'].map((name) => {
      const h = holder(log, name);
      h.release();
      return mutex.run(h.work, name.startsWith('r') ? 'request' : 'background');
    });
    await gate.hasStarted;
    gate.release();
    await Promise.all([...all, ...queued]);
    expect(log).toEqual(['gate', 'r1', 'r2', 'b1', 'r3', 'r4', 'b2', 'r5']);
  });

  it('runs a continuation ahead of queued background work, behind requests', async () => {
    const mutex = new Mutex(2);
    const log: string[] = [];
    const gate = holder(log, 'part 1');
    const all = [mutex.run(gate.work)];
    const queued = [
      ['relay', 'background'],
      ['r1', 'request'],
      ['part 2', 'continuation'],
      ['r2', 'request'],
      ['r3', 'request'],
    ].map(([name, kind]) => {
      const h = holder(log, name!);
      h.release();
      return mutex.run(h.work, kind as 'request' | 'background' | 'continuation');
    });
    await gate.hasStarted;
    gate.release();
    await Promise.all([...all, ...queued]);
    // Requests first (two in a row at most), then the continuation before the relay.
    expect(log).toEqual(['part 1', 'r1', 'r2', 'part 2', 'r3', 'relay']);
  });

  it('keeps going after a holder fails, synchronously or not', async () => {
    const mutex = new Mutex();
    await expect(
      mutex.run(() => {
        throw new Error('at once');
      }),
    ).rejects.toThrow('at once');
    await expect(mutex.run(async () => Promise.reject(new Error('later')))).rejects.toThrow('later');
    expect(await mutex.run(async () => 'still serving', 'request')).toBe('still serving');
  });
});
