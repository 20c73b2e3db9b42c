'use client';
import { LoaderCircle, Send, Trash2 } from 'lucide-react';
import { useState, type FormEvent } from 'react';
import { Button } from '@/components/ui/button';
import { Input } from '@/components/ui/input';
import { Label } from '@/components/ui/label';
import {
  removeEmailSenderAction,
  saveEmailSenderAction,
  testEmailSenderAction,
  type EmailSenderForm as FormValues,
} from '@/lib/actions/email-sender';
import type { EmailSender } from '@/lib/email-sender';
import type { ActionResult } from '@/lib/hub';

type Busy = 'save' | 'test' | 'remove' | undefined;

const blank: FormValues = { host: '', port: 587, security: 'starttls', username: '', password: '', from: '' };

function valuesOf(sender: EmailSender): FormValues {
  if (!sender.configured) return blank;
  return {
    host: sender.host,
    port: sender.port,
    security: sender.secure ? 'tls' : 'starttls',
    username: sender.username ?? '',
    password: '',
    from: sender.from,
  };
}

/**
 * The hub owner's SMTP account: password recovery, email confirmation and sign-in links go
 * out through it. The password is write-only (the hub never returns it).
 */
export function EmailSenderForm({ initial }: { initial: EmailSender }) {
  const [sender, setSender] = useState(initial);
  const [values, setValues] = useState<FormValues>(() => valuesOf(initial));
  const [busy, setBusy] = useState<Busy>();
  const [message, setMessage] = useState<{ kind: 'ok' | 'error'; text: string }>();
  const set = (field: keyof FormValues) => (value: string) => setValues((v) => ({ ...v, [field]: value }));

  /** Runs one of the actions with its progress and outcome shown; true when it worked. */
  async function run(kind: Exclude<Busy, undefined>, action: () => Promise<ActionResult<unknown>>, done: string) {
    setBusy(kind);
    setMessage(undefined);
    const result = await action();
    setBusy(undefined);
    setMessage(result.ok ? { kind: 'ok', text: done } : { kind: 'error', text: result.error });
    return result;
  }

  async function save(event: FormEvent) {
    event.preventDefault();
    const saved = await run('save', () => saveEmailSenderAction(values), 'Saved. Send a test mail to check it works.');
    if (saved.ok) {
      setSender(saved.data as EmailSender);
      setValues((v) => ({ ...v, password: '' }));
    }
  }

  return (
    <form onSubmit={save} className="grid gap-4" aria-describedby="email-sender-state">
      <p id="email-sender-state" className="text-sm text-muted-foreground">
        {sender.configured
          ? `Mail goes out through ${sender.host} as ${sender.from}.`
          : 'No email sender: password recovery, email confirmation and sign-in links are off.'}
      </p>
      <div className="grid gap-4 sm:grid-cols-[1fr_7rem]">
        <div className="grid gap-1.5">
          <Label htmlFor="smtp-host">Mail server (SMTP)</Label>
          <Input
            id="smtp-host"
            value={values.host}
            onChange={(e) => set('host')(e.target.value)}
            placeholder="smtp.example.com"
            autoComplete="off"
            required
          />
        </div>
        <div className="grid gap-1.5">
          <Label htmlFor="smtp-port">Port</Label>
          <Input
            id="smtp-port"
            inputMode="numeric"
            value={String(values.port)}
            onChange={(e) => set('port')(e.target.value)}
            required
          />
        </div>
      </div>
      <div className="grid gap-1.5">
        <Label htmlFor="smtp-security">Security</Label>
        <select
          id="smtp-security"
          value={values.security}
          onChange={(e) => set('security')(e.target.value)}
          className="h-10 rounded-md border border-input bg-background px-3 text-base text-foreground outline-none focus-visible:ring-2 focus-visible:ring-ring sm:text-sm"
        >
          <option value="starttls">STARTTLS (usually port 587)</option>
          <option value="tls">TLS from the start (usually port 465)</option>
        </select>
      </div>
      <div className="grid gap-4 sm:grid-cols-2">
        <div className="grid gap-1.5">
          <Label htmlFor="smtp-username">User name</Label>
          <Input
            id="smtp-username"
            value={values.username}
            onChange={(e) => set('username')(e.target.value)}
            autoComplete="off"
          />
        </div>
        <div className="grid gap-1.5">
          <Label htmlFor="smtp-password">Password</Label>
          <Input
            id="smtp-password"
            type="password"
            value={values.password}
            onChange={(e) => set('password')(e.target.value)}
            placeholder={sender.configured && sender.passwordSet ? 'Unchanged' : ''}
            autoComplete="new-password"
          />
        </div>
      </div>
      <div className="grid gap-1.5">
        <Label htmlFor="smtp-from">From</Label>
        <Input
          id="smtp-from"
          value={values.from}
          onChange={(e) => set('from')(e.target.value)}
          placeholder="Made Open <me@example.com>"
          autoComplete="off"
          required
        />
      </div>
      {message && (
        <p
          role={message.kind === 'error' ? 'alert' : 'status'}
          className={`text-sm ${message.kind === 'error' ? 'text-destructive' : 'text-muted-foreground'}`}
        >
          {message.text}
        </p>
      )}
      <div className="flex flex-wrap gap-2">
        <Button type="submit" disabled={busy !== undefined}>
          {busy === 'save' && <LoaderCircle className="animate-spin" aria-hidden="true" />} Save
        </Button>
        {sender.configured && (
          <>
            <Button
              type="button"
              variant="outline"
              disabled={busy !== undefined}
              onClick={() => run('test', () => testEmailSenderAction(), 'A test mail is on its way to your address.')}
            >
              {busy === 'test' ? (
                <LoaderCircle className="animate-spin" aria-hidden="true" />
              ) : (
                <Send aria-hidden="true" />
              )}{' '}
              Send a test mail
            </Button>
            <Button
              type="button"
              variant="outline"
              disabled={busy !== undefined}
              onClick={async () => {
                const removed = await run(
                  'remove',
                  () => removeEmailSenderAction(),
                  'Removed: recovery and sign-in links are off.',
                );
                if (removed.ok) {
                  setSender({ configured: false });
                  setValues(blank);
                }
              }}
            >
              <Trash2 aria-hidden="true" /> Remove
            </Button>
          </>
        )}
      </div>
    </form>
  );
}
