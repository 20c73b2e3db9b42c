'use client';
import { MessageSquarePlus, Trash2 } from 'lucide-react';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { usePendingDeletes } from '@/components/shell/pending-deletes';
import { Button } from '@/components/ui/button';
import { LocalTime } from '@/components/ui/local-time';
import { deleteConversationAction } from '@/lib/actions/ai';
import { cn } from '@/lib/utils';

/** The stored conversations: open one to read and continue it, or delete it (with undo). */
export function ConversationList({
  conversations,
  current,
}: {
  conversations: Array<{ id: string; title: string; updatedAt: string }>;
  current?: string;
}) {
  const router = useRouter();
  const { hidden, remove } = usePendingDeletes();
  const shown = conversations.filter((c) => !hidden.has(c.id));

  function removeOne(id: string, title: string) {
    remove({ id, label: `“${title}”` }, deleteConversationAction);
    if (id === current) router.push('/ai');
  }

  return (
    <nav aria-label="Conversations" className="grid min-w-0 grid-cols-1 content-start gap-2">
      <Button asChild variant="outline" size="sm" className="justify-start">
        <Link href="/ai">
          <MessageSquarePlus aria-hidden /> New conversation
        </Link>
      </Button>
      {shown.length === 0 ? (
        <p className="text-sm text-muted-foreground">Your conversations are kept here.</p>
      ) : (
        <ul className="grid grid-cols-1 gap-1">
          {shown.map((c) => (
            <li key={c.id} className={cn('flex items-center gap-1 rounded-md pr-1', c.id === current && 'bg-muted')}>
              <Link
                href={`/ai?c=${c.id}`}
                aria-current={c.id === current ? 'page' : undefined}
                className="min-w-0 flex-1 rounded-md px-2 py-1.5 text-sm hover:bg-muted"
              >
                <span className="block truncate">{c.title}</span>
                <span className="block text-xs text-muted-foreground">
                  <LocalTime iso={c.updatedAt} />
                </span>
              </Link>
              <Button
                type="button"
                variant="ghost"
                size="icon"
                aria-label={`Delete conversation: ${c.title}`}
                onClick={() => removeOne(c.id, c.title)}
              >
                <Trash2 aria-hidden />
              </Button>
            </li>
          ))}
        </ul>
      )}
    </nav>
  );
}
