import { ChevronLeft } from 'lucide-react';
import type { Metadata } from 'next';
import Link from 'next/link';
import { Compose, type Recipient } from '@/components/messages/compose';
import { EmailCompose } from '@/components/messages/email-compose';
import { Card, CardContent, CardHeader, CardTitle } from '@/components/ui/card';
import { listSenders } from '@/lib/connections/api';
import { HubError } from '@/lib/errors';
import { getContact } from '@/lib/graph';
import { load } from '@/lib/hub';
import type { SendChannel, Sender } from '@/lib/messages/senders';

/** Your numbers (or mail accounts) to send from; when they cannot be listed, the hub's default is used. */
async function sendersOf(channel: SendChannel): Promise<Sender[]> {
  const senders = await load(() => listSenders(channel));
  return senders.ok ? senders.data : [];
}

export async function generateMetadata({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}): Promise<Metadata> {
  return { title: (await searchParams).channel === 'email' ? 'New email' : 'New message' };
}

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** `?to=<number>` (and `&person=<id>` for the name), as the contact page's Text buttons link. */
async function recipientOf(params: Record<string, string | string[] | undefined>): Promise<Recipient | undefined> {
  const to = typeof params.to === 'string' ? params.to.trim().slice(0, 64) : '';
  const personId = typeof params.person === 'string' && uuid.test(params.person) ? params.person : undefined;
  if (!to && !personId) return undefined;
  let name: string | undefined;
  if (personId)
    try {
      name = (await getContact(personId)).name;
    } catch (error) {
      if (!(error instanceof HubError)) throw error;
    }
  if (!to) return name ? { to: personId!, label: name } : undefined;
  return { to, label: name ? `${name} (${to})` : to };
}

export default async function NewMessagePage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const params = await searchParams;
  if (params.channel === 'email')
    return <NewEmail to={typeof params.to === 'string' ? params.to : undefined} senders={await sendersOf('email')} />;
  const [initial, senders] = await Promise.all([recipientOf(params), sendersOf('sms')]);
  return (
    <Card>
      <CardHeader className="gap-2">
        <Link
          href="/messages"
          className="flex w-fit items-center gap-1 rounded-md text-sm text-muted-foreground hover:text-foreground md:hidden"
        >
          <ChevronLeft className="size-4" aria-hidden="true" /> All conversations
        </Link>
        <CardTitle>New message</CardTitle>
      </CardHeader>
      <CardContent>
        <Compose initial={initial} senders={senders} />
      </CardContent>
    </Card>
  );
}

/** `?channel=email` (and `&to=<address>`, as a contact's email links may give it). */
function NewEmail({ to, senders }: { to?: string; senders: Sender[] }) {
  const address = to && /^[^\s@]{1,200}@[^\s@]{1,200}$/.test(to.trim()) ? to.trim() : undefined;
  return (
    <Card>
      <CardHeader className="gap-2">
        <Link
          href="/messages"
          className="flex w-fit items-center gap-1 rounded-md text-sm text-muted-foreground hover:text-foreground md:hidden"
        >
          <ChevronLeft className="size-4" aria-hidden="true" /> All conversations
        </Link>
        <CardTitle>New email</CardTitle>
      </CardHeader>
      <CardContent>
        <EmailCompose start={address ? { to: [{ address, label: address }] } : undefined} senders={senders} />
      </CardContent>
    </Card>
  );
}
