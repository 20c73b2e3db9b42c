import { Plus } from 'lucide-react';
import type { Metadata } from 'next';
import Link from 'next/link';
import { Suspense } from 'react';
import { ContactList } from '@/components/contacts/contact-list';
import { PageHeader } from '@/components/page-header';
import { Button } from '@/components/ui/button';
import { Problem } from '@/components/problem';
import { listContacts } from '@/lib/graph';
import { load } from '@/lib/hub';

export const metadata: Metadata = { title: 'Contacts' };

export default async function ContactsPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const [result, params] = await Promise.all([load(listContacts), searchParams]);
  if (!result.ok) return <Problem message={result.error} />;
  const { contacts, truncated } = result.data;
  return (
    <>
      <PageHeader
        title="Contacts"
        description="Everyone you keep in touch with, linked to their messages, calls and notes."
        actions={
          contacts.length > 0 && (
            <Button asChild>
              <Link href="/contacts/new">
                <Plus aria-hidden="true" /> New contact
              </Link>
            </Button>
          )
        }
      />
      {params.welcome === '1' && contacts.length === 0 && (
        <p role="status" className="mb-4 rounded-md border border-border bg-muted p-3 text-sm">
          Welcome to Made Open. Your account is ready: start by adding a contact, or press{' '}
          <kbd className="rounded border border-border bg-background px-1 font-mono text-xs">Ctrl K</kbd> to search and jump anywhere.
        </p>
      )}
      <Suspense>
        <ContactList contacts={contacts} truncated={truncated} />
      </Suspense>
    </>
  );
}
