'use client';
import { RefreshCw } from 'lucide-react';
import { useRouter } from 'next/navigation';
import { useMemo, useState } from 'react';
import { RuleFlow } from '@/components/rules/rule-flow';
import { StatusBadge } from '@/components/rules/status';
import { TraceList, traceMap } from '@/components/rules/trace-list';
import { Button } from '@/components/ui/button';
import { LocalTime } from '@/components/ui/local-time';
import { getRunAction, rerunAction, runNowAction } from '@/lib/actions/rules';
import type { RuleRun, RuleVersion } from '@made-open/shared/rules-api';
import type { RuleDraft } from '@/lib/rules/draft';
import { ruleToGraph } from '@/lib/rules/graph';

/** Recent runs; one opened shows its trace and the path it took through its version's diagram. */
export function RuleRuns({ ruleId, runs, versions }: { ruleId: string; runs: RuleRun[]; versions: RuleVersion[] }) {
  const router = useRouter();
  const [open, setOpen] = useState<RuleRun>();
  const [error, setError] = useState<string>();
  const [notice, setNotice] = useState<string>();
  const definition = open && versions.find((v) => v.version === open.version)?.definition;
  const graph = useMemo(() => (definition ? ruleToGraph(definition as RuleDraft) : null), [definition]);
  const highlighted = useMemo(
    () => (open?.trace && definition ? traceMap(open.trace, definition as RuleDraft) : undefined),
    [open, definition],
  );

  async function show(run: RuleRun) {
    setError(undefined);
    const result = await getRunAction(ruleId, run.id);
    if (result.ok) setOpen(result.data);
    else setError(result.error);
  }
  async function start(kind: 'now' | 'rerun') {
    setError(undefined);
    const result = kind === 'now' ? await runNowAction(ruleId) : await rerunAction(ruleId, open!.id);
    if (!result.ok) return setError(result.error);
    setNotice(`Started a run (${result.data.status}).`);
    router.refresh();
  }
  return (
    <div className="grid gap-4">
      <div className="flex flex-wrap gap-2">
        <Button variant="outline" onClick={() => start('now')}>
          Run now
        </Button>
        <Button variant="outline" onClick={() => (setNotice(undefined), router.refresh())}>
          <RefreshCw aria-hidden="true" /> Refresh
        </Button>
      </div>
      {notice && (
        <p role="status" className="text-sm">
          {notice}
        </p>
      )}
      {error && (
        <p role="alert" className="text-sm text-destructive">
          {error}
        </p>
      )}
      {runs.length === 0 ? (
        <p className="text-muted-foreground">No runs yet.</p>
      ) : (
        <div className="grid gap-4 lg:grid-cols-[20rem_1fr] [&>*]:min-w-0">
          <ul className="grid content-start gap-2" aria-label="Recent runs">
            {runs.map((run) => (
              <li key={run.id}>
                <button
                  type="button"
                  aria-pressed={open?.id === run.id}
                  onClick={() => show(run)}
                  className="grid w-full gap-1 rounded-md border border-border p-2 text-left text-sm hover:bg-muted aria-pressed:border-ring aria-pressed:bg-muted"
                >
                  <span className="flex flex-wrap items-center gap-2">
                    <StatusBadge status={run.status} />
                    <LocalTime iso={run.startedAt} />
                  </span>
                  <span className="text-muted-foreground">
                    Version {run.version}, trigger {run.triggerId}
                    {run.rerunOf ? ', a re-run' : ''}
                    {run.reason ? `: ${run.reason}` : ''}
                  </span>
                </button>
              </li>
            ))}
          </ul>
          {open && (
            <section aria-label="Run trace" className="grid content-start gap-3">
              <div className="flex flex-wrap items-center gap-2">
                <h3 className="font-semibold">
                  Run of <LocalTime iso={open.startedAt} />
                </h3>
                <StatusBadge status={open.status} />
                <Button variant="outline" size="sm" onClick={() => start('rerun')}>
                  Run again with this trigger
                </Button>
              </div>
              {graph && (
                <RuleFlow
                  graph={graph}
                  trace={highlighted!}
                  label={`The path this run took through version ${open.version}`}
                />
              )}
              {open.trigger && (
                <details>
                  <summary className="cursor-pointer text-sm text-muted-foreground">The trigger</summary>
                  <pre className="mt-1 max-h-64 overflow-auto rounded bg-muted p-2 text-xs">
                    {JSON.stringify(open.trigger, null, 2)}
                  </pre>
                </details>
              )}
              <TraceList trace={open.trace ?? []} label="Trace" />
            </section>
          )}
        </div>
      )}
    </div>
  );
}
