'use client';
import { useWindowVirtualizer } from '@tanstack/react-virtual';
import { Building2, Mail, Phone, Plus, Search, UserPlus, X } from 'lucide-react';
import Link from 'next/link';
import { useRouter, useSearchParams } from 'next/navigation';
import { startTransition, useEffect, useLayoutEffect, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import { usePendingDeletes } from '@/components/shell/pending-deletes';
import { Button } from '@/components/ui/button';
import { Input } from '@/components/ui/input';
import { Label } from '@/components/ui/label';
import { createContactIndex, type ContactRow, type ContactSort } from '@/lib/model';
import { initials } from '@/lib/utils';

const ROW = 68;
/** Rendered on the server before the window size is known: a tall phone or a desktop screen. */
const FIRST_PAINT_RECT = { width: 1280, height: 1000 };

export interface ContactListProps {
  /** The first rows in the URL's sort order: enough to fill a screen on the first paint.
   *  The rest is fetched from /api/contacts/all, which returns every row in name order. */
  initial: ContactRow[];
  /** How many contacts there are in all; more than `initial` means the rest is fetched. */
  total: number;
  truncated: boolean;
  /** Changes whenever the list does, e.g. after a live update re-renders the page. */
  stamp: string;
}

type FullList =
  | { state: 'loading' }
  | { state: 'failed'; message: string }
  /** `fetched`: from /api/contacts/all, hence in name order. */
  | { state: 'ready'; rows: ContactRow[]; truncated: boolean; fetched: boolean };

/** The whole list, loaded after the first paint and again whenever `stamp` changes. */
function useFullList(initial: ContactRow[], total: number, truncated: boolean, stamp: string): [FullList, () => void] {
  const complete = initial.length >= total;
  const [full, setFull] = useState<FullList>(
    complete ? { state: 'ready', rows: initial, truncated, fetched: false } : { state: 'loading' },
  );
  const [attempt, setAttempt] = useState(0);
  useEffect(() => {
    if (complete) {
      setFull({ state: 'ready', rows: initial, truncated, fetched: false });
      return;
    }
    const abort = new AbortController();
    fetch('/api/contacts/all', { signal: abort.signal, cache: 'no-store' })
      .then(async (response) => {
        const body = (await response.json().catch(() => null)) as {
          rows?: ContactRow[];
          truncated?: boolean;
          error?: { message?: string };
        } | null;
        if (!response.ok || !body?.rows)
          throw new Error(body?.error?.message ?? `The hub answered ${response.status}.`);
        // A transition: React renders the long list in slices and keeps the page responsive.
        startTransition(() =>
          setFull({ state: 'ready', rows: body.rows!, truncated: Boolean(body.truncated), fetched: true }),
        );
      })
      .catch((error: unknown) => {
        if (abort.signal.aborted) return;
        setFull({ state: 'failed', message: error instanceof Error ? error.message : String(error) });
      });
    return () => abort.abort();
    // `initial` is new on every render of the page; `stamp` says when its data changed.
  }, [stamp, complete, attempt]);
  // Retrying clears the failure at once: the alert goes while the list is fetched again.
  const retry = () => {
    setFull({ state: 'loading' });
    setAttempt((n) => n + 1);
  };
  return [full, retry];
}

export function ContactList({ initial, total, truncated, stamp }: ContactListProps) {
  const params = useSearchParams();
  const router = useRouter();
  const [query, setQuery] = useState(params.get('q') ?? '');
  const [sort, setSort] = useState<ContactSort>(params.get('sort') === 'recent' ? 'recent' : 'name');
  const { hidden } = usePendingDeletes();
  const [full, retry] = useFullList(initial, total, truncated, stamp);
  const source = full.state === 'ready' ? full.rows : initial;
  const visible = useMemo(
    () => (hidden.size === 0 ? source : source.filter((c) => !hidden.has(c.id))),
    [source, hidden],
  );
  // The full list arrives in name order from the server; the first rows are few.
  const inNameOrder = full.state === 'ready' && full.fetched;
  const index = useMemo(() => createContactIndex(visible, inNameOrder), [visible, inNameOrder]);
  // Searched on every keystroke, not through useDeferredValue: the index answers 5,000 rows in
  // well under a millisecond, and a deferred render waits behind a pending router.refresh()
  // transition (a live update on a loaded machine), which left stale rows up for seconds.
  const rows = useMemo(() => index.search(query, sort), [index, query, sort]);
  const count = full.state === 'ready' ? visible.length : total;

  // Keep the filter in the address bar so reload and back keep it.
  useEffect(() => {
    const next = new URLSearchParams();
    if (query) next.set('q', query);
    if (sort !== 'name') next.set('sort', sort);
    const qs = next.toString();
    window.history.replaceState(null, '', qs ? `?${qs}` : window.location.pathname);
  }, [query, sort]);

  const listRef = useRef<HTMLUListElement>(null);
  const [scrollMargin, setScrollMargin] = useState(0);
  useLayoutEffect(() => setScrollMargin(listRef.current?.offsetTop ?? 0), []);
  const virtualizer = useWindowVirtualizer({
    count: rows.length,
    estimateSize: () => ROW,
    overscan: 8,
    scrollMargin,
    initialRect: FIRST_PAINT_RECT,
  });

  const focusRow = (index: number) => {
    const clamped = Math.max(0, Math.min(rows.length - 1, index));
    virtualizer.scrollToIndex(clamped, { align: 'auto' });
    requestAnimationFrame(() => listRef.current?.querySelector<HTMLElement>(`[data-index="${clamped}"] a`)?.focus());
  };
  const onKeyDown = (e: KeyboardEvent<HTMLUListElement>) => {
    const current = Number(
      (document.activeElement?.closest('[data-index]') as HTMLElement | null)?.dataset.index ?? -1,
    );
    const target: Record<string, () => void> = {
      ArrowDown: () => focusRow(current + 1),
      ArrowUp: () => (current <= 0 ? document.getElementById('contact-search')?.focus() : focusRow(current - 1)),
      Home: () => focusRow(0),
      End: () => focusRow(rows.length - 1),
    };
    const move = target[e.key];
    if (move) {
      e.preventDefault();
      move();
    }
  };

  if (total === 0 && (full.state !== 'ready' || full.rows.length === 0)) {
    return (
      <section
        aria-labelledby="empty-title"
        className="mx-auto mt-6 max-w-md rounded-lg border border-dashed border-border p-8 text-center"
      >
        <UserPlus className="mx-auto size-10 text-muted-foreground" aria-hidden="true" />
        <h2 id="empty-title" className="mt-3 text-lg font-semibold">
          Add your first contact
        </h2>
        <p className="mt-2 text-sm text-muted-foreground">
          Contacts are the people in your graph. Add someone with their email or phone number: messages and calls from
          them will be linked to them as they arrive.
        </p>
        <Button asChild className="mt-5">
          <Link href="/contacts/new">
            <Plus aria-hidden="true" /> New contact
          </Link>
        </Button>
      </section>
    );
  }

  return (
    <div>
      <div className="flex flex-col gap-3 sm:flex-row sm:items-end">
        <div className="grid flex-1 gap-1.5">
          <Label htmlFor="contact-search">Search contacts</Label>
          <div className="relative">
            <Search
              className="pointer-events-none absolute left-3 top-1/2 size-4 -translate-y-1/2 text-muted-foreground"
              aria-hidden="true"
            />
            <Input
              id="contact-search"
              type="search"
              value={query}
              onChange={(e) => setQuery(e.target.value)}
              onKeyDown={(e) => {
                if (e.key === 'ArrowDown' && rows.length) {
                  e.preventDefault();
                  focusRow(0);
                }
                if (e.key === 'Enter' && rows[0]) router.push(`/contacts/${rows[0].id}`);
              }}
              placeholder="Name, organization, email or phone"
              className="pl-9"
              autoComplete="off"
              aria-controls={rows.length ? 'contact-rows' : undefined}
            />
          </div>
        </div>
        <div className="grid gap-1.5 sm:w-44">
          <Label htmlFor="contact-sort">Sort by</Label>
          <select
            id="contact-sort"
            value={sort}
            onChange={(e) => setSort(e.target.value as ContactSort)}
            className="h-10 rounded-md border border-input bg-background px-3 text-base text-foreground outline-none focus-visible:ring-2 focus-visible:ring-ring sm:text-sm"
          >
            <option value="name">Name (A–Z)</option>
            <option value="recent">Recently changed</option>
          </select>
        </div>
      </div>

      <p className="mt-4 text-sm text-muted-foreground" role="status" aria-live="polite">
        {full.state === 'loading' && query
          ? `Searching ${count.toLocaleString('en')} contacts…`
          : rows.length === visible.length || full.state !== 'ready'
            ? `${count.toLocaleString('en')} ${count === 1 ? 'contact' : 'contacts'}`
            : `${rows.length.toLocaleString('en')} of ${count.toLocaleString('en')} contacts match`}
        {full.state === 'ready' && full.truncated && ' (showing the first 5,000; search to find others)'}
      </p>
      {full.state === 'failed' && (
        <div
          role="alert"
          className="mt-2 flex flex-wrap items-center gap-2 rounded-md border border-destructive/40 p-3 text-sm"
        >
          <span>
            Only the first {initial.length} contacts could be shown: {full.message}
          </span>
          <Button variant="outline" size="sm" onClick={retry}>
            Try again
          </Button>
        </div>
      )}

      {rows.length === 0 && full.state === 'loading' ? null : rows.length === 0 ? (
        <div className="mt-4 rounded-lg border border-dashed border-border p-8 text-center">
          <p className="font-medium">No contacts match “{query}”.</p>
          <p className="mt-1 text-sm text-muted-foreground">
            Try part of a name, an email address, or the last digits of a phone number.
          </p>
          <div className="mt-4 flex justify-center gap-2">
            <Button variant="outline" onClick={() => setQuery('')}>
              <X aria-hidden="true" /> Clear search
            </Button>
            <Button asChild>
              <Link href={`/contacts/new?name=${encodeURIComponent(query)}`}>
                <Plus aria-hidden="true" /> Add “{query}”
              </Link>
            </Button>
          </div>
        </div>
      ) : (
        <ul
          id="contact-rows"
          ref={listRef}
          aria-label="Contacts"
          onKeyDown={onKeyDown}
          className="relative mt-2 rounded-lg border border-border"
          style={{ height: virtualizer.getTotalSize() }}
        >
          {virtualizer.getVirtualItems().map((item) => {
            const c = rows[item.index]!;
            return (
              <li
                key={c.id}
                data-index={item.index}
                aria-setsize={rows.length}
                aria-posinset={item.index + 1}
                className="absolute left-0 top-0 w-full border-b border-border last:border-b-0"
                style={{ height: ROW, transform: `translateY(${item.start - virtualizer.options.scrollMargin}px)` }}
              >
                <Link
                  href={`/contacts/${c.id}`}
                  // Prefetching every row in view would fire dozens of requests while the
                  // page loads; fetch a contact when the pointer or focus reaches it instead.
                  prefetch={false}
                  onMouseEnter={() => router.prefetch(`/contacts/${c.id}`)}
                  onFocus={() => router.prefetch(`/contacts/${c.id}`)}
                  className="flex h-full items-center gap-3 px-3 outline-none hover:bg-muted focus-visible:bg-muted focus-visible:ring-2 focus-visible:ring-inset focus-visible:ring-ring sm:px-4"
                >
                  <span
                    aria-hidden="true"
                    className="grid size-10 shrink-0 place-items-center rounded-full bg-primary/15 text-sm font-semibold text-primary"
                  >
                    {initials(c.name)}
                  </span>
                  <span className="min-w-0 flex-1">
                    <span className="block truncate font-medium">{c.name}</span>
                    <span className="flex min-w-0 gap-3 text-sm text-muted-foreground">
                      {c.organization && (
                        <span className="flex min-w-0 items-center gap-1 truncate">
                          <Building2 className="size-3.5 shrink-0" aria-hidden="true" />
                          <span className="truncate">{c.organization}</span>
                        </span>
                      )}
                      {c.emails[0] ? (
                        <span className="hidden min-w-0 items-center gap-1 truncate sm:flex">
                          <Mail className="size-3.5 shrink-0" aria-hidden="true" />
                          <span className="truncate">{c.emails[0]}</span>
                        </span>
                      ) : c.phones[0] ? (
                        <span className="hidden min-w-0 items-center gap-1 truncate sm:flex">
                          <Phone className="size-3.5 shrink-0" aria-hidden="true" />
                          <span className="truncate">{c.phones[0]}</span>
                        </span>
                      ) : null}
                    </span>
                  </span>
                </Link>
              </li>
            );
          })}
        </ul>
      )}
    </div>
  );
}
