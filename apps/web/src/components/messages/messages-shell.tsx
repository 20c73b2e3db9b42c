'use client';
import { usePathname } from 'next/navigation';
import type { ReactNode } from 'react';
import { cn } from '@/lib/utils';

/**
 * Threads beside the open thread on wide screens; on a phone one at a time: the list at
 * /messages, the thread (or compose) anywhere below it.
 */
export function MessagesShell({ list, children }: { list: ReactNode; children: ReactNode }) {
  const atList = usePathname() === '/messages';
  return (
    <div className="grid gap-4 md:grid-cols-[minmax(16rem,22rem)_1fr] md:items-start">
      <section aria-label="Conversations" className={cn('min-w-0', !atList && 'max-md:hidden')}>
        {list}
      </section>
      <div className={cn('min-w-0', atList && 'max-md:hidden')}>{children}</div>
    </div>
  );
}
