'use client';
import type { RuleIssue } from '@made-open/shared/rules';
import { createContext, useContext, useEffect, useId, useState, type ReactNode } from 'react';
import { Field } from '@/components/ui/field';
import { Input, Textarea } from '@/components/ui/input';
import { getAt, issuesAt, setAt, type RuleDraft } from '@/lib/rules/draft';
import { jsonInputProblem, type PluginChoice } from '@/lib/rules/registry';

/** The rule editor's form controls, each bound to the value at a JSON pointer of the draft. */

export type Obj = Record<string, unknown>;
export type Edit = (next: RuleDraft) => void;

/** A form for the part of the draft at `pointer`, given the issues found in the whole rule. */
export interface FormProps {
  draft: RuleDraft;
  edit: Edit;
  pointer: string;
  issues: readonly RuleIssue[];
}

/** One labelled field of such a form. */
export interface FieldProps extends FormProps {
  label: string;
  hint?: string;
}

/**
 * What the forms need from the editor: the user's plugins (read by the page), and where a
 * field that holds text the draft cannot take yet (JSON being typed) reports its problem,
 * so the editor lists it and does not save.
 */
export const RuleFormContext = createContext<{
  plugins: readonly PluginChoice[] | null;
  reportField: (pointer: string, problem: string | null) => void;
}>({ plugins: null, reportField: () => undefined });

export const selectClass =
  'flex h-10 w-full rounded-md border border-input bg-background px-3 text-base outline-none focus-visible:ring-2 focus-visible:ring-ring sm:text-sm aria-invalid:border-destructive';

/** One labelled control bound to the value at `pointer`, with the issue found there. */
export function Control({
  label,
  pointer,
  issues,
  hint,
  children,
}: {
  label: string;
  pointer: string;
  issues: readonly RuleIssue[];
  hint?: string;
  children: (aria: { id: string; 'aria-invalid'?: true; 'aria-describedby'?: string }) => ReactNode;
}) {
  const id = `f${useId().replace(/:/g, '')}`;
  return (
    <Field id={id} label={label} hint={hint} error={issuesAt(issues, pointer)[0]?.message}>
      {children}
    </Field>
  );
}

export function TextControl({
  draft,
  edit,
  pointer,
  label,
  issues,
  hint,
  list,
  optional,
}: FieldProps & { list?: string; optional?: boolean }) {
  const value = getAt(draft, pointer);
  return (
    <Control label={label} pointer={pointer} issues={issues} {...(hint ? { hint } : {})}>
      {(aria) => (
        <Input
          {...aria}
          list={list}
          value={value === undefined || value === null ? '' : String(value)}
          onChange={(e) => edit(setAt(draft, pointer, optional && e.target.value === '' ? undefined : e.target.value))}
        />
      )}
    </Control>
  );
}

export function NumberControl({ draft, edit, pointer, label, issues, hint }: FieldProps) {
  const value = getAt(draft, pointer);
  return (
    <Control label={label} pointer={pointer} issues={issues} {...(hint ? { hint } : {})}>
      {(aria) => (
        <Input
          {...aria}
          type="number"
          inputMode="numeric"
          value={typeof value === 'number' ? value : ''}
          onChange={(e) => edit(setAt(draft, pointer, e.target.value === '' ? undefined : Number(e.target.value)))}
        />
      )}
    </Control>
  );
}

const pluginStatus: Record<string, string> = {
  enabled: '',
  disabled: ' (disabled)',
  pending_consent: ' (waiting for your consent)',
};

/** The user's installed plugins, as a select; one the rule names but the user does not have stays shown as such. */
export function PluginPicker(props: FieldProps) {
  const { draft, edit, pointer, label, issues, hint } = props;
  const { plugins } = useContext(RuleFormContext);
  const value = getAt(draft, pointer);
  const current = typeof value === 'string' ? value : '';
  const runnable = (plugins ?? []).filter((p) => p.runnable);
  const none =
    plugins === null
      ? 'Your plugins could not be read: reload the page, or write the plugin id in the text view.'
      : runnable.length === 0
        ? 'You have no plugin that can be run on demand: install one in Settings → Plugins.'
        : undefined;
  return (
    <Control label={label} pointer={pointer} issues={issues} hint={none ?? hint}>
      {(aria) => (
        <select
          {...aria}
          className={selectClass}
          value={current}
          onChange={(e) => edit(setAt(draft, pointer, e.target.value || undefined))}
        >
          <option value="">Choose a plugin</option>
          {current && !runnable.some((p) => p.id === current) && (
            <option value={current}>{current} (not one of your plugins that can run on demand)</option>
          )}
          {runnable.map((p) => (
            <option key={p.id} value={p.id}>
              {p.name} ({p.id}){pluginStatus[p.status] ?? ''}
            </option>
          ))}
        </select>
      )}
    </Control>
  );
}

/** Any JSON value, edited as text: checked as it is typed; the draft takes it only once it parses. */
export function JsonControl(props: FieldProps) {
  const { draft, edit, pointer, label, issues, hint } = props;
  const { reportField } = useContext(RuleFormContext);
  const value = getAt(draft, pointer);
  const [text, setText] = useState(() => (value === undefined ? '' : JSON.stringify(value, null, 2)));
  const [problem, setProblem] = useState<string | null>(null);
  // A field that goes away takes its problem with it.
  useEffect(() => () => reportField(pointer, null), [pointer, reportField]);
  const shown = problem ? [{ path: pointer, message: problem }, ...issues] : issues;
  return (
    <Control label={label} pointer={pointer} issues={shown} {...(hint ? { hint } : {})}>
      {(aria) => (
        <Textarea
          {...aria}
          rows={4}
          spellCheck={false}
          className="font-mono text-xs"
          value={text}
          onChange={(e) => {
            const next = e.target.value;
            setText(next);
            const found = jsonInputProblem(next);
            setProblem(found);
            reportField(pointer, found);
            if (!found) edit(setAt(draft, pointer, next.trim() === '' ? undefined : JSON.parse(next)));
          }}
        />
      )}
    </Control>
  );
}
