'use client';
import type { ClassRule } from '@/lib/ai-api';

// Narrower cells on a phone: the class select and the checkbox fit without scrolling.
const CELL = 'px-2 sm:px-3';

/** The columns of a table of class rows; the first names what each row is for (a kind, a contact). */
export const classColumns = (subject: string) => [
  { label: subject, className: CELL },
  { label: 'Class', className: CELL },
  { label: 'Redacted cloud copy', className: CELL },
  { label: <span className="sr-only">Reset</span>, className: CELL },
];

/**
 * The two editable cells of a data-class row (a kind of item, or a contact): its class, and
 * whether a redacted copy may go to the cloud. `copyOf` names what the copy is of, for the
 * checkbox's label (the row's `label` when not given).
 */
export function ClassRuleCells({
  label,
  copyOf = label,
  rule,
  disabled,
  onChange,
}: {
  label: string;
  copyOf?: string;
  rule: ClassRule;
  disabled: boolean;
  onChange: (rule: ClassRule) => void;
}) {
  return (
    <>
      <td className="px-2 py-2 sm:px-3">
        <select
          aria-label={`Class of ${label}`}
          value={rule.dataClass}
          disabled={disabled}
          onChange={(e) =>
            onChange({ dataClass: e.target.value as ClassRule['dataClass'], cloudRedacted: rule.cloudRedacted })
          }
          className="h-9 rounded-md border border-input bg-background px-2 text-sm"
        >
          <option value="normal">Normal</option>
          <option value="sensitive">Sensitive</option>
        </select>
      </td>
      <td className="px-2 py-2 sm:px-3">
        <label className="inline-flex items-center gap-2">
          <input
            type="checkbox"
            checked={rule.cloudRedacted}
            disabled={disabled}
            onChange={(e) => onChange({ dataClass: rule.dataClass, cloudRedacted: e.target.checked })}
            className="size-4"
            aria-label={`Redacted cloud copy of ${copyOf} allowed`}
          />
          <span aria-hidden>Allowed</span>
        </label>
      </td>
    </>
  );
}
