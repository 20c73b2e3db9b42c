import { CalendarDays, FileText, Mail, MessageSquare, Phone, Building2, Link2 } from 'lucide-react';
import Link from 'next/link';
import type { TimelineItem } from '@/lib/graph';
import { LocalTime } from '@/components/ui/local-time';

const ICONS: Record<string, typeof Mail> = {
  message: MessageSquare,
  email: Mail,
  sms: MessageSquare,
  call: Phone,
  calendar_event: CalendarDays,
  event: CalendarDays,
  note: FileText,
  organization: Building2,
};

function href(item: TimelineItem): string | null {
  if (item.entity.type === 'person') return `/contacts/${item.entity.id}`;
  if (item.entity.type === 'note') return `/notes/${item.entity.id}`;
  return null;
}

export function Timeline({ items, name }: { items: TimelineItem[]; name: string }) {
  if (items.length === 0) {
    return (
      <p className="text-sm text-muted-foreground">
        Nothing is linked to {name} yet. Messages, calls, events and notes that mention them will appear here, newest
        first.
      </p>
    );
  }
  return (
    <ol className="relative grid gap-4 border-l border-border pl-5">
      {items.map((item) => {
        const Icon = ICONS[item.entity.type] ?? Link2;
        const target = href(item);
        const title = item.entity.title || item.entity.type;
        return (
          <li key={`${item.linkKind}-${item.entity.id}`} className="relative">
            <span className="absolute -left-[1.95rem] grid size-6 place-items-center rounded-full border border-border bg-background">
              <Icon className="size-3.5 text-muted-foreground" aria-hidden="true" />
            </span>
            <p className="text-sm">
              <span className="sr-only">{item.entity.type}: </span>
              {target ? (
                <Link href={target} className="font-medium text-primary underline-offset-4 hover:underline">
                  {title}
                </Link>
              ) : (
                <span className="font-medium">{title}</span>
              )}{' '}
              <span className="text-muted-foreground">({item.linkKind.replace(/_/g, ' ')})</span>
            </p>
            {item.at && (
              <p className="text-xs text-muted-foreground">
                <LocalTime iso={item.at} />
              </p>
            )}
            {item.entity.body && <p className="mt-1 line-clamp-2 text-sm text-muted-foreground">{item.entity.body}</p>}
          </li>
        );
      })}
    </ol>
  );
}
