'use client';
import { ArrowLeft, Check, LoaderCircle, Pause, Play, Power, SlidersHorizontal, Trash2, X } from 'lucide-react';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useEffect, useRef, useState } from 'react';
import { ConsentForm } from '@/components/settings/plugins/consent-form';
import { PackageUpload, type UploadFailure } from '@/components/settings/plugins/package-upload';
import { PluginStatusBadge } from '@/components/settings/plugins/plugin-status';
import { OutcomeBadge, RunLog } from '@/components/settings/plugins/run-log';
import { Button } from '@/components/ui/button';
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from '@/components/ui/card';
import {
  AlertDialog,
  AlertDialogAction,
  AlertDialogCancel,
  AlertDialogContent,
  AlertDialogDescription,
  AlertDialogTitle,
  AlertDialogTrigger,
} from '@/components/ui/dialog';
import { useToast } from '@/components/ui/toast';
import {
  consentPluginAction,
  runPluginAction,
  setPluginEnabledAction,
  uninstallPluginAction,
} from '@/lib/actions/settings';
import { providerLabel } from '@/lib/settings/credentials';
import {
  formatDuration,
  hasManualTrigger,
  type ConsentInput,
  type CredentialView,
  type Grant,
  type PluginView,
  type RunResult,
  type RunView,
} from '@/lib/settings/model';
import { describePermission, describeTrigger } from '@/lib/settings/permissions';

function useElapsed(running: boolean): number {
  const [seconds, setSeconds] = useState(0);
  useEffect(() => {
    if (!running) return;
    setSeconds(0);
    const started = Date.now();
    const timer = setInterval(() => setSeconds(Math.floor((Date.now() - started) / 1000)), 500);
    return () => clearInterval(timer);
  }, [running]);
  return seconds;
}

function RunOutcome({ result }: { result: RunResult }) {
  const output = result.result === null || result.result === undefined ? null : JSON.stringify(result.result, null, 2);
  return (
    <div role="status" className="grid gap-2 rounded-md border border-border bg-muted/50 p-3 text-sm">
      <p className="flex flex-wrap items-center gap-2">
        <span className="font-medium">Last run:</span> <OutcomeBadge outcome={result.outcome} />{' '}
        <span className="text-muted-foreground">in {formatDuration(result.durationMs)}</span>
      </p>
      {result.error && <p className="break-words">{result.error}</p>}
      {output && (
        <details>
          <summary className="cursor-pointer rounded-sm text-muted-foreground">What it returned</summary>
          <pre
            tabIndex={0}
            role="region"
            aria-label="What it returned"
            className="mt-2 max-h-64 overflow-auto rounded-md bg-background p-2 text-xs"
          >
            {output.length > 4000 ? `${output.slice(0, 4000)}\n…` : output}
          </pre>
        </details>
      )}
    </div>
  );
}

export function PluginDetail({
  plugin: initial,
  grants,
  runs,
  credentials,
}: {
  plugin: PluginView;
  grants: Grant[];
  runs: RunView[];
  credentials: CredentialView[];
}) {
  const [plugin, setPlugin] = useState(initial);
  const [changing, setChanging] = useState(false);
  const [busy, setBusy] = useState<'toggle' | 'run' | null>(null);
  const [runResult, setRunResult] = useState<RunResult>();
  const [upgradeFailure, setUpgradeFailure] = useState<UploadFailure>();
  const router = useRouter();
  const toast = useToast();
  const elapsed = useElapsed(busy === 'run');
  useEffect(() => setPlugin(initial), [initial]);
  // The Change button gives way to the form: move focus into it, and back when it closes.
  const changeCard = useRef<HTMLDivElement>(null);
  const changeButton = useRef<HTMLButtonElement>(null);
  const wasChanging = useRef(false);
  useEffect(() => {
    if (changing) changeCard.current?.focus();
    else if (wasChanging.current) changeButton.current?.focus();
    wasChanging.current = changing;
  }, [changing]);

  const held = new Set(grants.map((g) => g.permission));
  const pending = plugin.status === 'pending_consent';
  const credentialName = (id: string | null) => credentials.find((c) => c.id === id)?.name;

  async function consent(input: ConsentInput) {
    const result = await consentPluginAction(plugin.id, input);
    if (!result.ok) return { error: result.error };
    setPlugin(result.data);
    setChanging(false);
    toast({
      title: pending ? `${plugin.name} is enabled` : 'Choices saved',
      description: `It holds ${input.permissions.length} of the ${plugin.permissions.length} permissions it asks for.`,
    });
    router.refresh();
  }

  async function toggle() {
    setBusy('toggle');
    const result = await setPluginEnabledAction(plugin.id, plugin.status !== 'enabled');
    setBusy(null);
    if (!result.ok) return toast({ title: 'Could not change the plugin', description: result.error, tone: 'error' });
    setPlugin(result.data);
    toast({
      title: result.data.status === 'enabled' ? `${plugin.name} is enabled` : `${plugin.name} is disabled`,
      description: result.data.status === 'enabled' ? undefined : 'It will not run until you enable it again.',
    });
    router.refresh();
  }

  async function run() {
    setBusy('run');
    setRunResult(undefined);
    const result = await runPluginAction(plugin.id);
    setBusy(null);
    if (!result.ok) return toast({ title: 'Could not run the plugin', description: result.error, tone: 'error' });
    setRunResult(result.data);
    router.refresh();
  }

  async function uninstall() {
    const result = await uninstallPluginAction(plugin.id);
    if (!result.ok) return toast({ title: 'Could not uninstall the plugin', description: result.error, tone: 'error' });
    toast({
      title: `${plugin.name} is uninstalled`,
      description: 'Its permissions, saved data and run log were removed.',
    });
    router.push('/settings/plugins');
  }

  function upgraded(next: PluginView) {
    setUpgradeFailure(undefined);
    setPlugin(next);
    toast(
      next.status === 'pending_consent'
        ? {
            title: `Upgraded to version ${next.version}`,
            description: 'This version asks for more: review and allow it to enable it again.',
          }
        : {
            title: `Upgraded to version ${next.version}`,
            description: 'It asks for nothing new, so it keeps your choices.',
          },
    );
    router.refresh();
  }

  return (
    <div className="grid gap-6">
      <div>
        <Link
          href="/settings/plugins"
          className="inline-flex items-center gap-1 rounded-sm text-sm text-muted-foreground hover:text-foreground"
        >
          <ArrowLeft className="size-4" aria-hidden="true" /> All plugins
        </Link>
        <div className="mt-2 flex flex-wrap items-start justify-between gap-3">
          <div className="min-w-0">
            <div className="flex flex-wrap items-center gap-2">
              <h1 className="text-2xl font-semibold tracking-tight">{plugin.name}</h1>
              <PluginStatusBadge status={plugin.status} />
            </div>
            <p className="mt-1 text-sm text-muted-foreground">
              Version {plugin.version} · <code className="text-xs">{plugin.id}</code>
            </p>
            {plugin.description && <p className="mt-2 max-w-2xl text-sm">{plugin.description}</p>}
            {plugin.status === 'disabled' && plugin.statusReason && (
              <p role="alert" className="mt-2 max-w-2xl rounded-md border border-destructive/40 p-2 text-sm">
                The hub disabled this plugin: {plugin.statusReason} Enable it again once it is fixed or updated.
              </p>
            )}
          </div>
          {!pending && (
            <div className="flex flex-wrap gap-2">
              {hasManualTrigger(plugin) && (
                <Button
                  onClick={run}
                  disabled={busy !== null || plugin.status !== 'enabled'}
                  title={plugin.status !== 'enabled' ? 'Enable the plugin to run it' : undefined}
                >
                  {busy === 'run' ? (
                    <LoaderCircle className="animate-spin" aria-hidden="true" />
                  ) : (
                    <Play aria-hidden="true" />
                  )}{' '}
                  Run now
                </Button>
              )}
              <Button variant="outline" onClick={toggle} disabled={busy !== null}>
                {busy === 'toggle' ? (
                  <LoaderCircle className="animate-spin" aria-hidden="true" />
                ) : plugin.status === 'enabled' ? (
                  <Pause aria-hidden="true" />
                ) : (
                  <Power aria-hidden="true" />
                )}
                {plugin.status === 'enabled' ? 'Disable' : 'Enable'}
              </Button>
            </div>
          )}
        </div>
      </div>

      <div aria-live="polite" className="empty:hidden">
        {busy === 'run' && (
          <p className="flex items-center gap-2 rounded-md border border-border bg-muted/50 p-3 text-sm">
            <LoaderCircle className="size-4 animate-spin" aria-hidden="true" /> Running {plugin.name}…{' '}
            {elapsed > 0 ? `${elapsed} s` : ''}
          </p>
        )}
        {runResult && <RunOutcome result={runResult} />}
      </div>

      {(pending || changing) && (
        <Card ref={changeCard} tabIndex={-1} className={pending ? 'border-amber-600/50 outline-none' : 'outline-none'}>
          <CardHeader>
            <CardTitle>{pending ? 'Review and allow' : 'Change permissions and settings'}</CardTitle>
            <CardDescription>
              {!pending
                ? 'Saving applies your choices and enables the plugin.'
                : grants.length > 0
                  ? `Version ${plugin.version} asks for more than you allowed before; what is new is marked. It does nothing until you allow it.`
                  : `${plugin.name} does nothing until you allow it. Untick anything you do not want it to do.`}
            </CardDescription>
          </CardHeader>
          <CardContent>
            <ConsentForm
              plugin={plugin}
              grants={grants}
              credentials={credentials}
              submitLabel={pending ? 'Allow and enable' : 'Save and enable'}
              onSubmit={consent}
              {...(changing ? { onCancel: () => setChanging(false) } : {})}
            />
          </CardContent>
        </Card>
      )}

      {!pending && (
        <div className="grid gap-6 lg:grid-cols-2">
          <Card>
            <CardHeader className="flex-row flex-wrap items-start justify-between gap-2">
              <CardTitle>Permissions</CardTitle>
              {!changing && (
                <Button ref={changeButton} variant="outline" size="sm" onClick={() => setChanging(true)}>
                  <SlidersHorizontal aria-hidden="true" /> Change
                </Button>
              )}
            </CardHeader>
            <CardContent>
              {plugin.permissions.length === 0 ? (
                <p className="text-sm text-muted-foreground">It asks for none.</p>
              ) : (
                <ul className="grid gap-2 text-sm" aria-label="Permissions">
                  {plugin.permissions.map((p) => (
                    <li key={p} className="flex items-start gap-2">
                      {held.has(p) ? (
                        <Check
                          className="mt-0.5 size-4 shrink-0 text-emerald-700 dark:text-emerald-400"
                          aria-hidden="true"
                        />
                      ) : (
                        <X className="mt-0.5 size-4 shrink-0 text-muted-foreground" aria-hidden="true" />
                      )}
                      <span>
                        {describePermission(p).summary}
                        {held.has(p) ? (
                          <span className="sr-only"> (allowed)</span>
                        ) : (
                          <span className="text-muted-foreground"> (not allowed)</span>
                        )}
                      </span>
                    </li>
                  ))}
                </ul>
              )}
              <p className="mt-3 text-sm">
                <Link
                  href={`/settings/grants#grants-${plugin.id}`}
                  className="font-medium text-primary underline-offset-4 hover:underline"
                >
                  Review grants
                </Link>
              </p>
            </CardContent>
          </Card>
          <Card>
            <CardHeader>
              <CardTitle>How it runs</CardTitle>
            </CardHeader>
            <CardContent className="grid gap-4 text-sm">
              <div>
                <h3 className="mb-1 text-xs font-medium uppercase tracking-wide text-muted-foreground">Triggers</h3>
                <ul className="grid gap-1" aria-label="Triggers">
                  {plugin.triggers.map((t, i) => (
                    <li key={i}>{describeTrigger(t)}</li>
                  ))}
                </ul>
              </div>
              {plugin.credentials.length > 0 && (
                <div>
                  <h3 className="mb-1 text-xs font-medium uppercase tracking-wide text-muted-foreground">
                    Credentials
                  </h3>
                  <dl className="grid grid-cols-[auto_minmax(0,1fr)] gap-x-4 gap-y-1">
                    {plugin.credentials.map((slot) => (
                      <div key={slot.name} className="contents">
                        <dt className="text-muted-foreground">
                          {slot.name} ({providerLabel(slot.type)})
                        </dt>
                        <dd>
                          {credentialName(slot.boundTo) ?? (slot.boundTo ? 'a removed credential' : 'not connected')}
                        </dd>
                      </div>
                    ))}
                  </dl>
                </div>
              )}
              {Object.keys(plugin.config).length > 0 && (
                <div>
                  <h3 className="mb-1 text-xs font-medium uppercase tracking-wide text-muted-foreground">Settings</h3>
                  <dl className="grid grid-cols-[auto_minmax(0,1fr)] gap-x-4 gap-y-1">
                    {Object.entries(plugin.config).map(([k, v]) => (
                      <div key={k} className="contents">
                        <dt className="text-muted-foreground">{k}</dt>
                        <dd className="break-all font-mono">{String(v)}</dd>
                      </div>
                    ))}
                  </dl>
                </div>
              )}
            </CardContent>
          </Card>
        </div>
      )}

      <section aria-labelledby="runs-heading" className="grid gap-3">
        <h2 id="runs-heading" className="text-lg font-semibold">
          Run log
        </h2>
        <RunLog runs={runs} />
      </section>

      <section aria-labelledby="manage-heading" className="grid gap-3">
        <h2 id="manage-heading" className="text-lg font-semibold">
          Upgrade or remove
        </h2>
        <PackageUpload upgradeId={plugin.id} onDone={upgraded} onError={setUpgradeFailure}>
          <p className="mb-3 text-sm text-muted-foreground">
            Install a newer version of {plugin.name}. If it asks for more than you allowed, it waits for your consent
            again.
          </p>
        </PackageUpload>
        {upgradeFailure && (
          <p role="alert" className="rounded-md border border-destructive/50 bg-destructive/10 p-3 text-sm">
            The plugin was not upgraded. {upgradeFailure.message}
          </p>
        )}
        <div>
          <AlertDialog>
            <AlertDialogTrigger asChild>
              <Button variant="outline" className="border-destructive/50 text-destructive hover:bg-destructive/10">
                <Trash2 aria-hidden="true" /> Uninstall {plugin.name}
              </Button>
            </AlertDialogTrigger>
            <AlertDialogContent>
              <AlertDialogTitle>Uninstall {plugin.name}?</AlertDialogTitle>
              <AlertDialogDescription>
                It stops at once. Its permissions, the data it saved and its run log are deleted. What it added to your
                contacts, notes or tasks stays.
              </AlertDialogDescription>
              <div className="flex flex-wrap justify-end gap-2">
                <AlertDialogCancel>Cancel</AlertDialogCancel>
                <AlertDialogAction onClick={uninstall}>Uninstall</AlertDialogAction>
              </div>
            </AlertDialogContent>
          </AlertDialog>
        </div>
      </section>
    </div>
  );
}
