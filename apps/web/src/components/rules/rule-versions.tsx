'use client';
import { useRouter } from 'next/navigation';
import { useMemo, useState } from 'react';
import { Button } from '@/components/ui/button';
import { LocalTime } from '@/components/ui/local-time';
import { diffVersionsAction, rollbackRuleAction } from '@/lib/actions/rules';
import type { RuleDiff, RuleVersion, SavedRule } from '@made-open/shared/rules-api';
import { diffLines, withContext } from '@/lib/rules/diff';
import { ruleToText } from '@/lib/rules/text';
import { cn } from '@/lib/utils';

/** Every saved version; two compared line by line (and as the hub's JSON Patch); roll back to one. */
export function RuleVersions({
  ruleId,
  current,
  versions,
  onRolledBack,
}: {
  ruleId: string;
  current: number;
  versions: RuleVersion[];
  onRolledBack: (saved: SavedRule) => void;
}) {
  const router = useRouter();
  const [from, setFrom] = useState(versions[1]?.version ?? versions[0]?.version ?? 1);
  const [to, setTo] = useState(versions[0]?.version ?? 1);
  const [patch, setPatch] = useState<RuleDiff>();
  const [compared, setCompared] = useState<{ from: number; to: number }>();
  const [confirm, setConfirm] = useState<number>();
  const [error, setError] = useState<string>();
  const byVersion = (v: number) => versions.find((x) => x.version === v)?.definition;
  const lines = useMemo(() => {
    if (!compared) return null;
    const a = byVersion(compared.from);
    const b = byVersion(compared.to);
    return a && b ? withContext(diffLines(ruleToText(a, 'yaml'), ruleToText(b, 'yaml')), 3) : null;
  }, [compared, versions]);

  async function compare() {
    setError(undefined);
    const result = await diffVersionsAction(ruleId, from, to);
    if (!result.ok) return setError(result.error);
    setPatch(result.data);
    setCompared({ from, to });
  }
  async function rollback(version: number) {
    setError(undefined);
    const result = await rollbackRuleAction(ruleId, current, version);
    setConfirm(undefined);
    if (!result.ok) return setError(result.error);
    onRolledBack(result.data);
    router.refresh();
  }
  const versionSelect = (id: string, label: string, value: number, set: (v: number) => void) => (
    <div className="grid gap-1">
      <label htmlFor={id} className="text-sm font-medium">
        {label}
      </label>
      <select
        id={id}
        className="h-10 rounded-md border border-input bg-background px-3 text-sm"
        value={value}
        onChange={(e) => set(Number(e.target.value))}
      >
        {versions.map((v) => (
          <option key={v.version} value={v.version}>
            Version {v.version}
          </option>
        ))}
      </select>
    </div>
  );
  return (
    <div className="grid gap-6 [&>*]:min-w-0">
      <ol className="grid gap-2" aria-label="Versions">
        {versions.map((v) => (
          <li
            key={v.version}
            aria-label={`Version ${v.version}`}
            className="flex flex-wrap items-center gap-x-3 gap-y-2 rounded-md border border-border p-3 text-sm"
          >
            <span className="font-semibold">Version {v.version}</span>
            {v.version === current && <span className="rounded bg-muted px-1.5 py-0.5 text-xs">current</span>}
            <span className="text-muted-foreground">
              <LocalTime iso={v.createdAt} />
              {v.note ? ` · ${v.note}` : ''}
            </span>
            {v.version !== current &&
              (confirm === v.version ? (
                <span className="flex flex-wrap items-center gap-2 sm:ml-auto">
                  <span role="status">Save version {v.version} again as the newest version?</span>
                  <Button
                    size="sm"
                    onClick={() => rollback(v.version)}
                    aria-label={`Roll back to version ${v.version} now`}
                  >
                    Roll back
                  </Button>
                  <Button size="sm" variant="ghost" onClick={() => setConfirm(undefined)}>
                    Cancel
                  </Button>
                </span>
              ) : (
                <Button
                  size="sm"
                  variant="outline"
                  className="sm:ml-auto"
                  onClick={() => setConfirm(v.version)}
                  aria-label={`Roll back to version ${v.version}`}
                >
                  Roll back to this
                </Button>
              ))}
          </li>
        ))}
      </ol>
      {error && (
        <p role="alert" className="text-sm text-destructive">
          {error}
        </p>
      )}
      {versions.length > 1 && (
        <section aria-labelledby="compare-heading" className="grid gap-3">
          <h3 id="compare-heading" className="font-semibold">
            Compare two versions
          </h3>
          <div className="flex flex-wrap items-end gap-3">
            {versionSelect('diff-from', 'From', from, setFrom)}
            {versionSelect('diff-to', 'To', to, setTo)}
            <Button variant="outline" onClick={compare}>
              Compare
            </Button>
          </div>
          {compared && lines && (
            <div className="grid gap-3">
              <p role="status" className="text-sm">
                Version {compared.from} → version {compared.to}:{' '}
                {patch?.operations.length === 0 ? 'no changes.' : `${patch?.operations.length} change(s).`}
              </p>
              <pre
                aria-label={`Changes from version ${compared.from} to version ${compared.to}`}
                className="max-h-[32rem] overflow-auto rounded-md border border-border text-xs"
              >
                {lines.map((line, i) =>
                  line === null ? (
                    <div key={i} className="bg-muted px-2 text-muted-foreground">
                      ⋯
                    </div>
                  ) : (
                    <div
                      key={i}
                      className={cn(
                        'px-2',
                        line.kind === 'added' && 'bg-emerald-500/15',
                        line.kind === 'removed' && 'bg-destructive/15',
                      )}
                    >
                      <span className="sr-only">
                        {line.kind === 'added' ? 'added: ' : line.kind === 'removed' ? 'removed: ' : ''}
                      </span>
                      <span aria-hidden="true">
                        {line.kind === 'added' ? '+ ' : line.kind === 'removed' ? '- ' : '  '}
                      </span>
                      {line.text}
                    </div>
                  ),
                )}
              </pre>
              <details>
                <summary className="cursor-pointer text-sm text-muted-foreground">As JSON Patch</summary>
                <pre className="mt-1 max-h-64 overflow-auto rounded bg-muted p-2 text-xs">
                  {JSON.stringify(patch?.operations ?? [], null, 2)}
                </pre>
              </details>
            </div>
          )}
        </section>
      )}
    </div>
  );
}
