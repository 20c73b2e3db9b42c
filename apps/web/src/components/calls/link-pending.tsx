'use client';

import { Loader2 } from 'lucide-react';
import { useLinkStatus } from 'next/link';

/** Inside a <Link>: a spinner (and, for screen readers, "loading") while the page it opens loads. */
export function LinkPending() {
  const { pending } = useLinkStatus();
  return pending ? (
    <>
      <Loader2 className="size-4 animate-spin" aria-hidden="true" />
      <span className="sr-only">(loading)</span>
    </>
  ) : null;
}
