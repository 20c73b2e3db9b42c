import { messageThreadIdPattern } from '@made-open/shared/messages';
import { ChevronLeft, Phone } from 'lucide-react';
import type { Metadata } from 'next';
import Link from 'next/link';
import { notFound, redirect } from 'next/navigation';
import { EmailActions } from '@/components/messages/email-actions';
import { EmailMessage } from '@/components/messages/email-thread';
import { MarkRead, ScrollToEnd } from '@/components/messages/mark-read';
import { MessageBubble } from '@/components/messages/message-bubble';
import { ReplyBox } from '@/components/messages/reply-box';
import { Problem } from '@/components/problem';
import { Button } from '@/components/ui/button';
import { Card } from '@/components/ui/card';
import { listTwilioConnections } from '@/lib/connections/api';
import { load } from '@/lib/hub';
import { getThread, withMediaUrls } from '@/lib/messages/api';
import { partyLabel, threadHref, type Message, type Party } from '@/lib/messages/model';

const recipient = (party: Party) => ({ address: party.address, label: partyLabel(party) });

/** Who a reply goes to: the newest incoming email's sender; reply all adds its other recipients but you. */
function replyPeople(messages: Message[], others: Party[]) {
  const notMe = new Set(others.map((p) => p.address));
  const last = [...messages].reverse().find((m) => m.direction === 'inbound') ?? messages[messages.length - 1];
  const email = last?.email;
  const sender = last?.direction === 'inbound' && email?.from ? [email.from] : (email?.to ?? []);
  const to = [...sender, ...(email?.to ?? []).filter((p) => notMe.has(p.address) && !sender.includes(p))];
  const cc = (email?.cc ?? []).filter((p) => notMe.has(p.address));
  return { sender: sender.map(recipient), everyone: { to: to.map(recipient), cc: cc.map(recipient) } };
}

function threadIdOf(param: string) {
  let id = param;
  try {
    if (id.includes('%')) id = decodeURIComponent(id);
  } catch {
    notFound();
  }
  if (!messageThreadIdPattern.test(id)) notFound();
  return id;
}

export async function generateMetadata({ params }: { params: Promise<{ threadId: string }> }): Promise<Metadata> {
  const result = await load(async () => getThread(threadIdOf((await params).threadId)));
  if (result.ok && result.data.thread.email) return { title: result.data.thread.email.subject || 'Email' };
  return { title: result.ok ? `Messages with ${result.data.thread.person.name}` : 'Messages' };
}

export default async function ThreadPage({
  params,
  searchParams,
}: {
  params: Promise<{ threadId: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const threadId = threadIdOf((await params).threadId);
  const older = (await searchParams).older;
  const cursor = typeof older === 'string' && older.length <= 200 ? older : undefined;
  const result = await load(async () => {
    const [page, connections] = await Promise.all([getThread(threadId, cursor), listTwilioConnections()]);
    return { ...page, connections, messages: await withMediaUrls(page.messages) };
  });
  if (!result.ok) return <Problem message={result.error} />;
  const { thread, messages, nextCursor, connections } = result.data;
  // An old address of a person merged into another: the hub answered the survivor's thread. A
  // temporary redirect (307), not a permanent one: undoing the merge brings the old thread back.
  if (thread.id !== threadId)
    redirect(`${threadHref(thread.id)}${cursor ? `?older=${encodeURIComponent(cursor)}` : ''}`);
  const last = messages[messages.length - 1];
  const paging = (nextCursor || cursor) && (
    <p className="mb-3 flex justify-center gap-4 text-sm">
      {nextCursor && (
        <Link
          href={`${threadHref(threadId)}?older=${encodeURIComponent(nextCursor)}`}
          className="text-primary hover:underline"
        >
          Older messages
        </Link>
      )}
      {cursor && (
        <Link href={threadHref(threadId)} className="text-primary hover:underline">
          Newest messages
        </Link>
      )}
    </p>
  );
  if (thread.email) {
    const { sender, everyone } = replyPeople(messages, thread.email.participants);
    const subject = thread.email.subject || '(no subject)';
    return (
      <Card className="grid gap-0 overflow-hidden p-0">
        <header className="flex min-w-0 flex-wrap items-center gap-3 border-b border-border p-3">
          <Link
            href="/messages"
            aria-label="All conversations"
            className="rounded-md p-1 text-muted-foreground hover:text-foreground md:hidden"
          >
            <ChevronLeft className="size-5" aria-hidden="true" />
          </Link>
          <div className="min-w-0 flex-1">
            <h2 className="font-semibold break-words">{subject}</h2>
            <p className="truncate text-xs text-muted-foreground">
              {thread.email.participants.map(partyLabel).join(', ') || 'Only you'} · {thread.email.messages}{' '}
              {thread.email.messages === 1 ? 'message' : 'messages'}
            </p>
          </div>
        </header>
        <div className="p-3">
          {paging}
          <ol className="grid gap-3" aria-label={`Emails in ${subject}`}>
            {messages.map((message) => (message.email ? <EmailMessage key={message.id} message={message} /> : null))}
          </ol>
        </div>
        {last && (
          <div className="border-t border-border p-3">
            <EmailActions
              threadId={threadId}
              replyTo={last.id}
              sender={sender}
              everyone={everyone}
              subject={thread.email.subject}
            />
          </div>
        )}
        {last && <MarkRead threadId={threadId} unread={thread.unread} lastId={last.id} />}
      </Card>
    );
  }
  // Replies go out from the thread's own number when it is still connected.
  const connectionId = connections.find((c) => c.label === thread.ownNumber && c.status === 'active')?.id;
  const to = thread.phone ?? thread.person.id ?? '';
  return (
    <Card className="grid gap-0 overflow-hidden p-0">
      <header className="flex min-w-0 flex-wrap items-center gap-3 border-b border-border p-3">
        <Link
          href="/messages"
          aria-label="All conversations"
          className="rounded-md p-1 text-muted-foreground hover:text-foreground md:hidden"
        >
          <ChevronLeft className="size-5" aria-hidden="true" />
        </Link>
        <div className="min-w-0 flex-1">
          <h2 className="truncate font-semibold">
            {thread.person.id ? (
              <Link href={`/contacts/${thread.person.id}`} className="hover:underline">
                {thread.person.name}
              </Link>
            ) : (
              thread.person.name
            )}
          </h2>
          <p className="truncate text-xs text-muted-foreground">
            {thread.phoneLabel ?? (thread.person.id ? 'Unknown number' : 'A short code or sender name')} · to your
            number {thread.ownNumberLabel}
          </p>
        </div>
        {thread.phone && (
          <Button asChild variant="outline" size="sm">
            <Link href={`/calls?to=${encodeURIComponent(thread.phone)}`}>
              <Phone aria-hidden="true" /> Call
            </Link>
          </Button>
        )}
      </header>
      <div data-scroll-box className="max-h-[60vh] min-h-64 overflow-y-auto p-3 md:max-h-[calc(100vh-22rem)]">
        {paging}
        <ol className="grid gap-3" aria-label={`Messages with ${thread.person.name}`} aria-live="polite">
          {messages.map((message) => (
            <MessageBubble key={message.id} message={message} />
          ))}
        </ol>
      </div>
      <div className="border-t border-border p-3">
        {to ? (
          <ReplyBox
            key={threadId}
            threadId={threadId}
            to={to}
            connectionId={connectionId}
            label={`Reply to ${thread.person.name}`}
          />
        ) : (
          <p className="text-sm text-muted-foreground">
            {thread.person.name} is a short code or a sender name: it takes no replies from your number.
          </p>
        )}
      </div>
      {last && !cursor && <ScrollToEnd lastId={last.id} />}
      {last && <MarkRead threadId={threadId} unread={thread.unread} lastId={last.id} />}
    </Card>
  );
}
