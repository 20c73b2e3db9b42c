'use client';
import { LoaderCircle, LogIn } from 'lucide-react';
import Link from 'next/link';
import { useId, useState } from 'react';
import { Button } from '@/components/ui/button';
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from '@/components/ui/card';
import { Input } from '@/components/ui/input';
import { Label } from '@/components/ui/label';
import { startMicrosoftSignInAction } from '@/lib/actions/connections';
import type { CredentialView } from '@/lib/settings/model';

const selectClass =
  'h-10 rounded-md border border-input bg-background px-3 text-sm outline-none focus-visible:ring-2 focus-visible:ring-ring';

/** The extra folders as typed: ids or well-known names, separated by commas or spaces. */
export function foldersOf(text: string): string[] {
  return [
    ...new Set(
      text
        .split(/[\s,]+/)
        .map((f) => f.trim())
        .filter(Boolean),
    ),
  ];
}

/**
 * Connect Microsoft 365: your app registration (a wallet credential with its tenant), what to
 * sync, then Microsoft's sign-in page; Microsoft sends you back here.
 */
export function ConnectMicrosoft({ credentials }: { credentials: CredentialView[] }) {
  const [credentialId, setCredentialId] = useState(credentials.length === 1 ? credentials[0]!.id : '');
  const [folders, setFolders] = useState('');
  const [past, setPast] = useState('30');
  const [future, setFuture] = useState('365');
  const [poll, setPoll] = useState('2');
  const [work, setWork] = useState(false);
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string>();
  const ids = { credential: useId(), folders: useId(), past: useId(), future: useId(), poll: useId(), hint: useId() };

  async function signIn() {
    if (!credentialId) return setError('Choose your Microsoft 365 app registration first.');
    const numbers = [past, future, poll].map(Number);
    if (numbers.some((n) => !Number.isInteger(n)))
      return setError('Calendar days and the polling interval are whole numbers.');
    setPending(true);
    setError(undefined);
    const result = await startMicrosoftSignInAction({
      credentialId,
      options: {
        folders: foldersOf(folders),
        calendarPastDays: numbers[0]!,
        calendarFutureDays: numbers[1]!,
        pollMinutes: numbers[2]!,
        workAccount: work,
      },
      returnTo: `${window.location.origin}/settings/connections`,
    });
    if (!result.ok) {
      setPending(false);
      return setError(result.error);
    }
    window.location.assign(result.data.authorizeUrl);
  }

  if (credentials.length === 0)
    return (
      <Card>
        <CardHeader>
          <CardTitle>Connect Microsoft 365</CardTitle>
          <CardDescription>
            Add your app registration from Microsoft Entra first (tenant and client id; a secret only for a Web app). It
            stays on your hub.
          </CardDescription>
        </CardHeader>
        <CardContent>
          <Button asChild>
            <Link href="/settings/credentials?add=microsoft">Add a Microsoft 365 credential</Link>
          </Button>
        </CardContent>
      </Card>
    );

  return (
    <Card>
      <CardHeader>
        <CardTitle>Connect Microsoft 365</CardTitle>
        <CardDescription>
          You sign in at Microsoft; the hub then syncs mail (Inbox, Sent Items, Archive), your calendar and contacts,
          and keeps them up to date.
        </CardDescription>
      </CardHeader>
      <CardContent className="grid gap-4">
        <div className="flex flex-wrap items-end gap-2">
          <div className="grid min-w-56 flex-1 gap-1.5">
            <Label htmlFor={ids.credential}>App registration</Label>
            <select
              id={ids.credential}
              value={credentialId}
              onChange={(event) => setCredentialId(event.target.value)}
              className={selectClass}
              aria-describedby={ids.hint}
            >
              <option value="">Choose…</option>
              {credentials.map((c) => (
                <option key={c.id} value={c.id}>
                  {c.name}
                  {c.lastTestOk === false ? ' (last test failed)' : ''}
                </option>
              ))}
            </select>
          </div>
          <Button asChild variant="link">
            <Link href="/settings/credentials?add=microsoft">Add another</Link>
          </Button>
        </div>
        <p id={ids.hint} className="text-sm text-muted-foreground">
          The tenant (common, consumers, organizations or your directory) is part of the credential. Its redirect URI in
          Entra must be this hub&apos;s <code>/oauth/microsoft/callback</code>.
        </p>
        <div className="grid gap-3 sm:grid-cols-2">
          <div className="grid gap-1.5 sm:col-span-2">
            <Label htmlFor={ids.folders}>More mail folders (optional)</Label>
            <Input
              id={ids.folders}
              value={folders}
              onChange={(event) => setFolders(event.target.value)}
              placeholder="drafts, junkemail or folder ids"
            />
          </div>
          <div className="grid gap-1.5">
            <Label htmlFor={ids.past}>Calendar: days back</Label>
            <Input id={ids.past} inputMode="numeric" value={past} onChange={(event) => setPast(event.target.value)} />
          </div>
          <div className="grid gap-1.5">
            <Label htmlFor={ids.future}>Calendar: days ahead</Label>
            <Input
              id={ids.future}
              inputMode="numeric"
              value={future}
              onChange={(event) => setFuture(event.target.value)}
            />
          </div>
          <div className="grid gap-1.5">
            <Label htmlFor={ids.poll}>Check for changes every (minutes)</Label>
            <Input id={ids.poll} inputMode="numeric" value={poll} onChange={(event) => setPoll(event.target.value)} />
          </div>
          <label className="flex items-center gap-2 self-end text-sm">
            <input type="checkbox" checked={work} onChange={(event) => setWork(event.target.checked)} />
            Work or school account (also Teams presence)
          </label>
        </div>
        <div>
          <Button onClick={() => void signIn()} disabled={pending}>
            {pending ? <LoaderCircle className="animate-spin" aria-hidden="true" /> : <LogIn aria-hidden="true" />}
            Sign in with Microsoft
          </Button>
        </div>
        {error && (
          <p role="alert" className="text-sm text-destructive">
            {error}
          </p>
        )}
      </CardContent>
    </Card>
  );
}
