import { Mail, PenSquare } from 'lucide-react';
import Link from 'next/link';
import type { ReactNode } from 'react';
import { MessagesShell } from '@/components/messages/messages-shell';
import { ThreadList } from '@/components/messages/thread-list';
import { PageHeader } from '@/components/page-header';
import { Problem } from '@/components/problem';
import { Button } from '@/components/ui/button';
import { load } from '@/lib/hub';
import { listThreads } from '@/lib/messages/api';
import { listTwilioConnections } from '@/lib/connections/api';

export default async function MessagesLayout({ children }: { children: ReactNode }) {
  const [threads, connections] = await Promise.all([load(() => listThreads()), load(listTwilioConnections)]);
  const connected = connections.ok && connections.data.some((c) => c.status === 'active');
  return (
    <>
      <PageHeader
        title="Messages"
        description="Your texts and email in one inbox, with the people in your contacts."
        actions={
          <>
            <Button asChild>
              <Link href="/messages/new">
                <PenSquare aria-hidden="true" /> New message
              </Link>
            </Button>
            <Button asChild variant="outline">
              <Link href="/messages/new?channel=email">
                <Mail aria-hidden="true" /> New email
              </Link>
            </Button>
          </>
        }
      />
      {connections.ok && !connected && (
        <p role="status" className="mb-4 rounded-md border border-border bg-muted p-3 text-sm">
          No Twilio number is connected, so texts cannot be sent or received.{' '}
          <Link href="/settings/connections" className="font-medium text-primary underline-offset-4 hover:underline">
            Connect your Twilio number
          </Link>
          .
        </p>
      )}
      <MessagesShell
        list={threads.ok ? <ThreadList threads={threads.data.threads} /> : <Problem message={threads.error} />}
      >
        {children}
      </MessagesShell>
    </>
  );
}
