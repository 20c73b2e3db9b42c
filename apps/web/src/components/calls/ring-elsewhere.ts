'use client';
import { useRouter } from 'next/navigation';
import { useCallback, useEffect, useRef, useState } from 'react';
import { notePlaced, tabGone, tabLock, type PlacedElsewhere, type RingMessage } from './ring-coordination';
import type { RingRole } from './voice-context';

/**
 * The calls placed from the other tabs of this browser (each tab shares its own as `placed`,
 * ring-coordination.ts), as this tab shows them. A tab that closes, reloads or crashes ends its
 * call and says nothing: for every tab holding a call, this one waits for that tab's lock
 * `tabLock(id)`, which the browser grants the moment the tab is gone, and drops its call then.
 */
export function usePlacedElsewhere(role: RingRole) {
  const router = useRouter();
  const [placed, setPlaced] = useState<PlacedElsewhere>({});
  const watching = useRef(new Map<string, AbortController>());
  const coordinated = role === 'leader' || role === 'follower';

  const receive = useCallback((message: RingMessage) => setPlaced((p) => notePlaced(p, message)), []);

  useEffect(() => {
    if (!coordinated) setPlaced({});
  }, [coordinated]);

  useEffect(() => {
    const waits = watching.current;
    for (const [owner, stop] of waits) {
      if (owner in placed) continue;
      stop.abort();
      waits.delete(owner);
    }
    for (const owner of Object.keys(placed)) {
      if (waits.has(owner)) continue;
      const stop = new AbortController();
      waits.set(owner, stop);
      navigator.locks
        .request(tabLock(owner), { signal: stop.signal }, () => {
          // Granted: that tab is gone (its lock is released only when it closes or signs out).
          if (stop.signal.aborted) return;
          waits.delete(owner);
          setPlaced((p) => tabGone(p, owner));
        })
        .catch(() => undefined); // AbortError: its call ended and it said so.
    }
  }, [placed]);

  useEffect(() => {
    const waits = watching.current;
    return () => {
      for (const stop of waits.values()) stop.abort();
      waits.clear();
    };
  }, []);

  // A call placed elsewhere ended: it is in the history now.
  const had = useRef(false);
  const any = Object.keys(placed).length > 0;
  useEffect(() => {
    if (had.current && !any) router.refresh();
    had.current = any;
  }, [any, router]);

  return { placed, receive };
}
