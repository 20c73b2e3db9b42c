import { TriangleAlert } from 'lucide-react';

/** A hub failure shown in place of the content, in words (HubError messages are written for people). */
export function Problem({ title = 'Could not load this page', message }: { title?: string; message: string }) {
  return (
    <div role="alert" className="mx-auto mt-6 max-w-md rounded-lg border border-destructive/50 p-6 text-center">
      <TriangleAlert className="mx-auto size-8 text-destructive" aria-hidden="true" />
      <h2 className="mt-2 text-lg font-semibold">{title}</h2>
      <p className="mt-2 text-sm text-muted-foreground">{message}</p>
    </div>
  );
}
