'use client';
import { useState } from 'react';
import { TraceList } from '@/components/rules/trace-list';
import { StatusBadge } from '@/components/rules/status';
import { Button } from '@/components/ui/button';
import { LocalTime } from '@/components/ui/local-time';
import { dryRunAction } from '@/lib/actions/rules';
import type { RuleDryRun } from '@made-open/shared/rules-api';
import type { RuleDraft } from '@/lib/rules/draft';

/** Tries the draft on the owner's own events of the last days, every action simulated. */
export function RuleDryRun({ ruleId, draft }: { ruleId: string | null; draft: RuleDraft }) {
  const [days, setDays] = useState(7);
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<RuleDryRun>();
  const [error, setError] = useState<string>();
  async function run() {
    setBusy(true);
    setError(undefined);
    const answer = await dryRunAction(ruleId, draft, days);
    setBusy(false);
    if (answer.ok) setResult(answer.data);
    else setError(answer.error);
  }
  return (
    <div className="grid gap-4">
      <p className="text-sm text-muted-foreground">
        Replays your own events through this version of the rule, as it is now in the editor (saved or not). Nothing is
        sent or changed: every action is simulated.
      </p>
      <div className="flex flex-wrap items-end gap-3">
        <div className="grid gap-1">
          <label htmlFor="dry-run-days" className="text-sm font-medium">
            History to replay
          </label>
          <select
            id="dry-run-days"
            className="h-10 rounded-md border border-input bg-background px-3 text-sm"
            value={days}
            onChange={(e) => setDays(Number(e.target.value))}
          >
            {[1, 2, 3, 7].map((d) => (
              <option key={d} value={d}>
                Last {d} day{d === 1 ? '' : 's'}
              </option>
            ))}
          </select>
        </div>
        <Button onClick={run} disabled={busy}>
          {busy ? 'Trying…' : 'Try on my history'}
        </Button>
      </div>
      {error && (
        <p role="alert" className="text-sm text-destructive">
          {error}
        </p>
      )}
      {result && (
        <section aria-label="Dry run result" className="grid gap-3">
          <p role="status" className="text-sm">
            Looked at {result.examined} event{result.examined === 1 ? '' : 's'} from <LocalTime iso={result.from} /> to{' '}
            <LocalTime iso={result.to} />: it would have run <strong>{result.matched}</strong> time
            {result.matched === 1 ? '' : 's'}.
          </p>
          <ul className="flex flex-wrap gap-x-4 gap-y-1 text-sm text-muted-foreground">
            <li>{result.skippedByCondition} stopped by conditions</li>
            <li>{result.rateLimited} over the rate limit</li>
            <li>{result.loopsDetected} loops caught</li>
            <li>{result.skippedBackfill} imported items skipped</li>
          </ul>
          {result.wouldRun.length > 0 && (
            <ol className="grid gap-3" aria-label="Would have run">
              {result.wouldRun.map((r) => (
                <li key={r.eventId} className="grid gap-2 rounded-lg border border-border p-3">
                  <div className="flex flex-wrap items-center gap-2 text-sm">
                    <span className="font-medium">{r.type}</span>
                    <LocalTime iso={r.at} />
                    <StatusBadge status={r.outcome} />
                    {r.reason && <span className="text-muted-foreground">{r.reason}</span>}
                  </div>
                  <TraceList trace={r.trace} label={`What it would have done for the ${r.type} event`} />
                </li>
              ))}
            </ol>
          )}
        </section>
      )}
    </div>
  );
}
