'use client';
import { TriangleAlert, X } from 'lucide-react';
import Link from 'next/link';
import { useEffect, useState } from 'react';
import type { SignInAgain } from '@/lib/connections/shell';

/** Hidden ones last for this browser tab's session: the notice comes back after the browser is closed. */
const DISMISSED_KEY = 'made-open:sign-in-again-dismissed';

const PROVIDER_NAMES: Record<string, string> = { microsoft: 'Microsoft 365', twilio: 'Twilio' };

function readDismissed(): string[] {
  try {
    const stored = JSON.parse(window.sessionStorage.getItem(DISMISSED_KEY) ?? '[]') as unknown;
    return Array.isArray(stored) ? stored.filter((id): id is string => typeof id === 'string') : [];
  } catch {
    return [];
  }
}

/**
 * Connections whose sign-in was refused (needs_reauth), on every page until they are signed in
 * again: syncing is paused meanwhile, and a toast alone is easy to miss. Each can be hidden for
 * this session.
 */
export function SignInAgainNotices({ connections }: { connections: SignInAgain[] }) {
  // Read after hydration: the server cannot see sessionStorage.
  const [dismissed, setDismissed] = useState<string[] | null>(null);
  useEffect(() => setDismissed(readDismissed()), []);
  const shown = dismissed === null ? [] : connections.filter((c) => !dismissed.includes(c.id));
  if (shown.length === 0) return null;

  function dismiss(id: string) {
    const next = [...(dismissed ?? []), id];
    setDismissed(next);
    try {
      window.sessionStorage.setItem(DISMISSED_KEY, JSON.stringify(next));
    } catch {
      // storage refused: hidden on this page only
    }
  }

  return (
    <section aria-label="Connections that need you" className="border-b border-destructive/30 bg-destructive/5">
      <ul className="mx-auto max-w-6xl divide-y divide-destructive/20 px-3 sm:px-6">
        {shown.map((connection) => (
          <li key={connection.id} className="flex items-start gap-3 py-2 text-sm">
            <TriangleAlert className="mt-0.5 size-4 shrink-0 text-destructive" aria-hidden="true" />
            <p className="min-w-0 flex-1 break-words">
              {PROVIDER_NAMES[connection.provider] ?? connection.provider} ({connection.label}) needs you to sign in
              again — syncing is paused.{' '}
              <Link
                href="/settings/connections"
                className="font-medium whitespace-nowrap text-primary underline underline-offset-4"
              >
                Sign in again
              </Link>
            </p>
            <button
              type="button"
              onClick={() => dismiss(connection.id)}
              aria-label={`Hide the notice about ${connection.label} for this session`}
              className="-m-1 rounded-md p-1 text-muted-foreground outline-none hover:bg-muted hover:text-foreground focus-visible:ring-2 focus-visible:ring-ring"
            >
              <X className="size-4" aria-hidden="true" />
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}
