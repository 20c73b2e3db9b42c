'use client';
import { useSyncExternalStore } from 'react';
import { formatDate } from '@/lib/utils';

const subscribe = () => () => {};

/**
 * A time shown in the reader's own time zone and locale. The server cannot know them, so
 * the server (and hydration) render a neutral ISO date, and the browser replaces it at
 * once: no hydration mismatch, no UTC on screen.
 */
export function LocalTime({
  iso,
  options,
  fallback = '—',
}: {
  iso: string | null | undefined;
  options?: Intl.DateTimeFormatOptions;
  fallback?: string;
}) {
  const inBrowser = useSyncExternalStore(
    subscribe,
    () => true,
    () => false,
  );
  if (!iso || Number.isNaN(new Date(iso).getTime())) return <>{fallback}</>;
  const text = inBrowser ? formatDate(iso, options) : new Date(iso).toISOString().slice(0, 10);
  return (
    <time dateTime={iso} suppressHydrationWarning>
      {text}
    </time>
  );
}
