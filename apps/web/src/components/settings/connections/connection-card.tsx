'use client';
import { CheckCircle2, LoaderCircle, MessageSquare, Unplug } from 'lucide-react';
import Link from 'next/link';
import { useId, useState } from 'react';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { Card } from '@/components/ui/card';
import {
  AlertDialog,
  AlertDialogAction,
  AlertDialogCancel,
  AlertDialogContent,
  AlertDialogDescription,
  AlertDialogTitle,
  AlertDialogTrigger,
} from '@/components/ui/dialog';
import { LocalTime } from '@/components/ui/local-time';
import { tellRingingTab } from '@/components/calls/ring-leadership';
import { disconnectAction, testConnectionAction } from '@/lib/actions/connections';
import { setupOf, type Connection } from '@/lib/connections/model';
import { cn } from '@/lib/utils';
import { CallRecordingSwitch } from './call-recording-switch';
import { Reachability } from './reachability';

const statusText: Record<Connection['status'], string> = {
  connecting: 'Connecting',
  active: 'Active',
  error: 'Needs attention',
  needs_reauth: 'Sign in again',
  disconnected: 'Disconnected',
};

/** One connected Twilio number: status, what Twilio needs, test and disconnect (confirmed). */
export function ConnectionCard({ connection }: { connection: Connection }) {
  const headingId = useId();
  const [testing, setTesting] = useState(false);
  const [removing, setRemoving] = useState(false);
  const [result, setResult] = useState<{ ok: boolean; message: string }>();
  const setup = setupOf(connection);

  async function test() {
    setTesting(true);
    const outcome = await testConnectionAction(connection.id);
    setTesting(false);
    setResult(outcome.ok ? outcome.data : { ok: false, message: outcome.error });
  }

  return (
    <Card role="group" className="grid gap-3 p-4" aria-labelledby={headingId}>
      <div className="flex flex-wrap items-center justify-between gap-2">
        <h3 id={headingId} className="flex items-center gap-2 font-semibold">
          <MessageSquare className="size-4" aria-hidden="true" /> {connection.label}
        </h3>
        <Badge
          className={cn(
            connection.status === 'active' && 'border-primary/40 text-primary',
            connection.status === 'error' && 'border-destructive/50 text-destructive',
          )}
        >
          {statusText[connection.status]}
        </Badge>
      </div>
      <p className="text-sm text-muted-foreground">
        Twilio · {connection.capabilities.join(', ').toUpperCase() || 'no capabilities'} · connected{' '}
        <LocalTime iso={connection.createdAt} options={{ dateStyle: 'medium' }} />
      </p>
      {connection.capabilities.includes('voice') && connection.status === 'active' && (
        <CallRecordingSwitch connection={connection} />
      )}
      {connection.statusReason && <p className="text-sm text-destructive">{connection.statusReason}</p>}
      {setup && !setup.publicUrl.reachable && <Reachability publicUrl={setup.publicUrl} webhooks={setup.webhookUrls} />}
      {result && (
        <p role="status" className={cn('flex items-center gap-2 text-sm', !result.ok && 'text-destructive')}>
          {result.ok && <CheckCircle2 className="size-4 text-primary" aria-hidden="true" />}
          {result.message}
        </p>
      )}
      <div className="flex flex-wrap gap-2">
        <Button variant="outline" size="sm" onClick={() => void test()} disabled={testing} aria-describedby={headingId}>
          {testing && <LoaderCircle className="animate-spin" aria-hidden="true" />}
          Test
        </Button>
        <Button asChild variant="outline" size="sm">
          <Link href="/messages">Open messages</Link>
        </Button>
        <AlertDialog>
          <AlertDialogTrigger asChild>
            <Button variant="outline" size="sm" aria-describedby={headingId}>
              <Unplug aria-hidden="true" /> Disconnect
            </Button>
          </AlertDialogTrigger>
          <AlertDialogContent>
            <AlertDialogTitle>Disconnect {connection.label}?</AlertDialogTitle>
            <AlertDialogDescription>
              The hub stops accepting this number&apos;s texts at once and puts back the incoming-message URL it
              replaced at Twilio (unless someone changed it since). Texts already here stay.
            </AlertDialogDescription>
            <div className="flex flex-wrap justify-end gap-2">
              <AlertDialogCancel>Cancel</AlertDialogCancel>
              <AlertDialogAction
                disabled={removing}
                onClick={async () => {
                  setRemoving(true);
                  const outcome = await disconnectAction(connection.id);
                  setRemoving(false);
                  if (!outcome.ok) setResult({ ok: false, message: outcome.error });
                  else tellRingingTab(); // the ringing tab stops ringing for it now
                }}
              >
                Disconnect
              </AlertDialogAction>
            </div>
          </AlertDialogContent>
        </AlertDialog>
      </div>
    </Card>
  );
}
