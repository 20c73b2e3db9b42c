'use client';
import { useRouter } from 'next/navigation';
import { useId, useState, type FormEvent } from 'react';
import { Button } from '@/components/ui/button';
import { Label } from '@/components/ui/label';
import { LocalTime } from '@/components/ui/local-time';
import { useToast } from '@/components/ui/toast';
import { setStayInTouchAction } from '@/lib/actions/timeline';

const CHOICES = [1, 2, 3, 4, 6, 8, 12, 26, 52];
const WEEK_MS = 7 * 24 * 3600 * 1000;
const every = (weeks: number) => (weeks === 1 ? 'every week' : `every ${weeks} weeks`);

/**
 * "Last contacted" and "stay in touch every N weeks": when the period passes without a text,
 * call, note or event with them, a reminder task appears on the home page.
 */
export function StayInTouch({
  personId,
  name,
  weeks: initial,
  lastContacted,
}: {
  personId: string;
  name: string;
  weeks: number | null;
  lastContacted: string | null;
}) {
  const [weeks, setWeeks] = useState(initial);
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string>();
  const router = useRouter();
  const toast = useToast();
  const selectId = useId();
  const choices =
    initial !== null && !CHOICES.includes(initial) ? [...CHOICES, initial].sort((a, b) => a - b) : CHOICES;
  const dueAt =
    weeks !== null && lastContacted ? new Date(Date.parse(lastContacted) + weeks * WEEK_MS).toISOString() : null;

  async function save(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const value = String(new FormData(event.currentTarget).get('weeks') ?? '');
    const next = value === '' ? null : Number(value);
    setPending(true);
    setError(undefined);
    const result = await setStayInTouchAction(personId, next);
    setPending(false);
    if (!result.ok) {
      setError(result.error);
      return;
    }
    setWeeks(next);
    toast({ title: next === null ? 'Reminder turned off' : `You will be reminded to get in touch ${every(next)}` });
    router.refresh();
  }

  return (
    <div className="grid gap-3 text-sm">
      <p>
        <span className="text-muted-foreground">Last contacted: </span>
        {lastContacted ? (
          <LocalTime iso={lastContacted} options={{ dateStyle: 'medium', timeStyle: undefined }} />
        ) : (
          'not yet'
        )}
        {dueAt && (
          <>
            <span className="text-muted-foreground"> · next reminder </span>
            <LocalTime iso={dueAt} options={{ dateStyle: 'medium', timeStyle: undefined }} />
          </>
        )}
      </p>
      <form onSubmit={save} className="flex flex-wrap items-end gap-2" aria-label={`Stay in touch with ${name}`}>
        <div className="grid gap-1.5">
          <Label htmlFor={selectId}>Stay in touch</Label>
          <select
            id={selectId}
            name="weeks"
            defaultValue={initial === null ? '' : String(initial)}
            aria-describedby={error ? `${selectId}-error` : undefined}
            className="h-10 rounded-md border border-input bg-background px-3 text-base text-foreground outline-none focus-visible:ring-2 focus-visible:ring-ring sm:text-sm"
          >
            <option value="">No reminder</option>
            {choices.map((n) => (
              <option key={n} value={n}>
                {every(n).replace(/^e/, 'E')}
              </option>
            ))}
          </select>
        </div>
        <Button type="submit" variant="outline" disabled={pending} aria-busy={pending}>
          Save
        </Button>
      </form>
      {error && (
        <p id={`${selectId}-error`} role="alert" className="text-destructive">
          {error}
        </p>
      )}
    </div>
  );
}
