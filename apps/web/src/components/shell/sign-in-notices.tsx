'use client';
import { createBrowserClient } from '@supabase/ssr';
import type { RealtimeChannel } from '@supabase/supabase-js';
import { useRouter } from 'next/navigation';
import { useEffect } from 'react';
import type { RealtimeConfig } from './live-updates';

/**
 * Notifications from the owner's private realtime channel (`user:<id>`, the hub's broadcast of
 * connector events): a connected account whose sign-in was refused (connector.SignInRequired,
 * Microsoft 365's needs_reauth) is said at once, wherever the person is: the shell is read again,
 * and its sign-in-again notice (sign-in-again.tsx) stays on every page until it is fixed.
 */
export function SignInNotices({ config }: { config: RealtimeConfig }) {
  const router = useRouter();
  useEffect(() => {
    const supabase = createBrowserClient(config.url, config.anonKey);
    let cancelled = false;
    let channel: RealtimeChannel | undefined;
    void (async () => {
      const { data } = await supabase.auth.getSession();
      const userId = data.session?.user.id;
      if (!userId || cancelled) return;
      // Set the token before joining: a private channel refuses an anonymous join.
      await supabase.realtime.setAuth();
      if (cancelled) return;
      channel = supabase
        .channel(`user:${userId}`, { config: { private: true } })
        .on('broadcast', { event: 'connector.SignInRequired' }, () => router.refresh())
        .subscribe();
    })();
    return () => {
      cancelled = true;
      if (channel) void supabase.removeChannel(channel);
    };
  }, [config.url, config.anonKey, router]);
  return null;
}
