'use client';
import { relationshipKinds, type RelationshipKind } from '@made-open/shared/entities';
import { LoaderCircle, Plus, Search, X } from 'lucide-react';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useEffect, useId, useState } from 'react';
import { Button } from '@/components/ui/button';
import { Input } from '@/components/ui/input';
import { Label } from '@/components/ui/label';
import { useToast } from '@/components/ui/toast';
import { addRelationshipAction, removeRelationshipAction } from '@/lib/actions/contacts';
import type { Relationship } from '@/lib/graph';

export const relationshipLabel: Record<RelationshipKind, string> = {
  partner: 'Partner',
  spouse: 'Spouse',
  parent: 'Parent',
  child: 'Child',
  sibling: 'Sibling',
  relative: 'Relative',
  friend: 'Friend',
  colleague: 'Colleague',
  manager: 'Manager',
  report: 'Reports to them',
  neighbour: 'Neighbour',
};

interface Candidate {
  id: string;
  name: string;
  organization: string;
}

/** People this contact is related to (typed links between persons), with add and remove. */
export function Relationships({ personId, name, items }: { personId: string; name: string; items: Relationship[] }) {
  const [adding, setAdding] = useState(false);
  const [kind, setKind] = useState<RelationshipKind>('partner');
  const [query, setQuery] = useState('');
  const [candidates, setCandidates] = useState<Candidate[]>([]);
  const [chosen, setChosen] = useState<Candidate>();
  const [loading, setLoading] = useState(false);
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string>();
  const router = useRouter();
  const toast = useToast();
  const pickName = useId();

  useEffect(() => {
    if (!adding) return;
    const ctrl = new AbortController();
    const t = setTimeout(async () => {
      setLoading(true);
      try {
        const res = await fetch(`/api/contacts?q=${encodeURIComponent(query)}`, { signal: ctrl.signal });
        const body = (await res.json()) as { items?: Candidate[]; error?: { message: string } };
        if (!res.ok) throw new Error(body.error?.message ?? 'Could not search your contacts.');
        setCandidates((body.items ?? []).filter((c) => c.id !== personId));
        setError(undefined);
      } catch (e) {
        if (!ctrl.signal.aborted) setError(e instanceof Error ? e.message : 'Could not search your contacts.');
      } finally {
        if (!ctrl.signal.aborted) setLoading(false);
      }
    }, 200);
    return () => (clearTimeout(t), ctrl.abort());
  }, [adding, query, personId]);

  async function add() {
    if (!chosen) return setError('Choose the person from the list first.');
    setPending(true);
    const result = await addRelationshipAction(personId, kind, chosen.id);
    setPending(false);
    if (!result.ok) return setError(result.error);
    toast({ title: `${chosen.name} added as ${relationshipLabel[kind].toLowerCase()}` });
    setAdding(false);
    setChosen(undefined);
    setQuery('');
    router.refresh();
  }

  async function remove(item: Relationship) {
    const result = await removeRelationshipAction(item.linkId);
    if (!result.ok) return toast({ title: 'Could not remove it', description: result.error, tone: 'error' });
    toast({ title: `Removed ${item.person.name}` });
    router.refresh();
  }

  return (
    <div className="grid gap-3">
      {items.length === 0 ? (
        <p className="text-sm text-muted-foreground">No family, friends or colleagues of {name} recorded yet.</p>
      ) : (
        <ul className="grid gap-2 text-sm">
          {items.map((item) => (
            <li key={item.linkId} className="flex items-center gap-2">
              <span className="w-32 shrink-0 text-muted-foreground">{relationshipLabel[item.kind]}</span>
              <Link
                href={`/contacts/${item.person.id}`}
                className="min-w-0 flex-1 truncate text-primary underline-offset-4 hover:underline"
              >
                {item.person.name}
              </Link>
              <Button
                variant="ghost"
                size="sm"
                aria-label={`Remove ${item.person.name} (${relationshipLabel[item.kind].toLowerCase()})`}
                onClick={() => remove(item)}
              >
                <X aria-hidden="true" />
              </Button>
            </li>
          ))}
        </ul>
      )}
      {!adding ? (
        <div>
          <Button variant="outline" size="sm" onClick={() => setAdding(true)}>
            <Plus aria-hidden="true" /> Add a relationship
          </Button>
        </div>
      ) : (
        <div className="grid gap-3 rounded-md border border-border p-3" role="group" aria-label="Add a relationship">
          <div className="grid gap-1.5">
            <Label htmlFor="relationship-kind">Relationship</Label>
            <select
              id="relationship-kind"
              value={kind}
              onChange={(e) => setKind(e.target.value as RelationshipKind)}
              className="h-10 rounded-md border border-input bg-background px-2 text-base sm:text-sm"
            >
              {relationshipKinds.map((k) => (
                <option key={k} value={k}>
                  {relationshipLabel[k]}
                </option>
              ))}
            </select>
          </div>
          <div className="grid gap-1.5">
            <Label htmlFor="relationship-search">Person</Label>
            <div className="relative">
              <Search
                className="pointer-events-none absolute left-3 top-1/2 size-4 -translate-y-1/2 text-muted-foreground"
                aria-hidden="true"
              />
              <Input
                id="relationship-search"
                type="search"
                className="pl-9"
                value={query}
                onChange={(e) => (setQuery(e.target.value), setChosen(undefined))}
                placeholder="Start of their name"
                autoComplete="off"
              />
            </div>
          </div>
          <fieldset aria-busy={loading} className="grid max-h-56 gap-1 overflow-y-auto">
            <legend className="sr-only">Matching contacts</legend>
            {candidates.map((c) => (
              <label
                key={c.id}
                className="flex items-center gap-2 rounded-md border border-border px-3 py-2 text-sm has-[:checked]:border-primary has-[:checked]:bg-muted"
              >
                <input
                  type="radio"
                  name={pickName}
                  checked={chosen?.id === c.id}
                  onChange={() => setChosen(c)}
                  className="size-4 accent-[var(--primary)]"
                />
                <span className="min-w-0 truncate">
                  {c.name}
                  {c.organization && <span className="text-muted-foreground"> · {c.organization}</span>}
                </span>
              </label>
            ))}
            {!loading && candidates.length === 0 && (
              <p className="text-sm text-muted-foreground">No other contacts match.</p>
            )}
          </fieldset>
          {error && (
            <p role="alert" className="text-sm text-destructive">
              {error}
            </p>
          )}
          <div className="flex flex-wrap gap-2">
            <Button onClick={add} disabled={pending}>
              {pending && <LoaderCircle className="animate-spin" aria-hidden="true" />}
              Add
            </Button>
            <Button variant="outline" onClick={() => (setAdding(false), setError(undefined))} disabled={pending}>
              Cancel
            </Button>
          </div>
        </div>
      )}
    </div>
  );
}
