'use client';
import type { PersonSummary, Suggestion, SuggestionPage } from '@made-open/shared/identity-api';
import { Building2, CheckCircle2, GitMerge, LoaderCircle, Mail, Phone, X } from 'lucide-react';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useEffect, useState } from 'react';
import { isCaution, reasonText } from '@/components/contacts/reasons';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { useToast } from '@/components/ui/toast';
import {
  acceptSuggestionAction,
  dismissSuggestionAction,
  listSuggestionsAction,
  undoMergeAction,
} from '@/lib/actions/identity';

function Side({
  person,
  suggestionId,
  keep,
  onKeep,
}: {
  person: PersonSummary;
  suggestionId: string;
  keep: boolean;
  onKeep: () => void;
}) {
  const radioId = `keep-${suggestionId}-${person.id}`;
  return (
    <div
      className={`grid content-start gap-2 rounded-md border p-3 text-sm ${keep ? 'border-primary' : 'border-border'}`}
    >
      <p className="min-w-0">
        <Link href={`/contacts/${person.id}`} className="font-medium underline-offset-2 hover:underline">
          {person.name || 'Unnamed contact'}
        </Link>
      </p>
      {(person.organization || person.jobTitle) && (
        <p className="flex items-center gap-1 text-muted-foreground">
          <Building2 className="size-4 shrink-0" aria-hidden="true" />
          {[person.jobTitle, person.organization].filter(Boolean).join(', ')}
        </p>
      )}
      <ul className="grid gap-1 text-muted-foreground">
        {person.emails.map((e) => (
          <li key={e} className="flex min-w-0 items-center gap-1">
            <Mail className="size-4 shrink-0" aria-hidden="true" />
            <span className="sr-only">Email: </span>
            <span className="truncate">{e}</span>
          </li>
        ))}
        {person.phones.map((p) => (
          <li key={p} className="flex items-center gap-1">
            <Phone className="size-4 shrink-0" aria-hidden="true" />
            <span className="sr-only">Phone: </span>
            {p}
          </li>
        ))}
      </ul>
      <p className="text-xs text-muted-foreground">
        {person.linkCount === 1 ? '1 linked item' : `${person.linkCount} linked items`}
        {person.source ? ` · from ${person.source}` : ''}
      </p>
      <label htmlFor={radioId} className="mt-1 flex cursor-pointer items-center gap-2">
        <input
          id={radioId}
          type="radio"
          name={`keep-${suggestionId}`}
          checked={keep}
          onChange={onKeep}
          className="size-4 accent-[var(--color-primary)]"
        />
        Keep this one
      </label>
    </div>
  );
}

function Card({
  s,
  busy,
  onAccept,
  onDismiss,
}: {
  s: Suggestion;
  busy: 'accept' | 'dismiss' | undefined;
  onAccept: (keepId: string) => void;
  onDismiss: () => void;
}) {
  const [keepId, setKeepId] = useState(s.a.id);
  const support = s.reasons.filter((r) => !isCaution(r));
  const caution = s.reasons.filter(isCaution);
  const titleId = `suggestion-${s.id}`;
  return (
    <li aria-labelledby={titleId} className="grid gap-3 rounded-lg border border-border bg-card p-4">
      <div className="flex flex-wrap items-baseline justify-between gap-2">
        <h2 id={titleId} className="font-medium">
          {s.a.name || 'Unnamed'} and {s.b.name || 'Unnamed'}
        </h2>
        <span className="text-sm text-muted-foreground">{Math.round(s.score * 100)}% alike</span>
      </div>
      <ul aria-label="Why they look alike" className="flex flex-wrap gap-1">
        {support.map((r) => (
          <li key={r.code}>
            <Badge className="border-primary/40 text-foreground">{reasonText(r)}</Badge>
          </li>
        ))}
        {caution.map((r) => (
          <li key={r.code}>
            <Badge>{reasonText(r)}</Badge>
          </li>
        ))}
      </ul>
      <fieldset className="grid gap-3 sm:grid-cols-2">
        <legend className="sr-only">Which contact to keep</legend>
        <Side person={s.a} suggestionId={s.id} keep={keepId === s.a.id} onKeep={() => setKeepId(s.a.id)} />
        <Side person={s.b} suggestionId={s.id} keep={keepId === s.b.id} onKeep={() => setKeepId(s.b.id)} />
      </fieldset>
      <div className="flex flex-wrap justify-end gap-2">
        <Button variant="outline" onClick={onDismiss} disabled={busy !== undefined}>
          {busy === 'dismiss' ? <LoaderCircle className="animate-spin" aria-hidden="true" /> : <X aria-hidden="true" />}
          Not the same person
        </Button>
        <Button onClick={() => onAccept(keepId)} disabled={busy !== undefined}>
          {busy === 'accept' ? (
            <LoaderCircle className="animate-spin" aria-hidden="true" />
          ) : (
            <GitMerge aria-hidden="true" />
          )}
          Merge
        </Button>
      </div>
    </li>
  );
}

/** The review queue: suggestions best first, each merged or dismissed in place, with Undo after a merge. */
export function DuplicateQueue({ initial }: { initial: SuggestionPage }) {
  const [items, setItems] = useState(initial.items);
  const [cursor, setCursor] = useState(initial.nextCursor);
  const [total, setTotal] = useState(initial.total);
  const [busy, setBusy] = useState<{ id: string; what: 'accept' | 'dismiss' }>();
  const [error, setError] = useState<string>();
  const [loadingMore, setLoadingMore] = useState(false);
  const router = useRouter();
  const toast = useToast();

  // A refresh (after an undo) brings the server's list back.
  useEffect(() => {
    setItems(initial.items);
    setCursor(initial.nextCursor);
    setTotal(initial.total);
  }, [initial]);

  const drop = (id: string) => {
    setItems((list) => list.filter((x) => x.id !== id));
    setTotal((n) => Math.max(0, n - 1));
  };

  async function accept(s: Suggestion, keepId: string) {
    setBusy({ id: s.id, what: 'accept' });
    setError(undefined);
    const result = await acceptSuggestionAction(s.id, keepId);
    setBusy(undefined);
    if (!result.ok) return setError(result.error);
    drop(s.id);
    const kept = keepId === s.a.id ? s.a : s.b;
    const other = keepId === s.a.id ? s.b : s.a;
    const mergeId = result.data.mergeId;
    toast({
      title: `Merged ${other.name} into ${kept.name}`,
      durationMs: 10_000,
      action: {
        label: 'Undo',
        onAction: async () => {
          const undone = await undoMergeAction(mergeId);
          if (!undone.ok) return toast({ title: 'Could not undo the merge', description: undone.error, tone: 'error' });
          toast({ title: `${other.name} and ${kept.name} are separate again` });
          router.refresh();
        },
      },
    });
  }

  async function dismiss(s: Suggestion) {
    setBusy({ id: s.id, what: 'dismiss' });
    setError(undefined);
    const result = await dismissSuggestionAction(s.id);
    setBusy(undefined);
    if (!result.ok) return setError(result.error);
    drop(s.id);
    toast({ title: `Kept ${s.a.name} and ${s.b.name} apart` });
  }

  async function more() {
    if (!cursor) return;
    setLoadingMore(true);
    const result = await listSuggestionsAction(cursor);
    setLoadingMore(false);
    if (!result.ok) return setError(result.error);
    setItems((list) => [...list, ...result.data.items.filter((x) => !list.some((y) => y.id === x.id))]);
    setCursor(result.data.nextCursor);
  }

  if (items.length === 0) {
    return (
      <p role="status" className="flex items-center gap-2 rounded-md border border-border p-4 text-sm">
        <CheckCircle2 className="size-4 text-primary" aria-hidden="true" />
        No possible duplicates to review. New ones appear here as contacts arrive.
      </p>
    );
  }
  return (
    <div className="grid gap-4">
      <p className="text-sm text-muted-foreground" role="status" aria-live="polite">
        {total === 1 ? '1 pair to review' : `${total} pairs to review`}
      </p>
      {error && (
        <p role="alert" className="rounded-md border border-destructive p-3 text-sm text-destructive">
          {error}
        </p>
      )}
      <ul className="grid gap-4">
        {items.map((s) => (
          <Card
            key={s.id}
            s={s}
            busy={busy?.id === s.id ? busy.what : undefined}
            onAccept={(keepId) => accept(s, keepId)}
            onDismiss={() => dismiss(s)}
          />
        ))}
      </ul>
      {cursor && (
        <Button variant="outline" onClick={more} disabled={loadingMore} className="justify-self-center">
          {loadingMore && <LoaderCircle className="animate-spin" aria-hidden="true" />}
          Show more
        </Button>
      )}
    </div>
  );
}
