'use client';
import { ImageIcon, Mail, MessageSquare, Paperclip, UserRound } from 'lucide-react';
import Link from 'next/link';
import { usePathname } from 'next/navigation';
import { useState } from 'react';
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

type Filter = 'all' | 'sms' | 'email';
const filters: { value: Filter; label: string }[] = [
  { value: 'all', label: 'All' },
  { value: 'sms', label: 'Texts' },
  { value: 'email', label: 'Email' },
];

/** The unified inbox, newest first: texts and email, who, the last message, when, how many unread. */
export function ThreadList({ threads }: { threads: Thread[] }) {
  const pathname = usePathname();
  const [filter, setFilter] = useState<Filter>('all');
  const shown = threads.filter((thread) => filter === 'all' || thread.channel === filter);
  const unreadOf = (value: Filter) =>
    threads.filter((t) => (value === 'all' || t.channel === value) && t.unread > 0).length;
  return (
    <div className="grid grid-cols-1 gap-3">
      <div role="group" aria-label="Show" className="flex gap-1 rounded-md bg-muted p-1">
        {filters.map(({ value, label }) => {
          const unread = unreadOf(value);
          return (
            <button
              key={value}
              type="button"
              aria-pressed={filter === value}
              aria-label={unread > 0 ? `${label}, ${unread} unread` : undefined}
              onClick={() => setFilter(value)}
              className={cn(
                'flex-1 rounded px-2 py-1 text-sm outline-none focus-visible:ring-2 focus-visible:ring-ring',
                filter === value
                  ? 'bg-background font-medium shadow-sm'
                  : 'text-muted-foreground hover:text-foreground',
              )}
            >
              {label}
              {unread > 0 && (
                <span className="ml-1 text-xs" aria-hidden="true">
                  ({unread})
                </span>
              )}
            </button>
          );
        })}
      </div>
      {shown.length === 0 ? (
        <p className="rounded-md border border-dashed border-border p-4 text-sm text-muted-foreground">
          {filter === 'email'
            ? 'No email yet. Mail from a connected mail account appears here as it syncs.'
            : 'No conversations yet. Texts to your connected number appear here as they arrive.'}
        </p>
      ) : (
        <ThreadRows threads={shown} pathname={pathname} />
      )}
    </div>
  );
}

function ThreadRows({ threads, pathname }: { threads: Thread[]; pathname: string }) {
  return (
    <ul className="grid grid-cols-1 gap-1" aria-label="Threads">
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
              <span className="grid min-w-0 flex-1 grid-cols-1 gap-0.5">
                <span className="flex items-baseline justify-between gap-2">
                  <span className={cn('flex min-w-0 items-center gap-1', thread.unread > 0 && 'font-semibold')}>
                    {thread.channel === 'email' ? (
                      <Mail className="size-3.5 shrink-0 text-muted-foreground" aria-label="Email:" />
                    ) : (
                      <MessageSquare className="size-3.5 shrink-0 text-muted-foreground" aria-label="Text:" />
                    )}
                    <span className="min-w-0 truncate">{thread.person.name}</span>
                    {thread.email && thread.email.participants.length > 1 && (
                      <span className="shrink-0 text-xs font-normal text-muted-foreground">
                        +{thread.email.participants.length - 1}
                      </span>
                    )}
                  </span>
                  <span className="shrink-0 text-xs text-muted-foreground">
                    <LocalTime iso={last.at} options={{ dateStyle: 'short', timeStyle: 'short' }} />
                  </span>
                </span>
                {thread.email && (
                  <span className={cn('truncate text-sm', thread.unread > 0 && 'font-semibold')}>
                    {thread.email.subject || '(no subject)'}
                  </span>
                )}
                <span className="flex items-center justify-between gap-2">
                  <span className="flex min-w-0 items-center gap-1 text-sm text-muted-foreground">
                    {last.hasMedia &&
                      (thread.channel === 'email' ? (
                        <Paperclip className="size-3.5 shrink-0" aria-label="Attachment" />
                      ) : (
                        <ImageIcon className="size-3.5 shrink-0" aria-label="Photo" />
                      ))}
                    <span className="min-w-0 truncate">
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
