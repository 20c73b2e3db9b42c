'use client';
import type { DuplicateNotice as Notice } from '@made-open/shared/identity-api';
import { GitMerge, LoaderCircle, UsersRound } from 'lucide-react';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { reasonText } from '@/components/contacts/reasons';
import { Button } from '@/components/ui/button';
import { useToast } from '@/components/ui/toast';
import { mergeDuplicateAction, undoMergeAction } from '@/lib/actions/identity';

/**
 * Duplicates found by the last save of a contact, kept across the remount that follows
 * router.refresh() (the detail is keyed by version), until merged or put aside.
 */
export const foundDuplicates = new Map<string, Notice[]>();

/**
 * "This looks like someone you have": shown on the contact form after a save when a phone
 * or email belongs to another contact. Merging folds this contact into that one (the one
 * that had it first), with Undo in the toast.
 */
export function DuplicateNotice({
  selfId,
  duplicates,
  children,
}: {
  selfId: string;
  duplicates: Notice[];
  /** More actions (e.g. "Keep both"). */
  children?: React.ReactNode;
}) {
  const [pending, setPending] = useState<string>();
  const [error, setError] = useState<string>();
  const router = useRouter();
  const toast = useToast();

  async function merge(dup: Notice) {
    setPending(dup.personId);
    setError(undefined);
    const result = await mergeDuplicateAction(dup.personId, selfId);
    setPending(undefined);
    if (!result.ok) {
      setError(result.error);
      return;
    }
    const { mergeId, name } = result.data;
    toast({
      title: `Merged into ${name}`,
      action: {
        label: 'Undo',
        onAction: async () => {
          const undone = await undoMergeAction(mergeId);
          if (!undone.ok) return toast({ title: 'Could not undo the merge', description: undone.error, tone: 'error' });
          toast({ title: 'Merge undone' });
          router.push(`/contacts/${undone.data.restoredId}`);
        },
      },
    });
    foundDuplicates.delete(selfId);
    router.push(`/contacts/${dup.personId}`);
  }

  return (
    <section
      aria-labelledby="duplicate-notice-title"
      className="rounded-md border border-amber-500/60 bg-amber-50 p-4 text-sm text-foreground dark:bg-amber-950/30"
    >
      <h2 id="duplicate-notice-title" className="flex items-center gap-2 font-medium">
        <UsersRound className="size-4" aria-hidden="true" />
        {duplicates.length === 1
          ? 'This looks like someone you already have'
          : 'This looks like people you already have'}
      </h2>
      <ul className="mt-2 grid gap-3">
        {duplicates.map((dup) => (
          <li key={dup.personId} className="flex flex-wrap items-center justify-between gap-2">
            <p className="min-w-0">
              <Link href={`/contacts/${dup.personId}`} className="font-medium underline underline-offset-2">
                {dup.name}
              </Link>
              <span className="text-muted-foreground"> · {dup.reasons.map(reasonText).join(', ')}</span>
            </p>
            <Button size="sm" onClick={() => merge(dup)} disabled={pending !== undefined}>
              {pending === dup.personId ? (
                <LoaderCircle className="animate-spin" aria-hidden="true" />
              ) : (
                <GitMerge aria-hidden="true" />
              )}
              Merge into {dup.name}
            </Button>
          </li>
        ))}
      </ul>
      {error && (
        <p role="alert" className="mt-2 text-destructive">
          {error}
        </p>
      )}
      {children && <div className="mt-3 flex flex-wrap gap-2">{children}</div>}
    </section>
  );
}
