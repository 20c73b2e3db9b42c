import { Plus, UsersRound } from 'lucide-react';
import type { Metadata } from 'next';
import Link from 'next/link';
import { Suspense } from 'react';
import { ContactList } from '@/components/contacts/contact-list';
import { ContactConflicts } from '@/components/contacts/contact-conflicts';
import { PageHeader } from '@/components/page-header';
import { CONTACTS_HEADER } from '@/components/page-headers';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { Problem } from '@/components/problem';
import { listContactConflicts } from '@/lib/contact-conflicts';
import { listContactRows } from '@/lib/graph';
import { load } from '@/lib/hub';
import { countSuggestions } from '@/lib/identity';
import { filterContacts } from '@/lib/model';

/** Rows in the page's HTML: a screenful. The rest is fetched by the list right after, so
 *  the page stays small and paints fast with thousands of contacts. */
const FIRST_ROWS = 40;

export const metadata: Metadata = { title: 'Contacts' };

export default async function ContactsPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  // The badge is a nicety: a hub that cannot count suggestions still shows the contacts.
  const [result, params, duplicates, conflicts] = await Promise.all([
    load(listContactRows),
    searchParams,
    countSuggestions().catch(() => 0),
    // Edits and deletions Outlook's newer copy stopped (connectors/msgraph): a nicety like the badge.
    listContactConflicts().catch(() => []),
  ]);
  if (!result.ok) return <Problem message={result.error} />;
  const { rows, truncated, stamp } = result.data;
  const sorted = filterContacts(rows, '', params.sort === 'recent' ? 'recent' : 'name');
  const initial = sorted.length <= FIRST_ROWS ? sorted : sorted.slice(0, FIRST_ROWS);
  return (
    <>
      <PageHeader
        {...CONTACTS_HEADER}
        actions={
          rows.length > 0 && (
            <>
              {duplicates > 0 && (
                <Button variant="outline" asChild>
                  <Link href="/contacts/duplicates">
                    <UsersRound aria-hidden="true" /> Duplicates
                    <Badge className="border-primary/40 text-foreground">
                      {duplicates}
                      <span className="sr-only"> to review</span>
                    </Badge>
                  </Link>
                </Button>
              )}
              <Button asChild>
                <Link href="/contacts/new">
                  <Plus aria-hidden="true" /> New contact
                </Link>
              </Button>
            </>
          )
        }
      />
      {params.welcome === '1' && rows.length === 0 && (
        <p role="status" className="mb-4 rounded-md border border-border bg-muted p-3 text-sm">
          Welcome to Made Open. Your account is ready: start by adding a contact, or press{' '}
          <kbd className="rounded border border-border bg-background px-1 font-mono text-xs">Ctrl K</kbd> to search and
          jump anywhere.
        </p>
      )}
      <ContactConflicts conflicts={conflicts} />
      <Suspense>
        <ContactList initial={initial} total={rows.length} truncated={truncated} stamp={stamp} />
      </Suspense>
    </>
  );
}
