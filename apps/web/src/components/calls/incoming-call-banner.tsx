'use client';
import { Phone, PhoneIncoming, PhoneOff } from 'lucide-react';
import { useId, useState, type KeyboardEvent } from 'react';
import { Button } from '@/components/ui/button';
import { useVoice, type IncomingCall } from './voice-context';

/**
 * A call ringing in this browser, on whatever page is open: who is calling (the contact's name
 * when the hub knows the number), Answer and Decline. It does not take the keyboard focus (a
 * keystroke meant for a form must not answer a call): it is announced, and it is the first stop
 * of Tab from the top of the page. Escape does nothing to the call: it only ends by Answer,
 * Decline, the caller hanging up or another browser answering. In a tab that does not hold the
 * browser's registration (`elsewhere`) it says where the call rings; Answer and Decline act on it
 * there (ring-follower.ts).
 */
export function IncomingCallBanner({
  incoming,
  onAnswer,
  onDecline,
}: {
  incoming: IncomingCall;
  onAnswer: () => Promise<void>;
  onDecline: () => void;
}) {
  const ids = { title: useId(), problem: useId(), where: useId() };
  const [answering, setAnswering] = useState(false);
  const { caller, problem } = incoming;
  const who = caller.name ?? caller.label;

  function keepRinging(event: KeyboardEvent) {
    // Escape elsewhere closes things; here it must not look like it dismissed the call.
    if (event.key === 'Escape') event.stopPropagation();
  }

  return (
    <section
      aria-labelledby={ids.title}
      onKeyDown={keepRinging}
      className="fixed inset-x-3 bottom-3 z-50 rounded-lg border border-primary bg-background p-4 shadow-lg sm:inset-x-auto sm:bottom-6 sm:right-6 sm:w-96"
    >
      <div className="flex items-start gap-3">
        <span className="mt-0.5 flex size-10 shrink-0 items-center justify-center rounded-full bg-primary/10 text-primary">
          <PhoneIncoming className="size-5 motion-safe:animate-pulse" aria-hidden="true" />
        </span>
        <div className="min-w-0 flex-1">
          <h2 id={ids.title} className="text-sm text-muted-foreground">
            Incoming call
          </h2>
          {/* Said at once by screen readers, wherever their focus is. */}
          <p role="alert" className="min-w-0">
            <span className="sr-only">Incoming call from </span>
            <span className="block truncate text-lg font-semibold">{who}</span>
            {caller.name && <span className="block truncate text-sm text-muted-foreground">{caller.label}</span>}
          </p>
          {incoming.elsewhere && (
            <p id={ids.where} className="mt-1 text-sm text-muted-foreground">
              Ringing in another tab of this browser. You can answer here; the sound comes from that tab.
            </p>
          )}
        </div>
      </div>
      {problem && (
        <p id={ids.problem} role="alert" className="mt-3 text-sm text-destructive">
          {problem}
        </p>
      )}
      <div className="mt-4 grid grid-cols-2 gap-2">
        <Button
          aria-describedby={
            [problem && ids.problem, incoming.elsewhere && ids.where].filter(Boolean).join(' ') || undefined
          }
          disabled={answering}
          onClick={async () => {
            setAnswering(true);
            try {
              await onAnswer();
            } finally {
              setAnswering(false);
            }
          }}
        >
          <Phone aria-hidden="true" />
          {answering ? 'Answering…' : 'Answer'}
        </Button>
        <Button variant="destructive" onClick={onDecline}>
          <PhoneOff aria-hidden="true" />
          Decline
        </Button>
      </div>
    </section>
  );
}

/** The banner for the call ringing now, if any (in the app shell: every page). */
export function IncomingCallAlert() {
  const { incoming, answer, decline } = useVoice();
  return incoming ? <IncomingCallBanner incoming={incoming} onAnswer={answer} onDecline={decline} /> : null;
}
