'use client';
import { useCallback, useEffect, useRef, useState } from 'react';
import {
  envelope,
  IDLE,
  parseRingMessage,
  RING_CHANNEL,
  RING_LOCK,
  tabLock,
  type RingMessage,
  type RingMessageBody,
} from './ring-coordination';
import type { RingRole } from './voice-context';

/**
 * Which tab of this browser holds the Twilio registration: leader election with the Web Locks
 * API. Every tab with a number asks for the lock `RING_LOCK`; the one that gets it is the leader
 * and keeps it as long as it is open, ringing or not (the "Ring in this browser" choice only
 * decides whether the leader registers, so turning it off and on never moves the role). The
 * browser releases a lock when its tab closes, reloads or crashes, and gives it to the next tab
 * waiting: that one registers and tells the others. The tabs talk on BroadcastChannel
 * `RING_CHANNEL` (ring-coordination.ts). Every tab also holds its own lock `tabLock(tab)` for
 * as long as it is open: the others wait on it to know at once when a tab holding a call is gone.
 *
 * Without Web Locks (browsers before 2022, or a page that is not a secure context) every tab is
 * `alone`: it registers by itself, as before there was any coordination.
 */
export function ringCoordinationSupported(): boolean {
  return (
    typeof navigator !== 'undefined' &&
    typeof navigator.locks?.request === 'function' &&
    typeof BroadcastChannel !== 'undefined'
  );
}

/**
 * Tells the ringing tab of this browser (whichever it is) that a Twilio number was connected or
 * disconnected here, so it reads its accounts again now (the settings page, after its action).
 */
export function tellRingingTab(): void {
  if (typeof BroadcastChannel === 'undefined') return;
  const bc = new BroadcastChannel(RING_CHANNEL);
  bc.postMessage(envelope('settings', { type: 'accounts' }));
  bc.close();
  // A tab without Web Locks rings alone and hears no channel: the realtime broadcast reaches it.
}

export interface RingLeadership {
  role: RingRole;
  /** This tab's id in the messages it sends. */
  tab: string;
  /** This tab holds its own lock `tabLock(tab)`: another tab can tell when it is gone. */
  alive: boolean;
  /** Tells the other tabs (nothing when this tab is alone or off). */
  post(body: RingMessageBody): void;
}

/**
 * This tab's role while `active` (the user has a number), and the channel to the others.
 * `onMessage` gets every valid message from another tab of this browser.
 */
export function useRingLeadership(active: boolean, onMessage: (message: RingMessage) => void): RingLeadership {
  const [role, setRole] = useState<RingRole>('off');
  const [alive, setAlive] = useState(false);
  const [tab] = useState(() =>
    typeof crypto !== 'undefined' && 'randomUUID' in crypto ? crypto.randomUUID() : String(Math.random()),
  );
  const channel = useRef<BroadcastChannel | null>(null);
  const handler = useRef(onMessage);
  useEffect(() => {
    handler.current = onMessage;
  }, [onMessage]);

  useEffect(() => {
    if (!active) {
      setRole('off');
      return;
    }
    if (!ringCoordinationSupported()) {
      setRole('alone');
      return;
    }
    const bc = new BroadcastChannel(RING_CHANNEL);
    bc.onmessage = (event: MessageEvent) => {
      const message = parseRingMessage(event.data);
      if (message && message.from !== tab) handler.current(message);
    };
    channel.current = bc;
    const stop = new AbortController();
    let releaseTab: (() => void) | undefined;
    // Nobody else asks for this name until this tab has said it holds a call: granted at once.
    navigator.locks
      .request(tabLock(tab), { signal: stop.signal }, () => {
        if (stop.signal.aborted) return undefined;
        setAlive(true);
        return new Promise<void>((resolve) => {
          releaseTab = resolve;
        });
      })
      .catch(() => undefined);
    let release: (() => void) | undefined;
    let leading = false;
    setRole('follower');
    navigator.locks
      .request(RING_LOCK, { signal: stop.signal }, () => {
        if (stop.signal.aborted) return undefined;
        leading = true;
        setRole('leader');
        // Held until this tab leaves (sign-out, or no number any more); closing the tab releases it too.
        return new Promise<void>((resolve) => {
          release = resolve;
        });
      })
      .catch((error: unknown) => {
        // AbortError: this tab stopped waiting. Anything else (a browser refusing locks here): ring alone.
        if (!stop.signal.aborted && (error as { name?: string } | undefined)?.name !== 'AbortError') {
          setRole('alone');
        }
      });
    return () => {
      stop.abort();
      // Stepping down (sign-out, no number any more): nothing rings here now. The next leader
      // says what it has as soon as it holds the lock; a tab that closes says nothing, and the
      // next leader's first snapshot replaces what it had shared.
      if (leading) bc.postMessage(envelope(tab, { type: 'state', state: IDLE }));
      release?.();
      releaseTab?.();
      setAlive(false);
      bc.close();
      channel.current = null;
    };
  }, [active, tab]);

  const post = useCallback(
    (body: RingMessageBody) => {
      channel.current?.postMessage(envelope(tab, body));
    },
    [tab],
  );

  return { role, tab, alive, post };
}
