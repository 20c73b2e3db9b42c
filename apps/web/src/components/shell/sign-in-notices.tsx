'use client';
import { createBrowserClient } from '@supabase/ssr';
import type { RealtimeChannel } from '@supabase/supabase-js';
import { useRouter } from 'next/navigation';
import { useEffect } from 'react';
import { TWILIO_CHANGED, twilioChanged } from '@/components/calls/ring-coordination';
import type { RealtimeConfig } from './live-updates';

/**
 * Notifications from the owner's private realtime channel (`user:<id>`, the hub's broadcast of
 * connector events): a connected account whose sign-in was refused (connector.SignInRequired,
 * Microsoft 365's needs_reauth) is said at once, wherever the person is: the shell is read again,
 * and its sign-in-again notice (sign-in-again.tsx) stays on every page until it is fixed. A Twilio
 * number connected or disconnected (connector.Connected / Disconnected, from any browser or the
 * API) is said to the tab as the window event `TWILIO_CHANGED`: if it rings, it reads its Twilio
 * accounts again at once (calls/voice-provider.tsx). This is the one subscription to the channel
 * (the browser's Supabase client shares a channel per name).
 */
export function SignInNotices({ config }: { config: RealtimeConfig }) {
  const router = useRouter();
  useEffect(() => {
    const supabase = createBrowserClient(config.url, config.anonKey);
    let cancelled = false;
    let channel: RealtimeChannel | undefined;
    const onConnection = (message: { event: string; payload?: unknown }) => {
      if (twilioChanged(message.event, message.payload)) window.dispatchEvent(new Event(TWILIO_CHANGED));
    };
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
        .on('broadcast', { event: 'connector.Connected' }, onConnection)
        .on('broadcast', { event: 'connector.Disconnected' }, onConnection)
        .subscribe();
    })();
    return () => {
      cancelled = true;
      if (channel) void supabase.removeChannel(channel);
    };
  }, [config.url, config.anonKey, router]);
  return null;
}
