'use client';
import { LoaderCircle } from 'lucide-react';
import { useState } from 'react';
import { setSignUpOpenAction } from '@/lib/actions/account';

/** For the hub's owner: whether anyone else may create an account here. */
export function SignUpSwitch({ initial }: { initial: boolean }) {
  const [open, setOpen] = useState(initial);
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string>();

  async function toggle() {
    const next = !open;
    setPending(true);
    setError(undefined);
    const result = await setSignUpOpenAction(next);
    setPending(false);
    if (!result.ok) return setError(result.error);
    setOpen(result.data.signUpOpen ?? next);
  }

  return (
    <div className="grid gap-2">
      <div className="flex items-center gap-3">
        <button
          type="button"
          role="switch"
          aria-checked={open}
          aria-labelledby="sign-up-label"
          aria-describedby="sign-up-state"
          onClick={toggle}
          disabled={pending}
          className="relative inline-flex h-6 w-11 shrink-0 items-center rounded-full border-2 border-transparent bg-muted-foreground/40 transition-colors outline-offset-2 aria-checked:bg-primary disabled:opacity-60"
        >
          <span
            aria-hidden="true"
            className={`inline-block size-5 rounded-full bg-background shadow transition-transform ${open ? 'translate-x-5' : 'translate-x-0'}`}
          />
        </button>
        <span id="sign-up-label" className="text-sm font-medium">
          Let new people sign up
        </span>
        {pending && <LoaderCircle className="size-4 animate-spin text-muted-foreground" aria-label="Saving" />}
      </div>
      <p id="sign-up-state" role="status" className="text-sm text-muted-foreground">
        {open
          ? 'Open: anyone who can reach this hub can create an account.'
          : 'Closed: only existing accounts can sign in. New sign-ups are refused.'}
      </p>
      {error && (
        <p role="alert" className="text-sm text-destructive">
          {error}
        </p>
      )}
    </div>
  );
}
