import type { Suggestion } from '@made-open/shared/identity-api';
import { Users } from 'lucide-react';
import Link from 'next/link';

/** The best few suggested duplicates, each pair linking to its people; the queue reviews them. */
export function SuggestedMerges({ items, total }: { items: Suggestion[]; total: number }) {
  return (
    <div className="grid gap-3">
      <ul className="grid gap-2" aria-label="Suggested merges">
        {items.map((s) => (
          <li key={s.id} className="flex items-center gap-3 text-sm">
            <span className="grid size-8 shrink-0 place-items-center rounded-full bg-muted">
              <Users className="size-4 text-muted-foreground" aria-hidden="true" />
            </span>
            <p className="min-w-0">
              <Link href={`/contacts/${s.a.id}`} className="font-medium text-primary underline underline-offset-4">
                {s.a.name}
              </Link>{' '}
              and{' '}
              <Link href={`/contacts/${s.b.id}`} className="font-medium text-primary underline underline-offset-4">
                {s.b.name}
              </Link>{' '}
              <span className="text-muted-foreground">may be the same person</span>
            </p>
          </li>
        ))}
      </ul>
      <p className="text-sm">
        <Link href="/contacts/duplicates" className="font-medium text-primary underline underline-offset-4">
          Review {total === 1 ? 'the suggestion' : `all ${total} suggestions`}
        </Link>
      </p>
    </div>
  );
}
