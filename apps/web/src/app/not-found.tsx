import { SearchX, Waypoints } from 'lucide-react';
import Link from 'next/link';
import { Button } from '@/components/ui/button';

/**
 * Addresses outside the signed-in app (the proxy sends visitors without a session to
 * sign-in first, so this is rare): styled like the sign-in screens, never Next's bare page.
 */
export default function RootNotFound() {
  return (
    <main className="grid min-h-dvh place-items-center bg-muted/40 px-4 py-10">
      <div className="w-full max-w-sm text-center">
        <div className="mb-6 flex items-center justify-center gap-2 text-lg font-semibold">
          <Waypoints className="size-6 text-primary" aria-hidden="true" />
          Made Open
        </div>
        <div className="rounded-lg border border-border bg-background p-6">
          <SearchX className="mx-auto size-8 text-muted-foreground" aria-hidden="true" />
          <h1 className="mt-2 text-lg font-semibold">Page not found</h1>
          <p className="mt-2 text-sm text-muted-foreground">Nothing is at this address. Check it, or start again.</p>
          <Button asChild className="mt-4">
            <Link href="/contacts">Go to Made Open</Link>
          </Button>
        </div>
      </div>
    </main>
  );
}
