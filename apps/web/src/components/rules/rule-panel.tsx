'use client';
import { leadTimeEventTypes } from '@made-open/shared/calendar-events';
import { ruleModes, type RuleIssue } from '@made-open/shared/rules';
import { ArrowDown, ArrowUp, Plus, Trash2 } from 'lucide-react';
import { Button } from '@/components/ui/button';
import { Textarea } from '@/components/ui/input';
import { getAt, moveItem, newCondition, setAt, type RuleDraft } from '@/lib/rules/draft';
import { graphToRule, type RuleGraph } from '@/lib/rules/graph';
import { eventTypes } from '@/lib/rules/registry';
import { ConditionForm } from './rule-condition-form';
import { Control, NumberControl, TextControl, selectClass, type Edit, type FormProps, type Obj } from './rule-controls';
import { StepForm } from './rule-step-form';

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
            className={selectClass}
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

function TriggerForm(props: FormProps) {
  const { draft, edit, pointer, issues } = props;
  const trigger = getAt(draft, pointer) as Obj;
  return (
    <div className="grid gap-3">
      <TextControl {...props} pointer={`${pointer}/id`} label="Trigger id" />
      <Control label="Kind of trigger" pointer={`${pointer}/type`} issues={issues}>
        {(aria) => (
          <select
            {...aria}
            className={selectClass}
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
                className={selectClass}
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
