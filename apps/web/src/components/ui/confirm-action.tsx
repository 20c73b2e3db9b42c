'use client';
import { useState } from 'react';
import { Button } from '@/components/ui/button';

export interface ConfirmActionProps {
  /** The first button's text ("Revoke"); its accessible name adds the subject ("Revoke Pixel 8"). */
  label: string;
  /** The button that acts ("Revoke now"); named "<label> <subject> now". */
  confirmLabel: string;
  /** The button that steps back without acting. */
  cancelLabel?: string;
  /** What is acted on, for the buttons' accessible names. */
  subject: string;
  /** Runs on the second press; the buttons go back to their first state once it has finished. */
  onConfirm: () => Promise<void> | void;
  /** Told when the second press is being asked for (to show what acting will do) and when it is not. */
  onConfirmingChange?: (confirming: boolean) => void;
}

/**
 * A destructive action that asks first: one press shows "<confirm>" and "<cancel>" in its place,
 * and only the second press acts. Renders buttons only, so it sits in its caller's row.
 */
export function ConfirmAction({
  label,
  confirmLabel,
  cancelLabel = 'Keep it',
  subject,
  onConfirm,
  onConfirmingChange,
}: ConfirmActionProps) {
  const [confirming, setConfirming] = useState(false);
  const ask = (value: boolean) => {
    setConfirming(value);
    onConfirmingChange?.(value);
  };

  async function confirm() {
    await onConfirm();
    ask(false);
  }

  if (!confirming) {
    return (
      <Button type="button" variant="outline" size="sm" onClick={() => ask(true)} aria-label={`${label} ${subject}`}>
        {label}
      </Button>
    );
  }
  return (
    <>
      <Button type="button" variant="destructive" size="sm" onClick={confirm} aria-label={`${label} ${subject} now`}>
        {confirmLabel}
      </Button>
      <Button type="button" variant="ghost" size="sm" onClick={() => ask(false)}>
        {cancelLabel}
      </Button>
    </>
  );
}
