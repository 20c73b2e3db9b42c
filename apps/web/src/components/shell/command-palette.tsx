'use client';
import { Command } from 'cmdk';
import { FileText, House, LoaderCircle, Moon, NotebookPen, Plus, Search, Settings, User, Users } from 'lucide-react';
import { useRouter } from 'next/navigation';
import { useTheme } from 'next-themes';
import { Dialog as DialogPrimitive } from 'radix-ui';
import { useEffect, useState, type ReactNode } from 'react';
import { Button } from '@/components/ui/button';
import type { SearchHit } from '@/lib/graph';
import { Highlighted } from '@/components/highlighted';
import { matchCommands, rankHits, type PaletteCommand } from '@/lib/palette';

const item =
  'flex cursor-default select-none items-center gap-2 rounded-md px-2 py-2 text-sm outline-none data-[selected=true]:bg-muted [&_svg]:size-4 [&_svg]:shrink-0 [&_svg]:text-muted-foreground';
const group =
  '[&_[cmdk-group-heading]]:px-2 [&_[cmdk-group-heading]]:py-1.5 [&_[cmdk-group-heading]]:text-xs [&_[cmdk-group-heading]]:font-medium [&_[cmdk-group-heading]]:text-muted-foreground';

export function hrefFor(hit: Pick<SearchHit, 'id' | 'type'>): string {
  if (hit.type === 'person') return `/contacts/${hit.id}`;
  if (hit.type === 'note') return `/notes/${hit.id}`;
  return `/contacts/${hit.id}`;
}

interface PaletteEntry extends PaletteCommand {
  icon: ReactNode;
  run: () => void;
}

export function CommandPalette() {
  const [open, setOpen] = useState(false);
  const [query, setQuery] = useState('');
  const [hits, setHits] = useState<SearchHit[]>([]);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string>();
  // Controlled selection: when results arrive, Enter opens the best one.
  const [selected, setSelected] = useState('');
  const router = useRouter();
  const { resolvedTheme, setTheme } = useTheme();

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if ((e.key === 'k' || e.key === 'K') && (e.metaKey || e.ctrlKey)) {
        e.preventDefault();
        setOpen((o) => !o);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  useEffect(() => {
    if (!query.trim()) {
      setHits([]);
      setError(undefined);
      return;
    }
    const ctrl = new AbortController();
    const t = setTimeout(async () => {
      setLoading(true);
      try {
        const res = await fetch(`/api/search?q=${encodeURIComponent(query)}`, { signal: ctrl.signal });
        const body = (await res.json()) as { hits?: SearchHit[]; error?: { message: string } };
        if (!res.ok) throw new Error(body.error?.message ?? 'Search is not available right now.');
        setHits(rankHits(body.hits ?? [], query));
        setError(undefined);
      } catch (e) {
        if (!ctrl.signal.aborted) setError(e instanceof Error ? e.message : 'Search is not available right now.');
      } finally {
        if (!ctrl.signal.aborted) setLoading(false);
      }
    }, 150);
    return () => (clearTimeout(t), ctrl.abort());
  }, [query]);

  const go = (href: string) => {
    setOpen(false);
    setQuery('');
    router.push(href);
  };

  const nextTheme = resolvedTheme === 'dark' ? 'light' : 'dark';
  const commands: PaletteEntry[] = [
    {
      id: 'go-today',
      label: 'Today',
      keywords: ['home', 'birthdays', 'reminders', 'tasks'],
      icon: <House aria-hidden="true" />,
      run: () => go('/'),
    },
    {
      id: 'go-contacts',
      label: 'Contacts',
      keywords: ['people', 'address book'],
      icon: <Users aria-hidden="true" />,
      run: () => go('/contacts'),
    },
    {
      id: 'go-new-contact',
      label: 'New contact',
      keywords: ['add', 'create', 'person'],
      icon: <Plus aria-hidden="true" />,
      run: () => go('/contacts/new'),
    },
    {
      id: 'go-notes',
      label: 'Notes',
      keywords: ['write'],
      icon: <NotebookPen aria-hidden="true" />,
      run: () => go('/notes'),
    },
    {
      id: 'go-settings',
      label: 'Settings',
      keywords: ['account', 'preferences', 'password', 'region'],
      icon: <Settings aria-hidden="true" />,
      run: () => go('/settings'),
    },
    {
      id: 'toggle-theme',
      label: `Switch to ${nextTheme} theme`,
      keywords: ['theme', 'dark', 'light', 'appearance'],
      icon: <Moon aria-hidden="true" />,
      run: () => {
        setTheme(nextTheme);
        setOpen(false);
      },
    },
  ];
  const shownCommands = matchCommands(commands, query);
  // Enter runs the best thing: the first result, or the only command that matches.
  const firstValue = hits[0] ? `hit-${hits[0].id}` : shownCommands[0]?.id;
  useEffect(() => {
    if (firstValue) setSelected(firstValue);
  }, [firstValue]);

  return (
    <>
      <Button
        variant="outline"
        size="sm"
        onClick={() => setOpen(true)}
        className="gap-2 text-muted-foreground"
        aria-keyshortcuts="Control+K Meta+K"
      >
        <Search aria-hidden="true" />
        <span className="hidden md:inline">Search…</span>
        <span className="sr-only md:hidden">Search</span>
        <kbd className="hidden rounded border border-border px-1 font-mono text-xs md:inline">Ctrl K</kbd>
      </Button>
      <DialogPrimitive.Root open={open} onOpenChange={setOpen}>
        <DialogPrimitive.Portal>
          <DialogPrimitive.Overlay className="fixed inset-0 z-50 bg-black/50" />
          <DialogPrimitive.Content
            className="fixed left-1/2 top-[12vh] z-50 w-[calc(100%-1.5rem)] max-w-xl -translate-x-1/2 overflow-hidden rounded-lg border border-border bg-background shadow-xl outline-none"
            aria-describedby={undefined}
          >
            <DialogPrimitive.Title className="sr-only">Search and commands</DialogPrimitive.Title>
            <Command shouldFilter={false} label="Search and commands" loop value={selected} onValueChange={setSelected}>
              <div className="flex items-center gap-2 border-b border-border px-3">
                <Search className="size-4 text-muted-foreground" aria-hidden="true" />
                <Command.Input
                  value={query}
                  onValueChange={setQuery}
                  placeholder="Search contacts and notes, or type a command…"
                  className="h-12 flex-1 bg-transparent text-base outline-none placeholder:text-muted-foreground sm:text-sm"
                />
                {loading && (
                  <LoaderCircle className="size-4 animate-spin text-muted-foreground" aria-label="Searching" />
                )}
              </div>
              <Command.List className="max-h-[60vh] overflow-y-auto p-2">
                {error && (
                  <p role="alert" className="px-2 py-3 text-sm text-destructive">
                    {error}
                  </p>
                )}
                {query.trim() && !loading && !error && hits.length === 0 && shownCommands.length === 0 && (
                  <p className="px-2 py-6 text-center text-sm text-muted-foreground">Nothing found for “{query}”.</p>
                )}
                {hits.length > 0 && (
                  <Command.Group heading="Results" className={group}>
                    {hits.map((h) => (
                      <Command.Item
                        key={`${h.type}-${h.id}`}
                        value={`hit-${h.id}`}
                        onSelect={() => go(hrefFor(h))}
                        className={item}
                      >
                        {h.type === 'person' ? <User aria-hidden="true" /> : <FileText aria-hidden="true" />}
                        <span className="min-w-0 flex-1">
                          <span className="block truncate">{h.title}</span>
                          {h.snippet && (
                            <span className="block truncate text-xs text-muted-foreground">
                              <Highlighted snippet={h.snippet} />
                            </span>
                          )}
                        </span>
                        <span className="text-xs text-muted-foreground">
                          {h.type === 'person' ? 'Contact' : h.type === 'note' ? 'Note' : h.type}
                        </span>
                      </Command.Item>
                    ))}
                  </Command.Group>
                )}
                {shownCommands.length > 0 && (
                  <Command.Group heading="Go to" className={group}>
                    {shownCommands.map((command) => (
                      <Command.Item key={command.id} value={command.id} onSelect={command.run} className={item}>
                        {command.icon} {command.label}
                      </Command.Item>
                    ))}
                  </Command.Group>
                )}
              </Command.List>
            </Command>
          </DialogPrimitive.Content>
        </DialogPrimitive.Portal>
      </DialogPrimitive.Root>
    </>
  );
}
