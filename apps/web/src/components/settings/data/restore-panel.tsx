'use client';
import { Upload } from 'lucide-react';
import Link from 'next/link';
import { useEffect, useId, useRef, useState } from 'react';
import { Badge } from '@/components/ui/badge';
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from '@/components/ui/card';
import { restoreStatusAction } from '@/lib/actions/portability';
import type { RestoreRecord, RestoreReport } from '@/lib/portability';
import { Progress, usePoll } from './progress';

const COUNT_LABELS: [keyof RestoreReport['counts'], string][] = [
  ['entities', 'Items in your graph'],
  ['links', 'Links between them'],
  ['identifiers', 'Emails, phones and other identifiers'],
  ['rules', 'Rules'],
  ['ruleVersions', 'Rule versions'],
  ['plugins', 'Plugins'],
  ['pluginStorageKeys', 'Plugin storage keys'],
  ['buckets', 'Storage buckets'],
  ['files', 'Files'],
  ['references', 'File references rewritten'],
  ['aiDataClasses', 'AI privacy settings'],
  ['aiConversations', 'Conversations with the assistant'],
  ['aiMessages', 'Questions and answers in them'],
];

/** What to tell the user for a refusal (the upload's answer or a failed job's error). */
export function restoreProblem(status: number, code: string | undefined, message: string | undefined): string {
  if (status === 409 && code === 'restore_running')
    return 'A restore is under way already in this account: wait for it to finish.';
  if (status === 409)
    return 'This account already has data: restore into a new account. Sign out, create a fresh account and restore there.';
  if (status === 413)
    return `The archive is too big for this hub${message ? ` (${message})` : ''}. Ask its administrator to raise the limit, or make a smaller takeout.`;
  if (status === 400)
    return `The hub refused the archive: ${message ?? 'it is not a takeout.'} Choose the .tar.gz a Made Open takeout downloaded, unchanged.`;
  if (status === 401) return message ?? 'Your session has ended. Sign in again.';
  return message
    ? `The restore did not work: ${message} Try again; if it keeps failing, tell the hub's administrator.`
    : `The restore did not work (${status}). Try again; if it keeps failing, tell the hub's administrator.`;
}

type Phase =
  | { step: 'choose' }
  | { step: 'uploading'; sent: number; total: number }
  | { step: 'restoring'; record: RestoreRecord };

/** Streams the file to the web server's restore route (which streams it to the hub), reporting bytes sent. */
function uploadArchive(
  file: File,
  onProgress: (sent: number) => void,
): Promise<{ status: number; body: Record<string, unknown> | null }> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', '/settings/data/restore');
    xhr.setRequestHeader('content-type', 'application/gzip');
    xhr.upload.onprogress = (e) => onProgress(e.loaded);
    xhr.onload = () => {
      let body: Record<string, unknown> | null = null;
      try {
        body = JSON.parse(xhr.responseText) as Record<string, unknown>;
      } catch {
        // not JSON: the status says enough
      }
      resolve({ status: xhr.status, body });
    };
    xhr.onerror = () => reject(new Error('network'));
    xhr.send(file);
  });
}

function Report({
  report,
  headingRef,
}: {
  report: RestoreReport;
  headingRef: React.RefObject<HTMLHeadingElement | null>;
}) {
  return (
    <section className="space-y-4" aria-labelledby="restore-report-heading" data-testid="restore-report">
      <h3 id="restore-report-heading" ref={headingRef} tabIndex={-1} className="text-base font-semibold outline-none">
        Restored
      </h3>
      <dl className="grid gap-x-4 gap-y-1 text-sm sm:grid-cols-2" data-testid="restore-counts">
        {COUNT_LABELS.map(([key, label]) => (
          <div key={key} className="flex justify-between gap-2 border-b border-border py-1">
            <dt className="text-muted-foreground">{label}</dt>
            <dd className="font-medium tabular-nums">{report.counts[key].toLocaleString()}</dd>
          </div>
        ))}
      </dl>
      {report.rules.length > 0 && (
        <div className="space-y-1">
          <h4 className="text-sm font-medium">Rules, all switched off</h4>
          <ul className="space-y-2 text-sm" data-testid="restore-rules">
            {report.rules.map((rule) => (
              <li key={rule.id}>
                <Link className="text-primary underline underline-offset-4" href={`/rules/${rule.id}`}>
                  {rule.name}
                </Link>{' '}
                is off ({rule.versions} {rule.versions === 1 ? 'version' : 'versions'}). To turn it on, open it, save it
                to approve {rule.permissions.length ? `what it needs (${rule.permissions.join(', ')})` : 'it'}, then
                switch it on.
                {rule.webhook
                  ? ' Its webhook has a new secret: show it on the rule’s page and give it to the sender.'
                  : ''}
              </li>
            ))}
          </ul>
        </div>
      )}
      {report.plugins.length > 0 && (
        <div className="space-y-1">
          <h4 className="text-sm font-medium">Plugins waiting for your consent</h4>
          <ul className="space-y-2 text-sm" data-testid="restore-plugins">
            {report.plugins.map((plugin) => (
              <li key={plugin.pluginId}>
                <Link
                  className="text-primary underline underline-offset-4"
                  href={`/settings/plugins/${encodeURIComponent(plugin.pluginId)}`}
                >
                  {plugin.pluginId} {plugin.version}
                </Link>{' '}
                is installed with its settings and storage, and does nothing until you consent again
                {plugin.previouslyGranted.length ? ` (it had: ${plugin.previouslyGranted.join(', ')})` : ''}.
                {plugin.credentials.length ? ` Connect its credentials again: ${plugin.credentials.join(', ')}.` : ''}
              </li>
            ))}
          </ul>
          <p className="text-sm">
            <Link className="text-primary underline underline-offset-4" href="/settings/plugins">
              Go to plugins
            </Link>
          </p>
        </div>
      )}
      {report.buckets.some((b) => b.from !== b.to) && (
        <div className="space-y-1">
          <h4 className="text-sm font-medium">Storage buckets renamed</h4>
          <ul className="space-y-1 text-sm">
            {report.buckets
              .filter((b) => b.from !== b.to)
              .map((b) => (
                <li key={b.from} className="break-all">
                  {b.from} → {b.to}
                </li>
              ))}
          </ul>
        </div>
      )}
      {report.notRestored.length > 0 && (
        <div className="space-y-1">
          <h4 className="text-sm font-medium">Not restored</h4>
          <ul className="space-y-1 text-sm" data-testid="restore-not-restored">
            {report.notRestored.map((n, i) => (
              <li key={i}>
                <span className="font-medium">{n.name}</span> <span className="text-muted-foreground">({n.kind})</span>:{' '}
                {n.reason}
              </li>
            ))}
          </ul>
        </div>
      )}
    </section>
  );
}

/** Settings → Import and export: restore a takeout into this (empty) account, with progress and its report. */
export function RestorePanel() {
  const [phase, setPhase] = useState<Phase>({ step: 'choose' });
  const [error, setError] = useState<string | null>(null);
  const input = useRef<HTMLInputElement>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  const hintId = useId();
  const record = phase.step === 'restoring' ? phase.record : null;
  const active = record !== null && (record.status === 'queued' || record.status === 'running');

  usePoll(
    active,
    () => restoreStatusAction(record!.id),
    (r) => {
      setPhase({ step: 'restoring', record: r });
      if (r.status === 'failed') setError(restoreProblem(r.error?.status ?? 500, r.error?.code, r.error?.message));
    },
  );

  // The restore's id is kept in the address (?restore=<id>): a reload finds the job, or its report, again.
  useEffect(() => {
    const kept = new URLSearchParams(window.location.search).get('restore');
    if (!kept) return;
    void restoreStatusAction(kept).then((result) => {
      if (!result.ok) return;
      setPhase((p) => (p.step === 'choose' ? { step: 'restoring', record: result.data } : p));
      if (result.data.status === 'failed')
        setError(restoreProblem(result.data.error?.status ?? 500, result.data.error?.code, result.data.error?.message));
    });
  }, []);

  // When the report arrives, the focus moves to its heading (a screen reader reads it out).
  const restored = record?.status === 'restored';
  useEffect(() => {
    if (restored) heading.current?.focus();
  }, [restored]);

  async function restore(file: File) {
    setError(null);
    setPhase({ step: 'uploading', sent: 0, total: file.size });
    try {
      const { status, body } = await uploadArchive(file, (sent) =>
        setPhase({ step: 'uploading', sent, total: file.size }),
      );
      if (status === 202 && body) {
        const r = body as unknown as RestoreRecord;
        const url = new URL(window.location.href);
        url.searchParams.set('restore', r.id);
        window.history.replaceState(window.history.state, '', url);
        setPhase({ step: 'restoring', record: r });
        if (r.status === 'failed') setError(restoreProblem(r.error?.status ?? 500, r.error?.code, r.error?.message));
      } else {
        const e = (body?.error ?? null) as { code?: string; message?: string } | null;
        setPhase({ step: 'choose' });
        setError(restoreProblem(status, e?.code, e?.message));
      }
    } catch {
      setPhase({ step: 'choose' });
      setError('The archive did not reach the hub. Check your connection and try again.');
    } finally {
      if (input.current) input.current.value = '';
    }
  }

  const busy = phase.step === 'uploading' || active;
  return (
    <Card data-testid="restore-panel">
      <CardHeader>
        <CardTitle level={2} className="flex flex-wrap items-center gap-2 text-base">
          Restore from a takeout
          {record && <Badge>{record.status}</Badge>}
        </CardTitle>
        <CardDescription id={hintId}>
          Only into an account with no data yet: make a new account and restore there. What comes back: your graph
          (contacts, calendar, messages, notes and the links between them), your rules, switched off until you turn them
          on, your plugins with their settings, waiting for your consent, your files, and the assistant's privacy
          settings and conversations. What does not: credentials and passwords (connect your accounts again) and devices
          (pair them again).
        </CardDescription>
      </CardHeader>
      <CardContent className="space-y-3">
        {!busy && !restored && (
          <label className="inline-flex">
            <input
              ref={input}
              type="file"
              className="peer sr-only"
              aria-label="Takeout archive to restore"
              aria-describedby={hintId}
              accept=".tar.gz,.tgz,application/gzip"
              onChange={(e) => {
                const file = e.target.files?.[0];
                if (file) void restore(file);
              }}
            />
            <span className="inline-flex h-10 cursor-pointer items-center gap-2 rounded-md border border-border bg-background px-4 text-sm font-medium hover:bg-accent peer-focus-visible:ring-2 peer-focus-visible:ring-ring">
              <Upload className="size-4" /> Choose a takeout (.tar.gz)
            </span>
          </label>
        )}
        {phase.step === 'uploading' && (
          <Progress done={phase.sent} total={phase.total} label="Uploading the archive (bytes)" />
        )}
        {active && (
          <Progress
            done={record.progress.done}
            total={record.progress.total}
            label="Restore progress (archive bytes read)"
          />
        )}
        <p role="status" className="sr-only">
          {phase.step === 'uploading'
            ? 'Uploading the archive.'
            : active
              ? 'Restoring.'
              : restored
                ? 'Restored. The report follows.'
                : ''}
        </p>
        {record?.status === 'restored' && record.report && <Report report={record.report} headingRef={heading} />}
        {error && (
          <p role="alert" className="text-sm text-destructive" data-testid="restore-error">
            {error}
          </p>
        )}
      </CardContent>
    </Card>
  );
}
