'use client';
import { useEffect, useRef } from 'react';

export function Progress({ done, total, label }: { done: number; total: number; label: string }) {
  const pct = total > 0 ? Math.min(100, Math.round((done / total) * 100)) : 0;
  return (
    <div className="space-y-1">
      <div
        role="progressbar"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={pct}
        className="h-2 w-full overflow-hidden rounded-full bg-muted"
      >
        <div className="h-full bg-primary transition-all" style={{ width: `${pct}%` }} />
      </div>
      <p className="text-xs text-muted-foreground">
        {done.toLocaleString()} of {total.toLocaleString()} ({pct}%)
      </p>
    </div>
  );
}

/** Polls `load` every second while `active`, handing each answer to `onData`. */
export function usePoll<T>(
  active: boolean,
  load: () => Promise<{ ok: true; data: T } | { ok: false; error: string }>,
  onData: (t: T) => void,
) {
  const loadRef = useRef(load);
  const onDataRef = useRef(onData);
  loadRef.current = load;
  onDataRef.current = onData;
  useEffect(() => {
    if (!active) return;
    const timer = setInterval(async () => {
      const result = await loadRef.current();
      if (result.ok) onDataRef.current(result.data);
    }, 1000);
    return () => clearInterval(timer);
  }, [active]);
}
