'use client';
import { createBrowserClient } from '@supabase/ssr';
import { useRouter } from 'next/navigation';
import { useEffect } from 'react';

export interface RealtimeConfig {
  url: string;
  anonKey: string;
}

/**
 * Live updates over Supabase Realtime (postgres_changes on the graph's entities table).
 * Mounted only when MADE_OPEN_REALTIME=1, i.e. when the hub serves /realtime/v1; until then
 * pages show fresh data on every navigation and after every change made here.
 * On a change, the current route's Server Components are re-rendered (router.refresh),
 * so every screen picks up new data without its own subscription code.
 */
export function LiveUpdates({ config }: { config: RealtimeConfig }) {
  const router = useRouter();
  useEffect(() => {
    const supabase = createBrowserClient(config.url, config.anonKey);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const refresh = () => {
      clearTimeout(timer);
      timer = setTimeout(() => router.refresh(), 250);
    };
    const channel = supabase
      .channel('entities')
      .on('postgres_changes', { event: '*', schema: 'public', table: 'entities' }, refresh)
      .subscribe();
    return () => {
      clearTimeout(timer);
      void supabase.removeChannel(channel);
    };
  }, [config.url, config.anonKey, router]);
  return null;
}
