'use client';
import { ArrowRight, GitMerge, LoaderCircle, Search } from 'lucide-react';
import { useRouter } from 'next/navigation';
import { useEffect, useId, useState } from 'react';
import { Button } from '@/components/ui/button';
import { Dialog, DialogContent, DialogDescription, DialogTitle, DialogTrigger } from '@/components/ui/dialog';
import { Input } from '@/components/ui/input';
import { Label } from '@/components/ui/label';
import { useToast } from '@/components/ui/toast';
import { mergeContactsAction } from '@/lib/actions/contacts';
import { undoMergeAction } from '@/lib/actions/identity';
import { mergePreview, type Contact } from '@/lib/model';

function Summary({ c, heading }: { c: Contact; heading: string }) {
  return (
    <section aria-label={heading} className="rounded-md border border-border p-3 text-sm">
      <h3 className="text-xs font-medium uppercase tracking-wide text-muted-foreground">{heading}</h3>
      <p className="mt-1 font-medium">{c.name}</p>
      {c.organization && <p className="text-muted-foreground">{c.organization}</p>}
      <ul className="mt-1 text-muted-foreground">
        {[...c.emails, ...c.phones].map((v) => (
          <li key={v} className="truncate">
            {v}
          </li>
        ))}
      </ul>
    </section>
  );
}

export function MergeDialog({ contact, onMerged }: { contact: Contact; onMerged: (c: Contact) => void }) {
  const [open, setOpen] = useState(false);
  const [query, setQuery] = useState('');
  const [candidates, setCandidates] = useState<Contact[]>([]);
  const [loading, setLoading] = useState(false);
  const [loadError, setLoadError] = useState<string>();
  const [other, setOther] = useState<Contact>();
  const [keep, setKeep] = useState<'this' | 'other'>('this');
  const [merging, setMerging] = useState(false);
  const [error, setError] = useState<string>();
  const router = useRouter();
  const toast = useToast();
  const keepName = useId();

  useEffect(() => {
    if (!open || other) return;
    const ctrl = new AbortController();
    const t = setTimeout(async () => {
      setLoading(true);
      try {
        const res = await fetch(`/api/contacts?q=${encodeURIComponent(query)}`, { signal: ctrl.signal });
        const body = (await res.json()) as { items?: Contact[]; error?: { message: string } };
        if (!res.ok) throw new Error(body.error?.message ?? 'Could not search your contacts.');
        setCandidates((body.items ?? []).filter((c) => c.id !== contact.id));
        setLoadError(undefined);
      } catch (e) {
        if (!ctrl.signal.aborted) setLoadError(e instanceof Error ? e.message : 'Could not search your contacts.');
      } finally {
        if (!ctrl.signal.aborted) setLoading(false);
      }
    }, 200);
    return () => (clearTimeout(t), ctrl.abort());
  }, [open, query, other, contact.id]);

  const reset = () => (setOther(undefined), setQuery(''), setKeep('this'), setError(undefined));
  const primary = keep === 'this' ? contact : other;
  const secondary = keep === 'this' ? other : contact;

  async function merge() {
    if (!primary || !secondary) return;
    setMerging(true);
    setError(undefined);
    const result = await mergeContactsAction(primary.id, secondary.id);
    setMerging(false);
    if (!result.ok) return setError(result.error);
    setOpen(false);
    reset();
    const mergeId = result.data.mergeId;
    toast({
      title: `Merged into ${result.data.name}`,
      ...(mergeId && {
        action: {
          label: 'Undo',
          onAction: async () => {
            const undone = await undoMergeAction(mergeId);
            if (!undone.ok)
              return toast({ title: 'Could not undo the merge', description: undone.error, tone: 'error' });
            toast({ title: 'Merge undone' });
            router.refresh();
          },
        },
      }),
    });
    if (result.data.id === contact.id) {
      onMerged(result.data);
      router.refresh();
    } else router.replace(`/contacts/${result.data.id}`);
  }

  return (
    <Dialog open={open} onOpenChange={(o) => (setOpen(o), o || reset())}>
      <DialogTrigger asChild>
        <Button variant="outline">
          <GitMerge aria-hidden="true" /> Merge
        </Button>
      </DialogTrigger>
      <DialogContent className="max-w-2xl">
        <DialogTitle>Merge a duplicate of {contact.name}</DialogTitle>
        <DialogDescription>
          Merging keeps every email address, phone number and link from both contacts in one. Choose whose name and
          details to keep.
        </DialogDescription>
        {!other ? (
          <div className="grid gap-3">
            <div className="grid gap-1.5">
              <Label htmlFor="merge-search">Find the duplicate</Label>
              <div className="relative">
                <Search
                  className="pointer-events-none absolute left-3 top-1/2 size-4 -translate-y-1/2 text-muted-foreground"
                  aria-hidden="true"
                />
                <Input
                  id="merge-search"
                  type="search"
                  className="pl-9"
                  value={query}
                  onChange={(e) => setQuery(e.target.value)}
                  placeholder="Name, email or phone"
                  autoComplete="off"
                />
              </div>
            </div>
            {loadError && (
              <p role="alert" className="text-sm text-destructive">
                {loadError}
              </p>
            )}
            <ul aria-label="Possible duplicates" aria-busy={loading} className="grid max-h-72 gap-1 overflow-y-auto">
              {candidates.map((c) => (
                <li key={c.id}>
                  <button
                    type="button"
                    onClick={() => setOther(c)}
                    className="flex w-full items-center justify-between gap-2 rounded-md border border-border px-3 py-2 text-left text-sm hover:bg-muted focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-ring"
                  >
                    <span className="min-w-0">
                      <span className="block truncate font-medium">{c.name}</span>
                      <span className="block truncate text-muted-foreground">
                        {[c.organization, ...c.emails, ...c.phones].filter(Boolean).join(' · ') || 'No details'}
                      </span>
                    </span>
                    <ArrowRight className="size-4 shrink-0" aria-hidden="true" />
                  </button>
                </li>
              ))}
              {!loading && !loadError && candidates.length === 0 && (
                <li className="text-sm text-muted-foreground">No other contacts match.</li>
              )}
            </ul>
          </div>
        ) : (
          <div className="grid gap-4">
            <fieldset className="grid gap-2">
              <legend className="mb-1 text-sm font-medium">Keep the name and details of</legend>
              {(['this', 'other'] as const).map((k) => (
                <label key={k} className="flex items-center gap-2 text-sm">
                  <input
                    type="radio"
                    name={keepName}
                    value={k}
                    checked={keep === k}
                    onChange={() => setKeep(k)}
                    className="size-4 accent-[var(--primary)]"
                  />
                  {k === 'this' ? contact.name : other.name}
                </label>
              ))}
            </fieldset>
            <div className="grid gap-3 sm:grid-cols-3">
              <Summary c={primary!} heading="Keep" />
              <Summary c={secondary!} heading="Merge in" />
              <Summary c={mergePreview(primary!, secondary!)} heading="Result" />
            </div>
            {error && (
              <p role="alert" className="rounded-md border border-destructive/50 bg-destructive/10 p-3 text-sm">
                {error}
              </p>
            )}
            <div className="flex flex-wrap justify-end gap-2">
              <Button variant="outline" onClick={() => setOther(undefined)} disabled={merging}>
                Back
              </Button>
              <Button onClick={merge} disabled={merging}>
                {merging && <LoaderCircle className="animate-spin" aria-hidden="true" />}
                Merge contacts
              </Button>
            </div>
          </div>
        )}
      </DialogContent>
    </Dialog>
  );
}
