import { act, renderHook, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { RingMessage } from './ring-coordination';
import { useRingLeadership } from './ring-leadership';

/** The Web Locks API as the browser runs it for one exclusive lock: first come, first served; an abort leaves the queue. */
function fakeLocks() {
  let held = false;
  const queue: { grant: () => void; signal?: AbortSignal }[] = [];
  const next = () => {
    while (!held && queue.length > 0) queue.shift()!.grant();
  };
  return {
    request(_name: string, options: { signal?: AbortSignal }, callback: () => Promise<void> | undefined) {
      return new Promise<void>((resolve, reject) => {
        const waiting = {
          signal: options.signal,
          grant: () => {
            held = true;
            void Promise.resolve(callback()).finally(() => {
              held = false;
              resolve();
              next();
            });
          },
        };
        options.signal?.addEventListener('abort', () => {
          const at = queue.indexOf(waiting);
          if (at >= 0) {
            queue.splice(at, 1);
            reject(new DOMException('aborted', 'AbortError'));
          }
        });
        queue.push(waiting);
        next();
      });
    },
  };
}

afterEach(() => {
  Reflect.deleteProperty(navigator, 'locks');
});

describe('useRingLeadership', () => {
  it('without Web Locks every tab rings alone, as before there was any coordination', () => {
    const { result } = renderHook(() => useRingLeadership(true, vi.fn()));
    expect(result.current.role).toBe('alone');
  });

  it('with no number the tab takes no part', () => {
    Object.defineProperty(navigator, 'locks', { value: fakeLocks(), configurable: true });
    const { result } = renderHook(() => useRingLeadership(false, vi.fn()));
    expect(result.current.role).toBe('off');
  });

  it('one leader; it leaving hands the lock to the next tab, and the others hear its last word', async () => {
    Object.defineProperty(navigator, 'locks', { value: fakeLocks(), configurable: true });
    const heard: RingMessage[] = [];
    const first = renderHook(() => useRingLeadership(true, vi.fn()));
    await waitFor(() => expect(first.result.current.role).toBe('leader'));
    const second = renderHook(() => useRingLeadership(true, (message) => heard.push(message)));
    expect(second.result.current.role).toBe('follower');

    act(() => first.result.current.post({ type: 'hello' }));
    await waitFor(() => expect(heard.map((m) => m.type)).toEqual(['hello']));
    expect(heard[0]!.from).toBe(first.result.current.tab);

    first.unmount();
    await waitFor(() => expect(second.result.current.role).toBe('leader'));
    // Stepping down, the leader said that nothing rings there any more.
    await waitFor(() => expect(heard.map((m) => m.type)).toEqual(['hello', 'state']));
    second.unmount();
  });
});
