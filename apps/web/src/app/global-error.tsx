'use client';
import './globals.css';

/**
 * The last resort when the root layout itself fails: a whole page of its own (it replaces
 * the root layout), styled, saying what to do.
 */
export default function GlobalError({ reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return (
    <html lang="en">
      <body className="grid min-h-dvh place-items-center bg-muted/40 px-4 antialiased">
        <main role="alert" className="w-full max-w-sm rounded-lg border border-border bg-background p-6 text-center">
          <h1 className="text-lg font-semibold">Made Open could not load</h1>
          <p className="mt-2 text-sm text-muted-foreground">
            The app hit an error before it could show this page. Check that your hub is running, then try again.
          </p>
          <button
            type="button"
            onClick={reset}
            className="mt-4 rounded-md bg-primary px-4 py-2 text-sm font-medium text-primary-foreground"
          >
            Try again
          </button>
        </main>
      </body>
    </html>
  );
}
