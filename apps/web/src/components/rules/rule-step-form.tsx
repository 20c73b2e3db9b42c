'use client';
import { Input } from '@/components/ui/input';
import { getAt, setAt } from '@/lib/rules/draft';
import { ruleActions } from '@/lib/rules/registry';
import { BranchesForm } from './rule-condition-form';
import {
  Control,
  JsonControl,
  NumberControl,
  PluginPicker,
  TextControl,
  selectClass,
  type FormProps,
  type Obj,
} from './rule-controls';

function WithRows(props: FormProps) {
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
                  className={selectClass}
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

export function StepForm(props: FormProps) {
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
                className={selectClass}
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
