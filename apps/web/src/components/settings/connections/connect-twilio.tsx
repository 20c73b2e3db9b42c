'use client';
import { LoaderCircle, PlugZap, TriangleAlert } from 'lucide-react';
import Link from 'next/link';
import { useId, useState } from 'react';
import { Button } from '@/components/ui/button';
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from '@/components/ui/card';
import { Label } from '@/components/ui/label';
import { connectTwilioAction, listTwilioNumbersAction } from '@/lib/actions/connections';
import { setupOf, type Connection, type TwilioNumbers } from '@/lib/connections/model';
import type { CredentialView } from '@/lib/settings/model';
import { tellRingingTab } from '@/components/calls/ring-leadership';
import { Reachability } from './reachability';

/** Connect one of your Twilio numbers: credential, then number, then connect. */
export function ConnectTwilio({ credentials, connected }: { credentials: CredentialView[]; connected: string[] }) {
  const [credentialId, setCredentialId] = useState(credentials.length === 1 ? credentials[0]!.id : '');
  const [numbers, setNumbers] = useState<TwilioNumbers>();
  const [phone, setPhone] = useState('');
  const [record, setRecord] = useState(false);
  const [pending, setPending] = useState<'numbers' | 'connect'>();
  const [error, setError] = useState<string>();
  const [done, setDone] = useState<Connection>();
  const credentialField = useId();
  const numbersName = useId();
  const recordNote = useId();

  async function loadNumbers() {
    if (!credentialId) return setError('Choose a Twilio credential first.');
    setPending('numbers');
    setError(undefined);
    setDone(undefined);
    const result = await listTwilioNumbersAction(credentialId);
    setPending(undefined);
    if (!result.ok) return setError(result.error);
    setNumbers(result.data);
    setPhone(result.data.numbers.find((n) => !connected.includes(n.phoneNumber))?.phoneNumber ?? '');
  }

  async function connect() {
    if (!phone) return setError('Choose one of the numbers.');
    setPending('connect');
    setError(undefined);
    const result = await connectTwilioAction(credentialId, phone, record);
    setPending(undefined);
    if (!result.ok) return setError(result.error);
    setDone(result.data);
    setNumbers(undefined);
    // The tab of this browser that rings starts ringing for it now (another account: a new Device).
    tellRingingTab();
  }

  if (credentials.length === 0)
    return (
      <Card>
        <CardHeader>
          <CardTitle>Connect a Twilio number</CardTitle>
          <CardDescription>
            Your wallet has no Twilio credential yet. Add your Account SID and Auth Token (from console.twilio.com)
            first; they stay on your hub.
          </CardDescription>
        </CardHeader>
        <CardContent>
          <Button asChild>
            <Link href="/settings/credentials?add=twilio">Add a Twilio credential</Link>
          </Button>
        </CardContent>
      </Card>
    );

  const chosen = numbers?.numbers.find((n) => n.phoneNumber === phone);
  const setup = done ? setupOf(done) : undefined;
  return (
    <Card>
      <CardHeader>
        <CardTitle>Connect a Twilio number</CardTitle>
        <CardDescription>
          The hub points the number&apos;s incoming-message URL at itself and sends texts from it. Disconnecting puts
          back what it replaced.
        </CardDescription>
      </CardHeader>
      <CardContent className="grid gap-4">
        <div className="flex flex-wrap items-end gap-2">
          <div className="grid min-w-56 flex-1 gap-1.5">
            <Label htmlFor={credentialField}>Twilio credential</Label>
            <select
              id={credentialField}
              value={credentialId}
              onChange={(event) => {
                setCredentialId(event.target.value);
                setNumbers(undefined);
              }}
              className="h-10 rounded-md border border-input bg-background px-3 text-sm outline-none focus-visible:ring-2 focus-visible:ring-ring"
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
          <Button variant="outline" onClick={() => void loadNumbers()} disabled={pending !== undefined}>
            {pending === 'numbers' && <LoaderCircle className="animate-spin" aria-hidden="true" />}
            Show its numbers
          </Button>
          <Button asChild variant="link">
            <Link href="/settings/credentials?add=twilio">Add another credential</Link>
          </Button>
        </div>

        {numbers && (
          <>
            <Reachability publicUrl={numbers.publicUrl} webhooks={numbers.webhooks} />
            {numbers.numbers.length === 0 ? (
              <p className="text-sm text-muted-foreground">
                This Twilio account has no phone numbers. Buy one in the Twilio Console, then come back.
              </p>
            ) : (
              <fieldset className="grid gap-2">
                <legend className="mb-1 text-sm font-medium">Number</legend>
                {numbers.numbers.map((n) => {
                  const taken = connected.includes(n.phoneNumber);
                  return (
                    <label
                      key={n.sid}
                      className="flex cursor-pointer items-start gap-3 rounded-md border border-border p-3 has-[:checked]:border-primary has-[:disabled]:opacity-60"
                    >
                      <input
                        type="radio"
                        name={numbersName}
                        value={n.phoneNumber}
                        checked={phone === n.phoneNumber}
                        disabled={taken}
                        onChange={() => setPhone(n.phoneNumber)}
                        className="mt-1"
                      />
                      <span className="grid gap-0.5 text-sm">
                        <span className="font-medium">
                          {n.phoneNumber}
                          {n.friendlyName && n.friendlyName !== n.phoneNumber && (
                            <span className="font-normal text-muted-foreground"> · {n.friendlyName}</span>
                          )}
                        </span>
                        <span className="text-xs text-muted-foreground">
                          {[n.capabilities.sms && 'SMS', n.capabilities.mms && 'MMS', n.capabilities.voice && 'Voice']
                            .filter(Boolean)
                            .join(' · ') || 'No messaging'}
                          {taken && ' · already connected'}
                        </span>
                      </span>
                    </label>
                  );
                })}
              </fieldset>
            )}
            {chosen?.warning && (
              <p
                role="note"
                className="flex items-start gap-2 rounded-md border border-amber-500/60 bg-amber-500/10 p-3 text-sm"
              >
                <TriangleAlert className="mt-0.5 size-4 shrink-0" aria-hidden="true" />
                <span>{chosen.warning}</span>
              </p>
            )}
            {numbers.numbers.length > 0 && (
              <label className="flex items-start gap-2 text-sm">
                <input
                  type="checkbox"
                  checked={record}
                  onChange={(event) => setRecord(event.target.checked)}
                  aria-describedby={recordNote}
                  className="mt-1"
                />
                <span className="grid gap-0.5">
                  <span>Record my outgoing calls (both sides, kept in my storage)</span>
                  <span id={recordNote} className="text-xs text-muted-foreground">
                    In many places you must tell the other person that the call is recorded.
                  </span>
                </span>
              </label>
            )}
            {numbers.numbers.length > 0 && (
              <div>
                <Button onClick={() => void connect()} disabled={pending !== undefined || !phone}>
                  {pending === 'connect' ? (
                    <LoaderCircle className="animate-spin" aria-hidden="true" />
                  ) : (
                    <PlugZap aria-hidden="true" />
                  )}
                  Connect {phone}
                </Button>
              </div>
            )}
          </>
        )}

        {done && (
          <div role="status" className="grid gap-3 rounded-md border border-primary/50 p-3 text-sm">
            <p className="font-medium">{done.label} is connected.</p>
            {setup && !setup.publicUrl.reachable && (
              <p>Twilio cannot reach the hub yet: its card above shows the URLs to set by hand.</p>
            )}
            {setup?.warnings.map((warning) => (
              <p key={warning} className="flex items-start gap-2">
                <TriangleAlert className="mt-0.5 size-4 shrink-0" aria-hidden="true" />
                {warning}
              </p>
            ))}
          </div>
        )}
        {error && (
          <p role="alert" className="text-sm text-destructive">
            {error}
          </p>
        )}
      </CardContent>
    </Card>
  );
}
