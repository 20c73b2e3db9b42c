'use client';
import { useEffect, useState } from 'react';
import { formatDuration } from './format';

/** How long the call has lasted, ticking every second. */
export function CallTimer({ since }: { since: number }) {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);
  return (
    <span role="timer" aria-label="Call length" className="font-mono tabular-nums">
      {formatDuration((now - since) / 1000)}
    </span>
  );
}
