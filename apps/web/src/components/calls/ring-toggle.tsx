'use client';
import { useId } from 'react';
import { useVoice } from './voice-context';

/**
 * This browser's choice to ring for incoming calls (every browser with it on rings; in one
 * browser, one tab holds the connection to Twilio and every tab shows the call), and how that
 * is going. The choice is the browser's (localStorage): turned off here, it is off in every tab.
 */
export function RingToggle() {
  const { available, role, ringHere, setRingHere, registration } = useVoice();
  const ids = { toggle: useId(), state: useId() };
  if (!available) return null;
  const state = !ringHere
    ? 'Calls to your number do not ring in this browser.'
    : registration.state === 'on'
      ? role === 'follower'
        ? 'This browser rings for your calls: another of its tabs is connected to Twilio, and every tab shows the call.'
        : 'This browser rings for your calls.'
      : registration.state === 'error'
        ? registration.message
        : 'Connecting to Twilio…';
  return (
    <div className="border-t border-border pt-4">
      <div className="flex items-center justify-between gap-3">
        <label htmlFor={ids.toggle} className="text-sm font-medium">
          Ring in this browser
        </label>
        <button
          id={ids.toggle}
          type="button"
          role="switch"
          aria-checked={ringHere}
          aria-describedby={ids.state}
          onClick={() => setRingHere(!ringHere)}
          className="group relative inline-flex h-6 w-11 shrink-0 items-center rounded-full border-2 border-transparent bg-muted-foreground/40 outline-none transition-colors focus-visible:ring-2 focus-visible:ring-ring focus-visible:ring-offset-2 aria-checked:bg-primary"
        >
          <span
            aria-hidden="true"
            className="inline-block size-5 translate-x-0 rounded-full bg-background shadow transition-transform group-aria-checked:translate-x-5"
          />
        </button>
      </div>
      <p
        id={ids.state}
        aria-live="polite"
        className={
          registration.state === 'error' && ringHere
            ? 'mt-1 text-sm text-destructive'
            : 'mt-1 text-sm text-muted-foreground'
        }
      >
        {state}
      </p>
    </div>
  );
}
