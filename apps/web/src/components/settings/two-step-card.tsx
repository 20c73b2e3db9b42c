'use client';
import { LoaderCircle, ShieldCheck } from 'lucide-react';
import { useState, useTransition } from 'react';
import { Button } from '@/components/ui/button';
import { Field } from '@/components/ui/field';
import { Input } from '@/components/ui/input';
import {
  confirmEnrolment,
  regenerateRecoveryCodes,
  removeFactor,
  startEnrolment,
  type Enrolment,
} from '@/lib/actions/mfa';

/**
 * Two-step sign-in (TOTP): set-up shows the QR code and the secret, a code confirms it, and
 * the recovery codes are shown once. With it on: new recovery codes, or turn it off.
 */
export function TwoStepSetup({ factorId }: { factorId: string | null }) {
  const [enrolment, setEnrolment] = useState<Enrolment | null>(null);
  const [codes, setCodes] = useState<string[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [code, setCode] = useState('');
  const [pending, start] = useTransition();

  const run = (work: () => Promise<void>) =>
    start(async () => {
      setError(null);
      await work();
    });

  if (codes) {
    return (
      <div className="grid gap-3">
        <p role="status" className="rounded-md border border-border bg-muted p-3 text-sm">
          Two-step sign-in is on. Keep these recovery codes somewhere safe: each one signs you in once if you lose your
          phone. They are shown only now.
        </p>
        <ul aria-label="Recovery codes" className="grid grid-cols-2 gap-1 font-mono text-sm">
          {codes.map((c) => (
            <li key={c}>{c}</li>
          ))}
        </ul>
        <div>
          <Button type="button" variant="outline" onClick={() => setCodes(null)}>
            I have saved them
          </Button>
        </div>
      </div>
    );
  }

  if (factorId) {
    return (
      <div className="grid gap-3">
        <p className="flex items-center gap-2 text-sm">
          <ShieldCheck aria-hidden="true" className="size-4 text-primary" /> On: signing in asks for a code from your
          authenticator app.
        </p>
        {error && (
          <p role="alert" className="rounded-md border border-destructive/50 bg-destructive/10 p-3 text-sm">
            {error}
          </p>
        )}
        <div className="flex flex-wrap gap-2">
          <Button
            type="button"
            variant="outline"
            disabled={pending}
            onClick={() =>
              run(async () => {
                const result = await regenerateRecoveryCodes();
                if (result.ok) setCodes(result.recoveryCodes);
                else setError(result.error);
              })
            }
          >
            New recovery codes
          </Button>
          <Button
            type="button"
            variant="outline"
            disabled={pending}
            onClick={() =>
              run(async () => {
                const result = await removeFactor(factorId);
                if (!result.ok) setError(result.error ?? null);
              })
            }
          >
            Turn off
          </Button>
        </div>
      </div>
    );
  }

  if (!enrolment) {
    return (
      <div className="grid gap-3">
        <p className="text-sm text-muted-foreground">
          Off. With it on, signing in also asks for a 6-digit code from an authenticator app on your phone.
        </p>
        {error && (
          <p role="alert" className="rounded-md border border-destructive/50 bg-destructive/10 p-3 text-sm">
            {error}
          </p>
        )}
        <div>
          <Button
            type="button"
            disabled={pending}
            onClick={() =>
              run(async () => {
                const result = await startEnrolment();
                if (result.ok) setEnrolment(result.enrolment);
                else setError(result.error);
              })
            }
          >
            {pending && <LoaderCircle className="animate-spin" aria-hidden="true" />}
            Set up two-step sign-in
          </Button>
        </div>
      </div>
    );
  }

  return (
    <form
      className="grid gap-3"
      aria-label="Confirm two-step sign-in"
      onSubmit={(event) => {
        event.preventDefault();
        run(async () => {
          const result = await confirmEnrolment(enrolment.factorId, code);
          if (result.ok) {
            setEnrolment(null);
            setCodes(result.recoveryCodes);
          } else setError(result.error);
        });
      }}
    >
      <p className="text-sm">Scan this QR code with your authenticator app, then enter the code it shows.</p>
      {/* A data: URL of the hub's SVG: a plain img. */}
      <img
        src={enrolment.qrCode}
        alt="QR code for your authenticator app"
        width={192}
        height={192}
        className="size-48 rounded-md bg-white p-2"
      />
      <p className="text-xs text-muted-foreground">
        Can&apos;t scan? Enter this key by hand:{' '}
        <code data-testid="totp-secret" className="break-all font-mono text-foreground">
          {enrolment.secret}
        </code>
      </p>
      {error && (
        <p role="alert" className="rounded-md border border-destructive/50 bg-destructive/10 p-3 text-sm">
          {error}
        </p>
      )}
      <Field id="totp-code" label="Code from the app">
        {(aria) => (
          <Input
            {...aria}
            name="code"
            inputMode="numeric"
            autoComplete="one-time-code"
            maxLength={6}
            value={code}
            onChange={(e) => setCode(e.target.value)}
            className="max-w-40 font-mono tracking-widest"
          />
        )}
      </Field>
      <div className="flex flex-wrap gap-2">
        <Button type="submit" disabled={pending}>
          {pending && <LoaderCircle className="animate-spin" aria-hidden="true" />}
          Turn on
        </Button>
        <Button type="button" variant="ghost" disabled={pending} onClick={() => setEnrolment(null)}>
          Cancel
        </Button>
      </div>
    </form>
  );
}
