'use client';
import { LoaderCircle } from 'lucide-react';
import { useId, useState } from 'react';
import { setCallRecordingAction } from '@/lib/actions/connections';
import type { Connection } from '@/lib/connections/model';

/**
 * Record this number's outgoing calls, or stop: the next call's TwiML follows at once.
 * Recordings already made stay in the owner's Storage.
 */
export function CallRecordingSwitch({ connection }: { connection: Connection }) {
  const note = useId();
  const stored = connection.options?.recordOutgoingCalls === true;
  const [on, setOn] = useState(stored);
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string>();

  async function change(next: boolean) {
    setOn(next);
    setPending(true);
    setError(undefined);
    const result = await setCallRecordingAction(connection.id, next);
    setPending(false);
    if (!result.ok) {
      setOn(!next); // what the hub still has
      setError(result.error);
    }
  }

  return (
    <div className="grid gap-1">
      <label className="flex items-start gap-2 text-sm">
        <input
          type="checkbox"
          checked={on}
          disabled={pending}
          onChange={(event) => void change(event.target.checked)}
          aria-describedby={note}
          className="mt-1"
        />
        <span className="grid gap-0.5">
          <span className="flex items-center gap-2">
            Record my outgoing calls (both sides, kept in my storage)
            {pending && <LoaderCircle className="size-3.5 animate-spin" aria-label="Saving" />}
          </span>
          <span id={note} className="text-xs text-muted-foreground">
            In many places you must tell the other person that the call is recorded.
          </span>
        </span>
      </label>
      {error && (
        <p role="alert" className="text-sm text-destructive">
          {error}
        </p>
      )}
    </div>
  );
}
