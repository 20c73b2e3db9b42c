import { ArrowLeft } from 'lucide-react';
import type { Metadata } from 'next';
import Link from 'next/link';
import { DuplicateQueue } from '@/components/contacts/duplicate-queue';
import { PageHeader } from '@/components/page-header';
import { Problem } from '@/components/problem';
import { Button } from '@/components/ui/button';
import { listSuggestions } from '@/lib/identity';
import { load } from '@/lib/hub';

export const metadata: Metadata = { title: 'Possible duplicates' };

export default async function DuplicatesPage() {
  const result = await load(() => listSuggestions(20));
  return (
    <div className="mx-auto max-w-4xl">
      <PageHeader
        title="Possible duplicates"
        description="Contacts that look like the same person: the same email or phone, or a name written differently. Nothing is merged until you say so, and every merge can be undone."
        actions={
          <Button variant="outline" asChild>
            <Link href="/contacts">
              <ArrowLeft aria-hidden="true" /> Contacts
            </Link>
          </Button>
        }
      />
      {result.ok ? <DuplicateQueue initial={result.data} /> : <Problem message={result.error} />}
    </div>
  );
}
