'use client';
import { AlertTriangle } from 'lucide-react';
import { usePathname, useRouter } from 'next/navigation';
import { useState } from 'react';
import { Button } from '@/components/ui/button';
import { useToast } from '@/components/ui/toast';
import { resolveContactConflictAction } from '@/lib/actions/contact-conflicts';
import type { ConflictOutcome, ContactConflict } from '@/lib/contact-conflict-model';

const words = {
  deleted: {
    said: 'was deleted here, but changed in Outlook since you last saw it, so it was not deleted there.',
    local: 'Delete in Outlook too',
    remote: 'Keep Outlook’s copy',
    done: {
      local: (name: string) => `Deleted ${name} in Outlook too`,
      remote: (name: string) => `${name} is back, as Outlook has it`,
    },
    // Outlook deleted the contact too before the choice: nothing came back.
    gone: (name: string) => `Outlook no longer has ${name} either, so it stays deleted`,
  },
  edited: {
    said: 'was changed here and in Outlook since the hub last saw it: neither change was overwritten.',
    local: 'Keep my changes',
    remote: 'Keep Outlook’s',
    done: {
      local: (name: string) => `Your changes to ${name} are in Outlook`,
      remote: (name: string) => `${name} is as Outlook has it`,
    },
    // Outlook deleted the contact before the choice: said plainly, with what happened instead.
    gone: (name: string) => `Outlook no longer has ${name}: it was deleted there, so it is deleted here too`,
    recreated: (name: string) =>
      `${name} was deleted in Outlook meanwhile: your version is saved there as a new contact`,
  },
  // Changed here after Outlook deleted it: no copy there to compare, so the choice is whether it lives on.
  gone: {
    said: 'was changed here, but deleted in Outlook meanwhile, so your changes were not saved there.',
    local: 'Save it to Outlook again',
    remote: 'Delete it here too',
    done: {
      local: (name: string) => `${name} is in Outlook again, with your changes`,
      remote: (name: string) => `Deleted ${name} here too`,
    },
  },
  // Outlook refused the edit for good (a permission, the credential): the reason is shown, and
  // the owner tries again once it is fixed, or takes Outlook's copy instead.
  refused: {
    said: 'was changed here, but Outlook refused the changes, so they are not in Outlook yet.',
    local: 'Try again',
    remote: 'Keep Outlook’s',
    done: {
      local: (name: string) => `Your changes to ${name} are in Outlook`,
      remote: (name: string) => `${name} is as Outlook has it`,
    },
    failed: {
      local: (name: string) => `Outlook did not take your changes to ${name}`,
      remote: (name: string) => `Could not get Outlook’s copy of ${name}`,
    },
  },
  // Outlook refused the deletion for good: the contact is still there, and comes back here if kept.
  'refused-deletion': {
    said: 'was deleted here, but Outlook refused the deletion, so it is still in Outlook.',
    local: 'Try again',
    remote: 'Keep Outlook’s copy',
    done: {
      local: (name: string) => `Deleted ${name} in Outlook too`,
      remote: (name: string) => `${name} is back, as Outlook has it`,
    },
    failed: {
      local: (name: string) => `Outlook did not delete ${name}`,
      remote: (name: string) => `Could not get Outlook’s copy of ${name}`,
    },
  },
} as const;

/** A refused edit or deletion settles as an edit or a deletion does, Outlook's deletion meanwhile included. */
const settlesAs = { refused: 'edited', 'refused-deletion': 'deleted', edited: 'edited', deleted: 'deleted' } as const;

/** What the owner reads once a conflict is settled, including Outlook having deleted the contact meanwhile. */
function doneWords(conflict: ContactConflict, keep: 'local' | 'remote', outcome: ConflictOutcome) {
  const { name } = conflict;
  if (conflict.kind === 'gone') return words.gone.done[keep](name);
  const settled = settlesAs[conflict.kind];
  if (outcome === 'gone') return words[settled].gone(name);
  if (outcome === 'recreated' && settled === 'edited') return words.edited.recreated(name);
  return words[conflict.kind].done[keep](name);
}

/** The title of a choice the hub could not carry out (its words follow, e.g. Outlook's refusal again). */
function failedWords(conflict: ContactConflict, keep: 'local' | 'remote') {
  const { kind, name } = conflict;
  return kind === 'refused' || kind === 'refused-deletion'
    ? words[kind].failed[keep](name)
    : `Could not settle ${name}`;
}

/**
 * Contacts the hub could not write to Outlook because Outlook changed them meanwhile: an edit
 * (both sides shown, field by field), a deletion, or an edit of a contact Outlook deleted; or
 * an edit or a deletion Outlook refused (its reason shown). The owner keeps their side
 * (written to Outlook, as a new contact for a deleted one, or tried again) or Outlook's (the
 * contact here becomes it, comes back, or is deleted too).
 */
export function ContactConflicts({ conflicts }: { conflicts: ContactConflict[] }) {
  const [pending, setPending] = useState<string | null>(null);
  const router = useRouter();
  const pathname = usePathname();
  const toast = useToast();
  if (conflicts.length === 0) return null;

  async function choose(conflict: ContactConflict, keep: 'local' | 'remote') {
    setPending(conflict.id);
    const result = await resolveContactConflictAction(conflict.id, keep);
    setPending(null);
    if (!result.ok) toast({ title: failedWords(conflict, keep), description: result.error, tone: 'error' });
    else toast({ title: doneWords(conflict, keep, result.data) });
    // `gone`: the person is deleted here now, so their own page has nothing left to show.
    if (result.ok && result.data === 'gone' && pathname === `/contacts/${conflict.personId}`)
      router.replace('/contacts');
    else router.refresh();
  }

  return (
    <section aria-labelledby="contact-conflicts" className="mb-4 grid gap-2">
      <h2 id="contact-conflicts" className="sr-only">
        Changes waiting for your choice
      </h2>
      {conflicts.map((conflict) => {
        const said = words[conflict.kind];
        return (
          <div
            key={conflict.id}
            role="alert"
            className="grid gap-2 rounded-md border border-amber-600/60 bg-amber-50 p-3 text-sm text-amber-950 dark:bg-amber-950/40 dark:text-amber-100"
          >
            <p className="flex items-start gap-2">
              <AlertTriangle className="mt-0.5 size-4 shrink-0" aria-hidden="true" />
              <span>
                <strong className="font-medium">{conflict.name}</strong> {said.said}
              </span>
            </p>
            {conflict.reason !== undefined && (
              <p className="pl-6">
                <span className="font-medium">Why: </span>
                {conflict.reason}
              </p>
            )}
            {conflict.kind === 'edited' && conflict.differences.length === 0 && (
              <p>The details here and in Outlook are the same now: either choice keeps them.</p>
            )}
            {conflict.differences.length > 0 && (
              <div className="overflow-x-auto">
                <table className="w-full text-left text-sm">
                  <caption className="sr-only">What differs for {conflict.name}</caption>
                  <thead>
                    <tr>
                      <th scope="col" className="py-1 pr-3 font-medium">
                        Field
                      </th>
                      <th scope="col" className="py-1 pr-3 font-medium">
                        Here
                      </th>
                      <th scope="col" className="py-1 font-medium">
                        In Outlook
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {conflict.differences.map((d) => (
                      <tr key={d.field} className="border-t border-amber-600/30 align-top">
                        <th scope="row" className="py-1 pr-3 font-normal">
                          {d.field}
                        </th>
                        <td className="py-1 pr-3 break-words">{d.here || <em>empty</em>}</td>
                        <td className="py-1 break-words">{d.outlook || <em>empty</em>}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
            <div className="flex flex-wrap gap-2">
              <Button
                type="button"
                size="sm"
                onClick={() => choose(conflict, 'local')}
                disabled={pending === conflict.id}
              >
                {said.local}
              </Button>
              <Button
                type="button"
                size="sm"
                variant="outline"
                onClick={() => choose(conflict, 'remote')}
                disabled={pending === conflict.id}
              >
                {said.remote}
              </Button>
            </div>
          </div>
        );
      })}
    </section>
  );
}
