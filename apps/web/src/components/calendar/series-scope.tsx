'use client';
import { SCOPE_LABELS, type SeriesScope } from './model';

/** The dialog's buttons for an occurrence, by what they apply to. */
export const SCOPE_ACTIONS: Record<SeriesScope, { save: string; remove: string }> = {
  this: { save: 'Save this one', remove: 'Delete this one' },
  following: { save: 'Save this and following', remove: 'Delete this and following' },
  all: { save: 'Save all', remove: 'Delete all' },
};

/**
 * "Save or delete: This event / This and following events / All events" for an occurrence of
 * a series: a native radio group (Tab enters it, the arrows move the choice), by the buttons
 * it governs. `home`: where a connected series lives (Outlook), null for the hub's own.
 */
export function SeriesScopeChoice({
  scopes,
  scope,
  onChange,
  disabled,
  home,
}: {
  scopes: SeriesScope[];
  scope: SeriesScope;
  onChange: (scope: SeriesScope) => void;
  disabled: boolean;
  home: string | null;
}) {
  return (
    <fieldset className="grid gap-2 rounded-md border p-3" disabled={disabled}>
      <legend className="px-1 text-sm font-medium">Save or delete</legend>
      <div className="grid gap-1.5 sm:grid-cols-3">
        {scopes.map((choice) => (
          <label
            key={choice}
            className="flex min-h-10 items-center gap-2 rounded-md px-2 text-sm has-[:checked]:bg-muted has-[:focus-visible]:ring-2 has-[:focus-visible]:ring-ring"
          >
            <input
              type="radio"
              name="event-scope"
              value={choice}
              checked={scope === choice}
              onChange={() => onChange(choice)}
              className="size-4"
            />
            {SCOPE_LABELS[choice]}
          </label>
        ))}
      </div>
      {scope === 'following' && (
        <p className="text-xs text-muted-foreground">
          The series ends before this one; saving starts a new series here with your changes.
          {home
            ? ` ${home} remakes the earlier occurrences of a series whose end changes: one-off changes to them may be lost.`
            : ''}
        </p>
      )}
    </fieldset>
  );
}
