'use client';
import { useRouter } from 'next/navigation';
import { useEffect } from 'react';

export const TZ_COOKIE = 'tz';

/**
 * "Today" is the reader's day, but the server cannot know their time zone: the browser
 * writes it to a cookie, and when the server guessed another (first visit, travel) the
 * page is rendered again with the right one.
 */
export function TimeZoneCookie({ used }: { used: string }) {
  const router = useRouter();
  useEffect(() => {
    const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (!zone) return;
    document.cookie = `${TZ_COOKIE}=${encodeURIComponent(zone)}; path=/; max-age=31536000; samesite=lax`;
    if (zone !== used) router.refresh();
  }, [used, router]);
  return null;
}
