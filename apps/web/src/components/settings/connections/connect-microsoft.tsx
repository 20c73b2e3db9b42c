'use client';
import { LoaderCircle, LogIn } from 'lucide-react';
import Link from 'next/link';
import { useId, useState } from 'react';
import { Button } from '@/components/ui/button';
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from '@/components/ui/card';
import { Label } from '@/components/ui/label';
import { startMicrosoftSignInAction } from '@/lib/actions/connections';
import type { CredentialView } from '@/lib/settings/model';
import { defaultSyncFields, MicrosoftSyncFields, readSyncFields } from './microsoft-sync-fields';

const selectClass =
  'h-10 rounded-md border border-input bg-background px-3 text-sm outline-none focus-visible:ring-2 focus-visible:ring-ring';

/**
 * Connect Microsoft 365: your app registration (a wallet credential with its tenant), what to
 * sync, then Microsoft's sign-in page; Microsoft sends you back here.
 */
export function ConnectMicrosoft({ credentials }: { credentials: CredentialView[] }) {
  const [credentialId, setCredentialId] = useState(credentials.length === 1 ? credentials[0]!.id : '');
  const [fields, setFields] = useState(defaultSyncFields);
  const [work, setWork] = useState(false);
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string>();
  const ids = { credential: useId(), hint: useId() };

  async function signIn() {
    if (!credentialId) return setError('Choose your Microsoft 365 app registration first.');
    const read = readSyncFields(fields);
    if ('error' in read) return setError(read.error);
    setPending(true);
    setError(undefined);
    const result = await startMicrosoftSignInAction({
      credentialId,
      options: { ...read.options, workAccount: work },
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
          <MicrosoftSyncFields values={fields} onChange={setFields} />
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
