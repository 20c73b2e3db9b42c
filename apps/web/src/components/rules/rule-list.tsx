'use client';
import { TriangleAlert } from 'lucide-react';
import Link from 'next/link';
import { useState } from 'react';
import { StatusBadge } from '@/components/rules/status';
import { Button } from '@/components/ui/button';
import { LocalTime } from '@/components/ui/local-time';
import { deleteRuleAction, setRuleEnabledAction } from '@/lib/actions/rules';
import type { RuleView } from '@made-open/shared/rules-api';
import { cn } from '@/lib/utils';

/** An on/off switch for a rule (role switch: Space or Enter flips it). */
export function EnabledSwitch({
  rule,
  onChange,
}: {
  rule: Pick<RuleView, 'id' | 'name' | 'enabled'>;
  onChange?: (r: RuleView) => void;
}) {
  const [enabled, setEnabled] = useState(rule.enabled);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  async function flip() {
    setBusy(true);
    setError(undefined);
    const next = !enabled;
    setEnabled(next);
    const result = await setRuleEnabledAction(rule.id, next);
    setBusy(false);
    if (!result.ok) {
      setEnabled(!next);
      setError(result.error);
    } else onChange?.(result.data);
  }
  return (
    <span className="inline-flex items-center gap-2">
      <button
        type="button"
        role="switch"
        aria-checked={enabled}
        aria-label={`${rule.name} enabled`}
        disabled={busy}
        onClick={flip}
        className={cn(
          'relative inline-flex h-6 w-11 shrink-0 items-center rounded-full border-2 border-transparent transition-colors outline-none focus-visible:ring-2 focus-visible:ring-ring focus-visible:ring-offset-2 focus-visible:ring-offset-background',
          enabled ? 'bg-primary' : 'bg-muted-foreground/40',
        )}
      >
        <span
          aria-hidden="true"
          className={cn(
            'inline-block size-5 rounded-full bg-background shadow transition-transform',
            enabled ? 'translate-x-5' : 'translate-x-0',
          )}
        />
      </button>
      <span className="text-sm" aria-hidden="true">
        {enabled ? 'On' : 'Off'}
      </span>
      {error && (
        <span role="alert" className="text-sm text-destructive">
          {error}
        </span>
      )}
    </span>
  );
}

function DeleteRule({ rule }: { rule: RuleView }) {
  const [confirming, setConfirming] = useState(false);
  const [error, setError] = useState<string>();
  async function remove() {
    const result = await deleteRuleAction(rule.id);
    if (!result.ok) setError(result.error);
    setConfirming(false);
  }
  return (
    <div className="flex flex-wrap items-center gap-2">
      {confirming ? (
        <>
          <span role="status" className="text-sm">
            Delete it with its versions and runs?
          </span>
          <Button variant="destructive" size="sm" onClick={remove} aria-label={`Delete ${rule.name} now`}>
            Delete
          </Button>
          <Button variant="ghost" size="sm" onClick={() => setConfirming(false)}>
            Keep it
          </Button>
        </>
      ) : (
        <Button variant="outline" size="sm" onClick={() => setConfirming(true)} aria-label={`Delete ${rule.name}`}>
          Delete
        </Button>
      )}
      {error && (
        <p role="alert" className="text-sm text-destructive">
          {error}
        </p>
      )}
    </div>
  );
}

export function RuleList({ rules }: { rules: RuleView[] }) {
  return (
    <ul className="grid gap-3" aria-label="Your rules">
      {rules.map((rule) => {
        const failing = (rule.failures7d ?? 0) > 0 || rule.lastRun?.status === 'failed';
        return (
          <li
            key={rule.id}
            aria-label={rule.name}
            className={cn(
              'grid gap-3 rounded-lg border border-border p-4 sm:grid-cols-[1fr_auto] sm:items-center',
              failing && 'border-destructive/50',
            )}
          >
            <div className="grid min-w-0 gap-1">
              <Link href={`/rules/${rule.id}`} className="truncate font-semibold hover:underline">
                {rule.name}
              </Link>
              <p className="flex flex-wrap items-center gap-x-2 gap-y-1 text-sm text-muted-foreground">
                <span>Version {rule.version}</span>
                <span aria-hidden="true">·</span>
                {rule.lastRun ? (
                  <span className="inline-flex items-center gap-1">
                    Last run <LocalTime iso={rule.lastRun.at} /> <StatusBadge status={rule.lastRun.status} />
                  </span>
                ) : (
                  <span>Never run</span>
                )}
              </p>
              {failing && (
                <p className="inline-flex items-center gap-1 text-sm text-destructive">
                  <TriangleAlert className="size-4" aria-hidden="true" />
                  {rule.failures7d ?? 0} failed run{rule.failures7d === 1 ? '' : 's'} in the last 7 days
                </p>
              )}
            </div>
            <div className="flex flex-wrap items-center gap-3">
              <EnabledSwitch rule={rule} />
              <DeleteRule rule={rule} />
            </div>
          </li>
        );
      })}
    </ul>
  );
}
