'use client';
import { RotateCw } from 'lucide-react';
import { Button } from '@/components/ui/button';

/** Hub failures reach here with a message already written for people (HubError). */
export default function AppError({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  // In production Next replaces server error messages; HubError messages are safe to show
  // but arrive redacted, so explain the common cause instead.
  const message =
    error.message && !error.digest
      ? error.message
      : 'The page could not be loaded from your hub. It may be restarting or unreachable: check that it is running, then try again.';
  return (
    <div role="alert" className="mx-auto mt-10 max-w-md rounded-lg border border-destructive/50 p-6 text-center">
      <h1 className="text-lg font-semibold">Something went wrong</h1>
      <p className="mt-2 text-sm text-muted-foreground">{message}</p>
      <Button className="mt-4" onClick={reset}>
        <RotateCw aria-hidden="true" /> Try again
      </Button>
    </div>
  );
}
