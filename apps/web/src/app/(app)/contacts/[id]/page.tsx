import { ChevronLeft } from 'lucide-react';
import type { Metadata } from 'next';
import Link from 'next/link';
import { ContactDetail } from '@/components/contacts/contact-detail';
import { Timeline } from '@/components/contacts/timeline';
import { Problem } from '@/components/problem';
import { Card, CardContent, CardHeader, CardTitle } from '@/components/ui/card';
import { getContact, getTimeline } from '@/lib/graph';
import { load } from '@/lib/hub';

export async function generateMetadata({ params }: { params: Promise<{ id: string }> }): Promise<Metadata> {
  const { id } = await params;
  const result = await load(() => getContact(id));
  return { title: result.ok ? result.data.name : 'Contact' };
}

export default async function ContactPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const [contact, timeline] = await Promise.all([load(() => getContact(id)), load(() => getTimeline(id))]);
  return (
    <div className="grid gap-6">
      <Link
        href="/contacts"
        className="flex w-fit items-center gap-1 rounded-md text-sm text-muted-foreground hover:text-foreground"
      >
        <ChevronLeft className="size-4" aria-hidden="true" /> All contacts
      </Link>
      {!contact.ok ? (
        <Problem message={contact.error} />
      ) : (
        <>
          {/* key: a merge or edit elsewhere gives fresh state after router.refresh() */}
          <ContactDetail key={`${contact.data.id}:${contact.data.version}`} contact={contact.data} />
          <Card>
            <CardHeader>
              <CardTitle>Timeline</CardTitle>
            </CardHeader>
            <CardContent>
              {timeline.ok ? (
                <Timeline items={timeline.data} name={contact.data.name} />
              ) : (
                <p role="alert" className="text-sm text-muted-foreground">
                  {timeline.error}
                </p>
              )}
            </CardContent>
          </Card>
        </>
      )}
    </div>
  );
}
