import { StatusBadge } from '@/components/rules/status';
import type { RuleTraceEntryView } from '@made-open/shared/rules-api';

function json(value: unknown) {
  return JSON.stringify(value, null, 2);
}

/** A run's trace, one entry per trigger, condition and step, with what each saw and did. */
export function TraceList({ trace, label }: { trace: RuleTraceEntryView[]; label: string }) {
  if (trace.length === 0) return <p className="text-sm text-muted-foreground">Nothing traced.</p>;
  return (
    <ol className="grid gap-2" aria-label={label}>
      {trace.map((entry, i) => {
        const ms = Date.parse(entry.t1) - Date.parse(entry.t0);
        return (
          <li key={`${entry.path}-${i}`} className="grid gap-1 rounded-md border border-border p-2 text-sm">
            <div className="flex flex-wrap items-center gap-2">
              <span className="font-medium">
                {entry.kind}
                {entry.stepId ? ` ${entry.stepId}` : ''}
              </span>
              <code className="text-xs text-muted-foreground">{entry.path}</code>
              <StatusBadge status={entry.status} />
              {Number.isFinite(ms) && <span className="text-xs text-muted-foreground">{ms} ms</span>}
            </div>
            {entry.error && (
              <p className="text-destructive">
                {entry.error.code}: {entry.error.message}
              </p>
            )}
            {(entry.input !== undefined || entry.output !== undefined) && (
              <details>
                <summary className="cursor-pointer text-muted-foreground">
                  {entry.kind === 'condition' ? 'Values it saw' : 'Input and output'}
                </summary>
                <pre className="mt-1 max-h-64 overflow-auto rounded bg-muted p-2 text-xs">
                  {entry.input !== undefined && `input: ${json(entry.input)}\n`}
                  {entry.output !== undefined && `output: ${json(entry.output)}`}
                </pre>
              </details>
            )}
          </li>
        );
      })}
    </ol>
  );
}

/**
 * Trace paths to the status each node had, for highlighting the path a run took. The hub
 * names a trigger by its id (/triggers/email); the diagram by its place (/triggers/0).
 */
export function traceMap(
  trace: RuleTraceEntryView[],
  definition: { triggers?: { id: string }[] },
): Map<string, string> {
  const map = new Map<string, string>();
  for (const entry of trace) {
    const trigger = /^\/triggers\/([^/]+)$/.exec(entry.path);
    const index = trigger ? (definition.triggers ?? []).findIndex((t) => t.id === trigger[1]) : -1;
    map.set(index >= 0 ? `/triggers/${index}` : entry.path, entry.status);
  }
  return map;
}
