'use client';
import type { TimelineItem, TimelinePage } from '@made-open/shared/timeline';
import { Loader2 } from 'lucide-react';
import Link from 'next/link';
import { useMemo, useState } from 'react';
import { Button } from '@/components/ui/button';
import { LocalTime } from '@/components/ui/local-time';
import { describe } from '@/components/timeline/timeline-item';

/**
 * A person's timeline, newest first. The first page comes from the server (and is fresh
 * after every live refresh, so a new message appears on top); "Show older" fetches the next
 * pages by cursor and keeps them, without repeating an entry that moved between pages.
 */
export function PersonTimeline({ personId, name, first }: { personId: string; name: string; first: TimelinePage }) {
  const [older, setOlder] = useState<{ items: TimelineItem[]; nextCursor: string | null } | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string>();
  const names = useMemo(() => new Map([[personId, name]]), [personId, name]);
  const items = useMemo(() => {
    const seen = new Set<string>();
    return [...first.items, ...(older?.items ?? [])].filter((item) => !seen.has(item.id) && seen.add(item.id));
  }, [first.items, older]);
  const cursor = older ? older.nextCursor : first.nextCursor;

  async function loadMore() {
    if (!cursor) return;
    setLoading(true);
    setError(undefined);
    try {
      const response = await fetch(
        `/api/contacts/${encodeURIComponent(personId)}/timeline?cursor=${encodeURIComponent(cursor)}`,
      );
      const body = (await response.json()) as TimelinePage & { error?: { message: string } };
      if (!response.ok) throw new Error(body.error?.message ?? 'The older entries could not be loaded.');
      setOlder((previous) => ({ items: [...(previous?.items ?? []), ...body.items], nextCursor: body.nextCursor }));
    } catch (problem) {
      setError(problem instanceof Error ? problem.message : 'The older entries could not be loaded.');
    } finally {
      setLoading(false);
    }
  }

  if (items.length === 0) {
    return (
      <p className="text-sm text-muted-foreground">
        Nothing with {name} yet. Texts, calls and events with them show here, newest first, and so does any note that
        mentions them: type @ and their name in a note.
      </p>
    );
  }
  return (
    <div className="grid gap-4">
      <ol className="relative grid gap-4 border-l border-border pl-5" aria-label={`Timeline of ${name}`}>
        {items.map((item) => {
          const { icon: Icon, summary, href, preview } = describe(item, names);
          return (
            <li key={item.id} className="relative">
              <span className="absolute -left-[1.95rem] grid size-6 place-items-center rounded-full border border-border bg-background">
                <Icon className="size-3.5 text-muted-foreground" aria-hidden="true" />
              </span>
              <p className="text-sm">
                {href ? (
                  <Link href={href} className="font-medium text-primary underline-offset-4 hover:underline">
                    {summary}
                  </Link>
                ) : (
                  <span className="font-medium">{summary}</span>
                )}
              </p>
              <p className="text-xs text-muted-foreground">
                <LocalTime iso={item.at} />
              </p>
              {preview && <p className="mt-1 line-clamp-2 text-sm text-muted-foreground">{preview}</p>}
            </li>
          );
        })}
      </ol>
      {error && (
        <p role="alert" className="text-sm text-destructive">
          {error}
        </p>
      )}
      {cursor && (
        <div>
          <Button variant="outline" onClick={loadMore} disabled={loading} aria-busy={loading}>
            {loading && <Loader2 className="animate-spin" aria-hidden="true" />} Show older
          </Button>
        </div>
      )}
    </div>
  );
}
