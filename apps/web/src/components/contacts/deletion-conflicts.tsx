'use client';
import { AlertTriangle } from 'lucide-react';
import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { Button } from '@/components/ui/button';
import { useToast } from '@/components/ui/toast';
import { resolveContactDeletionAction } from '@/lib/actions/contact-conflicts';
import type { ContactDeletionConflict } from '@/lib/contact-conflicts';

/**
 * Contacts deleted here that Outlook changed meanwhile: the hub deleted nothing in Outlook
 * (someone's change there would have been lost unseen). The owner deletes Outlook's copy too,
 * or keeps it, which brings the contact back here as Outlook has it.
 */
export function DeletionConflicts({ conflicts }: { conflicts: ContactDeletionConflict[] }) {
  const [pending, setPending] = useState<string | null>(null);
  const router = useRouter();
  const toast = useToast();
  if (conflicts.length === 0) return null;

  async function choose(conflict: ContactDeletionConflict, keep: 'local' | 'remote') {
    setPending(conflict.id);
    const result = await resolveContactDeletionAction(conflict.id, keep);
    setPending(null);
    if (!result.ok) {
      toast({ title: `Could not settle ${conflict.name}`, description: result.error, tone: 'error' });
    } else {
      toast({
        title:
          keep === 'local' ? `Deleted ${conflict.name} in Outlook too` : `${conflict.name} is back, as Outlook has it`,
      });
    }
    router.refresh();
  }

  return (
    <section aria-labelledby="deletion-conflicts" className="mb-4 grid gap-2">
      <h2 id="deletion-conflicts" className="sr-only">
        Deletions waiting for your choice
      </h2>
      {conflicts.map((conflict) => (
        <div
          key={conflict.id}
          role="alert"
          className="grid gap-2 rounded-md border border-amber-600/60 bg-amber-50 p-3 text-sm text-amber-950 dark:bg-amber-950/40 dark:text-amber-100"
        >
          <p className="flex items-start gap-2">
            <AlertTriangle className="mt-0.5 size-4 shrink-0" aria-hidden="true" />
            <span>
              <strong className="font-medium">{conflict.name}</strong> was deleted here, but changed in Outlook since
              you last saw it, so it was not deleted there.
            </span>
          </p>
          <div className="flex flex-wrap gap-2">
            <Button
              type="button"
              size="sm"
              onClick={() => choose(conflict, 'local')}
              disabled={pending === conflict.id}
            >
              Delete in Outlook too
            </Button>
            <Button
              type="button"
              size="sm"
              variant="outline"
              onClick={() => choose(conflict, 'remote')}
              disabled={pending === conflict.id}
            >
              Keep Outlook&rsquo;s copy
            </Button>
          </div>
        </div>
      ))}
    </section>
  );
}
