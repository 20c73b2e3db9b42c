'use client';
import { ImageIcon, UserRound } from 'lucide-react';
import Link from 'next/link';
import { usePathname } from 'next/navigation';
import { LocalTime } from '@/components/ui/local-time';
import { threadHref, type Thread } from '@/lib/messages/model';
import { cn, initials } from '@/lib/utils';

const safeDecode = (path: string) => {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
};

/** The conversations, newest first: who, the last message, when, and how many are unread. */
export function ThreadList({ threads }: { threads: Thread[] }) {
  const pathname = usePathname();
  if (threads.length === 0)
    return (
      <p className="rounded-md border border-dashed border-border p-4 text-sm text-muted-foreground">
        No conversations yet. Texts to your connected number appear here as they arrive.
      </p>
    );
  return (
    <ul className="grid gap-1" aria-label="Threads">
      {threads.map((thread) => {
        const href = threadHref(thread.id);
        const current = pathname === href || safeDecode(pathname) === `/messages/${thread.id}`;
        const last = thread.lastMessage;
        return (
          <li key={thread.id}>
            <Link
              href={href}
              aria-current={current ? 'page' : undefined}
              className={cn(
                'flex items-center gap-3 rounded-md p-2.5 outline-none hover:bg-muted focus-visible:ring-2 focus-visible:ring-ring',
                current && 'bg-muted',
              )}
            >
              <span
                aria-hidden="true"
                className="grid size-10 shrink-0 place-items-center rounded-full bg-primary/10 text-sm font-medium text-primary"
              >
                {/\p{L}/u.test(thread.person.name) ? (
                  initials(thread.person.name)
                ) : (
                  <UserRound className="size-5" /> // an unknown number: no initials to show
                )}
              </span>
              <span className="grid min-w-0 flex-1 gap-0.5">
                <span className="flex items-baseline justify-between gap-2">
                  <span className={cn('truncate', thread.unread > 0 && 'font-semibold')}>{thread.person.name}</span>
                  <span className="shrink-0 text-xs text-muted-foreground">
                    <LocalTime iso={last.at} options={{ dateStyle: 'short', timeStyle: 'short' }} />
                  </span>
                </span>
                <span className="flex items-center justify-between gap-2">
                  <span className="flex min-w-0 items-center gap-1 text-sm text-muted-foreground">
                    {last.hasMedia && <ImageIcon className="size-3.5 shrink-0" aria-label="Photo" />}
                    <span className="truncate">
                      {last.direction === 'outbound' && 'You: '}
                      {last.excerpt || (last.hasMedia ? 'Photo' : '')}
                    </span>
                  </span>
                  {thread.unread > 0 && (
                    <span className="shrink-0 rounded-full bg-primary px-2 py-0.5 text-xs font-medium text-primary-foreground">
                      {thread.unread}
                      <span className="sr-only"> unread</span>
                    </span>
                  )}
                </span>
              </span>
            </Link>
          </li>
        );
      })}
    </ul>
  );
}
