import { ChevronLeft, Download } from 'lucide-react';
import type { Metadata } from 'next';
import Link from 'next/link';
import { ContactSummaryCard } from '@/components/ai/contact-summary-card';
import { ContactConflicts } from '@/components/contacts/contact-conflicts';
import { ContactDetail } from '@/components/contacts/contact-detail';
import { PresenceStatus } from '@/components/contacts/presence-status';
import { SaveToOutlook } from '@/components/contacts/save-to-outlook';
import { Problem } from '@/components/problem';
import { Button } from '@/components/ui/button';
import { ContactTimeline } from '@/components/timeline/contact-timeline';
import { VideoButton } from '@/components/video/video-button';
import { getDefaultRegion } from '@/lib/account';
import { listContactConflicts } from '@/lib/contact-conflicts';
import { getContact, getContactLinks } from '@/lib/graph';
import type { CountryCode } from '@made-open/shared/entities';
import { load } from '@/lib/hub';
import { getPersonPresence } from '@/lib/presence';

export async function generateMetadata({ params }: { params: Promise<{ id: string }> }): Promise<Metadata> {
  const { id } = await params;
  const result = await load(() => getContact(id));
  return { title: result.ok ? result.data.name : 'Contact' };
}

export default async function ContactPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const [contact, links, region, presence, conflicts] = await Promise.all([
    load(() => getContact(id)),
    load(() => getContactLinks(id)),
    getDefaultRegion(),
    getPersonPresence(id),
    // This person's edit or deletion that Outlook's newer copy stopped: shown above the contact to settle.
    listContactConflicts(id).catch(() => []),
  ]);
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
          <ContactConflicts conflicts={conflicts} />
          {/* key: a merge or edit elsewhere gives fresh state after router.refresh() */}
          <ContactDetail
            key={`${contact.data.id}:${contact.data.version}:${links.ok ? links.data.relationships.length : 0}`}
            contact={contact.data}
            region={region as CountryCode | undefined}
            relationships={links.ok ? links.data.relationships : []}
            actions={
              <>
                <VideoButton personId={contact.data.id} name={contact.data.name} />
                <SaveToOutlook personId={contact.data.id} name={contact.data.name} />
                <Button variant="outline" size="sm" asChild>
                  <a href={`/settings/data/export/contacts?ids=${contact.data.id}`} download>
                    <Download /> vCard
                  </a>
                </Button>
              </>
            }
            status={presence ? <PresenceStatus presence={presence} /> : undefined}
          />
          <ContactSummaryCard personId={contact.data.id} name={contact.data.name} />
          <ContactTimeline personId={contact.data.id} name={contact.data.name} />
        </>
      )}
    </div>
  );
}
