import { SearchX } from 'lucide-react';
import Link from 'next/link';
import { Button } from '@/components/ui/button';

export default function NotFound() {
  return (
    <div className="mx-auto mt-10 max-w-md rounded-lg border border-border p-6 text-center">
      <SearchX className="mx-auto size-8 text-muted-foreground" aria-hidden="true" />
      <h1 className="mt-2 text-lg font-semibold">Page not found</h1>
      <p className="mt-2 text-sm text-muted-foreground">
        Nothing is at this address. If you followed a link to a contact or note, it may have been deleted or merged into
        another one; otherwise check the address, or search with Ctrl K.
      </p>
      <div className="mt-4 flex flex-wrap justify-center gap-2">
        <Button asChild>
          <Link href="/contacts">Go to contacts</Link>
        </Button>
        <Button asChild variant="outline">
          <Link href="/notes">Go to notes</Link>
        </Button>
      </div>
    </div>
  );
}
