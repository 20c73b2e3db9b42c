import { useCallback, useSyncExternalStore } from 'react';

/**
 * Whether this browser rings for incoming calls: a per-browser choice (a shared computer may
 * not want to ring), kept in localStorage. On unless it was turned off here.
 */
export const RING_HERE_KEY = 'made-open:ring-here';
const CHANGED = 'made-open:ring-here-changed';

export function readRingHere(storage: Pick<Storage, 'getItem'> | undefined): boolean {
  try {
    return storage?.getItem(RING_HERE_KEY) !== 'off';
  } catch {
    return true; // storage refused (private mode): the default
  }
}

function subscribe(onChange: () => void) {
  // Another tab's choice (storage event) and this tab's (our own event) both apply at once.
  window.addEventListener('storage', onChange);
  window.addEventListener(CHANGED, onChange);
  return () => {
    window.removeEventListener('storage', onChange);
    window.removeEventListener(CHANGED, onChange);
  };
}

/** [ring here?, set it]; the server snapshot is "off" so nothing registers before hydration. */
export function useRingHere(): [boolean, (on: boolean) => void] {
  const on = useSyncExternalStore(
    subscribe,
    () => readRingHere(window.localStorage),
    () => false,
  );
  const set = useCallback((next: boolean) => {
    try {
      if (next) window.localStorage.removeItem(RING_HERE_KEY);
      else window.localStorage.setItem(RING_HERE_KEY, 'off');
    } catch {
      // storage refused (private mode): nothing can be remembered, so the default stays
    }
    window.dispatchEvent(new Event(CHANGED));
  }, []);
  return [on, set];
}
