'use client';
import type { RuleIssue } from '@made-open/shared/rules';
import { Plus } from 'lucide-react';
import { useRouter } from 'next/navigation';
import { Tabs } from 'radix-ui';
import { useCallback, useMemo, useState } from 'react';
import { EnabledSwitch } from '@/components/rules/rule-list';
import { RuleDryRun } from '@/components/rules/rule-dry-run';
import { RuleFlow } from '@/components/rules/rule-flow';
import { RuleFormContext } from '@/components/rules/rule-controls';
import { RulePanel } from '@/components/rules/rule-panel';
import { RuleRuns } from '@/components/rules/rule-runs';
import { RuleText } from '@/components/rules/rule-text';
import { RuleVersions } from '@/components/rules/rule-versions';
import { Button } from '@/components/ui/button';
import { Input } from '@/components/ui/input';
import { createRuleAction, saveRuleAction } from '@/lib/actions/rules';
import type { RuleRun, RuleVersion, RuleView, SavedRule } from '@made-open/shared/rules-api';
import {
  addCondition,
  addStep,
  addTrigger,
  conditionKinds,
  conditionLabels,
  getAt,
  newCondition,
  setAt,
  stepKinds,
  type ConditionKind,
  type RuleDraft,
  type StepKind,
} from '@/lib/rules/draft';
import { ruleToGraph } from '@/lib/rules/graph';
import { cn } from '@/lib/utils';
import { checkDraft, type PluginChoice } from '@/lib/rules/registry';

const stepLabels: Record<StepKind, string> = { action: 'An action', delay: 'A wait', choose: 'A choice', stop: 'Stop' };
const tabClass =
  'rounded-md px-3 py-1.5 text-sm font-medium text-muted-foreground outline-none hover:bg-muted focus-visible:ring-2 focus-visible:ring-ring data-[state=active]:bg-muted data-[state=active]:text-foreground';
/** A tab panel is a tab stop of its own (Radix): it shows where focus is, like every other stop. */
const panelClass = 'rounded-md outline-none focus-visible:ring-2 focus-visible:ring-ring focus-visible:ring-offset-2';

type SaveProblem =
  | { kind: 'grants'; missing: string[]; message: string }
  | { kind: 'conflict'; message: string; current?: { version: number; definition: RuleDraft } }
  | { kind: 'other'; message: string };

/**
 * The rule editor: the diagram with a typed form beside it, the same rule as text, a dry
 * run, its runs with their traces, and its versions. Saving makes a new version (If-Match:
 * the version this editor started from); a new rule is created on its first save.
 */
export function RuleEditor({
  rule,
  initial,
  fill = [],
  versions = [],
  runs = [],
  plugins = null,
}: {
  rule: RuleView | null;
  initial: RuleDraft;
  /** The user's installed plugins for "Run a plugin" steps; null when they could not be read. */
  plugins?: readonly PluginChoice[] | null;
  fill?: { pointer: string; label: string }[];
  versions?: RuleVersion[];
  runs?: RuleRun[];
}) {
  const router = useRouter();
  const [draft, setDraft] = useState<RuleDraft>(initial);
  const [base, setBase] = useState<{ version: number; definition: RuleDraft } | null>(
    rule ? { version: rule.version, definition: rule.definition as RuleDraft } : null,
  );
  const [selected, setSelected] = useState<string | null>(null);
  const [note, setNote] = useState('');
  const [saving, setSaving] = useState(false);
  const [problem, setProblem] = useState<SaveProblem>();
  const [serverIssues, setServerIssues] = useState<RuleIssue[]>([]);
  const [saved, setSaved] = useState<string>();
  const [secret, setSecret] = useState<string>();
  const [conditionKind, setConditionKind] = useState<ConditionKind>('cmp');
  const [stepKind, setStepKind] = useState<StepKind>('action');

  // Fields holding text the draft cannot take yet (JSON being typed): listed with the issues, and saving waits.
  const [fieldIssues, setFieldIssues] = useState<Record<string, string>>({});
  const reportField = useCallback((pointer: string, found: string | null) => {
    setFieldIssues((current) => {
      if ((current[pointer] ?? null) === found) return current;
      const next = { ...current };
      if (found) next[pointer] = found;
      else delete next[pointer];
      return next;
    });
  }, []);
  const formContext = useMemo(() => ({ plugins, reportField }), [plugins, reportField]);

  const graph = useMemo(() => ruleToGraph(draft), [draft]);
  const issues = useMemo(() => {
    const local = [...Object.entries(fieldIssues).map(([path, message]) => ({ path, message })), ...checkDraft(draft)];
    return local.length ? local : serverIssues;
  }, [draft, serverIssues, fieldIssues]);
  const issuePointers = useMemo(() => {
    const pointers = new Set<string>();
    for (const issue of issues) {
      const path = issue.path.replace(/^\/definition/, '');
      // The deepest node at or above the issue's path.
      const owner = graph.nodes
        .filter((n) => path === n.id || path.startsWith(`${n.id}/`))
        .sort((a, b) => b.id.length - a.id.length)[0];
      if (owner) pointers.add(owner.id);
    }
    return pointers;
  }, [issues, graph]);
  const dirty = !base || JSON.stringify(draft) !== JSON.stringify(base.definition);
  const edit = useCallback((next: RuleDraft) => {
    setDraft(next);
    setSaved(undefined);
    setServerIssues([]);
  }, []);

  function adopt(result: SavedRule) {
    setBase({ version: result.rule.version, definition: result.rule.definition as RuleDraft });
    setDraft(result.rule.definition as RuleDraft);
    setSaved(`Saved as version ${result.rule.version}.`);
  }

  async function save(approve: string[] = []) {
    const unfinished = Object.entries(fieldIssues)[0];
    if (unfinished) {
      setProblem({ kind: 'other', message: `Fix ${unfinished[0]} first: ${unfinished[1]}` });
      return;
    }
    setSaving(true);
    setProblem(undefined);
    setSaved(undefined);
    const input = { definition: draft, approve, note };
    const result = rule && base ? await saveRuleAction(rule.id, base.version, input) : await createRuleAction(input);
    setSaving(false);
    if (result.ok) {
      setNote('');
      if (result.data.webhookSecret) setSecret(result.data.webhookSecret);
      if (!rule) {
        router.push(`/rules/${result.data.rule.id}?created=1`);
        return;
      }
      adopt(result.data);
      router.refresh();
      return;
    }
    const details = result.details as
      { missing?: string[]; current?: { version: number; definition: RuleDraft } } | RuleIssue[] | undefined;
    if (result.code === 'grants_required' && details && !Array.isArray(details) && details.missing)
      setProblem({ kind: 'grants', missing: details.missing, message: result.error });
    else if (result.code === 'version_conflict' && details && !Array.isArray(details))
      setProblem({
        kind: 'conflict',
        message: details.current
          ? `Someone saved version ${details.current.version} of this rule since you opened it.`
          : result.error,
        ...(details.current ? { current: details.current } : {}),
      });
    else {
      if (Array.isArray(details)) setServerIssues(details);
      setProblem({ kind: 'other', message: result.error });
    }
  }

  const saveBar = (
    <div className="grid gap-3 rounded-lg border border-border p-3">
      <div className="flex flex-wrap items-end gap-3">
        <div className="grid min-w-0 flex-1 basis-56 gap-1">
          <label htmlFor="version-note" className="text-sm font-medium">
            Note for this version (optional)
          </label>
          <Input id="version-note" value={note} maxLength={500} onChange={(e) => setNote(e.target.value)} />
        </div>
        <Button onClick={() => save()} disabled={saving || (!dirty && !!rule)}>
          {saving ? 'Saving…' : rule ? 'Save new version' : 'Create rule'}
        </Button>
      </div>
      <p className="text-sm text-muted-foreground" aria-live="polite">
        {issues.length > 0
          ? `${issues.length} problem${issues.length === 1 ? '' : 's'} to fix: ${issues[0]!.message}${
              issues[0]!.path ? ` (at ${issues[0]!.path.replace(/^\/definition/, '')})` : ''
            }`
          : dirty
            ? rule
              ? `Unsaved changes to version ${base?.version}.`
              : 'Not saved yet. New rules start switched off: try them on your history first.'
            : // Just saved: the status line below says so once.
              saved
              ? null
              : `Version ${base?.version}, saved.`}
      </p>
      {saved && (
        <p role="status" className="text-sm">
          {saved}
        </p>
      )}
      {secret && (
        <p role="status" className="text-sm">
          The webhook secret (shown only now): <code className="break-all">{secret}</code>
        </p>
      )}
      {problem?.kind === 'grants' && (
        <div role="alert" className="grid gap-2 rounded-md border border-amber-600/50 p-3 text-sm">
          <p>This rule needs your permission to: {problem.missing.join(', ')}.</p>
          <Button size="sm" className="justify-self-start" onClick={() => save(problem.missing)}>
            Allow and save
          </Button>
        </div>
      )}
      {problem?.kind === 'conflict' && (
        <div role="alert" className="grid gap-2 rounded-md border border-destructive/50 p-3 text-sm">
          <p>{problem.message} Load it to compare (your edits are replaced), then make your change again.</p>
          {problem.current && (
            <Button
              size="sm"
              variant="outline"
              className="justify-self-start"
              onClick={() => {
                setBase(problem.current!);
                setDraft(problem.current!.definition);
                setProblem(undefined);
              }}
            >
              Load version {problem.current.version}
            </Button>
          )}
        </div>
      )}
      {problem?.kind === 'other' && (
        <p role="alert" className="text-sm text-destructive">
          {problem.message}
        </p>
      )}
    </div>
  );

  return (
    <div className="grid gap-4 [&>*]:min-w-0">
      {rule && (
        <div className="flex flex-wrap items-center gap-3">
          <EnabledSwitch rule={rule} />
          {rule.webhook && <span className="text-sm text-muted-foreground">Has an incoming webhook.</span>}
        </div>
      )}
      {fill.length > 0 && (
        <section aria-labelledby="fill-heading" className="grid gap-3 rounded-lg border border-amber-600/50 p-3">
          <h2 id="fill-heading" className="font-semibold">
            Fill in before saving
          </h2>
          {fill.map((f) => (
            <div key={f.pointer} className="grid gap-1">
              <label htmlFor={`fill-${f.pointer}`} className="text-sm font-medium">
                {f.label}
              </label>
              <Input
                id={`fill-${f.pointer}`}
                value={String(getAt(draft, f.pointer) ?? '')}
                onChange={(e) => edit(setAt(draft, f.pointer, e.target.value))}
              />
            </div>
          ))}
        </section>
      )}
      {saveBar}
      <Tabs.Root defaultValue="builder" className="grid gap-4 [&>*]:min-w-0">
        <Tabs.List aria-label="Rule views" className="flex flex-wrap gap-1 border-b border-border pb-2">
          <Tabs.Trigger value="builder" className={tabClass}>
            Builder
          </Tabs.Trigger>
          <Tabs.Trigger value="text" className={tabClass}>
            YAML / JSON
          </Tabs.Trigger>
          <Tabs.Trigger value="dry-run" className={tabClass}>
            Dry run
          </Tabs.Trigger>
          {rule && (
            <>
              <Tabs.Trigger value="runs" className={tabClass}>
                Runs
              </Tabs.Trigger>
              <Tabs.Trigger value="versions" className={tabClass}>
                Versions
              </Tabs.Trigger>
            </>
          )}
        </Tabs.List>
        <Tabs.Content value="builder" className={cn(panelClass, 'grid gap-3 [&>*]:min-w-0')}>
          <div className="flex flex-wrap items-end gap-2">
            <Button variant="outline" size="sm" onClick={() => edit(addTrigger(draft))}>
              <Plus aria-hidden="true" /> Trigger
            </Button>
            <span className="inline-flex items-end gap-1">
              <select
                aria-label="Kind of condition to add"
                className="h-9 rounded-md border border-input bg-background px-2 text-sm"
                value={conditionKind}
                onChange={(e) => setConditionKind(e.target.value as ConditionKind)}
              >
                {conditionKinds.map((k) => (
                  <option key={k} value={k}>
                    {conditionLabels[k]}
                  </option>
                ))}
              </select>
              <Button
                variant="outline"
                size="sm"
                onClick={() => edit(addCondition(draft, newCondition(conditionKind)))}
              >
                <Plus aria-hidden="true" /> Condition
              </Button>
            </span>
            <span className="inline-flex items-end gap-1">
              <select
                aria-label="Kind of step to add"
                className="h-9 rounded-md border border-input bg-background px-2 text-sm"
                value={stepKind}
                onChange={(e) => setStepKind(e.target.value as StepKind)}
              >
                {stepKinds.map((k) => (
                  <option key={k} value={k}>
                    {stepLabels[k]}
                  </option>
                ))}
              </select>
              <Button variant="outline" size="sm" onClick={() => edit(addStep(draft, stepKind))}>
                <Plus aria-hidden="true" /> Step
              </Button>
            </span>
          </div>
          <div className="grid gap-4 lg:grid-cols-[1fr_22rem] [&>*]:min-w-0">
            <RuleFlow
              key={graph.nodes.length}
              graph={graph}
              selected={selected}
              issuePointers={issuePointers}
              onSelect={setSelected}
              label="Rule diagram"
            />
            <div className="rounded-lg border border-border p-3">
              <RuleFormContext.Provider value={formContext}>
                <RulePanel
                  draft={draft}
                  graph={graph}
                  selected={selected}
                  issues={issues}
                  onChange={edit}
                  onSelect={setSelected}
                  onClose={() => setSelected(null)}
                />
              </RuleFormContext.Provider>
            </div>
          </div>
        </Tabs.Content>
        <Tabs.Content value="text" className={panelClass}>
          <RuleText draft={draft} issues={issues} onChange={edit} />
        </Tabs.Content>
        <Tabs.Content value="dry-run" className={panelClass}>
          <RuleDryRun ruleId={rule?.id ?? null} draft={draft} />
        </Tabs.Content>
        {rule && (
          <>
            <Tabs.Content value="runs" className={panelClass}>
              <RuleRuns ruleId={rule.id} runs={runs} versions={versions} />
            </Tabs.Content>
            <Tabs.Content value="versions" className={panelClass}>
              <RuleVersions
                ruleId={rule.id}
                current={base?.version ?? rule.version}
                versions={versions}
                onRolledBack={adopt}
              />
            </Tabs.Content>
          </>
        )}
      </Tabs.Root>
    </div>
  );
}
