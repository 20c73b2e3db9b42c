'use client';
import { createContext, useContext } from 'react';
import type { Caller } from '@/lib/calls';

export type { Caller };

/** Whether this tab is registered with Twilio to ring for incoming calls. */
export type Registration =
  { state: 'off' } | { state: 'registering' } | { state: 'on' } | { state: 'error'; message: string };

/** A call ringing in this browser, not yet answered or declined. */
export interface IncomingCall {
  caller: Caller;
  /** Why Answer did not work (the microphone), shown in the banner while it keeps ringing. */
  problem: string | null;
}

/** The call this tab is on: placed here, or answered here. */
export interface ActiveCall {
  direction: 'inbound' | 'outbound';
  caller: Caller;
  phase: 'connecting' | 'ringing' | 'in-call';
  /** When it was answered (ms since the epoch), for the timer. */
  since: number | null;
  muted: boolean;
  /** The tones sent so far (the last 24). */
  digits: string;
}

/** The tab's one Twilio Device, as every page sees it (components/calls/voice-provider.tsx). */
export interface Voice {
  /** The user has a Twilio number that takes calls. */
  available: boolean;
  /** This browser's choice to ring for incoming calls (localStorage). */
  ringHere: boolean;
  setRingHere(on: boolean): void;
  registration: Registration;
  incoming: IncomingCall | null;
  active: ActiveCall | null;
  /** The last call that failed, in words. */
  error: string | null;
  dismissError(): void;
  place(to: string, connectionId?: string): Promise<void>;
  answer(): Promise<void>;
  decline(): void;
  hangUp(): void;
  setMuted(muted: boolean): void;
  sendDigit(key: string): void;
}

export const VoiceContext = createContext<Voice | null>(null);

export function useVoice(): Voice {
  const voice = useContext(VoiceContext);
  if (!voice) throw new Error('useVoice() needs the VoiceProvider of the app shell above it.');
  return voice;
}
