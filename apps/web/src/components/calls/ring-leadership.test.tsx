import { act, renderHook, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { tabLock, type RingMessage } from './ring-coordination';
import { useRingLeadership } from './ring-leadership';

/** The Web Locks API as the browser runs it for exclusive locks: per name, first come, first served; an abort leaves the queue. */
function fakeLocks() {
  const held = new Set<string>();
  const queues = new Map<string, { grant: () => void; signal?: AbortSignal }[]>();
  const next = (name: string) => {
    const queue = queues.get(name) ?? [];
    while (!held.has(name) && queue.length > 0) queue.shift()!.grant();
  };
  return {
    request(name: string, options: { signal?: AbortSignal }, callback: () => Promise<void> | undefined) {
      return new Promise<void>((resolve, reject) => {
        if (!queues.has(name)) queues.set(name, []);
        const queue = queues.get(name)!;
        const waiting = {
          signal: options.signal,
          grant: () => {
            held.add(name);
            void Promise.resolve(callback()).finally(() => {
              held.delete(name);
              resolve();
              next(name);
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
        next(name);
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

  it('every tab holds its own lock while it is open: another tab waiting on it is let in when it goes', async () => {
    const locks = fakeLocks();
    Object.defineProperty(navigator, 'locks', { value: locks, configurable: true });
    const tab = renderHook(() => useRingLeadership(true, vi.fn()));
    await waitFor(() => expect(tab.result.current.alive).toBe(true));
    let gone = false;
    void locks.request(tabLock(tab.result.current.tab), {}, () => {
      gone = true;
      return undefined;
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(gone).toBe(false);
    tab.unmount();
    await waitFor(() => expect(gone).toBe(true));
  });
});
