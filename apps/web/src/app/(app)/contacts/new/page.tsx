import type { Metadata } from 'next';
import { NewContact } from '@/components/contacts/new-contact';
import { PageHeader } from '@/components/page-header';
import { Card, CardContent } from '@/components/ui/card';
import { getDefaultRegion } from '@/lib/account';
import type { CountryCode } from '@made-open/shared/entities';

export const metadata: Metadata = { title: 'New contact' };

export default async function NewContactPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const [params, region] = await Promise.all([searchParams, getDefaultRegion()]);
  return (
    <div className="mx-auto max-w-2xl">
      <PageHeader
        title="New contact"
        description="Only a name is required. Emails and phone numbers let Made Open link messages and calls to this person."
      />
      <Card>
        <CardContent className="pt-5">
          <NewContact
            name={typeof params.name === 'string' ? params.name : undefined}
            region={region as CountryCode | undefined}
          />
        </CardContent>
      </Card>
    </div>
  );
}
