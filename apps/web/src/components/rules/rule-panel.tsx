'use client';
import { leadTimeEventTypes } from '@made-open/shared/calendar-events';
import { comparisonOps, ruleModes, type RuleIssue } from '@made-open/shared/rules';
import { ArrowDown, ArrowUp, Plus, Trash2 } from 'lucide-react';
import { createContext, useContext, useEffect, useId, useState, type ReactNode } from 'react';
import { Button } from '@/components/ui/button';
import { Input, Textarea } from '@/components/ui/input';
import {
  addCondition,
  conditionKind,
  conditionKinds,
  conditionLabels,
  getAt,
  issuesAt,
  moveItem,
  newCondition,
  setAt,
  type ConditionKind,
  type RuleDraft,
} from '@/lib/rules/draft';
import { graphToRule, type RuleGraph } from '@/lib/rules/graph';
import { eventTypes, jsonInputProblem, payloadPaths, ruleActions, type PluginChoice } from '@/lib/rules/registry';

type Obj = Record<string, unknown>;
type Edit = (next: RuleDraft) => void;

/**
 * What the forms need from the editor: the user's plugins (read by the page), and where a
 * field that holds text the draft cannot take yet (JSON being typed) reports its problem,
 * so the editor lists it and does not save.
 */
export const RuleFormContext = createContext<{
  plugins: readonly PluginChoice[] | null;
  reportField: (pointer: string, problem: string | null) => void;
}>({ plugins: null, reportField: () => undefined });

const select =
  'flex h-10 w-full rounded-md border border-input bg-background px-3 text-base outline-none focus-visible:ring-2 focus-visible:ring-ring sm:text-sm aria-invalid:border-destructive';

/** One labelled control bound to the value at `pointer`, with the issue found there. */
function Control({
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
  const error = issuesAt(issues, pointer)[0]?.message;
  const describedBy = [hint && `${id}-hint`, error && `${id}-error`].filter(Boolean).join(' ');
  return (
    <div className="grid gap-1">
      <label htmlFor={id} className="text-sm font-medium">
        {label}
      </label>
      {children({
        id,
        ...(error ? { 'aria-invalid': true } : {}),
        ...(describedBy ? { 'aria-describedby': describedBy } : {}),
      })}
      {hint && (
        <p id={`${id}-hint`} className="text-xs text-muted-foreground">
          {hint}
        </p>
      )}
      {error && (
        <p id={`${id}-error`} className="text-sm text-destructive">
          {error}
        </p>
      )}
    </div>
  );
}

function TextControl({
  draft,
  edit,
  pointer,
  label,
  issues,
  hint,
  list,
  optional,
}: {
  draft: RuleDraft;
  edit: Edit;
  pointer: string;
  label: string;
  issues: readonly RuleIssue[];
  hint?: string;
  list?: string;
  optional?: boolean;
}) {
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

function NumberControl({
  draft,
  edit,
  pointer,
  label,
  issues,
  hint,
}: {
  draft: RuleDraft;
  edit: Edit;
  pointer: string;
  label: string;
  issues: readonly RuleIssue[];
  hint?: string;
}) {
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

function RuleSettings({ draft, edit, issues }: { draft: RuleDraft; edit: Edit; issues: readonly RuleIssue[] }) {
  return (
    <div className="grid gap-3">
      <TextControl draft={draft} edit={edit} pointer="/name" label="Rule name" issues={issues} />
      <Control label="Description" pointer="/description" issues={issues}>
        {(aria) => (
          <Textarea
            {...aria}
            className="min-h-16"
            value={draft.description ?? ''}
            onChange={(e) => edit({ ...draft, description: e.target.value })}
          />
        )}
      </Control>
      <Control
        label="When it fires while a run is active"
        pointer="/mode"
        issues={issues}
        hint="single: skip; restart: cancel the running one; queued: wait; parallel: run side by side."
      >
        {(aria) => (
          <select
            {...aria}
            className={select}
            value={draft.mode ?? 'single'}
            onChange={(e) => edit({ ...draft, mode: e.target.value as RuleDraft['mode'] })}
          >
            {ruleModes.map((m) => (
              <option key={m}>{m}</option>
            ))}
          </select>
        )}
      </Control>
      {(draft.mode === 'queued' || draft.mode === 'parallel') && (
        <NumberControl draft={draft} edit={edit} pointer="/max" label="At most this many runs" issues={issues} />
      )}
      <NumberControl
        draft={{ ...draft, limits: draft.limits ?? { perHour: 60, maxDepth: 3 } }}
        edit={edit}
        pointer="/limits/perHour"
        label="Runs per hour, at most"
        issues={issues}
      />
      <NumberControl
        draft={{ ...draft, limits: draft.limits ?? { perHour: 60, maxDepth: 3 } }}
        edit={edit}
        pointer="/limits/maxDepth"
        label="Loop guard: chain depth"
        issues={issues}
        hint="Events caused by rules this many levels deep fire nothing."
      />
    </div>
  );
}

const triggerDefaults: Record<string, Obj> = {
  event: { type: 'event', event: 'comms.SmsReceived' },
  schedule: { type: 'schedule', cron: '0 9 * * 1-5', tz: 'UTC' },
  manual: { type: 'manual' },
  webhook: { type: 'webhook' },
};

function TriggerForm(props: { draft: RuleDraft; edit: Edit; pointer: string; issues: readonly RuleIssue[] }) {
  const { draft, edit, pointer, issues } = props;
  const trigger = getAt(draft, pointer) as Obj;
  return (
    <div className="grid gap-3">
      <TextControl {...props} pointer={`${pointer}/id`} label="Trigger id" />
      <Control label="Kind of trigger" pointer={`${pointer}/type`} issues={issues}>
        {(aria) => (
          <select
            {...aria}
            className={select}
            value={String(trigger.type)}
            onChange={(e) => edit(setAt(draft, pointer, { id: trigger.id, ...triggerDefaults[e.target.value] }))}
          >
            <option value="event">An event</option>
            <option value="schedule">A schedule</option>
            <option value="manual">Run by hand</option>
            <option value="webhook">An incoming webhook</option>
          </select>
        )}
      </Control>
      {trigger.type === 'event' && (
        <>
          <Control label="Event type" pointer={`${pointer}/event`} issues={issues}>
            {(aria) => (
              <select
                {...aria}
                className={select}
                value={String(trigger.event)}
                onChange={(e) => {
                  const next = setAt(draft, `${pointer}/event`, e.target.value);
                  // Starting-soon events take a lead time (10 minutes to begin with); other events none.
                  const lead = leadTimeEventTypes.includes(e.target.value) ? (trigger.minutesBefore ?? 10) : undefined;
                  edit(setAt(next, `${pointer}/minutesBefore`, lead as number | undefined));
                }}
              >
                {!eventTypes.includes(String(trigger.event)) && <option>{String(trigger.event)}</option>}
                {eventTypes.map((t) => (
                  <option key={t}>{t}</option>
                ))}
              </select>
            )}
          </Control>
          {(leadTimeEventTypes.includes(String(trigger.event)) || trigger.minutesBefore !== undefined) && (
            <NumberControl
              {...props}
              pointer={`${pointer}/minutesBefore`}
              label="Minutes before it starts"
              hint="0 to 10080 (7 days). The rule runs once per event and start, this many minutes ahead."
            />
          )}
          <label className="flex items-center gap-2 text-sm">
            <input
              type="checkbox"
              className="size-4"
              checked={trigger.includeBackfill === true}
              onChange={(e) => edit(setAt(draft, `${pointer}/includeBackfill`, e.target.checked || undefined))}
            />
            Also for items from imports and first syncs
          </label>
          {!trigger.filter && (
            <Button
              variant="outline"
              size="sm"
              className="justify-self-start"
              onClick={() => edit(setAt(draft, `${pointer}/filter`, newCondition('cmp')))}
            >
              <Plus aria-hidden="true" /> Add a filter
            </Button>
          )}
        </>
      )}
      {trigger.type === 'schedule' && (
        <>
          <TextControl {...props} pointer={`${pointer}/cron`} label="Cron (minute hour day month weekday)" />
          <TextControl {...props} pointer={`${pointer}/tz`} label="Time zone" hint="Such as Europe/London." />
        </>
      )}
      {trigger.type === 'webhook' && (
        <p className="text-sm text-muted-foreground">
          Saved with its own secret, shown once. Send a POST to /api/v1/rules/&lt;id&gt;/webhook with X-Rule-Secret.
        </p>
      )}
    </div>
  );
}

const weekdays = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

type ConditionProps = { draft: RuleDraft; edit: Edit; pointer: string; issues: readonly RuleIssue[] };

/**
 * A condition's typed form. `nested`: the condition is not a node of the diagram (a branch's
 * `when`), so the members of its groups are edited here, inline, each in its own fieldset.
 */
function ConditionForm(props: ConditionProps & { nested?: boolean }) {
  const { draft, edit, pointer, issues, nested } = props;
  const condition = getAt(draft, pointer) as Obj;
  const kind = conditionKind(condition);
  const listId = `paths${pointer.replace(/\W/g, '-')}`;
  const paths = (draft.triggers ?? []).flatMap((t) => (t.type === 'event' ? payloadPaths(t.event) : []));
  return (
    <div className="grid gap-3">
      <Control label="Kind of condition" pointer={pointer} issues={[]}>
        {(aria) => (
          <select
            {...aria}
            className={select}
            value={kind ?? ''}
            onChange={(e) => {
              const next = e.target.value as ConditionKind;
              // Switching between all and any keeps the children.
              const children = (condition.all ?? condition.any) as unknown[] | undefined;
              edit(
                setAt(
                  draft,
                  pointer,
                  children && (next === 'all' || next === 'any') ? { [next]: children } : newCondition(next),
                ),
              );
            }}
          >
            {conditionKinds.map((k) => (
              <option key={k} value={k}>
                {conditionLabels[k]}
              </option>
            ))}
          </select>
        )}
      </Control>
      {kind === 'cmp' && (
        <>
          <datalist id={listId}>
            {[...new Set(paths)].map((p) => (
              <option key={p} value={p} />
            ))}
          </datalist>
          <TextControl
            {...props}
            pointer={`${pointer}/cmp/left`}
            label="Field"
            list={listId}
            hint="Such as trigger.data.from."
          />
          <Control label="Comparison" pointer={`${pointer}/cmp/op`} issues={issues}>
            {(aria) => (
              <select
                {...aria}
                className={select}
                value={String((condition.cmp as Obj).op)}
                onChange={(e) => edit(setAt(draft, `${pointer}/cmp/op`, e.target.value))}
              >
                {comparisonOps.map((op) => (
                  <option key={op}>{op}</option>
                ))}
              </select>
            )}
          </Control>
          {(condition.cmp as Obj).op !== 'exists' && (
            <Control
              label="Value"
              pointer={`${pointer}/cmp/right`}
              issues={issues}
              hint={
                (condition.cmp as Obj).op === 'in' ? 'Values separated by commas.' : 'Numbers are compared as numbers.'
              }
            >
              {(aria) => {
                const right = (condition.cmp as Obj).right;
                const op = (condition.cmp as Obj).op;
                return (
                  <Input
                    {...aria}
                    value={
                      Array.isArray(right)
                        ? right.join(', ')
                        : right === undefined || right === null
                          ? ''
                          : String(right)
                    }
                    onChange={(e) => {
                      const text = e.target.value;
                      const value =
                        op === 'in'
                          ? text
                              .split(',')
                              .map((s) => s.trim())
                              .filter(Boolean)
                          : ['gt', 'gte', 'lt', 'lte'].includes(String(op)) &&
                              text.trim() !== '' &&
                              !Number.isNaN(Number(text))
                            ? Number(text)
                            : text;
                      edit(setAt(draft, `${pointer}/cmp/right`, value));
                    }}
                  />
                );
              }}
            </Control>
          )}
        </>
      )}
      {kind === 'person' && (
        <>
          <TextControl {...props} pointer={`${pointer}/person/tag`} label="Has the tag" optional />
          <TextControl {...props} pointer={`${pointer}/person/group`} label="Is in the group" optional />
          <Control label="Known" pointer={`${pointer}/person/known`} issues={issues}>
            {(aria) => (
              <select
                {...aria}
                className={select}
                value={String((condition.person as Obj).known ?? '')}
                onChange={(e) =>
                  edit(
                    setAt(
                      draft,
                      `${pointer}/person/known`,
                      e.target.value === '' ? undefined : e.target.value === 'true',
                    ),
                  )
                }
              >
                <option value="">Either</option>
                <option value="true">Is one of my contacts</option>
                <option value="false">Is not one of my contacts</option>
              </select>
            )}
          </Control>
          <TextControl
            {...props}
            pointer={`${pointer}/person/by`}
            label="Who (a field with a person id, phone or email)"
            hint="Empty: the trigger's person."
            optional
          />
          {issuesAt(issues, `${pointer}/person`, true).map((i) => (
            <p key={i.message} className="text-sm text-destructive">
              {i.message}
            </p>
          ))}
        </>
      )}
      {kind === 'time' && (
        <>
          <div className="grid grid-cols-2 gap-2">
            <TextControl {...props} pointer={`${pointer}/time/after`} label="After (HH:MM)" optional />
            <TextControl {...props} pointer={`${pointer}/time/before`} label="Before (HH:MM)" optional />
          </div>
          <fieldset className="grid gap-1">
            <legend className="text-sm font-medium">Days</legend>
            <div className="flex flex-wrap gap-2">
              {weekdays.map((day, d) => {
                const days = ((condition.time as Obj).weekdays as number[] | undefined) ?? [];
                return (
                  <label key={day} className="flex items-center gap-1 text-sm">
                    <input
                      type="checkbox"
                      className="size-4"
                      checked={days.includes(d)}
                      onChange={(e) => {
                        const next = e.target.checked ? [...days, d].sort() : days.filter((x) => x !== d);
                        edit(setAt(draft, `${pointer}/time/weekdays`, next.length ? next : undefined));
                      }}
                    />
                    {day}
                  </label>
                );
              })}
            </div>
          </fieldset>
          <TextControl {...props} pointer={`${pointer}/time/tz`} label="Time zone" hint="Such as Europe/London." />
        </>
      )}
      {kind === 'atMost' && (
        <>
          <NumberControl {...props} pointer={`${pointer}/atMost/times`} label="Times" />
          <NumberControl
            {...props}
            pointer={`${pointer}/atMost/perSeconds`}
            label="Per (seconds)"
            hint="3600 is an hour."
          />
        </>
      )}
      {nested && (kind === 'all' || kind === 'any') && (
        <NestedMembers {...props} members={condition[kind] as unknown[]} listPointer={`${pointer}/${kind}`} />
      )}
      {nested && kind === 'not' && (
        <fieldset className="grid gap-3 rounded-md border border-border p-3">
          <legend className="px-1 text-sm font-medium">Not this</legend>
          <ConditionForm draft={draft} edit={edit} pointer={`${pointer}/not`} issues={issues} nested />
        </fieldset>
      )}
      {(kind === 'all' || kind === 'any') && (
        <Button
          variant="outline"
          size="sm"
          className="justify-self-start"
          onClick={() => edit(addCondition(draft, newCondition('cmp'), pointer))}
        >
          <Plus aria-hidden="true" /> Add a condition to this group
        </Button>
      )}
    </div>
  );
}

/** Removes one item of the list at `listPointer` (a group's member, a choice's branch). */
function RemoveItem(props: {
  draft: RuleDraft;
  edit: Edit;
  listPointer: string;
  items: readonly unknown[];
  index: number;
  children: ReactNode;
}) {
  const { draft, edit, listPointer, items, index, children } = props;
  return (
    <Button
      variant="ghost"
      size="sm"
      className="justify-self-start"
      onClick={() =>
        edit(
          setAt(
            draft,
            listPointer,
            items.filter((_, j) => j !== index),
          ),
        )
      }
    >
      <Trash2 aria-hidden="true" /> {children}
    </Button>
  );
}

/** The members of a group inside a branch condition, each with its own form and a Remove button. */
function NestedMembers(props: ConditionProps & { members: readonly unknown[]; listPointer: string }) {
  const { draft, edit, issues, members, listPointer } = props;
  return members.map((_, i) => (
    <fieldset key={i} className="grid gap-3 rounded-md border border-border p-3">
      <legend className="px-1 text-sm font-medium">Condition {i + 1} of the group</legend>
      <ConditionForm draft={draft} edit={edit} pointer={`${listPointer}/${i}`} issues={issues} nested />
      {members.length > 1 && (
        <RemoveItem draft={draft} edit={edit} listPointer={listPointer} items={members} index={i}>
          Remove condition {i + 1}
        </RemoveItem>
      )}
    </fieldset>
  ));
}

/** A choose step's branches: each one's condition, in order; the first that holds runs its steps. */
function BranchesForm(props: ConditionProps) {
  const { draft, edit, pointer, issues } = props;
  const choices = ((getAt(draft, pointer) as Obj).choices as Array<{ when: unknown; steps: unknown[] }>) ?? [];
  return (
    <div className="grid gap-3">
      <p className="text-sm text-muted-foreground">
        The first branch whose condition holds runs its steps (the nodes after it in the diagram); with none, the
        otherwise steps run.
      </p>
      {choices.map((_, i) => (
        <fieldset key={i} className="grid gap-3 rounded-md border border-border p-3">
          <legend className="px-1 text-sm font-medium">Branch {i + 1}: when</legend>
          <ConditionForm draft={draft} edit={edit} pointer={`${pointer}/choices/${i}/when`} issues={issues} nested />
          {choices.length > 1 && (
            <RemoveItem draft={draft} edit={edit} listPointer={`${pointer}/choices`} items={choices} index={i}>
              Remove branch {i + 1} and its steps
            </RemoveItem>
          )}
        </fieldset>
      ))}
      <Button
        variant="outline"
        size="sm"
        className="justify-self-start"
        onClick={() => edit(setAt(draft, `${pointer}/choices`, [...choices, { when: newCondition('cmp'), steps: [] }]))}
      >
        <Plus aria-hidden="true" /> Add a branch
      </Button>
    </div>
  );
}

const pluginStatus: Record<string, string> = {
  enabled: '',
  disabled: ' (disabled)',
  pending_consent: ' (waiting for your consent)',
};

/** The user's installed plugins, as a select; one the rule names but the user does not have stays shown as such. */
function PluginPicker(props: {
  draft: RuleDraft;
  edit: Edit;
  pointer: string;
  label: string;
  issues: readonly RuleIssue[];
  hint?: string;
}) {
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
          className={select}
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
function JsonControl(props: {
  draft: RuleDraft;
  edit: Edit;
  pointer: string;
  label: string;
  issues: readonly RuleIssue[];
  hint?: string;
}) {
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

function WithRows(props: { draft: RuleDraft; edit: Edit; pointer: string; issues: readonly RuleIssue[] }) {
  const { draft, edit, pointer, issues } = props;
  const step = getAt(draft, pointer) as Obj;
  const input = (step.with as Obj | undefined) ?? {};
  const spec = ruleActions[String(step.action)];
  const suggested = spec?.fields ?? [];
  const keys = [...new Set([...suggested, ...Object.keys(input)])];
  return (
    <fieldset className="grid gap-2">
      <legend className="text-sm font-medium">Input</legend>
      <p className="text-xs text-muted-foreground">
        Text may hold {'{{ trigger.data.from }}'}, {'{{ person.title }}'} or {'{{ steps.<id>.output.id }}'}.
      </p>
      {keys.map((key) => {
        const value = input[key];
        const choices = spec?.choices?.[key];
        const hint = spec?.hints?.[key];
        const field = { draft, edit, issues, label: key, pointer: `${pointer}/with/${key}`, ...(hint ? { hint } : {}) };
        if (spec?.pickers?.[key] === 'plugin') return <PluginPicker key={key} {...field} />;
        if (spec?.json?.includes(key)) return <JsonControl key={key} {...field} />;
        if (typeof value === 'object' && value !== null)
          return (
            <p key={key} className="text-sm text-muted-foreground">
              {key}: edit in the text view
            </p>
          );
        if (choices)
          return (
            <Control
              key={key}
              label={key}
              pointer={`${pointer}/with/${key}`}
              issues={issues}
              {...(hint ? { hint } : {})}
            >
              {(aria) => (
                <select
                  {...aria}
                  className={select}
                  value={value === undefined ? choices[0]![0] : String(value)}
                  onChange={(e) => edit(setAt(draft, `${pointer}/with/${key}`, e.target.value))}
                >
                  {!choices.some(([v]) => v === String(value ?? choices[0]![0])) && <option>{String(value)}</option>}
                  {choices.map(([v, label]) => (
                    <option key={v} value={v}>
                      {label}
                    </option>
                  ))}
                </select>
              )}
            </Control>
          );
        return (
          <Control key={key} label={key} pointer={`${pointer}/with/${key}`} issues={issues} {...(hint ? { hint } : {})}>
            {(aria) => (
              <Input
                {...aria}
                value={value === undefined ? '' : String(value)}
                onChange={(e) =>
                  edit(
                    setAt(
                      draft,
                      `${pointer}/with/${key}`,
                      e.target.value === '' && !(key in input) ? undefined : e.target.value,
                    ),
                  )
                }
              />
            )}
          </Control>
        );
      })}
    </fieldset>
  );
}

function StepForm(props: { draft: RuleDraft; edit: Edit; pointer: string; issues: readonly RuleIssue[] }) {
  const { draft, edit, pointer, issues } = props;
  const step = getAt(draft, pointer) as Obj;
  return (
    <div className="grid gap-3">
      <TextControl
        {...props}
        pointer={`${pointer}/id`}
        label="Step id"
        hint="Later steps read its output as steps.<id>.output."
      />
      {step.type === 'action' && (
        <>
          <Control label="Action" pointer={`${pointer}/action`} issues={issues}>
            {(aria) => (
              <select
                {...aria}
                className={select}
                value={String(step.action)}
                onChange={(e) =>
                  edit(
                    setAt(draft, pointer, {
                      ...step,
                      action: e.target.value,
                      with: { ...ruleActions[e.target.value]?.defaults },
                    }),
                  )
                }
              >
                {!(String(step.action) in ruleActions) && <option>{String(step.action)}</option>}
                {Object.entries(ruleActions).map(([name, a]) => (
                  <option key={name} value={name}>
                    {a.label} ({name})
                  </option>
                ))}
              </select>
            )}
          </Control>
          {ruleActions[String(step.action)]?.note && (
            <p className="text-sm text-muted-foreground">{ruleActions[String(step.action)]!.note}</p>
          )}
          <WithRows {...props} />
          <label className="flex items-center gap-2 text-sm">
            <input
              type="checkbox"
              className="size-4"
              checked={step.continueOnError === true}
              onChange={(e) => edit(setAt(draft, `${pointer}/continueOnError`, e.target.checked || undefined))}
            />
            Go on with the next step if this one fails
          </label>
        </>
      )}
      {step.type === 'delay' && (
        <NumberControl
          {...props}
          pointer={`${pointer}/seconds`}
          label="Wait (seconds)"
          hint="Survives restarts of the hub."
        />
      )}
      {step.type === 'stop' && <TextControl {...props} pointer={`${pointer}/reason`} label="Reason" optional />}
      {step.type === 'choose' && <BranchesForm draft={draft} edit={edit} pointer={pointer} issues={issues} />}
    </div>
  );
}

const kindTitle = { trigger: 'Trigger', condition: 'Condition', step: 'Step' } as const;

/** The side panel: the rule's settings, or a typed form for the selected node. */
export function RulePanel({
  draft,
  graph,
  selected,
  issues,
  onChange,
  onSelect,
  onClose,
}: {
  draft: RuleDraft;
  graph: RuleGraph;
  selected: string | null;
  issues: readonly RuleIssue[];
  onChange: Edit;
  onSelect: (pointer: string) => void;
  onClose: () => void;
}) {
  const node = selected ? graph.nodes.find((n) => n.id === selected) : undefined;
  if (!node)
    return (
      <section aria-labelledby="panel-heading" className="grid content-start gap-3">
        <h3 id="panel-heading" className="font-semibold">
          Rule settings
        </h3>
        <p className="text-sm text-muted-foreground">Choose a node in the diagram to edit it.</p>
        <RuleSettings draft={draft} edit={onChange} issues={issues} />
      </section>
    );
  const remove = () => {
    onClose();
    onChange(graphToRule({ meta: graph.meta, nodes: graph.nodes.filter((n) => n.id !== node.id) }));
  };
  const inList = /\/\d+$/.test(node.id);
  // The moved item keeps its form open at its new place.
  const move = (by: -1 | 1) => {
    const next = moveItem(draft, node.id, by);
    if (next === draft) return;
    onChange(next);
    onSelect(node.id.replace(/\d+$/, (i) => String(Number(i) + by)));
  };
  const props = { draft, edit: onChange, pointer: node.id, issues };
  return (
    <section aria-labelledby="panel-heading" className="grid content-start gap-3">
      <div className="flex items-start justify-between gap-2">
        <h3 id="panel-heading" className="min-w-0 font-semibold">
          {kindTitle[node.kind]}: {node.title}
        </h3>
        <Button variant="ghost" size="sm" onClick={onClose}>
          Done
        </Button>
      </div>
      {node.kind === 'trigger' && <TriggerForm {...props} />}
      {node.kind === 'condition' && <ConditionForm {...props} />}
      {node.kind === 'step' && <StepForm {...props} />}
      <div className="flex flex-wrap gap-2 border-t border-border pt-3">
        {inList && (
          <>
            <Button variant="outline" size="sm" onClick={() => move(-1)} aria-label="Move up">
              <ArrowUp aria-hidden="true" />
            </Button>
            <Button variant="outline" size="sm" onClick={() => move(1)} aria-label="Move down">
              <ArrowDown aria-hidden="true" />
            </Button>
          </>
        )}
        <Button variant="outline" size="sm" onClick={remove}>
          <Trash2 aria-hidden="true" /> Remove
        </Button>
      </div>
    </section>
  );
}
