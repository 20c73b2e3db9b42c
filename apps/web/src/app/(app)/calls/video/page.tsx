import { ChevronLeft } from 'lucide-react';
import type { Metadata } from 'next';
import Link from 'next/link';
import { PageHeader } from '@/components/page-header';
import { Problem } from '@/components/problem';
import { OwnerRoom } from '@/components/video/owner-room';
import { getContact } from '@/lib/graph';
import { load } from '@/lib/hub';
import { listCapabilities } from '@/lib/settings/api';

export const metadata: Metadata = { title: 'Video call' };

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** /calls/video?person=<id>: a new video room for a call with a contact (the contact page's "Video"). */
export default async function VideoCallPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const person = (await searchParams).person;
  if (typeof person !== 'string' || !uuid.test(person))
    return <Problem title="No contact chosen" message="Start a video call from a contact's page (the Video button)." />;
  const [contact, capabilities] = await Promise.all([load(() => getContact(person)), load(listCapabilities)]);
  if (!contact.ok) return <Problem message={contact.error} />;
  const sms = capabilities.ok ? capabilities.data.find((c) => c.name === 'sms') : undefined;
  const name = contact.data.name;
  return (
    <div className="grid gap-4">
      <Link
        href={`/contacts/${person}`}
        className="flex w-fit items-center gap-1 rounded-md text-sm text-muted-foreground hover:text-foreground"
      >
        <ChevronLeft className="size-4" aria-hidden="true" /> {name}
      </Link>
      <PageHeader title={`Video call with ${name}`} description="A private room for this call only." />
      <OwnerRoom personId={person} name={name} canText={Boolean(sms?.enabled) && contact.data.phones.length > 0} />
    </div>
  );
}
