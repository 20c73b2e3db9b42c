'use client';
import { useId } from 'react';
import { Label } from '@/components/ui/label';
import type { Sender } from '@/lib/messages/senders';

/**
 * "From": which of your numbers or mail accounts sends it. Shown only when there are several
 * (with one, the hub uses it); `hint` says what the choice is between.
 */
export function FromPicker({
  senders,
  value,
  onChange,
  hint,
  disabled,
}: {
  senders: readonly Sender[];
  value: string | undefined;
  onChange: (id: string) => void;
  hint: string;
  disabled?: boolean;
}) {
  const id = useId();
  if (senders.length < 2) return null;
  return (
    <div className="grid gap-1.5">
      <Label htmlFor={id}>From</Label>
      <select
        id={id}
        value={value ?? senders[0]!.id}
        disabled={disabled}
        aria-describedby={`${id}-hint`}
        onChange={(event) => onChange(event.target.value)}
        className="h-10 w-full min-w-0 rounded-md border border-input bg-background px-3 text-base text-foreground outline-none focus-visible:ring-2 focus-visible:ring-ring disabled:opacity-60 sm:text-sm"
      >
        {senders.map((sender) => (
          <option key={sender.id} value={sender.id}>
            {sender.label}
          </option>
        ))}
      </select>
      <p id={`${id}-hint`} className="text-xs text-muted-foreground">
        {hint}
      </p>
    </div>
  );
}
