'use client';
import { useRouter } from 'next/navigation';
import { useEffect } from 'react';
import { markThreadReadAction } from '@/lib/actions/messages';

/** Marks the open thread read (for this user) whenever it shows unread texts; the list then updates. */
export function MarkRead({ threadId, unread, lastId }: { threadId: string; unread: number; lastId: string }) {
  const router = useRouter();
  useEffect(() => {
    if (unread === 0) return;
    let cancelled = false;
    void markThreadReadAction(threadId).then((result) => {
      if (result.ok && !cancelled) router.refresh();
    });
    return () => {
      cancelled = true;
    };
  }, [threadId, unread, lastId, router]);
  return null;
}

/** Keeps the newest message in view (the thread's own scroll box, not the page) when one arrives. */
export function ScrollToEnd({ lastId }: { lastId: string }) {
  useEffect(() => {
    const box = document.querySelector(`[data-message-id="${CSS.escape(lastId)}"]`)?.closest('[data-scroll-box]');
    if (box) box.scrollTop = box.scrollHeight;
  }, [lastId]);
  return null;
}
