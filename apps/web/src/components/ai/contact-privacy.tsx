'use client';
import { useId, useState } from 'react';
import type { ClassRule, ContactClass } from '@/lib/ai-api';
import { saveContactClassAction } from '@/lib/actions/ai';
import { SaveMessage, type SaveOutcome } from '@/components/ui/save-message';

type Choice = 'default' | ClassRule['dataClass'];

/** What each class means for this person, said where the choice is made. */
const choiceWords: Record<Choice, string> = {
  default: 'Each kind’s own class',
  normal: 'Normal: cloud models may read it',
  sensitive: 'Sensitive: only a local model reads it',
};

// A stricter class starts strict: a sensitive person's items never reach the cloud until allowed.
const ruleFor = (dataClass: ClassRule['dataClass']): ClassRule => ({
  dataClass,
  cloudRedacted: dataClass === 'normal',
});

/**
 * The contact page's AI privacy choice: a class of the person's own replaces the kinds'
 * classes (Settings → AI privacy) for them and everything linked to them. Saved as it changes.
 */
export function ContactPrivacy({
  personId,
  name,
  initial,
}: {
  personId: string;
  name: string;
  initial: ClassRule | null;
}) {
  const [rule, setRule] = useState(initial);
  const [pending, setPending] = useState(false);
  const [message, setMessage] = useState<SaveOutcome>();
  const selectId = useId();
  const hintId = useId();

  async function save(next: ClassRule | null) {
    setPending(true);
    setMessage(undefined);
    const result = await saveContactClassAction(personId, next).catch(() => undefined);
    setPending(false);
    if (!result) return setMessage({ tone: 'error', text: 'The hub could not be reached. Try again in a moment.' });
    if (!result.ok) return setMessage({ tone: 'error', text: result.error });
    const saved: ContactClass | undefined = result.data.find((c) => c.personId === personId);
    setRule(saved ? { dataClass: saved.dataClass, cloudRedacted: saved.cloudRedacted } : null);
    setMessage({ tone: 'ok', text: 'Saved.' });
  }

  return (
    <div className="grid gap-2 border-t border-border pt-3" aria-busy={pending}>
      <label htmlFor={selectId} className="text-sm font-medium">
        AI privacy for {name}
      </label>
      <p id={hintId} className="text-xs text-muted-foreground">
        Covers {name} and everything linked to them: texts, calls, email, events and notes.
      </p>
      <select
        id={selectId}
        aria-describedby={hintId}
        value={rule?.dataClass ?? 'default'}
        disabled={pending}
        onChange={(e) => {
          const choice = e.target.value as Choice;
          void save(choice === 'default' ? null : ruleFor(choice));
        }}
        className="h-9 w-full max-w-sm rounded-md border border-input bg-background px-2 text-sm"
      >
        {(Object.keys(choiceWords) as Choice[]).map((choice) => (
          <option key={choice} value={choice}>
            {choiceWords[choice]}
          </option>
        ))}
      </select>
      {rule && (
        <label className="inline-flex items-center gap-2 text-sm">
          <input
            type="checkbox"
            checked={rule.cloudRedacted}
            disabled={pending}
            onChange={(e) => void save({ dataClass: rule.dataClass, cloudRedacted: e.target.checked })}
            className="size-4"
          />
          Without a local model, a redacted copy may go to the cloud
        </label>
      )}
      <SaveMessage message={message} />
    </div>
  );
}
