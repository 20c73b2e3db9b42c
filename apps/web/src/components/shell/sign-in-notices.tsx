'use client';
import { createBrowserClient } from '@supabase/ssr';
import type { RealtimeChannel } from '@supabase/supabase-js';
import { useEffect } from 'react';
import { useToast } from '@/components/ui/toast';
import type { RealtimeConfig } from './live-updates';

/**
 * Notifications from the owner's private realtime channel (`user:<id>`, the hub's broadcast of
 * connector events): a connected account whose sign-in was refused (connector.SignInRequired,
 * Microsoft 365's needs_reauth) is said at once, wherever the person is, with where to fix it.
 */
export function SignInNotices({ config }: { config: RealtimeConfig }) {
  const toast = useToast();
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
        .on('broadcast', { event: 'connector.SignInRequired' }, (message) => {
          const payload = (message.payload ?? {}) as { label?: unknown; reason?: unknown };
          const label = typeof payload.label === 'string' && payload.label ? payload.label : 'An account';
          toast({
            title: `Sign in to ${label} again`,
            description: 'Its sign-in was refused, so syncing is paused. Settings → Connections → Sign in again.',
            tone: 'error',
          });
        })
        .subscribe();
    })();
    return () => {
      cancelled = true;
      if (channel) void supabase.removeChannel(channel);
    };
  }, [config.url, config.anonKey, toast]);
  return null;
}
