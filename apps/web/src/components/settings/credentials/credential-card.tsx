'use client';
import { CircleAlert, CircleCheck, CircleHelp, FlaskConical, LoaderCircle, Pencil, Trash2 } from 'lucide-react';
import { useState } from 'react';
import { CredentialForm } from '@/components/settings/credentials/credential-form';
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
  Dialog,
  DialogContent,
  DialogDescription,
  DialogTitle,
  DialogTrigger,
} from '@/components/ui/dialog';
import {
  hintLabel,
  providerLabel,
  providerOf,
  secretLabels,
  type CredentialFieldErrors,
  type CredentialFormValues,
} from '@/lib/settings/credentials';
import type { CredentialView, TestResult } from '@/lib/settings/model';
import { LocalTime } from '@/components/ui/local-time';

export interface CredentialActions {
  test: (id: string) => Promise<{ ok: true; data: TestResult } | { ok: false; error: string }>;
  replace: (
    id: string,
    values: CredentialFormValues,
  ) => Promise<{ error?: string; fieldErrors?: CredentialFieldErrors } | void>;
  remove: (id: string) => Promise<void>;
}

/** What the hub last said about this credential, or what a test just said. */
type Outcome = { tone: 'ok' | 'error' | 'info'; message: string };

function TestStatus({ credential }: { credential: CredentialView }) {
  if (credential.lastTestOk === null)
    return (
      <Badge>
        <CircleHelp className="mr-1 size-3" aria-hidden="true" /> Not tested
      </Badge>
    );
  return credential.lastTestOk ? (
    <Badge className="border-emerald-600/40 text-emerald-700 dark:text-emerald-400">
      <CircleCheck className="mr-1 size-3" aria-hidden="true" /> Test passed
    </Badge>
  ) : (
    <Badge className="border-destructive/50 text-destructive">
      <CircleAlert className="mr-1 size-3" aria-hidden="true" /> Test failed
    </Badge>
  );
}

/**
 * One credential, masked: the hub's hints (identifying, never authorising) and a row of
 * dots for each secret field. There is no way to reveal a secret: the hub never sends one.
 */
export function CredentialCard({ credential, actions }: { credential: CredentialView; actions: CredentialActions }) {
  const [testing, setTesting] = useState(false);
  const [outcome, setOutcome] = useState<Outcome>();
  const [replacing, setReplacing] = useState(false);
  const [removing, setRemoving] = useState(false);
  const label = providerLabel(credential.type);
  const provider = providerOf(credential.type);
  // A provider without a test (generic) has no badge to earn.
  const testable = provider !== undefined && !('unavailable' in provider.test);
  const hintEntries = Object.entries(credential.hints).filter(([, v]) => v !== '');
  const secrets = secretLabels(credential);
  const headingId = `credential-${credential.id}`;

  async function test() {
    setTesting(true);
    setOutcome(undefined);
    const result = await actions.test(credential.id);
    setTesting(false);
    if (!result.ok) setOutcome({ tone: 'info', message: result.error });
    else setOutcome({ tone: result.data.ok ? 'ok' : 'error', message: result.data.message });
  }

  return (
    <Card className="p-4 sm:p-5" role="group" aria-labelledby={headingId}>
      <div className="flex flex-wrap items-start justify-between gap-3">
        <div className="min-w-0">
          <h2 id={headingId} className="truncate text-base font-semibold">
            {credential.name}
          </h2>
          <p className="text-sm text-muted-foreground">{label}</p>
        </div>
        {testable && <TestStatus credential={credential} />}
      </div>
      <dl className="mt-3 grid grid-cols-[auto_minmax(0,1fr)] gap-x-4 gap-y-1 text-sm">
        {hintEntries.map(([key, value]) => (
          <div key={key} className="contents">
            <dt className="text-muted-foreground">{hintLabel(credential.type, key)}</dt>
            <dd className="break-all font-mono">{value}</dd>
          </div>
        ))}
        {secrets.map((label) => (
          <div key={label} className="contents">
            <dt className="text-muted-foreground">{label}</dt>
            <dd>
              <span aria-hidden="true" className="font-mono tracking-widest">
                ••••••••
              </span>
              <span className="sr-only">hidden</span>
            </dd>
          </div>
        ))}
        <dt className="text-muted-foreground">Added</dt>
        <dd>
          <LocalTime iso={credential.createdAt} />
        </dd>
        {credential.lastTestedAt && (
          <>
            <dt className="text-muted-foreground">Last tested</dt>
            <dd>
              <LocalTime iso={credential.lastTestedAt} />
            </dd>
          </>
        )}
        {/* The hub keeps the last test's reason until the next test; a fresh answer shows below instead. */}
        {credential.lastTestMessage && !outcome && !testing && (
          <>
            <dt className="text-muted-foreground">Test said</dt>
            <dd>{credential.lastTestMessage}</dd>
          </>
        )}
      </dl>
      {(testing || outcome) && (
        <p
          role="status"
          className={
            outcome?.tone === 'error'
              ? 'mt-3 flex gap-2 rounded-md border border-destructive/50 bg-destructive/10 p-3 text-sm'
              : outcome?.tone === 'ok'
                ? 'mt-3 flex gap-2 rounded-md border border-emerald-600/40 bg-emerald-600/10 p-3 text-sm'
                : 'mt-3 flex gap-2 rounded-md border border-border bg-muted p-3 text-sm'
          }
        >
          {testing ? (
            <>
              <LoaderCircle className="size-4 shrink-0 animate-spin" aria-hidden="true" /> Asking {label} whether it
              accepts this credential…
            </>
          ) : outcome?.tone === 'ok' ? (
            <>
              <CircleCheck className="size-4 shrink-0 text-emerald-700 dark:text-emerald-400" aria-hidden="true" />{' '}
              {outcome.message}
            </>
          ) : (
            <>
              <CircleAlert className="size-4 shrink-0" aria-hidden="true" /> {outcome?.message}
            </>
          )}
        </p>
      )}
      <div className="mt-4 flex flex-wrap gap-2">
        <Button variant="outline" size="sm" onClick={test} disabled={testing} aria-describedby={headingId}>
          {testing ? <LoaderCircle className="animate-spin" aria-hidden="true" /> : <FlaskConical aria-hidden="true" />}{' '}
          Test
        </Button>
        <Dialog open={replacing} onOpenChange={setReplacing}>
          <DialogTrigger asChild>
            <Button variant="outline" size="sm" aria-describedby={headingId}>
              <Pencil aria-hidden="true" /> Replace
            </Button>
          </DialogTrigger>
          <DialogContent>
            <DialogTitle>Replace {credential.name}</DialogTitle>
            <DialogDescription>Plugins that use this credential keep using it, with the new values.</DialogDescription>
            <CredentialForm
              mode="replace"
              type={credential.type}
              name={credential.name}
              onCancel={() => setReplacing(false)}
              onSubmit={async (values) => {
                const outcome = await actions.replace(credential.id, values);
                if (!outcome) {
                  setReplacing(false);
                  setOutcome(undefined);
                }
                return outcome;
              }}
            />
          </DialogContent>
        </Dialog>
        <AlertDialog>
          <AlertDialogTrigger asChild>
            <Button variant="outline" size="sm" aria-describedby={headingId}>
              <Trash2 aria-hidden="true" /> Remove
            </Button>
          </AlertDialogTrigger>
          <AlertDialogContent>
            <AlertDialogTitle>Remove {credential.name}?</AlertDialogTitle>
            <AlertDialogDescription>
              The secret is deleted from your hub. Plugins that use it stop working until you give them another
              credential, and anything it switched on turns off.
            </AlertDialogDescription>
            <div className="flex flex-wrap justify-end gap-2">
              <AlertDialogCancel>Cancel</AlertDialogCancel>
              <AlertDialogAction
                disabled={removing}
                onClick={async () => {
                  setRemoving(true);
                  await actions.remove(credential.id);
                  setRemoving(false);
                }}
              >
                Remove
              </AlertDialogAction>
            </div>
          </AlertDialogContent>
        </AlertDialog>
      </div>
    </Card>
  );
}
