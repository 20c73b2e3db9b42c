'use client';
import { comparisonOps } from '@made-open/shared/rules';
import { Plus, Trash2 } from 'lucide-react';
import type { ReactNode } from 'react';
import { Button } from '@/components/ui/button';
import { Input } from '@/components/ui/input';
import {
  addCondition,
  conditionKind,
  conditionKinds,
  conditionLabels,
  getAt,
  issuesAt,
  newCondition,
  setAt,
  type ConditionKind,
  type RuleDraft,
} from '@/lib/rules/draft';
import { payloadPaths } from '@/lib/rules/registry';
import { Control, NumberControl, TextControl, selectClass, type Edit, type FormProps, type Obj } from './rule-controls';

const weekdays = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

/**
 * A condition's typed form. `nested`: the condition is not a node of the diagram (a branch's
 * `when`), so the members of its groups are edited here, inline, each in its own fieldset.
 */
export function ConditionForm(props: FormProps & { nested?: boolean }) {
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
            className={selectClass}
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
                className={selectClass}
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
                className={selectClass}
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
function NestedMembers(props: FormProps & { members: readonly unknown[]; listPointer: string }) {
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
export function BranchesForm(props: FormProps) {
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
