import type { RecentItem } from '@made-open/shared/timeline';
import Link from 'next/link';
import { Fragment } from 'react';
import { LocalTime } from '@/components/ui/local-time';
import { describe } from '@/components/timeline/timeline-item';

/** The latest texts, calls and notes across everyone, with who they were with. */
export function RecentActivity({ items }: { items: RecentItem[] }) {
  if (items.length === 0) {
    return (
      <p className="text-sm text-muted-foreground">
        No activity yet. Write a note (mention someone with @), or connect a phone number in Settings so texts and calls
        arrive here.
      </p>
    );
  }
  return (
    <ul className="grid gap-3" aria-label="Recent activity">
      {items.map((item) => {
        const names = new Map(item.people.map((p) => [p.id, p.name]));
        const { icon: Icon, summary, href, preview } = describe(item, names);
        return (
          <li key={item.id} className="flex items-start gap-3 text-sm">
            <span className="grid size-8 shrink-0 place-items-center rounded-full bg-muted">
              <Icon className="size-4 text-muted-foreground" aria-hidden="true" />
            </span>
            <div className="min-w-0">
              <p>
                {href ? (
                  <Link href={href} className="font-medium text-primary underline-offset-4 hover:underline">
                    {summary}
                  </Link>
                ) : (
                  <span className="font-medium">{summary}</span>
                )}
                {item.people.length > 0 && (
                  <>
                    {' '}
                    <span className="text-muted-foreground">with </span>
                    {item.people.slice(0, 3).map((p, i) => (
                      <Fragment key={p.id}>
                        {i > 0 && ', '}
                        <Link href={`/contacts/${p.id}`} className="underline underline-offset-4 hover:text-primary">
                          {p.name}
                        </Link>
                      </Fragment>
                    ))}
                  </>
                )}
              </p>
              <p className="text-xs text-muted-foreground">
                <LocalTime iso={item.at} />
              </p>
              {preview && <p className="mt-0.5 line-clamp-1 text-muted-foreground">{preview}</p>}
            </div>
          </li>
        );
      })}
    </ul>
  );
}
