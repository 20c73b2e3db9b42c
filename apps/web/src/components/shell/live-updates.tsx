'use client';
import { createBrowserClient } from '@supabase/ssr';
import type { RealtimeChannel } from '@supabase/supabase-js';
import { useRouter } from 'next/navigation';
import { useEffect } from 'react';

export interface RealtimeConfig {
  url: string;
  anonKey: string;
}

/** Several changes in a burst (an import, a merge) cause one refresh, not one each. */
const REFRESH_DEBOUNCE_MS = 250;

/**
 * Live updates over Supabase Realtime (postgres_changes on the graph's entities table).
 * On a change, the current route's Server Components are re-rendered (router.refresh), so
 * every screen picks up new data without its own subscription code, and client state (a
 * half-typed search, an open dialog) survives.
 */
export function LiveUpdates({ config }: { config: RealtimeConfig }) {
  const router = useRouter();
  useEffect(() => {
    const supabase = createBrowserClient(config.url, config.anonKey);
    let cancelled = false;
    let channel: RealtimeChannel | undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let joinedBefore = false;
    const refresh = () => {
      clearTimeout(timer);
      timer = setTimeout(() => router.refresh(), REFRESH_DEBOUNCE_MS);
    };
    // The session is read from cookies asynchronously. Joining before the realtime client has
    // the user's token would join as anon (RLS then shows nothing), and realtime-js does not
    // resend a token that arrives while the join is in flight: set it first, then join.
    void supabase.realtime.setAuth().then(() => {
      if (cancelled) return;
      channel = supabase
        .channel('entities')
        .on('postgres_changes', { event: '*', schema: 'public', table: 'entities' }, refresh)
        .subscribe((status) => {
          // After a dropped connection the client rejoins by itself; changes missed while
          // offline are picked up by one refresh once it is back.
          if (status !== 'SUBSCRIBED') return;
          if (joinedBefore) refresh();
          joinedBefore = true;
        });
    });
    return () => {
      cancelled = true;
      clearTimeout(timer);
      if (channel) void supabase.removeChannel(channel);
    };
  }, [config.url, config.anonKey, router]);
  return null;
}
