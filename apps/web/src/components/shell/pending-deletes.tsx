'use client';
import { useRouter } from 'next/navigation';
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { useToast } from '@/components/ui/toast';
import type { ActionResult } from '@/lib/hub';

/**
 * Deletion with undo: the item disappears at once, a toast offers Undo, and the hub is asked
 * to delete only when the undo window closes. If the hub refuses, the item comes back and
 * the reason is shown. Lives in the app shell so navigating away does not cancel it.
 */
interface PendingDeletes {
  hidden: ReadonlySet<string>;
  remove: (item: { id: string; label: string }, commit: (id: string) => Promise<ActionResult>) => void;
}

const Ctx = createContext<PendingDeletes | null>(null);
export const UNDO_WINDOW_MS = 6000;

export function PendingDeletesProvider({ children }: { children: ReactNode }) {
  const [hidden, setHidden] = useState<ReadonlySet<string>>(new Set());
  const timers = useRef(new Map<string, () => Promise<void>>());
  const toast = useToast();
  const router = useRouter();

  const unhide = useCallback((id: string) => setHidden((s) => new Set([...s].filter((x) => x !== id))), []);

  const remove = useCallback<PendingDeletes['remove']>(
    (item, commit) => {
      setHidden((s) => new Set(s).add(item.id));
      let undone = false;
      const run = async () => {
        timers.current.delete(item.id);
        if (undone) return;
        const result = await commit(item.id);
        if (!result.ok) {
          unhide(item.id);
          toast({ title: `Could not delete ${item.label}`, description: result.error, tone: 'error' });
        } else {
          router.refresh();
        }
      };
      const handle = setTimeout(() => void run(), UNDO_WINDOW_MS);
      timers.current.set(item.id, async () => {
        clearTimeout(handle);
        await run();
      });
      toast({
        title: `Deleted ${item.label}`,
        durationMs: UNDO_WINDOW_MS,
        action: {
          label: 'Undo',
          onAction: () => {
            undone = true;
            clearTimeout(handle);
            timers.current.delete(item.id);
            unhide(item.id);
          },
        },
      });
    },
    [toast, unhide, router],
  );

  // Leaving the page: send what is pending rather than silently dropping it.
  useEffect(() => {
    const flush = () => {
      for (const run of timers.current.values()) void run();
    };
    window.addEventListener('pagehide', flush);
    return () => window.removeEventListener('pagehide', flush);
  }, []);

  const value = useMemo(() => ({ hidden, remove }), [hidden, remove]);
  return <Ctx.Provider value={value}>{children}</Ctx.Provider>;
}

export function usePendingDeletes(): PendingDeletes {
  const ctx = useContext(Ctx);
  if (!ctx) throw new Error('usePendingDeletes must be used inside <PendingDeletesProvider>');
  return ctx;
}
