'use client';
import { LoaderCircle, LogIn, Mail, RefreshCw, Unplug } from 'lucide-react';
import { useRouter } from 'next/navigation';
import { useEffect, useId, useState } from 'react';
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
import { disconnectAction, startMicrosoftSignInAction, syncNowAction } from '@/lib/actions/connections';
import { microsoftSetupOf, modeOf, type MicrosoftConnection } from '@/lib/connections/model';
import { cn } from '@/lib/utils';
import { MicrosoftOptionsDialog } from './microsoft-options-dialog';

const statusText: Record<MicrosoftConnection['status'], string> = {
  connecting: 'Connecting',
  active: 'Active',
  error: 'Needs attention',
  needs_reauth: 'Sign in again',
  disconnected: 'Disconnected',
};

/** One Microsoft 365 mailbox: status, mode, last sync, counts, progress while syncing, sign in again, disconnect. */
export function MicrosoftConnectionCard({ connection }: { connection: MicrosoftConnection }) {
  const headingId = useId();
  const router = useRouter();
  const [pending, setPending] = useState<'sync' | 'signin' | 'disconnect'>();
  const [message, setMessage] = useState<string>();
  const { sync } = connection;
  const syncing = sync.state !== 'idle';

  // While a sync runs, the card follows it (the hub's progress is read again every 2 s).
  useEffect(() => {
    if (!syncing) return;
    const timer = setInterval(() => router.refresh(), 2000);
    return () => clearInterval(timer);
  }, [syncing, router]);

  async function syncNow() {
    setPending('sync');
    const result = await syncNowAction(connection.id);
    setPending(undefined);
    setMessage(result.ok ? undefined : result.error);
  }

  async function signInAgain() {
    setPending('signin');
    const result = await startMicrosoftSignInAction({
      credentialId: connection.credentialId,
      connectionId: connection.id,
      returnTo: `${window.location.origin}/settings/connections`,
    });
    if (!result.ok) {
      setPending(undefined);
      return setMessage(result.error);
    }
    window.location.assign(result.data.authorizeUrl);
  }

  const percent = sync.progress.percent;
  const live = microsoftSetupOf(connection);
  return (
    <Card role="group" className="grid gap-3 p-4" aria-labelledby={headingId}>
      <div className="flex flex-wrap items-center justify-between gap-2">
        <h3 id={headingId} className="flex items-center gap-2 font-semibold break-all">
          <Mail className="size-4 shrink-0" aria-hidden="true" /> {connection.label}
        </h3>
        <Badge
          className={cn(
            connection.status === 'active' && 'border-primary/40 text-primary',
            (connection.status === 'error' || connection.status === 'needs_reauth') &&
              'border-destructive/50 text-destructive',
          )}
        >
          {statusText[connection.status]}
        </Badge>
      </div>
      <dl className="grid gap-x-4 gap-y-1 text-sm sm:grid-cols-[auto_1fr]">
        <dt className="text-muted-foreground">Mode</dt>
        <dd>
          {modeOf(connection) ?? 'Polling'}
          {live?.mode === 'polling' && live.reason && (
            <span className="block text-muted-foreground">{live.reason}</span>
          )}
          {live?.mode === 'notifications' && (
            <span className="block text-muted-foreground">
              {live.lastNotificationAt ? (
                <>
                  Last notification{' '}
                  <LocalTime iso={live.lastNotificationAt} options={{ dateStyle: 'medium', timeStyle: 'short' }} />
                </>
              ) : (
                'No notification yet'
              )}
              {live.subscriptionExpiresAt && (
                <>
                  {' · renewed before '}
                  <LocalTime iso={live.subscriptionExpiresAt} options={{ dateStyle: 'medium', timeStyle: 'short' }} />
                </>
              )}
            </span>
          )}
        </dd>
        {live?.presence && (
          <>
            <dt className="text-muted-foreground">Teams presence</dt>
            <dd>{live.presence.summary}</dd>
          </>
        )}
        <dt className="text-muted-foreground">Last sync</dt>
        <dd>
          {sync.lastSuccessAt ? (
            <LocalTime iso={sync.lastSuccessAt} options={{ dateStyle: 'medium', timeStyle: 'short' }} />
          ) : (
            'Not yet'
          )}
        </dd>
        <dt className="text-muted-foreground">Items synced</dt>
        <dd>{sync.itemsSynced.toLocaleString()}</dd>
        <dt className="text-muted-foreground">Syncs</dt>
        <dd>
          Mail folders: Inbox, Sent Items, Archive
          {connection.options.folders.length > 0 ? ` + ${connection.options.folders.join(', ')}` : ''}; calendar{' '}
          {connection.options.calendarPastDays} days back to {connection.options.calendarFutureDays} ahead; contacts
        </dd>
      </dl>
      {syncing && (
        <div className="grid gap-1">
          <div className="flex justify-between text-sm">
            <span>
              {sync.state === 'queued'
                ? 'Waiting to sync…'
                : `Syncing${sync.progress.step ? `: ${sync.progress.step}` : ''}`}
            </span>
            <span className="text-muted-foreground">
              {sync.progress.items.toLocaleString()} items{percent !== null ? ` · ${percent}%` : ''}
            </span>
          </div>
          <div
            role="progressbar"
            aria-label={`Syncing ${connection.label}`}
            aria-valuemin={0}
            aria-valuemax={100}
            aria-valuenow={percent ?? undefined}
            aria-valuetext={percent === null ? `${sync.progress.items} items so far` : `${percent}%`}
            className="h-2 overflow-hidden rounded-full bg-muted"
          >
            <div
              className={cn('h-full bg-primary transition-all', percent === null && 'w-1/3 animate-pulse')}
              style={percent === null ? undefined : { width: `${percent}%` }}
            />
          </div>
        </div>
      )}
      {connection.statusReason && <p className="text-sm text-destructive">{connection.statusReason}</p>}
      {sync.lastError && connection.status !== 'needs_reauth' && (
        <p className="text-sm text-destructive">Last error: {sync.lastError}</p>
      )}
      {message && (
        <p role="alert" className="text-sm text-destructive">
          {message}
        </p>
      )}
      <div className="flex flex-wrap gap-2">
        {connection.status === 'needs_reauth' ? (
          <Button size="sm" onClick={() => void signInAgain()} disabled={pending !== undefined}>
            {pending === 'signin' ? (
              <LoaderCircle className="animate-spin" aria-hidden="true" />
            ) : (
              <LogIn aria-hidden="true" />
            )}
            Sign in again
          </Button>
        ) : (
          <Button
            variant="outline"
            size="sm"
            onClick={() => void syncNow()}
            disabled={pending !== undefined || syncing}
            aria-describedby={headingId}
          >
            {pending === 'sync' ? (
              <LoaderCircle className="animate-spin" aria-hidden="true" />
            ) : (
              <RefreshCw aria-hidden="true" />
            )}
            Sync now
          </Button>
        )}
        {connection.status !== 'connecting' && (
          <MicrosoftOptionsDialog connection={connection} describedBy={headingId} />
        )}
        <AlertDialog>
          <AlertDialogTrigger asChild>
            <Button variant="outline" size="sm" aria-describedby={headingId}>
              <Unplug aria-hidden="true" /> Disconnect
            </Button>
          </AlertDialogTrigger>
          <AlertDialogContent>
            <AlertDialogTitle>Disconnect {connection.label}?</AlertDialogTitle>
            <AlertDialogDescription>
              The hub stops syncing this mailbox and forgets its sign-in. Mail, events and contacts already here stay.
            </AlertDialogDescription>
            <div className="flex flex-wrap justify-end gap-2">
              <AlertDialogCancel>Cancel</AlertDialogCancel>
              <AlertDialogAction
                disabled={pending !== undefined}
                onClick={async () => {
                  setPending('disconnect');
                  const outcome = await disconnectAction(connection.id);
                  setPending(undefined);
                  if (!outcome.ok) setMessage(outcome.error);
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
