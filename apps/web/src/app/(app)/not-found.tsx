import Link from 'next/link';
import { Button } from '@/components/ui/button';

export default function NotFound() {
  return (
    <div className="mx-auto mt-10 max-w-md rounded-lg border border-border p-6 text-center">
      <h1 className="text-lg font-semibold">Not found</h1>
      <p className="mt-2 text-sm text-muted-foreground">
        This item no longer exists. It may have been deleted, or merged into another contact.
      </p>
      <Button asChild className="mt-4">
        <Link href="/contacts">Back to contacts</Link>
      </Button>
    </div>
  );
}
