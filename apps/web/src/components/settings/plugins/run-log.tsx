import { History } from 'lucide-react';
import { Badge } from '@/components/ui/badge';
import { DataTable } from '@/components/ui/data-table';
import { formatDuration, type RunView } from '@/lib/settings/model';
import { RUN_OUTCOMES, TRIGGER_LABELS } from '@/lib/settings/permissions';
import { cn } from '@/lib/utils';
import { LocalTime } from '@/components/ui/local-time';

export function OutcomeBadge({ outcome }: { outcome: string }) {
  const info = RUN_OUTCOMES[outcome] ?? { label: outcome, tone: 'error' as const };
  return (
    <Badge
      className={cn(
        info.tone === 'ok' && 'border-emerald-600/40 text-emerald-700 dark:text-emerald-400',
        info.tone === 'warn' && 'border-amber-600/50 text-amber-800 dark:text-amber-300',
        info.tone === 'error' && 'border-destructive/50 text-destructive',
      )}
    >
      {info.label}
    </Badge>
  );
}

const RUN_COLUMNS = [
  { label: 'Started' },
  { label: 'Trigger' },
  { label: 'Duration', className: 'text-right' },
  { label: 'Outcome' },
];

/** A plugin's runs, newest first: when, what started it, how long, how it ended and why. */
export function RunLog({ runs }: { runs: RunView[] }) {
  if (runs.length === 0)
    return (
      <div className="rounded-lg border border-border p-6 text-center text-sm">
        <History className="mx-auto size-6 text-muted-foreground" aria-hidden="true" />
        <p className="mt-2 font-medium">No runs yet</p>
        <p className="mt-1 text-muted-foreground">
          Each run appears here: when a schedule or event starts the plugin, or when you press Run now.
        </p>
      </div>
    );
  return (
    <DataTable label="Run log" caption="Run log, newest first" columns={RUN_COLUMNS}>
      {runs.map((run) => (
        <tbody key={run.id} className="border-t border-border">
          <tr>
            <td className="px-3 py-2 align-top">
              <LocalTime iso={run.startedAt} />
              <span className="block text-xs text-muted-foreground">v{run.version}</span>
            </td>
            <td className="px-3 py-2 align-top">
              {TRIGGER_LABELS[run.trigger] ?? run.trigger}
              {run.triggerRef && run.trigger === 'schedule' && (
                <span className="block text-xs text-muted-foreground">{run.triggerRef}</span>
              )}
            </td>
            <td className="whitespace-nowrap px-3 py-2 text-right align-top tabular-nums">
              {formatDuration(run.durationMs)}
            </td>
            <td className="px-3 py-2 align-top">
              <OutcomeBadge outcome={run.outcome} />
            </td>
          </tr>
          {run.error && (
            <tr>
              <td colSpan={4} className="px-3 pb-3 pt-0">
                <p className="break-words rounded-md bg-destructive/10 px-2 py-1 text-xs">
                  <span className="font-medium">Error: </span>
                  {run.error}
                </p>
              </td>
            </tr>
          )}
        </tbody>
      ))}
    </DataTable>
  );
}
