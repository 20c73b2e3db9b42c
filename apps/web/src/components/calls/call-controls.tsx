'use client';
import { Grid3x3, Mic, MicOff, PhoneOff } from 'lucide-react';
import { Button } from '@/components/ui/button';
import { cn } from '@/lib/utils';
import { CallTimer } from './call-timer';
import type { ActiveCall } from './voice-context';

/** "Connecting to …", "Ringing …", "On a call with …" */
export function callStatus(active: ActiveCall): string {
  const who = active.caller.name ?? active.caller.label;
  return active.phase === 'connecting'
    ? `Connecting to ${who}…`
    : active.phase === 'ringing'
      ? `Ringing ${who}…`
      : `On a call with ${who}`;
}

/** Mute, Keypad and Hang up: the dialer's large ones and the in-call bar's compact ones. */
export function CallControls({
  active,
  showKeys,
  onToggleKeys,
  onMute,
  onHangUp,
  compact = false,
}: {
  active: ActiveCall;
  showKeys: boolean;
  onToggleKeys: () => void;
  onMute: (muted: boolean) => void;
  onHangUp: () => void;
  compact?: boolean;
}) {
  const size = compact ? 'default' : 'lg';
  const inCall = active.phase === 'in-call';
  const label = cn(compact && 'max-sm:sr-only');
  // The dialer's: three equal columns of its width ("Unmute" is wider than "Mute": never past the edge).
  const button = cn(!compact && 'w-full px-2');
  return (
    <div className={cn(compact ? 'flex justify-center gap-2' : 'grid w-full grid-cols-3 gap-2')}>
      <Button
        variant="outline"
        size={size}
        className={button}
        aria-pressed={active.muted}
        disabled={!inCall}
        onClick={() => onMute(!active.muted)}
      >
        {active.muted ? <MicOff aria-hidden="true" /> : <Mic aria-hidden="true" />}
        <span className={label}>{active.muted ? 'Unmute' : 'Mute'}</span>
      </Button>
      <Button
        variant="outline"
        size={size}
        className={button}
        aria-pressed={showKeys}
        disabled={!inCall}
        onClick={onToggleKeys}
      >
        <Grid3x3 aria-hidden="true" />
        <span className={label}>Keypad</span>
      </Button>
      <Button variant="destructive" size={size} className={button} onClick={onHangUp}>
        <PhoneOff aria-hidden="true" />
        <span className={label}>Hang up</span>
      </Button>
    </div>
  );
}

/** The status line, with the timer once the call is answered. */
export function CallStatusLine({ active, className }: { active: ActiveCall; className?: string }) {
  return (
    <p aria-live="polite" className={className}>
      {callStatus(active)}
      {active.phase === 'in-call' && active.since !== null && (
        <>
          {' '}
          <CallTimer since={active.since} />
        </>
      )}
    </p>
  );
}

/**
 * For a call held by another tab of this browser (the leader's incoming call, or one placed
 * there): where its sound is, and that closing that tab ends it (the call lives in its page).
 */
export function CallElsewhere({ active, className }: { active: ActiveCall; className?: string }) {
  if (!active.elsewhere) return null;
  return (
    <p className={cn('text-xs text-muted-foreground', className)}>
      The sound and microphone are in another tab of this browser: closing that tab ends the call.
    </p>
  );
}
